"""model.iam_access: every policy type AWS evaluates for one same-account call, in AWS's order."""

from model.iam_access import ORGANIZATION_UNKNOWN, Access, Caller, authorize
from model.iam_conditions import ABSENT, partly_known
from model.iam_eval import Decision, Policy, Request
from model.iam_resource_policies import default_key_policy
from model.values import UNKNOWN

ACCOUNT = "111122223333"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/exec"
PARAM = f"arn:aws:ssm:us-east-1:{ACCOUNT}:parameter/app/db"
SECRET = f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:app/db-AbCdEf"
KEY = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
CALLER = Caller(ROLE, ACCOUNT)
CONTEXT = {"aws:PrincipalArn": ROLE, "aws:RequestedRegion": "us-east-1", "kms:ViaService": "ssm.us-east-1.amazonaws.com"}


def doc(*statements: dict) -> dict:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(action: str, resource: str = "*", **extra) -> dict:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def deny(action: str, resource: str = "*", **extra) -> dict:
    return {"Effect": "Deny", "Action": action, "Resource": resource, **extra}


IDENTITY_SSM = [Policy("inline policy 'exec'", doc(allow("ssm:GetParameters", PARAM)))]
IDENTITY_KMS = [Policy("inline policy 'exec'", doc(allow("kms:Decrypt", KEY)))]
READ = Request("ssm:GetParameters", PARAM, CONTEXT)
DECRYPT = Request("kms:Decrypt", KEY, CONTEXT)
GET_SECRET = Request("secretsmanager:GetSecretValue", SECRET, CONTEXT)


def test_a_boundary_that_does_not_allow_the_action_denies_it():
    boundary = Policy("the permissions boundary Policy 'b'", doc(allow("logs:*")))

    verdict = authorize(Access(CALLER, IDENTITY_SSM, boundary), READ)

    assert (verdict.decision, verdict.layer) == (Decision.IMPLICIT_DENY, "boundary")
    assert verdict.reason == (
        f"ssm:GetParameters on {PARAM} is allowed by statement 1 of inline policy 'exec', but no permissions boundary "
        "allows the ssm:GetParameters action: no statement of the permissions boundary Policy 'b' allows it")


def test_a_boundary_that_cannot_allow_denies_even_when_an_identity_policy_is_not_known_yet():
    boundary = Policy("the permissions boundary Policy 'b'", doc(allow("logs:*")))

    verdict = authorize(Access(CALLER, [Policy("RolePolicy 'late'", UNKNOWN)], boundary), READ)

    assert (verdict.decision, verdict.layer) == (Decision.IMPLICIT_DENY, "boundary")


def test_a_deny_in_the_boundary_denies_and_names_its_condition():
    boundary = Policy("the permissions boundary Policy 'b'", doc(
        allow("*"), deny("ssm:*", "*", Condition={"StringEquals": {"aws:RequestedRegion": "us-east-1"}})))

    verdict = authorize(Access(CALLER, IDENTITY_SSM, boundary), READ)

    assert (verdict.decision, verdict.layer) == (Decision.DENIED, "boundary")
    assert verdict.reason == (
        f"ssm:GetParameters on {PARAM} is denied by statement 2 of the permissions boundary Policy 'b', whose "
        'condition {"StringEquals": {"aws:RequestedRegion": "us-east-1"}} holds')


def test_a_boundary_that_allows_leaves_the_identity_policies_to_decide():
    boundary = Policy("the permissions boundary Policy 'b'", doc({"Effect": "Allow", "NotAction": "iam:*",
                                                                 "Resource": "*"}))

    assert authorize(Access(CALLER, IDENTITY_SSM, boundary), READ).decision is Decision.ALLOWED
    assert authorize(Access(CALLER, [], boundary), READ).decision is Decision.IMPLICIT_DENY


