"""ecs-rollout-zero-downtime on stacks built from plain resources: one change per case, exact messages."""

from __future__ import annotations

import boto3
import pytest

from model.values import UNKNOWN
from rules.ecs_rollout_zero_downtime import ecs_rollout_zero_downtime
from tests.policies.rules.ecs_deployment_cases import OFF, SERVICE_URN
from tests.policies.test_ecs_harness import (
    ACCOUNT,
    DELETE,
    REGION,
    SUBNET,
    replace,
    run_stack,
    spec,
    web_stack,
)

HA = {**OFF, "requireHighAvailability": True}


ROLLOUT = ecs_rollout_zero_downtime


@pytest.mark.parametrize("preview", [False, True])
def test_rollout_accepts_the_compliant_service_also_with_high_availability(preview):
    outcome = run_stack(ROLLOUT, web_stack(preview), HA)

    assert (outcome.violations, outcome.inconclusive) == ([], None)


def test_rollout_flags_half_capacity_with_a_single_task():
    specs = replace(web_stack(), "web", desiredCount=1, deploymentMinimumHealthyPercent=50)

    assert run_stack(ROLLOUT, specs, OFF).violations == [(
        "Service 'web' deploymentMinimumHealthyPercent 50 with desiredCount 1 lets a rolling deployment stop "
        "running tasks before their replacements are healthy: set it to 100 (or at least 50 with desiredCount 2 or "
        "more)",
        SERVICE_URN,
    )]


def test_rollout_accepts_half_capacity_with_two_tasks_and_flags_less():
    assert run_stack(ROLLOUT, replace(web_stack(), "web", deploymentMinimumHealthyPercent=50), OFF).violations == []
    assert len(run_stack(ROLLOUT, replace(web_stack(), "web", deploymentMinimumHealthyPercent=49), OFF).violations) == 1


def test_rollout_flags_no_room_above_the_desired_count():
    specs = replace(web_stack(), "web", deploymentMaximumPercent=100)

    assert run_stack(ROLLOUT, specs, OFF).messages == [
        "Service 'web' deploymentMaximumPercent 100 leaves no room to start new tasks beside the old ones, so a "
        "deployment must stop tasks first: set it above 100 (200 is the default)"
    ]


def test_rollout_uses_the_defaults_when_percentages_are_missing():
    specs = replace(web_stack(), "web", deploymentMinimumHealthyPercent=DELETE, deploymentMaximumPercent=DELETE)

    assert run_stack(ROLLOUT, specs, OFF).violations == []


@pytest.mark.parametrize("breaker,shown", [
    (DELETE, "is not set"),
    ({"enable": True, "rollback": False}, "has enable true and rollback false"),
])
def test_rollout_requires_the_circuit_breaker_with_rollback(breaker, shown):
    specs = replace(web_stack(), "web", deploymentCircuitBreaker=breaker)

    assert run_stack(ROLLOUT, specs, OFF).messages == [
        f"Service 'web' deploymentCircuitBreaker {shown}: a failing deployment keeps replacing tasks instead of "
        "rolling back; set deploymentCircuitBreaker enable true and rollback true"
    ]


def test_rollout_high_availability_flags_one_task_and_one_zone():
    specs = replace(web_stack(), "web", desiredCount=1, networkConfiguration={
        "subnets": ["subnet-a"], "securityGroups": ["sg-task"]})

    assert run_stack(ROLLOUT, specs, HA).messages == [
        "Service 'web' desiredCount 1 is below 2: one failed task or AZ takes the service down; set desiredCount to "
        "at least 2 (requireHighAvailability)",
        "Service 'web' networkConfiguration.subnets span 1 availability zone(s) (us-east-1a): an AZ outage stops "
        "every task; add subnets in at least 2 availability zones (requireHighAvailability)",
    ]


def test_rollout_high_availability_is_off_by_default_and_configurable():
    specs = replace(web_stack(), "web", desiredCount=2)

    assert run_stack(ROLLOUT, replace(web_stack(), "web", desiredCount=1), OFF).violations == []
    assert run_stack(ROLLOUT, specs, {**HA, "minimumDesiredCount": 3}).messages == [
        "Service 'web' desiredCount 2 is below 3: one failed task or AZ takes the service down; set desiredCount to "
        "at least 3 (requireHighAvailability)"
    ]


def test_rollout_high_availability_reads_subnets_outside_the_stack(moto, aws_credentials):
    ec2 = boto3.client("ec2", region_name=REGION, endpoint_url=moto.url)
    vpc = ec2.create_vpc(CidrBlock="10.2.0.0/16")["Vpc"]["VpcId"]
    a = ec2.create_subnet(VpcId=vpc, CidrBlock="10.2.1.0/24", AvailabilityZone="us-east-1a")["Subnet"]["SubnetId"]
    b = ec2.create_subnet(VpcId=vpc, CidrBlock="10.2.2.0/24", AvailabilityZone="us-east-1a")["Subnet"]["SubnetId"]
    specs = replace(web_stack(), "web", networkConfiguration={"subnets": [a, b], "securityGroups": ["sg-task"]})

    outcome = run_stack(ROLLOUT, specs, {"requireHighAvailability": True, "awsEndpointUrl": moto.url})
    offline = run_stack(ROLLOUT, specs, HA)

    assert outcome.messages == [
        "Service 'web' networkConfiguration.subnets span 1 availability zone(s) (us-east-1a): an AZ outage stops "
        "every task; add subnets in at least 2 availability zones (requireHighAvailability)"
    ]
    assert (offline.violations, offline.unknowns) == ([], [
        f"Service 'web' subnets {', '.join(sorted([a, b]))} (live look-ups are off (liveLookups: off))"])


