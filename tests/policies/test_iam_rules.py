"""The execution-role rules on raw resources, through the real pulumi-policy validate path.

The compliant stack is field notes §1 done right: the Spring Boot task definition with three
SecureString parameters under a customer-managed key, awslogs, a private ECR image, and an
execution role trusted by ecs-tasks.amazonaws.com with AmazonECSTaskExecutionRolePolicy and a
scoped inline policy. Each failing test changes one thing.
"""

import json

import pytest

import iam
from model.values import UNKNOWN
from tests.policies.test_ecs_harness import ACCOUNT, REGION, containers, run_stack, spec

TRUSTED, READS, PULLS, LEAST = iam.POLICIES
OFF = {"liveLookups": "off"}

ROLE = "ecsTaskExecutionRole"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/{ROLE}"
KEY_ID = "1234abcd-12ab-34cd-56ef-1234567890ab"
KEY_ARN = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/{KEY_ID}"
NAMES = ("url", "username", "password")
PARAMS = [f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/library/db/{n}" for n in NAMES]
IMAGE = f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/library:1.0"
GROUP = "/ecs/library-management-task"
EXEC_MANAGED = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"
ECS_TRUST = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
VIA_SSM = {"StringEquals": {"kms:ViaService": f"ssm.{REGION}.amazonaws.com"}}
DENIED_BY_NOTHING = "because no identity-based policy allows the {0} action"
PRINCIPAL = f"arn:aws:sts::{ACCOUNT}:assumed-role/{ROLE}/<task-id>"
TASK = "TaskDefinition 'library-task'"


def secrets_policy(*statements):
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements) or [
        {"Effect": "Allow", "Action": "ssm:GetParameters", "Resource": PARAMS},
        {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": KEY_ARN, "Condition": VIA_SSM},
    ]})


def container(**changes):
    base = {
        "name": "web", "image": IMAGE, "portMappings": [{"containerPort": 8081}],
        "environment": [{"name": "SPRING_PROFILES_ACTIVE", "value": "prod"}],
        "secrets": [{"name": f"DB_{n.upper()}", "valueFrom": p} for n, p in zip(NAMES, PARAMS, strict=True)],
        "logConfiguration": {"logDriver": "awslogs", "options": {
            "awslogs-group": GROUP, "awslogs-region": REGION, "awslogs-stream-prefix": "web"}},
    }
    base.update(changes)
    return base


def stack(task_props=None, definitions=None, drop=(), **replace):
    """The compliant stack; `replace` swaps a resource by logical name, `drop` removes some."""
    resources = {
        "exec": spec("aws:iam/role:Role", "exec", {"name": ROLE, "assumeRolePolicy": json.dumps(ECS_TRUST),
                                                   "arn": ROLE_ARN}),
        "exec-managed": spec("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "exec-managed",
                             {"role": ROLE, "policyArn": EXEC_MANAGED}),
        "exec-secrets": spec("aws:iam/rolePolicy:RolePolicy", "exec-secrets",
                             {"role": ROLE, "policy": secrets_policy()}),
        "secrets-key": spec("aws:kms/key:Key", "secrets-key", {"arn": KEY_ARN, "keyId": KEY_ID}),
        **{f"db-{n}": spec("aws:ssm/parameter:Parameter", f"db-{n}",
                           {"name": f"/library/db/{n}", "type": "SecureString", "keyId": KEY_ARN}) for n in NAMES},
        "logs": spec("aws:cloudwatch/logGroup:LogGroup", "logs", {"name": GROUP}),
        "library-task": spec("aws:ecs/taskDefinition:TaskDefinition", "library-task", {
            "family": "library-task", "executionRoleArn": ROLE_ARN,
            "containerDefinitions": containers(*(definitions or [container()])), **(task_props or {})}),
    }
    for name in drop:
        del resources[name]
    resources.update(replace)
    return list(resources.values())


