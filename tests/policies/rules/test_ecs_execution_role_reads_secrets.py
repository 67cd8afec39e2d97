"""ecs-execution-role-reads-secrets on stacks built from plain resources: one change per case, exact messages."""

from __future__ import annotations

from model.values import UNKNOWN
from tests.policies.rules.execution_role_cases import (
    GROUP,
    KEY_ARN,
    KEY_ID,
    NAMES,
    OFF,
    PARAMS,
    PRINCIPAL,
    READS,
    ROLE,
    TASK,
    VIA_SSM,
    access_denied,
    container,
    secrets_policy,
    stack,
)
from tests.policies.test_ecs_harness import ACCOUNT, REGION, run_stack, spec


def test_only_the_managed_policy_cannot_read_the_parameters():
    outcome = run_stack(READS, stack(drop=("exec-secrets",)), OFF)

    assert len(outcome.messages) == 4  # three parameters and their one key
    assert outcome.messages[0] == (
        f"{TASK} container 'web' secret 'DB_URL' (valueFrom '{PARAMS[0]}'): execution role Role 'exec' cannot call "
        f"ssm:GetParameters on {PARAMS[0]}: no statement allows ssm:GetParameters on {PARAMS[0]}. ECS would stop "
        f"the task with: {access_denied('ssm:GetParameters', PARAMS[0])}. Add this statement to the execution role: "
        f'{{"Effect": "Allow", "Action": "ssm:GetParameters", "Resource": "{PARAMS[0]}"}}'
    )
    assert [m.split(":")[0] for m in outcome.messages[2:]] == [
        f"{TASK} container 'web' secret 'DB_USERNAME' (valueFrom 'arn",
        f"{TASK} container 'web' secret 'DB_PASSWORD' (valueFrom 'arn"]


def test_a_securestring_under_a_customer_key_needs_kms_decrypt():
    policy = secrets_policy({"Effect": "Allow", "Action": "ssm:GetParameters", "Resource": PARAMS})
    rp = spec("aws:iam/rolePolicy:RolePolicy", "exec-secrets", {"role": ROLE, "policy": policy})

    outcome = run_stack(READS, stack(**{"exec-secrets": rp}), OFF)

    assert outcome.messages == [
        f"{TASK} container 'web' secret 'DB_URL' (valueFrom '{PARAMS[0]}'): the parameter is encrypted with the "
        f"customer-managed KMS key Key 'secrets-key', and execution role Role 'exec' cannot call kms:Decrypt on "
        f"{KEY_ARN}: no statement allows kms:Decrypt on {KEY_ARN}. ECS would stop the task with: "
        f"{access_denied('kms:Decrypt', KEY_ARN)}. Add this statement to the execution role: "
        f'{{"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "{KEY_ARN}", "Condition": {{"StringEquals": '
        f'{{"kms:ViaService": "ssm.{REGION}.amazonaws.com"}}}}}}'
    ]


def test_a_kms_grant_scoped_to_another_service_does_not_count():
    policy = secrets_policy({"Effect": "Allow", "Action": "ssm:GetParameters", "Resource": PARAMS},
                            {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": KEY_ARN, "Condition": {
                                "StringEquals": {"kms:ViaService": f"secretsmanager.{REGION}.amazonaws.com"}}})
    rp = spec("aws:iam/rolePolicy:RolePolicy", "exec-secrets", {"role": ROLE, "policy": policy})

    outcome = run_stack(READS, stack(**{"exec-secrets": rp}), OFF)

    assert [m.split(": ", 2)[1] for m in outcome.messages] == [
        "the parameter is encrypted with the customer-managed KMS key Key 'secrets-key', and execution role Role "
        "'exec' cannot call kms:Decrypt on " + KEY_ARN]


