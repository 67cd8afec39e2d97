"""fargate-task-size-valid on plain task definitions: one change per case, exact messages."""

from __future__ import annotations

import boto3
import pytest

from model import live_aws
from model.values import UNKNOWN
from rules.fargate_task_size_valid import fargate_task_size_valid
from tests.policies.rules.ecs_task_cases import fargate_task
from tests.policies.test_ecs_harness import (
    CLUSTER,
    DELETE,
    SERVICE,
    TASK_ARN,
    containers,
    run_stack,
    spec,
    web_container,
)


@pytest.mark.parametrize("cpu,memory", [("256", "512"), ("512", "4096"), ("1 vCPU", "2 GB"), (".25 vCPU", "0.5GB"),
                                        ("4096", "30720"), ("8192", "61440"), ("16384", "32768"), (2048, 16384)])
def test_fargate_size_accepts_the_table(cpu, memory):
    outcome = run_stack(fargate_task_size_valid, [fargate_task(cpu=cpu, memory=memory)])

    assert (outcome.violations, outcome.inconclusive) == ([], None)


def test_fargate_size_flags_memory_outside_the_cpu_row_with_both_ways_out():
    outcome = run_stack(fargate_task_size_valid, [fargate_task(cpu="256", memory="4096")])

    assert outcome.violations == [(
        "TaskDefinition 'web-task' memory '4096' is not valid with cpu '256'; use 512, 1024 or 2048, or cpu 512, "
        "1024 or 2048 for memory 4096 (AWS: \"Invalid 'cpu' setting for task.\")",
        "urn:pulumi:test::berth::aws:ecs/taskDefinition:TaskDefinition::web-task",
    )]


def test_fargate_size_describes_long_rows_as_ranges():
    outcome = run_stack(fargate_task_size_valid, [fargate_task(cpu="8192", memory="18432")])

    assert outcome.messages == [
        "TaskDefinition 'web-task' memory '18432' is not valid with cpu '8192'; use 16384 to 61440 in steps of "
        "4096, or cpu 4096 for memory 18432 (AWS: \"Invalid 'cpu' setting for task.\")"
    ]


def test_fargate_size_flags_a_cpu_fargate_does_not_offer():
    outcome = run_stack(fargate_task_size_valid, [fargate_task(cpu="300")])

    assert outcome.messages == [
        "TaskDefinition 'web-task' cpu '300' is not a Fargate task size; use 256, 512, 1024, 2048, 4096, 8192 or "
        "16384 (AWS: \"Invalid 'cpu' setting for task.\")"
    ]


def test_fargate_size_requires_task_level_cpu_and_memory():
    outcome = run_stack(fargate_task_size_valid, [fargate_task(cpu=DELETE, memory=DELETE)])

    assert outcome.messages == [
        "TaskDefinition 'web-task' requires FARGATE but does not set cpu and memory: Fargate needs task-level cpu "
        "and memory; set for example cpu \"256\" and memory \"512\""
    ]


def test_fargate_size_flags_sizes_windows_does_not_get():
    task = fargate_task(cpu="512", memory="1024", runtimePlatform={"operatingSystemFamily": "WINDOWS_SERVER_2022_CORE"})

    assert run_stack(fargate_task_size_valid, [task]).messages == [
        "TaskDefinition 'web-task' cpu '512' is not offered for WINDOWS_SERVER_2022_CORE on Fargate; Windows tasks "
        "need cpu 1024, 2048 or 4096"
    ]


def test_fargate_size_flags_containers_that_do_not_fit():
    definitions = containers(web_container(cpu=256, memory=1024), web_container(name="sidecar", cpu=128,
                                                                                memoryReservation=128))
    outcome = run_stack(fargate_task_size_valid, [fargate_task(containerDefinitions=definitions)])

    assert outcome.messages == [
        "TaskDefinition 'web-task' container 'web' memory 1024 exceeds the task memory 512; lower it to at most "
        "512 or raise the task memory",
        "TaskDefinition 'web-task' containers reserve cpu 384 (web 256, sidecar 128) but the task has cpu 256; "
        "lower the containers' cpu or raise the task cpu",
        "TaskDefinition 'web-task' containers reserve memory 1152 MiB (web 1024, sidecar 128) but the task has "
        "memory 512; lower the containers' memoryReservation/memory or raise the task memory",
    ]


def test_fargate_size_is_inconclusive_on_an_unknown_size():
    unknown = run_stack(fargate_task_size_valid, [fargate_task(memory=UNKNOWN)])

    assert (unknown.violations, unknown.unknowns) == ([], ["TaskDefinition 'web-task' cpu/memory"])


def test_unknown_compatibilities_matter_only_when_fargate_would_reject_the_size():
    valid = run_stack(fargate_task_size_valid, [fargate_task(requiresCompatibilities=UNKNOWN)])
    invalid = run_stack(fargate_task_size_valid, [fargate_task(requiresCompatibilities=UNKNOWN, cpu="300")])

    assert (valid.violations, valid.inconclusive, valid.not_applicable) == ([], None, None)
    assert (invalid.violations, invalid.unknowns) == ([], [
        "whether TaskDefinition 'web-task', whose size Fargate would not accept, runs on Fargate: "
        "TaskDefinition 'web-task' requiresCompatibilities"])


def test_an_ec2_task_definition_nothing_runs_on_fargate_is_not_applicable():
    ec2 = run_stack(fargate_task_size_valid, [fargate_task(requiresCompatibilities=["EC2"], cpu="300")])
    on_ec2 = run_stack(fargate_task_size_valid, [
        fargate_task(requiresCompatibilities=["EC2"], cpu="300"),
        spec(SERVICE, "web", {"launchType": "EC2", "taskDefinition": TASK_ARN}),
    ])
    no_task = run_stack(fargate_task_size_valid, [spec(SERVICE, "web", {"cpu": "300"})])

    assert ec2.not_applicable == on_ec2.not_applicable == (
        "no task definition in the stack runs on Fargate: none requires FARGATE and no launcher runs one on Fargate")
    assert (ec2.violations, on_ec2.violations) == ([], [])
    assert no_task.not_applicable == "the stack has no ECS task definition and runs none from outside it"