def access_denied(action, resource):
    return (f"AccessDeniedException: User: {PRINCIPAL} is not authorized to perform: {action} on resource: {resource} "
            + DENIED_BY_NOTHING.format(action))


@pytest.mark.parametrize("policy", iam.POLICIES, ids=lambda p: p.name)
def test_the_compliant_stack_passes_every_rule(policy):
    outcome = run_stack(policy, stack(), OFF)

    assert (outcome.messages, outcome.unknowns) == ([], [])


@pytest.mark.parametrize("policy", iam.POLICIES, ids=lambda p: p.name)
def test_stacks_without_task_definitions_are_ignored(policy):
    outcome = run_stack(policy, [spec("aws:s3/bucket:Bucket", "b", {"bucket": "x"}),
                                 spec("aws:iam/role:Role", "r", {"name": "r", "assumeRolePolicy": "{}"})], OFF)

    assert (outcome.messages, outcome.unknowns, outcome.not_applicable) == (
        [], [], "the stack has no ECS task definition")


def test_the_pack_lists_the_rules_in_catalog_order():
    assert [p.name for p in iam.POLICIES] == [
        "ecs-execution-role-trusted", "ecs-execution-role-reads-secrets", "ecs-execution-role-pulls-and-logs",
        "ecs-roles-least-privilege"]


# ---------------------------------------------------------------- trust (field notes §1.1)


def test_an_execution_role_that_does_not_exist_quotes_the_ecs_error(aws_credentials, moto):
    outcome = run_stack(TRUSTED, stack(drop=("exec", "exec-managed", "exec-secrets")),
                        {"liveLookups": "on", "awsEndpointUrl": moto.url})

    assert outcome.messages == [
        f"{TASK} executionRoleArn '{ROLE_ARN}' names a role that does not exist. ECS would stop the task with: "
        f"ECS was unable to assume the role '{ROLE_ARN}' that was provided for this task. Please verify that the role "
        "being passed has the proper trust relationship and permissions and that your IAM user has permissions to "
        "pass this role. Create the role with a trust policy for ecs-tasks.amazonaws.com and the AWS-managed policy "
        "AmazonECSTaskExecutionRolePolicy, or point executionRoleArn at an existing one."
    ]


def test_a_role_outside_the_stack_without_look_ups_is_inconclusive():
    outcome = run_stack(TRUSTED, stack(drop=("exec", "exec-managed", "exec-secrets")), OFF)

    assert (outcome.messages, outcome.unknowns) == ([], [
        f"{TASK} execution role {ROLE_ARN} (live look-ups are off (liveLookups: off))"])


def test_no_execution_role_with_a_private_ecr_image_quotes_the_registration_error():
    outcome = run_stack(TRUSTED, stack(task_props={"executionRoleArn": None}), OFF)

    assert outcome.messages == [
        f"{TASK} executionRoleArn is not set, but its containers need an execution role for the private ECR image "
        f"{IMAGE}, the awslogs log driver and secrets. AWS fails with: ClientException: Fargate requires task "
        "definition to have execution role ARN to support ECR images. Set executionRoleArn to a role that "
        "ecs-tasks.amazonaws.com can assume, with the AWS-managed policy AmazonECSTaskExecutionRolePolicy attached."
    ]


def test_no_execution_role_with_awslogs_only():
    task = container(image="nginx:1.25", secrets=[])
    outcome = run_stack(TRUSTED, stack(task_props={"executionRoleArn": None}, definitions=[task]), OFF)

    assert outcome.messages == [
        f"{TASK} executionRoleArn is not set, but its containers need an execution role for the awslogs log driver. "
        "AWS fails with: ClientException: Fargate requires task definition to have execution role ARN to support "
        "log driver awslogs. Set executionRoleArn to a role that ecs-tasks.amazonaws.com can assume, with the "
        "AWS-managed policy AmazonECSTaskExecutionRolePolicy attached."
    ]


