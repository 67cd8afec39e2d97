"""ecs-target-group-matches-container on stacks built from plain resources: one change per case, exact messages."""

from __future__ import annotations

import boto3
import pytest

from model.values import UNKNOWN
from tests.policies.rules.ecs_traffic_cases import MATCHES, OFF, SERVICE_URN, TG_URN, health_check
from tests.policies.test_ecs_harness import (
    ACCOUNT,
    DELETE,
    REGION,
    SERVICE,
    replace,
    run_stack,
    spec,
    web_stack,
)


def block(**changes) -> list:
    base = {"targetGroupArn": web_stack()[6].props["arn"], "containerName": "web", "containerPort": 8080}
    base.update(changes)
    return [base]


@pytest.mark.parametrize("preview", [False, True])
def test_matches_container_accepts_the_compliant_service(preview):
    outcome = run_stack(MATCHES, web_stack(preview), OFF)

    assert (outcome.violations, outcome.inconclusive) == ([], None)


def test_matches_container_flags_a_container_name_the_task_does_not_have():
    specs = replace(web_stack(), "web", loadBalancers=block(containerName="app"))

    assert run_stack(MATCHES, specs, OFF).violations == [(
        "Service 'web' loadBalancers[0] containerName 'app' is not a container of TaskDefinition 'web-task' "
        "(containers: 'web'); ECS rejects the service: name a container of the task definition",
        SERVICE_URN,
    )]


def test_matches_container_flags_a_port_the_container_does_not_map_with_the_ecs_error():
    specs = replace(web_stack(), "web", loadBalancers=block(containerPort=8081))

    assert run_stack(MATCHES, specs, OFF).messages == [
        "Service 'web' loadBalancers[0] containerPort 8081 is not mapped by container 'web' of TaskDefinition "
        "'web-task'; ECS rejects the service with \"The container web did not have a container port 8081 "
        "defined\": add portMappings containerPort 8081 or change the service's containerPort"
    ]


@pytest.mark.parametrize("target_type", ["instance", DELETE])
def test_matches_container_requires_ip_targets_for_awsvpc_tasks(target_type):
    specs = replace(web_stack(), "web-tg", targetType=target_type)

    assert run_stack(MATCHES, specs, OFF).violations == [(
        "TargetGroup 'web-tg' targetType 'instance' cannot receive Service 'web' loadBalancers[0]: awsvpc tasks "
        "register by IP address and ECS rejects the service (\"has target type instance, which is incompatible "
        "with the awsvpc network mode specified in the task definition\"); set targetType \"ip\"",
        TG_URN,
    )]


def test_matches_container_accepts_instance_targets_for_bridge_tasks():
    specs = replace(replace(web_stack(), "web-tg", targetType="instance"), "web-task", networkMode="bridge")

    assert run_stack(MATCHES, specs, OFF).violations == []


@pytest.mark.parametrize("preview", [False, True])
def test_matches_container_flags_a_target_group_no_listener_forwards_to(preview):
    specs = [s for s in web_stack(preview) if s.name != "http"]

    assert run_stack(MATCHES, specs, OFF).messages == [
        "TargetGroup 'web-tg' used by Service 'web' loadBalancers[0] receives no traffic: no listener or listener "
        "rule forwards to it, and ECS rejects the service (\"The target group ... does not have an associated load "
        "balancer\"); add a listener or listener rule whose forward action targets it"
    ]


def test_matches_container_accepts_a_listener_rule_with_a_weighted_forward():
    specs = [s for s in web_stack() if s.name != "http"] + [
        spec("aws:lb/listener:Listener", "http", {"arn": "arn:listener", "defaultActions": [{"type": "fixed-response"}]}),
        spec("aws:lb/listenerRule:ListenerRule", "web-rule", {"listenerArn": "arn:listener", "actions": [
            {"type": "forward", "forward": {"targetGroups": [{"arn": web_stack()[6].props["arn"], "weight": 1}]}}]}),
    ]

    assert run_stack(MATCHES, specs, OFF).violations == []


def test_matches_container_leaves_the_health_check_port_to_the_health_check_rule():
    # A target group may health-check any port the task serves (ecs-health-checks-consistent judges it);
    # ECS accepts the service whatever that port is.
    specs = replace(web_stack(), "web-tg", healthCheck=health_check(port="8081"))

    outcome = run_stack(MATCHES, specs, OFF)

    assert (outcome.violations, outcome.inconclusive) == ([], None)