def test_parameters_on_the_default_key_need_no_kms_grant():
    policy = secrets_policy({"Effect": "Allow", "Action": "ssm:GetParameters", "Resource": PARAMS})
    replaced = {f"db-{n}": spec("aws:ssm/parameter:Parameter", f"db-{n}", {"name": f"/library/db/{n}",
                                                                          "type": "SecureString"}) for n in NAMES}
    rp = spec("aws:iam/rolePolicy:RolePolicy", "exec-secrets", {"role": ROLE, "policy": policy})

    outcome = run_stack(READS, stack(**{"exec-secrets": rp}, **replaced), OFF)

    assert (outcome.messages, outcome.unknowns) == ([], [])


def test_the_alias_aws_ssm_key_needs_no_grant_and_plain_strings_no_key():
    policy = secrets_policy({"Effect": "Allow", "Action": "ssm:GetParameters", "Resource": PARAMS})
    rp = spec("aws:iam/rolePolicy:RolePolicy", "exec-secrets", {"role": ROLE, "policy": policy})
    url = spec("aws:ssm/parameter:Parameter", "db-url", {"name": "/library/db/url", "type": "String"})
    user = spec("aws:ssm/parameter:Parameter", "db-username", {"name": "/library/db/username", "type": "SecureString",
                                                               "keyId": "alias/aws/ssm"})
    password = spec("aws:ssm/parameter:Parameter", "db-password", {"name": "/library/db/password",
                                                                   "type": "SecureString", "keyId": "alias/aws/ssm"})

    outcome = run_stack(READS, stack(**{"exec-secrets": rp, "db-url": url, "db-username": user,
                                        "db-password": password}), OFF)

    assert (outcome.messages, outcome.unknowns) == ([], [])