def test_a_service_running_an_ec2_task_definition_on_fargate_needs_a_fargate_size():
    # RunTask/CreateService: the launch type decides where a task runs; Fargate needs a size from its table.
    task = fargate_task(requiresCompatibilities=DELETE, cpu=DELETE, memory=DELETE)
    by_launch_type = run_stack(fargate_task_size_valid, [task, spec(SERVICE, "web", {
        "launchType": "FARGATE", "taskDefinition": TASK_ARN})])
    by_strategy = run_stack(fargate_task_size_valid, [task, spec(SERVICE, "web", {
        "taskDefinition": TASK_ARN, "capacityProviderStrategies": [
            {"capacityProvider": "FARGATE_SPOT", "weight": 1}, {"capacityProvider": "FARGATE", "base": 1}]})])

    assert by_launch_type.messages == [
        "TaskDefinition 'web-task' is run on Fargate by Service 'web' but does not set cpu and memory: Fargate needs "
        "task-level cpu and memory; set for example cpu \"256\" and memory \"512\""
    ]
    assert by_strategy.messages == by_launch_type.messages


def test_a_cluster_default_strategy_decides_for_a_service_that_names_none():
    task = fargate_task(requiresCompatibilities=DELETE, cpu="300")
    service = spec(SERVICE, "web", {"cluster": "apps", "taskDefinition": TASK_ARN})
    no_default = run_stack(fargate_task_size_valid, [task, service, spec(CLUSTER, "apps", {"name": "apps"})])
    fargate_default = run_stack(fargate_task_size_valid, [task, service, spec(CLUSTER, "apps", {
        "name": "apps", "defaultCapacityProviderStrategies": [{"capacityProvider": "FARGATE", "weight": 1}]})])
    outside = run_stack(fargate_task_size_valid, [task, spec(SERVICE, "web", {
        "cluster": "arn:aws:ecs:us-east-1:123456789012:cluster/elsewhere", "taskDefinition": TASK_ARN})])

    assert (no_default.violations, no_default.not_applicable) == ([], (
        "no task definition in the stack runs on Fargate: none requires FARGATE and no launcher runs one on Fargate"))
    assert fargate_default.messages == [
        "TaskDefinition 'web-task' cpu '300' is not a Fargate task size; use 256, 512, 1024, 2048, 4096, 8192 or "
        "16384 (AWS: \"Invalid 'cpu' setting for task.\")"
    ]
    assert (outside.violations, outside.unknowns) == ([], [
        "whether TaskDefinition 'web-task', whose size Fargate would not accept, runs on Fargate: whether "
        "Service 'web' runs its tasks on Fargate (its launch type, capacity provider strategy or cluster default "
        "strategy is not known here)"])


def test_a_scheduled_task_on_fargate_is_judged_like_a_service():
    task = fargate_task(requiresCompatibilities=["EC2"], cpu="1024", memory="512")
    target = spec("aws:cloudwatch/eventTarget:EventTarget", "nightly", {
        "arn": "arn:aws:ecs:us-east-1:123456789012:cluster/apps", "rule": "nightly",
        "ecsTarget": {"taskDefinitionArn": TASK_ARN, "launchType": "FARGATE", "taskCount": 1}})

    assert run_stack(fargate_task_size_valid, [task, target]).messages == [
        "TaskDefinition 'web-task' memory '512' is not valid with cpu '1024'; use 2048 to 8192 in steps of 1024, or "
        "cpu 256 for memory 512 (AWS: \"Invalid 'cpu' setting for task.\")"
    ]


OUTSIDE_TASK = "arn:aws:ecs:us-east-1:123456789012:task-definition/report:4"


def _runs_outside_task() -> list:
    return [spec(SERVICE, "report", {"launchType": "FARGATE", "taskDefinition": OUTSIDE_TASK})]


def test_a_task_definition_outside_the_stack_run_on_fargate_is_inconclusive_without_a_look_up():
    outcome = run_stack(fargate_task_size_valid, _runs_outside_task(), {"liveLookups": "off"})

    assert (outcome.violations, outcome.unknowns) == ([], [
        f"Service 'report' task definition '{OUTSIDE_TASK}' outside the stack (live look-ups are off "
        "(liveLookups: off))"])


def test_a_task_definition_outside_the_stack_run_on_fargate_is_read_and_judged(moto, aws_credentials):
    ecs = boto3.client("ecs", region_name="us-east-1", endpoint_url=moto.url)
    ecs.register_task_definition(family="report", requiresCompatibilities=["EC2"], cpu="1024", memory="512",
                                 containerDefinitions=[{"name": "report", "image": "report:1", "memory": 256}])
    for _ in range(3):  # revision 4 is the one the service names
        ecs.register_task_definition(family="report", requiresCompatibilities=["EC2"], cpu="1024", memory="512",
                                     containerDefinitions=[{"name": "report", "image": "report:1", "memory": 256}])
    live_aws.forget_shared()

    outcome = run_stack(fargate_task_size_valid, _runs_outside_task(), {"awsEndpointUrl": moto.url})

    assert outcome.messages == [
        "TaskDefinition 'report:4' memory '512' is not valid with cpu '1024'; use 2048 to 8192 in steps of 1024, or "
        "cpu 256 for memory 512 (AWS: \"Invalid 'cpu' setting for task.\")"
    ]