SCALING = "aws:appautoscaling/target:Target"


def scaled(specs, minimum, resource_id="service/main/web", deps=None):
    return specs + [spec(SCALING, "web-scaling", {
        "resourceId": resource_id, "scalableDimension": "ecs:service:DesiredCount", "serviceNamespace": "ecs",
        "minCapacity": minimum, "maxCapacity": 4}, deps)]


def test_rollout_counts_an_auto_scaling_minimum_of_two_as_two_tasks():
    one_task = replace(web_stack(), "web", desiredCount=1, deploymentMinimumHealthyPercent=50,
                       cluster=f"arn:aws:ecs:{REGION}:{ACCOUNT}:cluster/main")

    assert run_stack(ROLLOUT, scaled(one_task, 2), HA).violations == []


def test_rollout_names_the_auto_scaling_minimum_that_raised_a_count_still_too_low():
    one_task = replace(web_stack(), "web", desiredCount=1, cluster="main")

    assert run_stack(ROLLOUT, scaled(one_task, 2), {**HA, "minimumDesiredCount": 3}).messages == [
        "Service 'web' desiredCount 1 (raised to 2 by Target 'web-scaling' minCapacity) is below 3: one failed "
        "task or AZ takes the service down; set desiredCount to at least 3 (requireHighAvailability)"
    ]


def test_rollout_counts_a_target_matched_through_the_graph():
    one_task = replace(web_stack(True), "web", desiredCount=1, deploymentMinimumHealthyPercent=50)

    outcome = run_stack(ROLLOUT, scaled(one_task, 2, resource_id=UNKNOWN, deps={"resourceId": ["web"]}), HA)

    assert (outcome.violations, outcome.inconclusive) == ([], None)


def test_rollout_ignores_a_minimum_below_two_and_targets_of_other_services():
    one_task = replace(web_stack(), "web", desiredCount=1, deploymentMinimumHealthyPercent=50, cluster="main")
    half = (
        "Service 'web' deploymentMinimumHealthyPercent 50 with desiredCount 1 lets a rolling deployment stop "
        "running tasks before their replacements are healthy: set it to 100 (or at least 50 with desiredCount 2 or "
        "more)"
    )
    single = (
        "Service 'web' desiredCount 1 is below 2: one failed task or AZ takes the service down; set desiredCount to "
        "at least 2 (requireHighAvailability)"
    )
    other_dimension = scaled(one_task, 2)
    other_dimension[-1].props["scalableDimension"] = "ecs:service:Cpu"

    assert run_stack(ROLLOUT, scaled(one_task, 1), HA).messages == [half, single]
    assert run_stack(ROLLOUT, scaled(one_task, 2, resource_id="service/main/api"), HA).messages == [half, single]
    assert run_stack(ROLLOUT, scaled(one_task, 2, resource_id="service/other/web"), HA).messages == [half, single]
    assert run_stack(ROLLOUT, scaled(one_task, 2, resource_id=UNKNOWN), HA).messages == [half, single]
    assert run_stack(ROLLOUT, other_dimension, HA).messages == [half, single]


def test_rollout_is_inconclusive_on_an_unknown_scaling_minimum():
    one_task = replace(web_stack(), "web", desiredCount=1)

    outcome = run_stack(ROLLOUT, scaled(one_task, UNKNOWN), OFF)

    assert (outcome.violations, outcome.unknowns) == ([], ["Target 'web-scaling' minCapacity"])


def test_rollout_is_inconclusive_on_unknowns():
    specs = replace(web_stack(True), "web", deploymentMinimumHealthyPercent=UNKNOWN, deploymentCircuitBreaker=UNKNOWN)

    outcome = run_stack(ROLLOUT, specs, OFF)

    assert (outcome.violations, outcome.unknowns) == ([], [
        "Service 'web' deploymentMinimumHealthyPercent/desiredCount", "Service 'web' deploymentCircuitBreaker"])


def test_rollout_leaves_code_deploy_and_daemon_services_alone():
    code_deploy = replace(web_stack(), "web", deploymentController={"type": "CODE_DEPLOY"},
                          deploymentCircuitBreaker=DELETE, deploymentMaximumPercent=100)
    daemon = replace(web_stack(), "web", schedulingStrategy="DAEMON", deploymentMinimumHealthyPercent=0,
                     deploymentMaximumPercent=100, deploymentCircuitBreaker=DELETE)

    assert run_stack(ROLLOUT, code_deploy, OFF).violations == []
    assert run_stack(ROLLOUT, daemon, OFF).violations == []


def test_rollout_ignores_other_resource_types():
    outcome = run_stack(ROLLOUT, [spec(SUBNET, "a", {"availabilityZone": "us-east-1a"})], HA)

    assert (outcome.violations, outcome.inconclusive, outcome.not_applicable) == ([], None, "the stack has no ECS service")