def test_matches_container_judges_each_load_balancer_block_on_its_own():
    specs = replace(web_stack(), "web", loadBalancers=block() + block(containerPort=9090))

    assert run_stack(MATCHES, specs, OFF).messages == [
        "Service 'web' loadBalancers[1] containerPort 9090 is not mapped by container 'web' of TaskDefinition "
        "'web-task'; ECS rejects the service with \"The container web did not have a container port 9090 "
        "defined\": add portMappings containerPort 9090 or change the service's containerPort"
    ]


def test_matches_container_is_inconclusive_on_a_classic_load_balancer_block():
    specs = replace(web_stack(), "web", loadBalancers=[{"elbName": "legacy", "containerName": "web",
                                                        "containerPort": 8080}])

    outcome = run_stack(MATCHES, specs, OFF)

    assert (outcome.violations, outcome.unknowns) == (
        [], ["Service 'web' loadBalancers[0] names Classic Load Balancer 'legacy', which this rule does not model"])


def test_matches_container_does_not_treat_the_target_group_port_as_a_violation():
    specs = replace(web_stack(), "web-tg", port=80)

    assert run_stack(MATCHES, specs, OFF).violations == []


def test_matches_container_is_inconclusive_on_unknowns():
    unknown_definitions = replace(web_stack(True), "web-task", containerDefinitions=UNKNOWN)
    unknown_port = replace(web_stack(True), "web", loadBalancers=[{"targetGroupArn": UNKNOWN, "containerName": "web",
                                                                   "containerPort": UNKNOWN}])
    no_dependency = replace(web_stack(True), "web", taskDefinition=UNKNOWN)
    no_dependency[-1].deps.pop("taskDefinition")

    assert run_stack(MATCHES, unknown_definitions, OFF).unknowns == [
        "TaskDefinition 'web-task' containerDefinitions (the containers the load balancer targets)"]
    assert run_stack(MATCHES, unknown_port, OFF).unknowns == [
        "Service 'web' loadBalancers[0].containerName/containerPort"]
    assert run_stack(MATCHES, no_dependency, OFF).unknowns == [
        "Service 'web' taskDefinition (unknown, and no task definition in the stack it depends on)"]


def test_matches_container_is_inconclusive_for_a_target_group_outside_the_stack_without_look_ups():
    arn = f"arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:targetgroup/shared/0011223344556677"
    specs = replace(web_stack(), "web", loadBalancers=block(targetGroupArn=arn))

    outcome = run_stack(MATCHES, specs, OFF)

    assert (outcome.violations, outcome.unknowns) == ([], [
        f"Service 'web' loadBalancers[0] target group '{arn}' outside the stack (live look-ups are off "
        "(liveLookups: off))"])


def test_matches_container_reads_a_target_group_and_a_task_definition_outside_the_stack(moto, aws_credentials):
    ec2 = boto3.client("ec2", region_name=REGION, endpoint_url=moto.url)
    vpc = ec2.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
    elbv2 = boto3.client("elbv2", region_name=REGION, endpoint_url=moto.url)
    group = elbv2.create_target_group(Name="shared", Protocol="HTTP", Port=8080, VpcId=vpc,
                                      TargetType="instance")["TargetGroups"][0]["TargetGroupArn"]
    ecs_client = boto3.client("ecs", region_name=REGION, endpoint_url=moto.url)
    task_arn = ecs_client.register_task_definition(
        family="shared-web", networkMode="awsvpc", requiresCompatibilities=["FARGATE"], cpu="256", memory="512",
        containerDefinitions=[{"name": "web", "image": "nginx", "portMappings": [{"containerPort": 80}]}],
    )["taskDefinition"]["taskDefinitionArn"]
    service = spec(SERVICE, "web", {"taskDefinition": task_arn, "loadBalancers": [
        {"targetGroupArn": group, "containerName": "web", "containerPort": 8080}]})

    outcome = run_stack(MATCHES, [service], {"awsEndpointUrl": moto.url})

    assert outcome.messages == [
        "Service 'web' loadBalancers[0] containerPort 8080 is not mapped by container 'web' of TaskDefinition "
        "'shared-web:1'; ECS rejects the service with \"The container web did not have a container port 8080 "
        "defined\": add portMappings containerPort 8080 or change the service's containerPort",
        "TargetGroup 'shared' targetType 'instance' cannot receive Service 'web' loadBalancers[0]: awsvpc tasks "
        "register by IP address and ECS rejects the service (\"has target type instance, which is incompatible "
        "with the awsvpc network mode specified in the task definition\"); set targetType \"ip\"",
        "TargetGroup 'shared' used by Service 'web' loadBalancers[0] receives no traffic: no listener or listener "
        "rule forwards to it, and ECS rejects the service (\"The target group ... does not have an associated load "
        "balancer\"); add a listener or listener rule whose forward action targets it",
    ]
