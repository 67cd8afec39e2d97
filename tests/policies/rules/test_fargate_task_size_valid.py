"""fargate-task-size-valid on plain task definitions: one change per case, exact messages."""

from __future__ import annotations

import pytest

from model.values import UNKNOWN
from rules.fargate_task_size_valid import fargate_task_size_valid
from tests.policies.rules.ecs_task_cases import fargate_task
from tests.policies.test_ecs_harness import DELETE, SERVICE, containers, run_resource, spec, web_container


@pytest.mark.parametrize("cpu,memory", [("256", "512"), ("512", "4096"), ("1 vCPU", "2 GB"), (".25 vCPU", "0.5GB"),
                                        ("4096", "30720"), ("8192", "61440"), ("16384", "32768"), (2048, 16384)])
def test_fargate_size_accepts_the_table(cpu, memory):
    outcome = run_resource(fargate_task_size_valid, fargate_task(cpu=cpu, memory=memory))

    assert (outcome.violations, outcome.inconclusive) == ([], None)


def test_fargate_size_flags_memory_outside_the_cpu_row_with_both_ways_out():
    outcome = run_resource(fargate_task_size_valid, fargate_task(cpu="256", memory="4096"))

    assert outcome.violations == [(
        "TaskDefinition 'web-task' memory '4096' is not valid with cpu '256'; use 512, 1024 or 2048, or cpu 512, "
        "1024 or 2048 for memory 4096 (AWS: \"Invalid 'cpu' setting for task.\")",
        "urn:pulumi:test::berth::aws:ecs/taskDefinition:TaskDefinition::web-task",
    )]


def test_fargate_size_describes_long_rows_as_ranges():
    outcome = run_resource(fargate_task_size_valid, fargate_task(cpu="8192", memory="18432"))

    assert outcome.messages == [
        "TaskDefinition 'web-task' memory '18432' is not valid with cpu '8192'; use 16384 to 61440 in steps of "
        "4096, or cpu 4096 for memory 18432 (AWS: \"Invalid 'cpu' setting for task.\")"
    ]


def test_fargate_size_flags_a_cpu_fargate_does_not_offer():
    outcome = run_resource(fargate_task_size_valid, fargate_task(cpu="300"))

    assert outcome.messages == [
        "TaskDefinition 'web-task' cpu '300' is not a Fargate task size; use 256, 512, 1024, 2048, 4096, 8192 or "
        "16384 (AWS: \"Invalid 'cpu' setting for task.\")"
    ]


def test_fargate_size_requires_task_level_cpu_and_memory():
    outcome = run_resource(fargate_task_size_valid, fargate_task(cpu=DELETE, memory=DELETE))

    assert outcome.messages == [
        "TaskDefinition 'web-task' requires FARGATE but does not set cpu and memory: Fargate needs task-level cpu "
        "and memory; set for example cpu \"256\" and memory \"512\""
    ]


def test_fargate_size_flags_sizes_windows_does_not_get():
    task = fargate_task(cpu="512", memory="1024", runtimePlatform={"operatingSystemFamily": "WINDOWS_SERVER_2022_CORE"})

    assert run_resource(fargate_task_size_valid, task).messages == [
        "TaskDefinition 'web-task' cpu '512' is not offered for WINDOWS_SERVER_2022_CORE on Fargate; Windows tasks "
        "need cpu 1024, 2048 or 4096"
    ]


def test_fargate_size_flags_containers_that_do_not_fit():
    definitions = containers(web_container(cpu=256, memory=1024), web_container(name="sidecar", cpu=128,
                                                                                memoryReservation=128))
    outcome = run_resource(fargate_task_size_valid, fargate_task(containerDefinitions=definitions))

    assert outcome.messages == [
        "TaskDefinition 'web-task' container 'web' memory 1024 exceeds the task memory 512; lower it to at most "
        "512 or raise the task memory",
        "TaskDefinition 'web-task' containers reserve cpu 384 (web 256, sidecar 128) but the task has cpu 256; "
        "lower the containers' cpu or raise the task cpu",
        "TaskDefinition 'web-task' containers reserve memory 1152 MiB (web 1024, sidecar 128) but the task has "
        "memory 512; lower the containers' memoryReservation/memory or raise the task memory",
    ]


def test_fargate_size_is_inconclusive_on_unknowns_and_ignores_ec2_tasks_and_other_types():
    unknown = run_resource(fargate_task_size_valid, fargate_task(memory=UNKNOWN))
    unknown_compat = run_resource(fargate_task_size_valid, fargate_task(requiresCompatibilities=UNKNOWN))
    ec2 = run_resource(fargate_task_size_valid, fargate_task(requiresCompatibilities=["EC2"], cpu="300"))
    other = run_resource(fargate_task_size_valid, spec(SERVICE, "web", {"cpu": "300"}))

    assert (unknown.violations, unknown.unknowns) == ([], ["TaskDefinition 'web-task' cpu/memory"])
    assert (unknown_compat.violations, unknown_compat.unknowns) == ([], ["TaskDefinition 'web-task' requiresCompatibilities"])
    assert (ec2.violations, ec2.inconclusive, other.violations, other.inconclusive) == ([], None, [], None)
