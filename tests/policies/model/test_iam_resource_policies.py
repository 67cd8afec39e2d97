"""model.iam_resource_policies: the resource-based policies of a stack's secrets, repositories and keys."""

from model.iam_access import Access, Caller, authorize
from model.iam_eval import Decision, Request
from model.iam_resource_policies import key_policy, repository_policies, secret_policies
from model.iam_roles import Place
from model.live_aws import LiveAws
from model.stack_index import StackIndex
from model.values import UNKNOWN, Resource

ACCOUNT = "111122223333"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/exec"
KEY_ID = "1234abcd-12ab-34cd-56ef-1234567890ab"
KEY = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/{KEY_ID}"
PLACE = Place("aws", "us-east-1", ACCOUNT)
OFF = LiveAws(enabled=False, disabled_reason="live look-ups are off (liveLookups: off)")


def resource(type_: str, name: str, props: dict, deps: dict | None = None) -> Resource:
    return Resource(type_, name, f"urn:pulumi:test::p::{type_}::{name}", props, property_dependencies=deps or {})


KEY_RESOURCE = resource("aws:kms/key:Key", "k", {"arn": KEY, "keyId": KEY_ID, "id": KEY_ID})
DECRYPT = Request("kms:Decrypt", KEY, {"kms:EncryptionContext:PARAMETER_ARN": "arn:aws:ssm:us-east-1:1:parameter/a"})


def test_a_key_without_a_policy_has_the_default_one_which_delegates():
    policy = key_policy(StackIndex([KEY_RESOURCE]), KEY_RESOURCE, KEY, ACCOUNT, "aws", OFF, PLACE)

    assert policy.source == "the default key policy of Key 'k'"
    assert policy.document["Statement"][0]["Principal"] == {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}


def test_a_grant_of_the_stack_allows_its_grantee_the_operations_it_lists():
    grant = resource("aws:kms/grant:Grant", "g", {"keyId": KEY_ID, "granteePrincipal": ROLE, "operations": ["Decrypt"]})
    policy = key_policy(StackIndex([KEY_RESOURCE, grant]), KEY_RESOURCE, KEY, ACCOUNT, "aws", OFF, PLACE)
    caller = Caller(ROLE, ACCOUNT)

    assert policy.source == "the default key policy of Key 'k' (with Grant 'g')"
    assert authorize(Access(caller, [], key_policy=policy), DECRYPT).decision is Decision.ALLOWED
    assert authorize(Access(caller, [], key_policy=policy), Request("kms:Encrypt", KEY, {})).decision is (
        Decision.IMPLICIT_DENY)


def test_a_grant_constrained_to_another_encryption_context_does_not_allow():
    grant = resource("aws:kms/grant:Grant", "g", {
        "keyId": KEY_ID, "granteePrincipal": ROLE, "operations": ["Decrypt"],
        "constraints": [{"encryptionContextSubset": {"PARAMETER_ARN": "arn:aws:ssm:us-east-1:1:parameter/b"}}]})
    policy = key_policy(StackIndex([KEY_RESOURCE, grant]), KEY_RESOURCE, KEY, ACCOUNT, "aws", OFF, PLACE)

    assert authorize(Access(Caller(ROLE, ACCOUNT), [], key_policy=policy), DECRYPT).decision is Decision.IMPLICIT_DENY


def test_a_keypolicy_resource_replaces_the_keys_own_policy():
    holder = resource("aws:kms/keyPolicy:KeyPolicy", "kp", {"keyId": UNKNOWN, "policy": '{"Statement": []}'},
                      deps={"keyId": [KEY_RESOURCE.urn]})

    policy = key_policy(StackIndex([KEY_RESOURCE, holder]), KEY_RESOURCE, KEY, ACCOUNT, "aws", OFF, PLACE)

    assert (policy.source, policy.document) == ("the key policy KeyPolicy 'kp' of Key 'k'", {"Statement": []})


def test_a_key_outside_the_stack_without_look_ups_has_an_unknown_policy_named_with_the_reason():
    policy = key_policy(StackIndex([]), None, KEY, ACCOUNT, "aws", OFF, PLACE)

    assert policy.source == f"the key policy of KMS key {KEY} (not read: live look-ups are off (liveLookups: off))"
    assert policy.document is UNKNOWN


def test_secret_policies_come_from_the_secret_and_from_secret_policy_resources():
    secret = resource("aws:secretsmanager/secret:Secret", "s", {"arn": UNKNOWN, "policy": '{"Statement": []}'})
    holder = resource("aws:secretsmanager/secretPolicy:SecretPolicy", "sp",
                      {"secretArn": UNKNOWN, "policy": '{"Version": "2012-10-17"}'}, deps={"secretArn": [secret.urn]})

    found = secret_policies(StackIndex([secret, holder]), secret, "arn:aws:secretsmanager:us-east-1:1:secret:s", OFF)

    assert [(p.source, p.document) for p in found] == [
        ("the policy of Secret 's'", {"Statement": []}), ("SecretPolicy 'sp'", {"Version": "2012-10-17"})]


def test_a_repository_outside_the_stack_without_look_ups_has_an_unknown_policy():
    [policy] = repository_policies(StackIndex([]), None, "library", ACCOUNT, OFF)

    assert policy.source == "the repository policy of library (not read: live look-ups are off (liveLookups: off))"
    assert policy.document is UNKNOWN