def test_a_task_that_needs_no_execution_role_may_go_without():
    task = container(image="nginx:1.25", secrets=[], logConfiguration=None)
    outcome = run_stack(TRUSTED, stack(task_props={"executionRoleArn": None}, definitions=[task]), OFF)

    assert (outcome.messages, outcome.unknowns) == ([], [])


def test_a_role_trusted_by_another_service_is_a_violation():
    ec2_trust = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
    role = spec("aws:iam/role:Role", "exec", {"name": ROLE, "assumeRolePolicy": json.dumps(ec2_trust), "arn": ROLE_ARN})

    outcome = run_stack(TRUSTED, stack(exec=role), OFF)

    assert outcome.messages == [
        f"{TASK} execution role Role 'exec': its trust policy does not let ecs-tasks.amazonaws.com assume it (no "
        "statement of the trust policy (assumeRolePolicy) of Role 'exec' lets ecs-tasks.amazonaws.com calling "
        f"sts:AssumeRole). ECS would stop the task with: ECS was unable to assume the role '{ROLE_ARN}' that was "
        "provided for this task. Please verify that the role being passed has the proper trust relationship and "
        "permissions and that your IAM user has permissions to pass this role. Add this statement to the role's "
        'assumeRolePolicy: {"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, '
        '"Action": "sts:AssumeRole"}'
    ]


def test_a_trust_policy_with_a_source_account_condition_is_evaluated():
    trust = {"Version": "2012-10-17", "Statement": [{**ECS_TRUST["Statement"][0], "Condition": {
        "StringEquals": {"aws:SourceAccount": ACCOUNT},
        "ArnLike": {"aws:SourceArn": f"arn:aws:ecs:{REGION}:{ACCOUNT}:*"}}}]}
    role = spec("aws:iam/role:Role", "exec", {"name": ROLE, "assumeRolePolicy": json.dumps(trust), "arn": ROLE_ARN})

    outcome = run_stack(TRUSTED, stack(exec=role), OFF)

    assert (outcome.messages, outcome.unknowns) == ([], [])


def test_a_role_matched_by_name_while_its_arn_is_unknown():
    role = spec("aws:iam/role:Role", "exec", {"name": ROLE, "assumeRolePolicy": json.dumps(ECS_TRUST), "arn": UNKNOWN})

    outcome = run_stack(TRUSTED, stack(exec=role), OFF)

    assert (outcome.messages, outcome.unknowns) == ([], [])