def test_a_boundary_that_cannot_be_read_is_inconclusive_naming_it():
    boundary = Policy("the permissions boundary policy arn:aws:iam::111122223333:policy/b (not read: off)", UNKNOWN)

    verdict = authorize(Access(CALLER, IDENTITY_SSM, boundary), READ)

    assert verdict.decision is Decision.INCONCLUSIVE
    assert "the permissions boundary policy arn:aws:iam::111122223333:policy/b (not read: off)" in verdict.reason


def test_a_secret_policy_naming_the_role_grants_on_its_own():
    secret_policy = Policy("SecretPolicy 'p'", doc({"Effect": "Allow", "Principal": {"AWS": ROLE},
                                                    "Action": "secretsmanager:GetSecretValue", "Resource": "*"}))

    verdict = authorize(Access(CALLER, [], resource_policies=[secret_policy]), GET_SECRET)

    assert (verdict.decision, verdict.layer, verdict.source) == (Decision.ALLOWED, "resource", "SecretPolicy 'p'")


def test_a_secret_policy_naming_the_account_does_not_grant_without_an_identity_policy():
    secret_policy = Policy("SecretPolicy 'p'", doc({"Effect": "Allow", "Principal": {"AWS": ACCOUNT},
                                                    "Action": "secretsmanager:GetSecretValue", "Resource": "*"}))

    verdict = authorize(Access(CALLER, [], resource_policies=[secret_policy]), GET_SECRET)

    assert verdict.decision is Decision.IMPLICIT_DENY


def test_a_secret_policy_deny_on_every_other_principal_arn_denies_the_role():
    secret_policy = Policy("SecretPolicy 'p'", doc({
        "Effect": "Deny", "Principal": "*", "Action": "secretsmanager:GetSecretValue", "Resource": "*",
        "Condition": {"StringNotEquals": {"aws:PrincipalArn": f"arn:aws:iam::{ACCOUNT}:role/task"}}}))
    identity = [Policy("inline policy 'exec'", doc(allow("secretsmanager:GetSecretValue", SECRET)))]

    verdict = authorize(Access(CALLER, identity, resource_policies=[secret_policy]), GET_SECRET)

    assert (verdict.decision, verdict.layer) == (Decision.DENIED, "resource")
    assert verdict.reason == (
        f"secretsmanager:GetSecretValue on {SECRET} is denied by statement 1 of SecretPolicy 'p', whose condition "
        '{"StringNotEquals": {"aws:PrincipalArn": "arn:aws:iam::111122223333:role/task"}} holds')


def test_a_notprincipal_deny_that_lists_only_the_role_arn_still_denies_its_sessions():
    secret_policy = Policy("SecretPolicy 'p'", doc({"Effect": "Deny", "NotPrincipal": {"AWS": ROLE},
                                                    "Action": "secretsmanager:*", "Resource": "*"}))
    identity = [Policy("inline policy 'exec'", doc(allow("secretsmanager:GetSecretValue", SECRET)))]

    verdict = authorize(Access(CALLER, identity, resource_policies=[secret_policy]), GET_SECRET)

    assert verdict.decision is Decision.DENIED


def test_an_ecr_repository_policy_without_a_resource_element_covers_its_repository():
    repository = f"arn:aws:ecr:us-east-1:{ACCOUNT}:repository/app"
    policy = Policy("RepositoryPolicy 'r'", doc({"Effect": "Allow", "Principal": {"AWS": ROLE},
                                                 "Action": "ecr:BatchGetImage"}))

    verdict = authorize(Access(CALLER, [], resource_policies=[policy]), Request("ecr:BatchGetImage", repository, CONTEXT))

    assert verdict.decision is Decision.ALLOWED


def test_the_default_key_policy_lets_iam_policies_grant_decrypt():
    key = Policy("the default key policy of Key 'k'", default_key_policy(ACCOUNT))

    assert authorize(Access(CALLER, IDENTITY_KMS, key_policy=key), DECRYPT).decision is Decision.ALLOWED
    assert authorize(Access(CALLER, [], key_policy=key), DECRYPT).decision is Decision.IMPLICIT_DENY


