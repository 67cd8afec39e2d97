"""Outputs of the image and random types usual programs register: the providers' names and shapes."""

from __future__ import annotations

import ipaddress

import pytest

from preflight.host.aws_outputs import Context, computed_outputs
from preflight.host.wire import SECRET_SIG, SIG_KEY, UNKNOWN
from preflight.program import run_program
from preflight.project import load_project

from .conftest import PROJECTS

REGISTRY = "123456789012.dkr.ecr.us-east-1.amazonaws.com"


def stack_outputs(mode: str) -> dict:
    run = run_program(load_project(PROJECTS / "image_kinds", "dev"), stack="dev", mode=mode, invokes={},
                      stack_outputs={})
    return next(record for record in run.resources if record["type"] == "pulumi:pulumi:Stack")["outputs"]


@pytest.fixture(scope="module")
def update() -> dict:
    return stack_outputs("update")


@pytest.fixture(scope="module")
def preview() -> dict:
    return stack_outputs("preview")


def digest_of(reference: str) -> str:
    assert reference.count("@sha256:") == 1
    digest = reference.split("@", 1)[1]
    assert len(digest) == len("sha256:") + 64
    return digest


def test_pulumi_docker_4_image_outputs(update):
    legacy = update["legacy"]
    assert {key: value for key, value in legacy.items() if key != "repoDigest"} == {
        "imageName": f"{REGISTRY}/web:v4", "baseImageName": f"{REGISTRY}/web:v4", "registryServer": REGISTRY,
        "context": "./app", "dockerfile": "./app/Dockerfile", "platform": "linux/amd64",
    }
    assert legacy["repoDigest"] == f"{REGISTRY}/web@{digest_of(legacy['repoDigest'])}"
    assert update["localRepoDigest"] == ""


def test_registry_and_remote_image_outputs(update):
    assert update["pushedDigest"].startswith("sha256:") and len(update["pushedDigest"]) == 71
    assert update["pulled"]["imageId"].startswith("sha256:")
    assert update["pulled"]["repoDigest"] == f"public.ecr.aws/nginx/nginx@{digest_of(update['pulled']['repoDigest'])}"


def test_docker_build_refs_carry_the_tag_and_the_digest_when_pushed(update):
    assert update["built"]["ref"] == f"{REGISTRY}/web:latest@{update['built']['digest']}"
    assert update["unpushed"] == {"ref": "web:dev", "digest": ""}
    assert update["indexRef"] == f"{REGISTRY}/web:multi@{digest_of(update['indexRef'])}"


def test_random_results_have_the_asked_shape_and_passwords_are_secret(update):
    assert update["password"][SIG_KEY] == SECRET_SIG
    password = update["password"]["value"]
    assert len(password) == 24 and password.isalnum()
    assert len(update["suffix"]) == 6 and update["suffix"] == update["suffix"].lower() and update["suffix"].isalnum()
    assert len(update["token"]["hex"]) == 16 and len(update["token"]["b64Url"]) == 11


def test_a_first_preview_sees_names_through_but_not_digests_or_generated_values(preview):
    assert preview["legacy"]["imageName"] == f"{REGISTRY}/web:v4"
    assert preview["legacy"]["baseImageName"] == f"{REGISTRY}/web:v4"
    assert preview["legacy"]["registryServer"] == REGISTRY
    assert preview["legacy"]["repoDigest"] == UNKNOWN
    assert preview["password"] == {SIG_KEY: SECRET_SIG, "value": UNKNOWN}
    assert preview["built"] == {"ref": UNKNOWN, "digest": UNKNOWN}


def test_outputs_of_a_type_without_a_model_are_unknown_never_missing(tmp_path):
    (tmp_path / "Pulumi.yaml").write_text("name: launchers\nruntime: python\n")
    (tmp_path / "__main__.py").write_text(
        "import pulumi_aws as aws\n"
        "rule = aws.cloudwatch.EventRule('nightly', schedule_expression='rate(1 day)')\n"
        "aws.cloudwatch.EventTarget('run', rule=rule.name, arn='arn:aws:ecs:us-east-1:123456789012:cluster/c',\n"
        "                           target_id='task')\n"
        "aws.sfn.StateMachine('flow', role_arn='arn:aws:iam::123456789012:role/sfn', definition='{}')\n"
        "aws.cloudwatch.EventBus('bus')\n")
    run = run_program(load_project(tmp_path, "dev"), stack="dev", mode="update", invokes={}, stack_outputs={})
    by_name = {record["name"]: record for record in run.resources}
    rule_name = by_name["nightly"]["inputs"]["name"]
    assert by_name["nightly"]["outputs"]["arn"] == f"arn:aws:events:us-east-1:123456789012:rule/{rule_name}"
    assert by_name["run"]["outputs"]["id"] == f"{rule_name}-task"
    flow = by_name["flow"]["outputs"]
    assert flow["arn"] == f"arn:aws:states:us-east-1:123456789012:stateMachine:{by_name['flow']['inputs']['name']}"
    # No model for event buses: every output the SDK declares is unknown rather than absent.
    assert by_name["bus"]["outputs"]["arn"] == UNKNOWN


@pytest.mark.parametrize("inputs,expected", [
    ({"cidrBlock": "10.0.0.0/16", "assignGeneratedIpv6CidrBlock": True}, "2600:1f18:"),
    ({"cidrBlock": "10.0.0.0/16", "ipv6CidrBlock": "2600:1f18:1:100::/56"}, "2600:1f18:1:100::/56"),
    ({"cidrBlock": "10.0.0.0/16"}, ""),
])
def test_a_vpc_gets_the_ipv6_block_aws_gives_it(inputs, expected):
    outputs = computed_outputs("aws:ec2/vpc:Vpc", inputs, Context("urn:pulumi:test::p::aws:ec2/vpc:Vpc::main", "main", "us-east-1"))

    block = outputs["ipv6CidrBlock"]
    assert block.startswith(expected) if expected else block == ""
    if block:
        assert ipaddress.ip_network(block).prefixlen == 56
        assert outputs["ipv6AssociationId"].startswith("vpc-cidr-assoc-")
