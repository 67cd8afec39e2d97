"""See-through first preview: what follows from inputs is known, what AWS picks is unknown at the leaf."""

from __future__ import annotations

import json

import pytest

from preflight.host.see_through import has_marker, resolve_properties, split_outputs
from preflight.host.wire import UNKNOWN
from preflight.program import run_program
from preflight.project import load_project

from .conftest import PROJECTS

ECR = "123456789012.dkr.ecr.eu-west-1.amazonaws.com"
LOG_ARN = "arn:aws:logs:eu-west-1:123456789012:log-group:/ecs/shop-web"


def records(mode: str, see_through: bool = True) -> dict[str, dict]:
    run = run_program(load_project(PROJECTS / "see_through", "dev"), stack="dev", mode=mode, invokes={},
                      stack_outputs={}, see_through=see_through)
    return {record["urn"].rsplit("::", 1)[1] + ":" + record["type"].rsplit(":", 1)[1]: record
            for record in run.resources}


@pytest.fixture(scope="module")
def preview() -> dict[str, dict]:
    return records("preview")


@pytest.fixture(scope="module")
def update() -> dict[str, dict]:
    return records("update")


def test_container_definitions_are_known_except_the_leaf_aws_picks(preview):
    task = preview["web:TaskDefinition"]
    assert json.loads(task["inputs"]["containerDefinitions"]) == [{
        "name": "web", "image": f"{ECR}/shop-web:v1", "essential": True,
        "logConfiguration": {"logDriver": "awslogs", "options": {"awslogs-group": "/ecs/shop-web",
                                                                 "awslogs-region": "eu-west-1"}},
        # The secret's ARN ends in six characters Secrets Manager picks.
        "secrets": [{"name": "DB", "valueFrom": UNKNOWN}],
    }]
    assert task["inputs"]["executionRoleArn"] == "arn:aws:iam::123456789012:role/shop-web-execution"
    assert task["seeThrough"] == ["containerDefinitions", "executionRoleArn"]


def test_a_policy_document_keeps_deterministic_arns_and_loses_the_key_id(preview):
    policy = preview["execution:RolePolicy"]
    assert json.loads(policy["inputs"]["policy"])["Statement"] == [
        {"Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"], "Resource": f"{LOG_ARN}:*"},
        {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": UNKNOWN},
    ]
    assert policy["seeThrough"] == ["policy"]


def test_a_top_level_value_derived_from_an_aws_choice_is_unknown_as_in_the_engine(preview):
    secret = preview["db:Secret"]
    assert secret["inputs"]["kmsKeyId"] == UNKNOWN
    assert secret["seeThrough"] == []
    assert preview["secrets:Key"]["outputs"] == {"id": UNKNOWN, "arn": UNKNOWN, "keyId": UNKNOWN}


def test_records_hold_no_marker_and_the_engine_record_has_no_id(preview):
    assert not any(has_marker(record) for record in preview.values())
    repository = preview["web:Repository"]
    assert repository["id"] == ""
    assert repository["outputs"] == {
        "name": "shop-web", "id": UNKNOWN, "arn": "arn:aws:ecr:eu-west-1:123456789012:repository/shop-web",
        "registryId": "123456789012", "repositoryUrl": f"{ECR}/shop-web",
    }
    stack = preview["see-through-dev:Stack"]
    assert stack["outputs"] == {"repositoryUrl": f"{ECR}/shop-web", "keyArn": UNKNOWN}


def test_resources_made_inside_apply_and_remote_components_are_flagged(preview):
    assert {name for name, record in preview.items() if record["createdInApply"]} == {"log-arn:Parameter"}
    assert {name for name, record in preview.items() if record["remote"]} == {"api:FargateService"}


def test_each_registration_carries_its_source_line(preview):
    lines = {name: (record["sourcePosition"] or {}).get("line") for name, record in preview.items()}
    assert lines == {
        "see-through-dev:Stack": None, "web:Repository": 7, "logs:LogGroup": 8, "secrets:Key": 9, "db:Secret": 10,
        "execution:Role": 11, "execution:RolePolicy": 15, "web:TaskDefinition": 20, "log-arn:Parameter": 30,
        "api:FargateService": 31,
    }
    assert preview["web:Repository"]["sourcePosition"]["uri"] == (PROJECTS / "see_through" / "__main__.py").as_uri()


def test_update_knows_everything_and_flags_nothing(update):
    assert all(record["seeThrough"] == [] for record in update.values())
    definitions = json.loads(update["web:TaskDefinition"]["inputs"]["containerDefinitions"])
    assert definitions[0]["secrets"][0]["valueFrom"].startswith(
        "arn:aws:secretsmanager:eu-west-1:123456789012:secret:shop/db-")