def test_a_key_policy_without_delegation_ignores_the_iam_grant():
    key = Policy("the key policy of Key 'k'", doc({"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:role/admin"},
                                                   "Action": "kms:*", "Resource": "*"}))

    verdict = authorize(Access(CALLER, IDENTITY_KMS, key_policy=key), DECRYPT)

    assert (verdict.decision, verdict.layer) == (Decision.IMPLICIT_DENY, "resource")
    assert verdict.reason == (
        f"no statement of the key policy of Key 'k' allows kms:Decrypt on {KEY} for {ROLE}, and the key policy does "
        f"not let IAM policies grant it (no statement allows the account arn:aws:iam::{ACCOUNT}:root kms:Decrypt); "
        "statement 1 of inline policy 'exec' allows it, which KMS ignores without that delegation")


def test_a_key_policy_naming_the_role_grants_without_iam():
    key = Policy("the key policy of Key 'k'", doc({"Effect": "Allow", "Principal": {"AWS": ROLE},
                                                   "Action": "kms:Decrypt", "Resource": "*"}))

    verdict = authorize(Access(CALLER, [], key_policy=key), DECRYPT)

    assert (verdict.decision, verdict.layer) == (Decision.ALLOWED, "resource")


def test_a_key_policy_that_cannot_be_read_is_inconclusive_naming_it():
    key = Policy(f"the key policy of KMS key {KEY} (not read: off)", UNKNOWN)

    verdict = authorize(Access(CALLER, IDENTITY_KMS, key_policy=key), DECRYPT)

    assert verdict.decision is Decision.INCONCLUSIVE
    assert f"the key policy of KMS key {KEY} (not read: off)" in verdict.reason


def test_an_account_principal_with_an_unknown_account_is_undecided():
    caller = Caller(partly_known("arn:aws:iam::", None, ":role/exec"), partly_known(None))
    key = Policy("the default key policy of Key 'k'", default_key_policy(ACCOUNT))

    verdict = authorize(Access(caller, IDENTITY_KMS, key_policy=key), DECRYPT)

    assert verdict.decision is Decision.INCONCLUSIVE


def test_unknown_organization_policies_make_an_allow_inconclusive_naming_them():
    verdict = authorize(Access(CALLER, IDENTITY_SSM, organization=ORGANIZATION_UNKNOWN), READ)

    assert (verdict.decision, verdict.layer) == (Decision.INCONCLUSIVE, "organization")
    assert verdict.reason == (
        f"ssm:GetParameters on {PARAM} is allowed by the stack's policies, but organization SCPs/RCPs (service control "
        "policies and resource control policies) may deny it (organizationPolicies: unknown)")


def test_unknown_organization_policies_cannot_grant_what_nothing_allows():
    verdict = authorize(Access(CALLER, [], organization=ORGANIZATION_UNKNOWN), READ)

    assert verdict.decision is Decision.IMPLICIT_DENY


def test_an_implicit_deny_names_the_condition_that_failed():
    identity = [Policy("inline policy 'exec'", doc(allow("ssm:GetParameters", PARAM,
                                                         Condition={"StringEquals": {"aws:PrincipalTag/team": "a"}})))]
    context = {**CONTEXT, "aws:PrincipalTag/*": ABSENT,
               "aws:PrincipalTag/team": "b"}

    verdict = authorize(Access(CALLER, identity), Request("ssm:GetParameters", PARAM, context))

    assert verdict.reason == (
        f"no statement allows ssm:GetParameters on {PARAM} (statement 1 of inline policy 'exec' would allow it, but its "
        'condition {"StringEquals": {"aws:PrincipalTag/team": "a"}} does not hold)')


def test_a_condition_key_the_request_does_not_carry_is_inconclusive_naming_it():
    identity = [Policy("inline policy 'exec'", doc(allow("ssm:GetParameters", PARAM,
                                                         Condition={"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}})))]

    verdict = authorize(Access(CALLER, identity), READ)

    assert verdict.decision is Decision.INCONCLUSIVE
    assert "key aws:SourceIp is not known for this request" in verdict.reason
