"""Parsing `secrets[].valueFrom` and finding the KMS key that encrypts each secret."""

import boto3
import pytest

from model.iam_conditions import UNKNOWN_PART
from model.iam_roles import Place
from model.live_aws import LiveAws
from model.secret_refs import NotASecret, SecretRef, key_of, parse_value_from, request_arn, resolve_key
from model.stack_index import StackIndex
from model.values import UNKNOWN, Resource

PLACE = Place("aws", "eu-west-1", "111122223333")
OFF = LiveAws.from_config({"liveLookups": "off"})
SM = "arn:aws:secretsmanager:eu-west-1:111122223333:secret"


@pytest.mark.parametrize("value,expected", [
    ("/library/db/url", SecretRef("/library/db/url", "ssm", "/library/db/url",
                                  "arn:aws:ssm:eu-west-1:111122223333:parameter/library/db/url",
                                  "eu-west-1", "111122223333")),
    ("db-url", SecretRef("db-url", "ssm", "db-url", "arn:aws:ssm:eu-west-1:111122223333:parameter/db-url",
                         "eu-west-1", "111122223333")),
    ("arn:aws:ssm:us-east-1:444455556666:parameter/library/db/url",
     SecretRef("arn:aws:ssm:us-east-1:444455556666:parameter/library/db/url", "ssm", "/library/db/url",
               "arn:aws:ssm:us-east-1:444455556666:parameter/library/db/url", "us-east-1", "444455556666")),
    ("arn:aws:ssm:us-east-1:444455556666:parameter/db-url",
     SecretRef("arn:aws:ssm:us-east-1:444455556666:parameter/db-url", "ssm", "db-url",
               "arn:aws:ssm:us-east-1:444455556666:parameter/db-url", "us-east-1", "444455556666")),
    (f"{SM}:library/db-AbCdEf",
     SecretRef(f"{SM}:library/db-AbCdEf", "secretsmanager", "library/db", f"{SM}:library/db-AbCdEf",
               "eu-west-1", "111122223333")),
    (f"{SM}:library/db-AbCdEf:password::",
     SecretRef(f"{SM}:library/db-AbCdEf:password::", "secretsmanager", "library/db", f"{SM}:library/db-AbCdEf",
               "eu-west-1", "111122223333", True, "password", "", "")),
    (f"{SM}:library/db-AbCdEf:password:AWSPREVIOUS:",
     SecretRef(f"{SM}:library/db-AbCdEf:password:AWSPREVIOUS:", "secretsmanager", "library/db",
               f"{SM}:library/db-AbCdEf", "eu-west-1", "111122223333", True, "password", "AWSPREVIOUS", "")),
    (f"{SM}:library/db-AbCdEf::AWSCURRENT:3f1c",
     SecretRef(f"{SM}:library/db-AbCdEf::AWSCURRENT:3f1c", "secretsmanager", "library/db",
               f"{SM}:library/db-AbCdEf", "eu-west-1", "111122223333", True, "", "AWSCURRENT", "3f1c")),
    (f"{SM}:library/db",
     SecretRef(f"{SM}:library/db", "secretsmanager", "library/db", f"{SM}:library/db-{UNKNOWN_PART}",
               "eu-west-1", "111122223333", False)),
    (f"{SM}:library/db:password::",
     SecretRef(f"{SM}:library/db:password::", "secretsmanager", "library/db", f"{SM}:library/db-{UNKNOWN_PART}",
               "eu-west-1", "111122223333", False, "password", "", "")),
])
def test_parse_value_from(value, expected):
    assert parse_value_from(value, PLACE) == expected


@pytest.mark.parametrize("value,why", [
    (None, "valueFrom must be a parameter name or an SSM or Secrets Manager ARN"),
    (5, "valueFrom must be a parameter name or an SSM or Secrets Manager ARN"),
    ("arn:aws:ssm:us-east-1", "the ARN has fewer than six ':'-separated parts"),
    ("arn:aws:s3:::bucket/key", "s3 ARNs are not secrets ECS can read; use an SSM parameter or a Secrets Manager secret"),
    (f"{SM}:db-AbCdEf:a:b:c:d", "a Secrets Manager valueFrom has at most json-key:version-stage:version-id after the ARN"),
])
def test_values_that_name_no_secret(value, why):
    assert parse_value_from(value, PLACE) == NotASecret(value, why)