def test_an_explicit_deny_wins_over_the_grant():
    policy = secrets_policy(
        {"Effect": "Allow", "Action": "ssm:GetParameters", "Resource": PARAMS},
        {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": KEY_ARN, "Condition": VIA_SSM},
        {"Sid": "NoPasswords", "Effect": "Deny", "Action": "ssm:*", "Resource": "arn:aws:ssm:*:*:parameter/*/password"})
    rp = spec("aws:iam/rolePolicy:RolePolicy", "exec-secrets", {"role": ROLE, "policy": policy})

    outcome = run_stack(READS, stack(**{"exec-secrets": rp}), OFF)

    assert outcome.messages == [
        f"{TASK} container 'web' secret 'DB_PASSWORD' (valueFrom '{PARAMS[2]}'): execution role Role 'exec' cannot "
        f"call ssm:GetParameters on {PARAMS[2]}: ssm:GetParameters on {PARAMS[2]} is denied by statement 3 "
        "(NoPasswords) of RolePolicy 'exec-secrets'. ECS would stop the task with: AccessDeniedException: User: "
        f"{PRINCIPAL} is not authorized to perform: ssm:GetParameters on resource: {PARAMS[2]} with an explicit deny "
        "in an identity-based policy. Remove or narrow the Deny in RolePolicy 'exec-secrets'; then the role needs "
        f'{{"Effect": "Allow", "Action": "ssm:GetParameters", "Resource": "{PARAMS[2]}"}}'
    ]


def test_the_broad_grants_of_the_field_notes_pass_this_rule():
    policy = secrets_policy({"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "*"})
    rp = spec("aws:iam/rolePolicy:RolePolicy", "exec-secrets", {"role": ROLE, "policy": policy})
    ssm_ro = spec("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "exec-ssm",
                  {"role": ROLE, "policyArn": "arn:aws:iam::aws:policy/AmazonSSMReadOnlyAccess"})

    outcome = run_stack(READS, stack(**{"exec-secrets": rp, "exec-ssm": ssm_ro}), OFF)

    assert (outcome.messages, outcome.unknowns) == ([], [])


def test_parameter_names_resolve_in_the_task_region():
    task = container(secrets=[{"name": "DB_URL", "valueFrom": "/library/db/url"}])

    outcome = run_stack(READS, stack(definitions=[task]), OFF)

    assert (outcome.messages, outcome.unknowns) == ([], [])


def test_a_value_from_that_is_no_secret_is_a_violation():
    task = container(secrets=[{"name": "DB_URL", "valueFrom": f"arn:aws:s3:::bucket/{GROUP}"}])

    outcome = run_stack(READS, stack(definitions=[task]), OFF)

    assert outcome.messages == [
        f"{TASK} container 'web' secret 'DB_URL' (valueFrom 'arn:aws:s3:::bucket/{GROUP}'): s3 ARNs are not secrets "
        "ECS can read; use an SSM parameter or a Secrets Manager secret."
    ]


SECRET_ARN = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:library/db-AbCdEf"


def secrets_manager_stack(key_ref, grant, **extra):
    task = container(secrets=[{"name": "DB_PASSWORD", "valueFrom": f"{SECRET_ARN}:password::"}])
    secret = spec("aws:secretsmanager/secret:Secret", "db", {"name": "library/db", "arn": SECRET_ARN,
                                                             "kmsKeyId": key_ref})
    alias = spec("aws:kms/alias:Alias", "secrets-alias", {"name": "alias/library", "targetKeyId": KEY_ID})
    rp = spec("aws:iam/rolePolicy:RolePolicy", "exec-secrets", {"role": ROLE, "policy": secrets_policy(*grant)})
    return stack(definitions=[task], db=secret, **{"secrets-alias": alias, "exec-secrets": rp}, **extra)


def test_a_secrets_manager_json_key_reference_needs_the_secret_and_its_key_through_an_alias():
    outcome = run_stack(READS, secrets_manager_stack("alias/library", [
        {"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": SECRET_ARN}]), OFF)

    via = f"secretsmanager.{REGION}.amazonaws.com"
    assert outcome.messages == [
        f"{TASK} container 'web' secret 'DB_PASSWORD' (valueFrom '{SECRET_ARN}:password::'): the secret is "
        f"encrypted with the customer-managed KMS key Key 'secrets-key', and execution role Role 'exec' cannot call "
        f"kms:Decrypt on {KEY_ARN}: no statement allows kms:Decrypt on {KEY_ARN}. ECS would stop the task with: "
        f"{access_denied('kms:Decrypt', KEY_ARN)}. Add this statement to the execution role: "
        f'{{"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "{KEY_ARN}", "Condition": {{"StringEquals": '
        f'{{"kms:ViaService": "{via}"}}}}}}'
    ]


def test_a_secret_on_the_default_key_needs_only_get_secret_value():
    outcome = run_stack(READS, secrets_manager_stack(None, [
        {"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": SECRET_ARN}]), OFF)

    assert (outcome.messages, outcome.unknowns) == ([], [])


def test_a_partial_secret_arn_is_granted_with_the_suffix_wildcard():
    task = container(secrets=[{"name": "DB", "valueFrom": f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:other"}])

    outcome = run_stack(READS, stack(definitions=[task]), OFF)

    # The secret is outside the stack and look-ups are off: its resource policy, which could grant the
    # read on its own in one account (Secrets Manager User Guide, "Resource-based policies"), is not read.
    partial = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:other-<unknown>"
    where = f"{TASK} container 'web' secret 'DB' (valueFrom 'arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:other')"
    assert outcome.messages == []
    assert outcome.unknowns == [
        f"{where}: no policy of execution role Role 'exec' allows secretsmanager:GetSecretValue on {partial}, and only "
        f"the resource policy of secret arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:other (not read: live "
        "look-ups are off (liveLookups: off)) could grant it (to grant it in the role instead: "
        '{"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": '
        f'"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:other-??????"}})',
        f"{where}: the KMS key that encrypts it (secret other is not in the stack and was not read: live look-ups are off "
        "(liveLookups: off))"]


def preview_stack(policy_value, policy_deps):
    key = spec("aws:kms/key:Key", "secrets-key", {"arn": UNKNOWN, "keyId": UNKNOWN})
    params = {f"db-{n}": spec("aws:ssm/parameter:Parameter", f"db-{n}", {
        "name": f"/library/db/{n}", "type": "SecureString", "keyId": UNKNOWN}, deps={"keyId": ["secrets-key"]})
        for n in NAMES}
    rp = spec("aws:iam/rolePolicy:RolePolicy", "exec-secrets", {"role": ROLE, "policy": policy_value},
              deps={"policy": policy_deps})
    return stack(**{"secrets-key": key, "exec-secrets": rp}, **params)


def test_at_preview_an_unknown_key_arn_in_a_structured_policy_is_matched_through_the_graph():
    document = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "ssm:GetParameters", "Resource": PARAMS},
        {"Effect": "Allow", "Action": ["kms:Decrypt"], "Resource": UNKNOWN, "Condition": VIA_SSM}]}

    outcome = run_stack(READS, preview_stack(document, ["secrets-key"]), OFF)

    assert (outcome.messages, outcome.unknowns) == ([], [])


def test_at_preview_a_policy_on_another_key_is_a_violation():
    other = spec("aws:kms/key:Key", "other-key", {"arn": UNKNOWN, "keyId": UNKNOWN})
    document = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "ssm:GetParameters", "Resource": PARAMS},
        {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": UNKNOWN}]}

    outcome = run_stack(READS, preview_stack(document, ["other-key"]) + [other], OFF)

    key = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/<unknown>"
    assert [m.split(": ", 2)[2].split(". ECS")[0] for m in outcome.messages] == [
        f"no statement allows kms:Decrypt on {key}"]


def test_at_preview_an_unknown_policy_document_is_inconclusive_and_named():
    outcome = run_stack(READS, preview_stack(UNKNOWN, ["secrets-key"]), OFF)

    key = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/<unknown>"
    assert outcome.messages == []
    assert outcome.unknowns == [
        f"{TASK} execution role Role 'exec': ssm:GetParameters on {PARAMS[0]} may be denied by RolePolicy "
        "'exec-secrets', which is not known yet",
        f"{TASK} execution role Role 'exec': kms:Decrypt on {key} may be denied by RolePolicy 'exec-secrets', "
        "which is not known yet",
        f"{TASK} execution role Role 'exec': ssm:GetParameters on {PARAMS[1]} may be denied by RolePolicy "
        "'exec-secrets', which is not known yet",
        f"{TASK} execution role Role 'exec': ssm:GetParameters on {PARAMS[2]} may be denied by RolePolicy "
        "'exec-secrets', which is not known yet",
    ]


def test_at_preview_an_unknown_parameter_key_without_a_dependency_is_inconclusive():
    params = {f"db-{n}": spec("aws:ssm/parameter:Parameter", f"db-{n}", {
        "name": f"/library/db/{n}", "type": "SecureString", "keyId": UNKNOWN}) for n in NAMES}

    outcome = run_stack(READS, stack(**params), OFF)

    assert outcome.messages == []
    assert outcome.unknowns[0] == (
        f"{TASK} container 'web' secret 'DB_URL' (valueFrom '{PARAMS[0]}'): the KMS key that encrypts it "
        "(Parameter 'db-url' keyId is not known yet)")
    assert len(outcome.unknowns) == 3


def test_an_attached_policy_created_in_the_stack_is_read_by_its_computed_arn():
    policy = spec("aws:iam/policy:Policy", "secrets-read", {"name": "library-secrets", "path": "/", "arn": UNKNOWN,
                                                            "policy": secrets_policy()})
    attach = spec("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "exec-secrets",
                  {"role": ROLE, "policyArn": f"arn:aws:iam::{ACCOUNT}:policy/library-secrets"})

    outcome = run_stack(READS, stack(**{"exec-secrets": attach}) + [policy], OFF)

    assert (outcome.messages, outcome.unknowns) == ([], [])