def test_an_unknown_role_arn_is_followed_to_the_role_through_the_graph():
    ec2_trust = json.dumps({"Statement": [
        {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
    role = spec("aws:iam/role:Role", "exec", {"name": UNKNOWN, "assumeRolePolicy": ec2_trust, "arn": UNKNOWN})
    task = spec("aws:ecs/taskDefinition:TaskDefinition", "library-task", {
        "family": "library-task", "executionRoleArn": UNKNOWN, "containerDefinitions": containers(container())},
        deps={"executionRoleArn": ["exec"]})

    outcome = run_stack(TRUSTED, stack(exec=role, **{"library-task": task}), OFF)

    assert len(outcome.messages) == 1
    assert outcome.messages[0].startswith(f"{TASK} execution role Role 'exec': its trust policy does not let")


def test_an_unknown_role_arn_without_a_dependency_is_inconclusive():
    outcome = run_stack(TRUSTED, stack(task_props={"executionRoleArn": UNKNOWN}), OFF)

    assert (outcome.messages, outcome.unknowns) == ([], [
        f"{TASK} executionRoleArn (not known yet, and it depends on no aws:iam/role:Role of this stack)"])


def test_an_unknown_trust_policy_is_inconclusive():
    role = spec("aws:iam/role:Role", "exec", {"name": ROLE, "assumeRolePolicy": UNKNOWN, "arn": ROLE_ARN})

    outcome = run_stack(TRUSTED, stack(exec=role), OFF)

    assert (outcome.messages, outcome.unknowns) == ([], [
        f"{TASK} execution role Role 'exec': the trust policy (assumeRolePolicy) of Role 'exec' is not known yet"])


def test_unknown_container_definitions_without_a_role_are_inconclusive():
    outcome = run_stack(TRUSTED, stack(task_props={"executionRoleArn": None, "containerDefinitions": UNKNOWN}), OFF)

    assert (outcome.messages, outcome.unknowns) == ([], [f"{TASK} containerDefinitions (not known yet)"])


# ---------------------------------------------------------------- secrets (field notes §1.2, §1.3)


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

    partial = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:other-<unknown>"
    assert outcome.messages[0].endswith(
        f'Add this statement to the execution role: {{"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", '
        f'"Resource": "arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:other-??????"}}')
    assert f"cannot call secretsmanager:GetSecretValue on {partial}" in outcome.messages[0]
    assert outcome.unknowns == [
        f"{TASK} container 'web' secret 'DB' (valueFrom 'arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:other'): "
        "the KMS key that encrypts it (secret other is not in the stack and was not read: live look-ups are off "
        "(liveLookups: off))"]


# ---------------------------------------------------------------- preview: unknowns and the graph


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


def test_unknown_container_definitions_are_inconclusive_for_every_rule():
    for policy in (READS, PULLS, LEAST):
        outcome = run_stack(policy, stack(task_props={"containerDefinitions": UNKNOWN}), OFF)

        assert (outcome.messages, outcome.unknowns) == ([], [f"{TASK} containerDefinitions (not known yet)"])


def test_an_attached_policy_created_in_the_stack_is_read_by_its_computed_arn():
    policy = spec("aws:iam/policy:Policy", "secrets-read", {"name": "library-secrets", "path": "/", "arn": UNKNOWN,
                                                            "policy": secrets_policy()})
    attach = spec("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "exec-secrets",
                  {"role": ROLE, "policyArn": f"arn:aws:iam::{ACCOUNT}:policy/library-secrets"})

    outcome = run_stack(READS, stack(**{"exec-secrets": attach}) + [policy], OFF)

    assert (outcome.messages, outcome.unknowns) == ([], [])


def test_inline_policies_and_managed_policy_arns_on_the_role_count():
    role = spec("aws:iam/role:Role", "exec", {
        "name": ROLE, "arn": ROLE_ARN, "assumeRolePolicy": json.dumps(ECS_TRUST),
        "inlinePolicies": [{"name": "secrets", "policy": secrets_policy()}], "managedPolicyArns": [EXEC_MANAGED]})

    for policy in (READS, PULLS):
        outcome = run_stack(policy, stack(exec=role, drop=("exec-managed", "exec-secrets")), OFF)

        assert (outcome.messages, outcome.unknowns) == ([], [])


def test_a_policy_attachment_with_several_roles_counts():
    attach = spec("aws:iam/policyAttachment:PolicyAttachment", "exec-managed",
                  {"roles": ["other", ROLE], "policyArn": EXEC_MANAGED})

    outcome = run_stack(PULLS, stack(**{"exec-managed": attach}), OFF)

    assert (outcome.messages, outcome.unknowns) == ([], [])


# ---------------------------------------------------------------- pull and logs


def test_without_the_managed_policy_the_role_cannot_pull_or_log():
    outcome = run_stack(PULLS, stack(drop=("exec-managed",)), OFF)

    repo = f"arn:aws:ecr:{REGION}:{ACCOUNT}:repository/library"
    group = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{GROUP}"
    assert outcome.messages == [
        f"{TASK} container 'web' image {IMAGE}: execution role Role 'exec' cannot call ecr:GetAuthorizationToken: "
        "no statement allows ecr:GetAuthorizationToken on *. ECS would stop the task with: "
        f"{access_denied('ecr:GetAuthorizationToken', '*')}. Add this statement to the execution role: "
        '{"Effect": "Allow", "Action": "ecr:GetAuthorizationToken", "Resource": "*"}',
        f"{TASK} container 'web' image {IMAGE}: execution role Role 'exec' cannot pull from the repository {repo}: "
        f"no statement allows ecr:BatchCheckLayerAvailability on {repo}; no statement allows "
        f"ecr:GetDownloadUrlForLayer on {repo}; no statement allows ecr:BatchGetImage on {repo}. ECS would stop the "
        f"task with: CannotPullContainerError: {access_denied('ecr:BatchCheckLayerAvailability', repo)}. Add this "
        'statement to the execution role: {"Effect": "Allow", "Action": ["ecr:BatchCheckLayerAvailability", '
        f'"ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"], "Resource": "{repo}"}}',
        f"{TASK} container 'web' logConfiguration awslogs-group '{GROUP}': execution role Role 'exec' cannot call "
        f"logs:CreateLogStream and logs:PutLogEvents on {group}: no statement allows logs:CreateLogStream on "
        f"{group}:log-stream:<unknown>; no statement allows logs:PutLogEvents on {group}:log-stream:<unknown>. ECS "
        "would stop the task with: ResourceInitializationError: failed to validate logger args: "
        f"{access_denied('logs:CreateLogStream', group + ':log-stream:<unknown>')}. Add this statement to the "
        'execution role: {"Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"], '
        f'"Resource": "{group}:*"}}',
    ]


def test_scoped_pull_and_log_grants_pass():
    repo = f"arn:aws:ecr:{REGION}:{ACCOUNT}:repository/library"
    group = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{GROUP}:*"
    policy = secrets_policy(
        {"Effect": "Allow", "Action": "ecr:GetAuthorizationToken", "Resource": "*"},
        {"Effect": "Allow", "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer",
                                       "ecr:BatchCheckLayerAvailability"], "Resource": repo},
        {"Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"], "Resource": group})
    rp = spec("aws:iam/rolePolicy:RolePolicy", "exec-secrets", {"role": ROLE, "policy": policy})

    outcome = run_stack(PULLS, stack(drop=("exec-managed",), **{"exec-secrets": rp}), OFF)

    assert (outcome.messages, outcome.unknowns) == ([], [])


def test_awslogs_create_group_needs_create_log_group_when_the_group_is_not_in_the_stack():
    options = {"awslogs-group": GROUP, "awslogs-region": REGION, "awslogs-stream-prefix": "web",
               "awslogs-create-group": "true"}
    task = container(logConfiguration={"logDriver": "awslogs", "options": options})

    in_stack = run_stack(PULLS, stack(definitions=[task]), OFF)
    outside = run_stack(PULLS, stack(definitions=[task], drop=("logs",)), OFF)

    group = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{GROUP}"
    assert (in_stack.messages, in_stack.unknowns) == ([], [])
    assert outside.messages == [
        f"{TASK} container 'web' logConfiguration awslogs-group '{GROUP}': execution role Role 'exec' cannot call "
        f"logs:CreateLogGroup on {group}: no statement allows logs:CreateLogGroup on {group}:log-stream:. ECS would "
        "stop the task with: ResourceInitializationError: failed to validate logger args: "
        f"{access_denied('logs:CreateLogGroup', group + ':log-stream:')}. Add this statement to the execution role: "
        '{"Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents", "logs:CreateLogGroup"], '
        f'"Resource": "{group}:*"}}'
    ]


def test_public_images_need_no_pull_grant():
    task = container(image="public.ecr.aws/nginx/nginx:1.25", logConfiguration=None)

    outcome = run_stack(PULLS, stack(definitions=[task], drop=("exec-managed",)), OFF)

    assert (outcome.messages, outcome.unknowns) == ([], [])


# ---------------------------------------------------------------- least privilege (advisory)


def test_the_field_notes_broad_grants_are_named_with_the_narrow_ones():
    policy = secrets_policy({"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "*"})
    rp = spec("aws:iam/rolePolicy:RolePolicy", "exec-secrets", {"role": ROLE, "policy": policy})
    ssm_ro = spec("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "exec-ssm",
                  {"role": ROLE, "policyArn": "arn:aws:iam::aws:policy/AmazonSSMReadOnlyAccess"})

    outcome = run_stack(LEAST, stack(**{"exec-secrets": rp, "exec-ssm": ssm_ro}), OFF)

    narrow = (f"The execution role needs only AmazonECSTaskExecutionRolePolicy (image pull and logs) plus "
              f"ssm:GetParameters on {', '.join(PARAMS)}; kms:Decrypt on {KEY_ARN} with kms:ViaService "
              f"ssm.{REGION}.amazonaws.com.")
    assert outcome.messages == [
        f"execution role Role 'exec' (used by {TASK}) has the AWS-managed policy AmazonSSMReadOnlyAccess attached, "
        f"which grants ssm:Get*, ssm:Describe* and ssm:List* on every parameter. {narrow}",
        f"execution role Role 'exec' (used by {TASK}): statement 1 of RolePolicy 'exec-secrets' allows kms:Decrypt "
        f'on "*" (every resource). {narrow}',
    ]


def test_decrypt_on_every_key_is_broad_even_behind_a_via_service_condition():
    policy = secrets_policy({"Effect": "Allow", "Action": "ssm:GetParameters", "Resource": PARAMS},
                            {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "*", "Condition": VIA_SSM})
    rp = spec("aws:iam/rolePolicy:RolePolicy", "exec-secrets", {"role": ROLE, "policy": policy})

    outcome = run_stack(LEAST, stack(**{"exec-secrets": rp}), OFF)

    assert [m.split(". ")[0] for m in outcome.messages] == [
        f"execution role Role 'exec' (used by {TASK}): statement 2 of RolePolicy 'exec-secrets' allows kms:Decrypt "
        'on "*" (every resource)']


def test_a_task_role_with_administrator_access_is_flagged():
    task_role = spec("aws:iam/role:Role", "app", {"name": "library-app", "assumeRolePolicy": json.dumps(ECS_TRUST),
                                                  "managedPolicyArns": ["arn:aws:iam::aws:policy/AdministratorAccess"]})

    outcome = run_stack(LEAST, stack(task_props={"taskRoleArn": f"arn:aws:iam::{ACCOUNT}:role/library-app"})
                        + [task_role], OFF)

    assert outcome.messages == [
        f"task role Role 'app' (used by {TASK}) has the AWS-managed policy AdministratorAccess attached, which grants "
        "every action on every resource. Grant the task role only the actions the application calls, on the ARNs "
        "it uses."
    ]


def test_service_wide_wildcards_are_flagged():
    policy = secrets_policy({"Effect": "Allow", "Action": ["secretsmanager:*", "ssm:GetParameters"],
                             "Resource": PARAMS})
    rp = spec("aws:iam/rolePolicy:RolePolicy", "exec-secrets", {"role": ROLE, "policy": policy})

    outcome = run_stack(LEAST, stack(**{"exec-secrets": rp}), OFF)

    assert [m.split(". ")[0] for m in outcome.messages] == [
        f"execution role Role 'exec' (used by {TASK}): statement 1 of RolePolicy 'exec-secrets' allows "
        '"secretsmanager:*" (every secretsmanager action)']


# ---------------------------------------------------------------- rule metadata


@pytest.mark.parametrize("policy", iam.POLICIES, ids=lambda p: p.name)
def test_every_rule_has_one_sentence_a_remediation_a_url_and_the_live_lookup_schema(policy):
    assert policy.description.endswith(".") and policy.description.count(". ") == 0
    assert policy.remediation_steps and policy.url.startswith("https://docs.aws.amazon.com/")
    assert set(policy.config_schema.properties) == {"liveLookups", "awsRegion", "awsEndpointUrl",
                                                    "lookupTimeoutSeconds"}