def res(type_, name, props, deps=None):
    return Resource(type_, name, f"urn:pulumi:t::p::{type_}::{name}", props, property_dependencies=deps or {})


KEY = res("aws:kms/key:Key", "key", {"arn": "arn:aws:kms:eu-west-1:111122223333:key/k-1", "keyId": "k-1"})
ALIAS = res("aws:kms/alias:Alias", "alias", {"name": "alias/library", "targetKeyId": "k-1"})


@pytest.mark.parametrize("value,kind,arn,label", [
    ("alias/aws/ssm", "default", "", "alias/aws/ssm"),
    ("arn:aws:kms:eu-west-1:111122223333:alias/aws/secretsmanager", "default", "", "alias/aws/secretsmanager"),
    ("k-1", "customer", "arn:aws:kms:eu-west-1:111122223333:key/k-1", "Key 'key'"),
    ("arn:aws:kms:eu-west-1:111122223333:key/k-1", "customer", "arn:aws:kms:eu-west-1:111122223333:key/k-1", "Key 'key'"),
    ("alias/library", "customer", "arn:aws:kms:eu-west-1:111122223333:key/k-1", "Key 'key'"),
    ("k-outside", "customer", "arn:aws:kms:eu-west-1:111122223333:key/k-outside", "k-outside"),
])
def test_resolve_key_in_the_stack_and_outside_without_look_ups(value, kind, arn, label):
    key = resolve_key(StackIndex([KEY, ALIAS]), value, OFF, PLACE)

    assert (key.kind, key.arn, key.label) == (kind, arn, label)


def test_an_alias_outside_the_stack_without_look_ups_is_unknown():
    key = resolve_key(StackIndex([]), "alias/other", OFF, PLACE)

    assert (key.kind, key.why) == (
        "unknown", "KMS alias alias/other is not in the stack and was not read: live look-ups are off (liveLookups: off)")


def test_an_unknown_key_id_follows_the_graph_to_the_key_and_its_unknown_arn():
    key = res("aws:kms/key:Key", "new", {"arn": UNKNOWN, "keyId": UNKNOWN})
    parameter = res("aws:ssm/parameter:Parameter", "p", {"name": "/library/db/url", "type": "SecureString",
                                                         "keyId": UNKNOWN}, {"keyId": [key.urn]})
    ref = parse_value_from("/library/db/url", PLACE)

    found = key_of(StackIndex([key, parameter]), ref, OFF, PLACE)

    assert (found.kind, found.arn, found.label) == (
        "customer", f"arn:aws:kms:eu-west-1:111122223333:key/{UNKNOWN_PART}{key.urn}{UNKNOWN_PART}", "Key 'new'")


def test_the_partial_arn_of_a_secret_in_the_stack_becomes_that_secrets_arn():
    secret = res("aws:secretsmanager/secret:Secret", "db", {"name": "library/db", "arn": f"{SM}:library/db-AbCdEf"})
    ref = parse_value_from(f"{SM}:library/db", PLACE)

    assert request_arn(StackIndex([secret]), ref, PLACE) == f"{SM}:library/db-AbCdEf"


def test_parameters_and_keys_outside_the_stack_are_looked_up(aws_credentials, moto):
    kms = boto3.client("kms", region_name="us-east-1", endpoint_url=moto.url)
    ssm = boto3.client("ssm", region_name="us-east-1", endpoint_url=moto.url)
    key = kms.create_key()["KeyMetadata"]
    kms.create_alias(AliasName="alias/library", TargetKeyId=key["KeyId"])
    ssm.put_parameter(Name="/library/db/password", Value="x", Type="SecureString", KeyId="alias/library")
    ssm.put_parameter(Name="/library/db/url", Value="x", Type="String")
    live = LiveAws.from_config({"liveLookups": "on", "awsEndpointUrl": moto.url, "awsRegion": "us-east-1"})
    place = Place("aws", "us-east-1", "123456789012")
    index = StackIndex([])

    password = key_of(index, parse_value_from("/library/db/password", place), live, place)
    url = key_of(index, parse_value_from("/library/db/url", place), live, place)
    missing = key_of(index, parse_value_from("/library/db/none", place), live, place)

    assert (password.kind, password.arn) == ("customer", key["Arn"])
    assert url.kind == "none"
    assert (missing.kind, missing.why) == ("unknown", "parameter /library/db/none was not found by ssm DescribeParameters")
