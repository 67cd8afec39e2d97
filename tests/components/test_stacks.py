"""The dev and prod stacks as committed: known at preview, the outputs contract, what they create."""

from __future__ import annotations

import json
import re

import pytest

from tests.components.harness import REPO_ROOT, is_known, run_program, stack_config

STACKS = ["dev", "prod"]


@pytest.fixture(scope="module")
def previews():
    return {stack: run_program(stack_config(stack), stack=stack, preview=True) for stack in STACKS}


@pytest.fixture(scope="module")
def updates():
    return {stack: run_program(stack_config(stack), stack=stack) for stack in STACKS}


@pytest.mark.parametrize("stack", STACKS)
def test_container_definitions_policies_and_image_references_are_known_strings_at_preview(previews, stack):
    run = previews[stack]
    definitions = run.of_type("aws:ecs/taskDefinition:TaskDefinition")
    role_policies = run.of_type("aws:iam/rolePolicy:RolePolicy")
    roles = run.of_type("aws:iam/role:Role")
    images = run.of_type("docker-build:index:Image")

    assert run.error is None
    assert len(definitions) == len(images) == {"dev": 1, "prod": 2}[stack]
    for definition in definitions:
        text = definition.inputs["containerDefinitions"]
        assert isinstance(text, str) and is_known(text), definition.name
        [container] = json.loads(text)
        assert re.fullmatch(r"123456789012\.dkr\.ecr\.eu-west-1\.amazonaws\.com/berth-\w+-\w+:[0-9a-f]{20}",
                            container["image"])
        assert is_known(definition.inputs["executionRoleArn"])
        assert is_known(definition.inputs["taskRoleArn"])
    for policy in role_policies:
        assert isinstance(policy.inputs["policy"], str) and is_known(policy.inputs["policy"]), policy.name
        json.loads(policy.inputs["policy"])
    for role in roles:
        assert isinstance(role.inputs["assumeRolePolicy"], str) and is_known(role.inputs["assumeRolePolicy"])
    for image in images:
        [tag] = image.inputs["tags"]
        assert is_known(tag)
    image_refs = sorted(json.loads(d.inputs["containerDefinitions"])[0]["image"] for d in definitions)
    assert image_refs == sorted(image.inputs["tags"][0] for image in images)


def test_dev_creates_one_service_behind_one_nat_gateway(updates):
    assert updates["dev"].error is None
    assert updates["dev"].counts() == {
        "aws:cloudwatch/logGroup:LogGroup": 1,
        "aws:cloudwatch/metricAlarm:MetricAlarm": 3,
        "aws:ec2/eip:Eip": 1,
        "aws:ec2/internetGateway:InternetGateway": 1,
        "aws:ec2/natGateway:NatGateway": 1,
        "aws:ec2/route:Route": 3,
        "aws:ec2/routeTable:RouteTable": 3,
        "aws:ec2/routeTableAssociation:RouteTableAssociation": 4,
        "aws:ec2/securityGroup:SecurityGroup": 2,
        "aws:ec2/subnet:Subnet": 4,
        "aws:ec2/vpc:Vpc": 1,
        "aws:ecr/lifecyclePolicy:LifecyclePolicy": 2,
        "aws:ecr/repository:Repository": 2,
        "aws:ecs/cluster:Cluster": 1,
        "aws:ecs/service:Service": 1,
        "aws:ecs/taskDefinition:TaskDefinition": 1,
        "aws:iam/role:Role": 2,
        "aws:iam/rolePolicy:RolePolicy": 1,
        "aws:lb/listener:Listener": 1,
        "aws:lb/listenerRule:ListenerRule": 1,
        "aws:lb/loadBalancer:LoadBalancer": 1,
        "aws:lb/targetGroup:TargetGroup": 1,
        "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": 2,
        "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": 3,
        "berth:index:ContainerImage": 1,
        "berth:index:FargateTask": 1,
        "berth:index:LoadBalancedCluster": 1,
        "berth:index:Network": 1,
        "berth:index:WebService": 1,
        "docker-build:index:Image": 1,
    }


