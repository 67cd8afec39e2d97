"""fargate-task-size-valid: task cpu/memory is a combination Fargate accepts."""

from __future__ import annotations

from typing import Any

from pulumi_policy import Severity

from kit import Findings, resource_policy
from model import fargate_sizes
from model.aws_types import ECS_TASK_DEFINITION
from model.ecs import Container
from model.values import Resource, as_int, get_path, is_unknown
from rules._ecs_services import readable_containers

_CPU_CHOICES = "256, 512, 1024, 2048, 4096, 8192 or 16384"


_AWS_SIZE_ERROR = "AWS: \"Invalid 'cpu' setting for task.\""


def _shown(value: Any) -> str:
    """A property value for a message; integral doubles (the wire's only numbers) as integers."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return repr(value)


def _either(values: tuple[int, ...]) -> str:
    words = [str(v) for v in values]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + f" or {words[-1]}"


def _is_fargate(task: Resource) -> Any:
    compatibilities = task.props.get("requiresCompatibilities")
    if is_unknown(compatibilities):
        return compatibilities
    return isinstance(compatibilities, list) and "FARGATE" in compatibilities


def validate_fargate_task_size(task: Resource, findings: Findings, config: dict) -> None:
    if task.type != ECS_TASK_DEFINITION:
        return
    fargate = _is_fargate(task)
    if is_unknown(fargate):
        findings.inconclusive(f"{task.label} requiresCompatibilities")
        return
    if not fargate:
        return
    cpu_value, memory_value = task.props.get("cpu"), task.props.get("memory")
    if is_unknown(cpu_value) or is_unknown(memory_value):
        findings.inconclusive(f"{task.label} cpu/memory")
        return
    if cpu_value is None or memory_value is None:
        missing = " and ".join(k for k, v in (("cpu", cpu_value), ("memory", memory_value)) if v is None)
        findings.violation(
            f"{task.label} requires FARGATE but does not set {missing}: Fargate needs task-level cpu and memory; "
            "set for example cpu \"256\" and memory \"512\"",
            task.urn,
        )
        return
    cpu, memory = fargate_sizes.cpu_units(cpu_value), fargate_sizes.memory_mib(memory_value)
    if cpu is None or cpu not in fargate_sizes.FARGATE_SIZES:
        findings.violation(
            f"{task.label} cpu {_shown(cpu_value)} is not a Fargate task size; use {_CPU_CHOICES} ({_AWS_SIZE_ERROR})",
            task.urn,
        )
        return
    if memory is None or memory not in fargate_sizes.valid_memory_for(cpu):
        other_cpus = fargate_sizes.cpus_for_memory(memory) if memory is not None else ()
        alternative = (
            f", or cpu {_either(other_cpus)} for memory {memory}" if other_cpus else ""
        )
        findings.violation(
            f"{task.label} memory {_shown(memory_value)} is not valid with cpu {_shown(cpu_value)}; use "
            f"{fargate_sizes.describe_memory_choices(cpu)}{alternative} ({_AWS_SIZE_ERROR})",
            task.urn,
        )
        return
    family = get_path(task.props, "runtimePlatform", "operatingSystemFamily")
    if isinstance(family, str) and family.upper().startswith("WINDOWS"):
        if "WINDOWS" not in fargate_sizes.operating_systems_for(cpu):
            findings.violation(
                f"{task.label} cpu {_shown(cpu_value)} is not offered for {family} on Fargate; Windows tasks need cpu "
                "1024, 2048 or 4096",
                task.urn,
            )
    containers = readable_containers(task, findings, "container cpu and memory")
    if containers is not None:
        _check_container_sizes(task, containers, cpu, memory, findings)


def _check_container_sizes(task: Resource, containers: list[Container], cpu: int, memory: int,
                           findings: Findings) -> None:
    cpus, reserved = [], []
    for container in containers:
        for key, value in (("cpu", container.cpu), ("memory", container.memory),
                           ("memoryReservation", container.memory_reservation)):
            if is_unknown(value):
                findings.inconclusive(f"{task.label} container '{container.name}' {key}")
            elif value is not None and as_int(value) is None:
                findings.violation(
                    f"{task.label} container '{container.name}' {key} {value!r} is not a whole number; "
                    f"set it in {'CPU units' if key == 'cpu' else 'MiB'}",
                    task.urn,
                )
        container_cpu = as_int(container.cpu)
        if container_cpu is not None:
            cpus.append((container.name, container_cpu))
        hard, soft = as_int(container.memory), as_int(container.memory_reservation)
        if hard is not None and hard > memory:
            findings.violation(
                f"{task.label} container '{container.name}' memory {hard} exceeds the task memory {memory}; "
                f"lower it to at most {memory} or raise the task memory",
                task.urn,
            )
        if soft is not None or hard is not None:
            reserved.append((container.name, soft if soft is not None else hard))
    total_cpu = sum(value for _, value in cpus)
    if total_cpu > cpu:
        parts = ", ".join(f"{name} {value}" for name, value in cpus)
        findings.violation(
            f"{task.label} containers reserve cpu {total_cpu} ({parts}) but the task has cpu {cpu}; lower the "
            "containers' cpu or raise the task cpu",
            task.urn,
        )
    total_memory = sum(value for _, value in reserved)
    if total_memory > memory:
        parts = ", ".join(f"{name} {value}" for name, value in reserved)
        findings.violation(
            f"{task.label} containers reserve memory {total_memory} MiB ({parts}) but the task has memory "
            f"{memory}; lower the containers' memoryReservation/memory or raise the task memory",
            task.urn,
        )


fargate_task_size_valid = resource_policy(
    name="fargate-task-size-valid",
    description=(
        "Fargate task definitions use a cpu/memory combination Fargate accepts and their containers' cpu and "
        "memory fit inside it."
    ),
    validate=validate_fargate_task_size,
    severity=Severity.HIGH,
    remediation_steps=(
        "Pick the task cpu and memory from AWS's table of Fargate sizes (for example cpu 256 with memory 512, "
        "1024 or 2048); keep the sum of the containers' cpu and memory reservations within the task's."
    ),
    url="https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-cpu-memory-error.html",
)