def test_two_seeds_tell_chosen_spans_from_derived_ones():
    program, record = split_outputs(
        "aws:lb/loadBalancer:LoadBalancer",
        {"arn": "arn:aws:elasticloadbalancing:r:1:loadbalancer/app/web/0123456789abcdef", "dnsName": "web-1.r.elb",
         "zoneId": "Z1"},
        {"arn": "arn:aws:elasticloadbalancing:r:1:loadbalancer/app/web/fedcba9876543210", "dnsName": "web-2.r.elb",
         "zoneId": "Z1"},
        {"name": "web"})
    assert program["arn"].startswith("arn:aws:elasticloadbalancing:r:1:loadbalancer/app/web/seethru")
    assert program["dnsName"].startswith("web-seethru") and program["dnsName"].endswith("x.r.elb")
    assert record == {"arn": UNKNOWN, "dnsName": UNKNOWN, "zoneId": "Z1"}


def test_an_address_aws_picks_is_unknown_to_the_program_as_in_the_engine():
    # A program parses it (ipaddress.ip_network(vpc.ipv6_cidr_block).subnets(...)): a marker would fail it.
    program, record = split_outputs(
        "aws:ec2/vpc:Vpc", {"id": "vpc-aaaa", "ipv6CidrBlock": "2600:1f18:aaaa:aa00::/56", "cidrBlock": "10.0.0.0/16"},
        {"id": "vpc-bbbb", "ipv6CidrBlock": "2600:1f18:bbbb:bb00::/56", "cidrBlock": "10.0.0.0/16"}, {})
    assert program["ipv6CidrBlock"] == UNKNOWN and program["id"].startswith("vpc-seethru")
    assert program["cidrBlock"] == "10.0.0.0/16"
    assert record == {"id": UNKNOWN, "ipv6CidrBlock": UNKNOWN, "cidrBlock": "10.0.0.0/16"}


def test_markers_in_structured_inputs_are_unknown_at_their_leaf():
    program, _ = split_outputs("aws:ec2/subnet:Subnet", {"id": "subnet-aaaa"}, {"id": "subnet-bbbb"}, {})
    resolved, paths = resolve_properties({"networkConfiguration": {"subnets": [program["id"], "subnet-1"]}}, {}, {})
    assert resolved == {"networkConfiguration": {"subnets": [UNKNOWN, "subnet-1"]}}
    assert paths == []


def test_without_see_through_the_preview_is_the_engines():
    engine = records("preview", see_through=False)
    assert engine["web:TaskDefinition"]["inputs"]["containerDefinitions"] == UNKNOWN
    assert engine["execution:RolePolicy"]["inputs"]["policy"] == UNKNOWN
    assert engine["web:Repository"]["outputs"]["repositoryUrl"] == UNKNOWN
    assert all(record["seeThrough"] == [] for record in engine.values())
    assert {name for name, record in engine.items() if record["createdInApply"]} == set()


@pytest.mark.parametrize("mode", ["preview", "update"])
def test_a_remote_components_outputs_are_unknown_in_both_modes_never_none(mode, preview, update):
    # Its provider's Construct (pulumi-awsx) would return them; preflight does not run it.
    service = (preview if mode == "preview" else update)["api:FargateService"]
    assert service["outputs"]["service"] == UNKNOWN
    assert service["outputs"]["taskDefinition"] == UNKNOWN
    assert None not in service["outputs"].values()


def test_a_failing_program_whose_error_chain_loops_is_reported_not_hung():
    from preflight.host.run import _missing_module

    first, second = AttributeError("'NoneType' object has no attribute 'dns_name'"), RuntimeError("re-raised")
    first.__context__, second.__context__ = second, first
    assert _missing_module(first) is None
    missing = ModuleNotFoundError("No module named 'pulumi_awsx'", name="pulumi_awsx.ecs")
    missing.__context__, second.__context__ = second, missing
    assert _missing_module(second) == "pulumi_awsx"


LEAF_PROGRAM = '''\
import json
import pulumi
import pulumi_aws as aws
import pulumi_random as random

suffix = random.RandomId("suffix", byte_length=4)
logs = aws.cloudwatch.LogGroup("logs", name=suffix.hex.apply(lambda h: f"/ecs/app-{h}"))
vpc = aws.ec2.Vpc("vpc", cidr_block="10.0.0.0/16")
subnet = aws.ec2.Subnet("a", vpc_id=vpc.id, cidr_block="10.0.1.0/24")
aws.sfn.StateMachine("settings", role_arn="arn:aws:iam::123456789012:role/run", definition=pulumi.Output.all(
    logs.name, subnet.id).apply(lambda args: json.dumps({"logGroup": args[0], "subnets": [args[1]], "region": "us-east-1"})))
'''


def test_an_aws_assigned_id_and_a_random_name_are_unknown_only_at_their_json_leaf(tmp_path):
    (tmp_path / "Pulumi.yaml").write_text("name: leaves\nruntime: python\n")
    (tmp_path / "__main__.py").write_text(LEAF_PROGRAM)
    run = run_program(load_project(tmp_path, "dev"), stack="dev", mode="preview", invokes={}, stack_outputs={})
    by_name = {record["name"]: record for record in run.resources}
    assert by_name["logs"]["inputs"]["name"] == UNKNOWN
    assert by_name["a"]["inputs"]["vpcId"] == UNKNOWN
    assert json.loads(by_name["settings"]["inputs"]["definition"]) == {
        "logGroup": UNKNOWN, "subnets": [UNKNOWN], "region": "us-east-1"}
    assert by_name["settings"]["seeThrough"] == ["definition"]