def test_prod_creates_two_services_with_endpoints_https_blue_green_and_autoscaling(updates):
    run = updates["prod"]
    endpoints = sorted(r.inputs["serviceName"] for r in run.of_type("aws:ec2/vpcEndpoint:VpcEndpoint"))
    services = {r.inputs["name"]: r.inputs for r in run.of_type("aws:ecs/service:Service")}

    assert run.error is None
    assert endpoints == [
        "com.amazonaws.eu-west-1.ecr.api", "com.amazonaws.eu-west-1.ecr.dkr", "com.amazonaws.eu-west-1.logs",
        "com.amazonaws.eu-west-1.s3", "com.amazonaws.eu-west-1.secretsmanager", "com.amazonaws.eu-west-1.ssm",
    ]
    assert run.of_type("aws:ec2/natGateway:NatGateway") == []
    assert sorted(r.inputs["port"] for r in run.of_type("aws:lb/listener:Listener")) == [80, 443, 9000]
    assert services["api"]["deploymentConfiguration"] == {"strategy": "BLUE_GREEN", "bakeTimeInMinutes": "10"}
    assert "deploymentConfiguration" not in services["web"]
    assert {name: inputs["desiredCount"] for name, inputs in services.items()} == {"api": 2, "web": 2}
    assert sorted((r.inputs["resourceId"], r.inputs["minCapacity"], r.inputs["maxCapacity"])
                  for r in run.of_type("aws:appautoscaling/target:Target")) == [
        ("service/berth-prod/api", 2, 12), ("service/berth-prod/web", 2, 6)]
    assert len(run.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")) == 8
    assert {tuple(r.inputs["alarmActions"]) for r in run.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")} == {
        ("arn:aws:sns:eu-west-1:123456789012:berth-prod-alerts",)}


def documented_outputs() -> tuple[dict[str, str], dict[str, str]]:
    """(stack outputs, per-service outputs): name -> type, from the tables in docs/outputs.md."""
    text = (REPO_ROOT / "docs" / "outputs.md").read_text()
    stack_part, service_part = text.split("## `services.<name>`", 1)
    row = re.compile(r"^\| `(\w+)` \| ([^|]+) \|", re.MULTILINE)
    return ({name: kind.strip() for name, kind in row.findall(stack_part)},
            {name: kind.strip() for name, kind in row.findall(service_part.split("## `deployerPolicy`")[0])})


def has_type(value, kind: str) -> bool:
    if kind == "string":
        return isinstance(value, str) and value != ""
    if kind == "integer":
        return isinstance(value, int | float) and not isinstance(value, bool) and value == int(value)
    if kind == "list of strings":
        return isinstance(value, list) and all(isinstance(item, str) for item in value)
    if kind in ("object", "map of service name to object"):
        return isinstance(value, dict)
    raise AssertionError(f"docs/outputs.md uses a type the test does not know: {kind}")


@pytest.mark.parametrize("stack", STACKS)
def test_exported_outputs_match_the_documented_contract_exactly(updates, stack):
    outputs = updates[stack].outputs
    stack_types, service_types = documented_outputs()

    assert sorted(outputs) == sorted(stack_types)
    assert [name for name, kind in stack_types.items() if not has_type(outputs[name], kind)] == []
    assert outputs["outputsVersion"] == 1
    assert sorted(outputs["services"]) == sorted(json.loads(stack_config(stack)["berth:services"]))
    for name, service in outputs["services"].items():
        assert sorted(service) == sorted(service_types), name
        assert [key for key, kind in service_types.items() if not has_type(service[key], kind)] == [], name
    json.dumps(outputs["deployerPolicy"])


def test_prod_outputs_name_each_service_by_its_route(updates):
    services = updates["prod"].outputs["services"]
    base = updates["prod"].outputs["url"]

    assert base == "https://berth.example.com"
    assert {name: service["url"] for name, service in services.items()} == {
        "api": f"{base}/api/", "web": f"{base}/"}
    assert services["api"]["serviceArn"] == "arn:aws:ecs:eu-west-1:123456789012:service/berth-prod/api"
    assert services["api"]["logGroupName"] == "/aws/ecs/berth-prod/api"
