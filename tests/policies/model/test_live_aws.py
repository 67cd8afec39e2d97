"""live_aws against a real moto_server and real misbehaving endpoints on loopback."""

import time

import boto3
import pytest

from model.live_aws import LiveAws


def live(endpoint_url: str, timeout: float = 10.0) -> LiveAws:
    return LiveAws.from_config(
        {"liveLookups": "on", "awsEndpointUrl": endpoint_url, "lookupTimeoutSeconds": timeout, "awsRegion": "us-east-1"}
    )


def test_describes_a_subnet_that_exists_outside_the_stack(aws_credentials, moto):
    ec2 = boto3.client("ec2", region_name="us-east-1", endpoint_url=moto.url)
    vpc = ec2.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.1.1.0/24", AvailabilityZone="us-east-1a")["Subnet"]

    answer = live(moto.url).call("ec2", "describe_subnets", SubnetIds=[subnet["SubnetId"]])

    assert answer.ok
    assert [s["AvailabilityZone"] for s in answer.data["Subnets"]] == ["us-east-1a"]


def test_a_missing_subnet_is_not_ok_and_names_the_error(aws_credentials, moto):
    answer = live(moto.url).call("ec2", "describe_subnets", SubnetIds=["subnet-0000000000000000f"])

    assert not answer.ok
    assert answer.error_code == "InvalidSubnetID.NotFound"


def test_a_denied_call_is_not_ok_with_its_reason(aws_credentials, faulty_endpoint):
    endpoint = faulty_endpoint("denied-ec2")

    answer = live(endpoint.url).call("ec2", "describe_subnets", SubnetIds=["subnet-1"])

    assert not answer.ok
    assert answer.error_code == "UnauthorizedOperation"
    assert answer.reason == (
        "ec2 describe_subnets failed: UnauthorizedOperation: You are not authorized to perform this operation."
    )


@pytest.mark.parametrize("mode,delay", [("silent", 0.0), ("slow", 3.0)])
def test_an_endpoint_that_does_not_answer_in_time_is_bounded(aws_credentials, faulty_endpoint, mode, delay):
    endpoint = faulty_endpoint(mode, delay=delay)

    started = time.monotonic()
    answer = live(endpoint.url, timeout=0.5).call("ec2", "describe_vpcs")
    elapsed = time.monotonic() - started

    assert not answer.ok
    assert answer.error_code == "Timeout"
    assert answer.reason == "ec2 describe_vpcs did not answer within 0.5 s"
    assert elapsed < 2.5


def test_auto_mode_without_credentials_does_not_call(no_aws_credentials):
    lookups = LiveAws.from_config({"liveLookups": "auto", "awsRegion": "us-east-1"})

    answer = lookups.call("ec2", "describe_vpcs")

    assert not answer.ok
    assert answer.reason == "no AWS credentials for a live look-up (liveLookups: auto)"


def test_off_mode_never_calls(aws_credentials):
    answer = LiveAws.from_config({"liveLookups": "off"}).call("iam", "get_role", RoleName="x")

    assert answer.reason == "live look-ups are off (liveLookups: off)"


def test_answers_are_cached_per_call(aws_credentials, moto):
    lookups = live(moto.url)
    first = lookups.call("ec2", "describe_vpcs")
    boto3.client("ec2", region_name="us-east-1", endpoint_url=moto.url).create_vpc(CidrBlock="10.9.0.0/16")

    assert lookups.call("ec2", "describe_vpcs") is first


def test_rules_with_the_same_settings_share_one_instance_and_its_answers(aws_credentials, moto):
    config = {"liveLookups": "on", "awsEndpointUrl": moto.url, "awsRegion": "us-east-1"}

    assert LiveAws.from_config(config) is LiveAws.from_config(dict(config))


def test_after_a_timeout_the_same_endpoint_is_not_waited_for_again(aws_credentials, faulty_endpoint):
    lookups = live(faulty_endpoint("silent").url, timeout=0.5)
    lookups.call("ec2", "describe_vpcs")

    started = time.monotonic()
    answer = lookups.call("ec2", "describe_subnets")

    assert time.monotonic() - started < 0.2
    assert answer.reason == "ec2 describe_subnets not attempted: ec2 describe_vpcs did not answer within 0.5 s"


def test_credentials_are_resolved_once_per_pack_process(aws_credentials, monkeypatch):
    LiveAws.from_config({"liveLookups": "auto", "awsRegion": "us-east-1"})
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.delenv(name)

    # Rules build their look-ups many times per run; the answer to "are there credentials"
    # is the one the process started with.
    assert LiveAws.from_config({"liveLookups": "auto", "awsRegion": "us-west-2"}).enabled
