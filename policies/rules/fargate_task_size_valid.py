"""fargate-task-size-valid: task cpu/memory is a combination Fargate accepts, for every task that runs on Fargate.

Mechanisms (what AWS evaluates to decide this):
- **The task definition's `requiresCompatibilities`** — modelled: `FARGATE` there makes ECS validate the
  size at registration. [Task definition parameters](https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_definition_parameters.html#requires_compatibilities)
- **The launcher's launch type** (a service, task set, EventBridge target, Scheduler schedule or Step
  Functions `ecs:runTask` state with launch type `FARGATE`) — modelled: a task definition run on Fargate
  needs a Fargate size whatever its `requiresCompatibilities` says. [RunTask](https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_RunTask.html)
- **Capacity provider strategies** (the launcher's own, else the cluster's default strategy) — modelled:
  a strategy naming only `FARGATE` / `FARGATE_SPOT` runs tasks on Fargate, no strategy and no launch type
  means the EC2 launch type. A cluster outside the stack, or a launcher whose task definition or launch
  is not known yet — inconclusive, named, when the task's size would not suit Fargate.
  [Capacity providers](https://docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-capacity-providers.html)
- **The table of valid task CPU and memory combinations** (including the larger sizes and the Windows
  rows) — modelled. [Task CPU and memory](https://docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-tasks-services.html#fargate-tasks-size)
- **Container-level `cpu`, `memory` and `memoryReservation`** — modelled: their sums must fit in the task
  size, and no container's hard limit may exceed the task memory. [Container definitions](https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_definition_parameters.html#container_definition_memory)
- **Task definitions outside the stack** that a launcher runs on Fargate — modelled when read live
  (`liveLookups`); without a look-up inconclusive, named.
  [DescribeTaskDefinition](https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_DescribeTaskDefinition.html)
- **Fargate platform version** — not applicable: every supported platform version (1.4.0 and later on
  Linux) accepts every size in the table.

Inconclusive by design: a task size, `requiresCompatibilities` or container definition not known until
update; whether a launcher runs a task on Fargate when its cluster's default strategy is outside the
stack; a launcher whose definition is not known yet; a task definition outside the stack without a live
look-up.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pulumi_policy import Severity

from kit import Findings, stack_policy
from kit.shown import shown
from model import fargate_sizes
from model.aws_types import ECS_TASK_DEFINITION
from model.ecs import Container
from model.launchers import TaskLaunch, task_definition_ref, task_launches
from model.live_aws import LIVE_LOOKUP_SCHEMA
from model.stack_index import StackIndex
from model.values import Resource, as_int, get_path, is_unknown
from rules._ecs_services import LiveByRegion, readable_containers, task_definition_of_launch

_CPU_CHOICES = "256, 512, 1024, 2048, 4096, 8192 or 16384"


_AWS_SIZE_ERROR = "AWS: \"Invalid 'cpu' setting for task.\""


def _either(values: tuple[int, ...]) -> str:
    words = [str(v) for v in values]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + f" or {words[-1]}"


@dataclass
class _FargateUse:
    """Whether a task definition runs on Fargate: why it does, and what leaves it open."""

    why: str | None = None  # "requires FARGATE", "is run on Fargate by Service 'web'"
    open_questions: list[str] = field(default_factory=list)


def _fargate_uses(index: StackIndex, tasks: list[Resource]) -> dict[str, _FargateUse]:
    """Per task definition URN: its own requiresCompatibilities, then every launcher that runs it."""
    uses = {task.urn: _FargateUse() for task in tasks}
    for task in tasks:
        compatibilities = task.props.get("requiresCompatibilities")
        if is_unknown(compatibilities):
            uses[task.urn].open_questions.append(f"{task.label} requiresCompatibilities")
        elif isinstance(compatibilities, list) and "FARGATE" in compatibilities:
            uses[task.urn].why = "requires FARGATE"
    launches, unreadable = task_launches(index)
    for launch in launches:
        _add_launch(index, launch, uses)
    for launcher in unreadable:
        # A launcher that cannot be read may run any of the stack's task definitions.
        for use in uses.values():
            use.open_questions.append(launcher)
    return uses


def _add_launch(index: StackIndex, launch: TaskLaunch, uses: dict[str, _FargateUse]) -> None:
    if launch.fargate is False:
        return
    ref = task_definition_ref(index, launch)
    if ref is None:
        return
    if ref.resource is not None:
        targets = [ref.resource.urn]
    elif not ref.resolved:
        targets = list(uses)  # not known yet, and no dependency says which: it may be any of them
    else:
        return  # a task definition outside the stack: judged by _outside_tasks, which reads it
    for urn in targets:
        use = uses[urn]
        if launch.fargate is True and ref.resource is not None:
            use.why = use.why or f"is run on Fargate by {launch.where}"
        elif launch.fargate is True:
            use.open_questions.append(f"which task definition {launch.where} runs on Fargate "
                                      f"({launch.task_definition_path} not known yet)")
        else:
            use.open_questions.append(f"whether {launch.where} runs its tasks on Fargate (its launch type, "
                                      "capacity provider strategy or cluster default strategy is not known here)")


def _outside_tasks(index: StackIndex, findings: Findings, config: dict) -> list[tuple[Resource, str]]:
    """Task definitions outside the stack that a launcher runs on Fargate, read from AWS (else inconclusive)."""
    live, found = LiveByRegion(config), []
    for launch in task_launches(index)[0]:
        ref = task_definition_ref(index, launch) if launch.fargate is not False else None
        if ref is None or ref.resource is not None or not ref.resolved:
            continue
        task = task_definition_of_launch(index, launch, findings, live)
        if task is None:
            continue
        if launch.fargate is True:
            found.append((task, f"is run on Fargate by {launch.where}"))
        else:
            _check_if_it_matters(task, [f"whether {launch.where} runs its tasks on Fargate"], findings)
    return found


def validate_fargate_task_size(index: StackIndex, findings: Findings, config: dict) -> None:
    outside = _outside_tasks(index, findings, config)
    for task, why in outside:
        _check_task_size(task, why, findings)
    tasks = index.of_type(ECS_TASK_DEFINITION)
    if not tasks:
        if not outside:
            findings.not_applicable("the stack has no ECS task definition and runs none from outside it")
        return
    uses = _fargate_uses(index, tasks)
    if not outside and not any(use.why or use.open_questions for use in uses.values()):
        findings.not_applicable(
            "no task definition in the stack runs on Fargate: none requires FARGATE and no launcher runs one on "
            "Fargate"
        )
        return
    for task in tasks:
        use = uses[task.urn]
        if use.why is not None:
            _check_task_size(task, use.why, findings)
        elif use.open_questions:
            _check_if_it_matters(task, use.open_questions, findings)


def _check_if_it_matters(task: Resource, open_questions: list[str], findings: Findings) -> None:
    """A task that may run on Fargate: inconclusive only when its size would not suit Fargate."""
    trial = Findings(lambda message, urn=None: None)
    _check_task_size(task, "may run on Fargate", trial)
    if trial.violations or trial.inconclusive_items:
        findings.inconclusive(
            f"whether {task.label}, whose size Fargate would not accept, runs on Fargate: "
            + "; ".join(dict.fromkeys(open_questions))
        )


def _check_task_size(task: Resource, why: str, findings: Findings) -> None:
    cpu_value, memory_value = task.props.get("cpu"), task.props.get("memory")
    if is_unknown(cpu_value) or is_unknown(memory_value):
        findings.inconclusive(f"{task.label} cpu/memory")
        return
    if cpu_value is None or memory_value is None:
        missing = " and ".join(k for k, v in (("cpu", cpu_value), ("memory", memory_value)) if v is None)
        findings.violation(
            f"{task.label} {why} but does not set {missing}: Fargate needs task-level cpu and memory; "
            "set for example cpu \"256\" and memory \"512\"",
            task.urn,
        )
        return
    cpu, memory = fargate_sizes.cpu_units(cpu_value), fargate_sizes.memory_mib(memory_value)
    if cpu is None or cpu not in fargate_sizes.FARGATE_SIZES:
        findings.violation(
            f"{task.label} cpu {shown(cpu_value)} is not a Fargate task size; use {_CPU_CHOICES} ({_AWS_SIZE_ERROR})",
            task.urn,
        )
        return
    if memory is None or memory not in fargate_sizes.valid_memory_for(cpu):
        other_cpus = fargate_sizes.cpus_for_memory(memory) if memory is not None else ()
        alternative = (
            f", or cpu {_either(other_cpus)} for memory {memory}" if other_cpus else ""
        )
        findings.violation(
            f"{task.label} memory {shown(memory_value)} is not valid with cpu {shown(cpu_value)}; use "
            f"{fargate_sizes.describe_memory_choices(cpu)}{alternative} ({_AWS_SIZE_ERROR})",
            task.urn,
        )
        return
    family = get_path(task.props, "runtimePlatform", "operatingSystemFamily")
    if isinstance(family, str) and family.upper().startswith("WINDOWS"):
        if "WINDOWS" not in fargate_sizes.operating_systems_for(cpu):
            findings.violation(
                f"{task.label} cpu {shown(cpu_value)} is not offered for {family} on Fargate; Windows tasks need cpu "
                "1024, 2048 or 4096",
                task.urn,
            )
    containers = readable_containers(task, findings, "container cpu and memory")
    if containers is not None:
        _check_container_sizes(task, containers, cpu, memory, findings)


def _container_name(container: Container) -> str:
    """A container as messages name it: 'web', or that it has no name (ECS requires one)."""
    name = container.name
    return f"'{name}'" if isinstance(name, str) and name else f"(name {shown(name)})"


def _plain_name(container: Container) -> str:
    return container.name if isinstance(container.name, str) and container.name else "unnamed"


def _check_container_sizes(task: Resource, containers: list[Container], cpu: int, memory: int,
                           findings: Findings) -> None:
    cpus, reserved = [], []
    for container in containers:
        for key, value in (("cpu", container.cpu), ("memory", container.memory),
                           ("memoryReservation", container.memory_reservation)):
            if is_unknown(value):
                findings.inconclusive(f"{task.label} container {_container_name(container)} {key}")
            elif value is not None and as_int(value) is None:
                findings.violation(
                    f"{task.label} container {_container_name(container)} {key} {shown(value)} is not a whole number; "
                    f"set it in {'CPU units' if key == 'cpu' else 'MiB'}",
                    task.urn,
                )
        container_cpu = as_int(container.cpu)
        if container_cpu is not None:
            cpus.append((_plain_name(container), container_cpu))
        hard, soft = as_int(container.memory), as_int(container.memory_reservation)
        if hard is not None and hard > memory:
            findings.violation(
                f"{task.label} container {_container_name(container)} memory {hard} exceeds the task memory {memory}; "
                f"lower it to at most {memory} or raise the task memory",
                task.urn,
            )
        if soft is not None or hard is not None:
            reserved.append((_plain_name(container), soft if soft is not None else hard))
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


fargate_task_size_valid = stack_policy(
    name="fargate-task-size-valid",
    description=(
        "Task definitions that run on Fargate (by requiresCompatibilities or because a launcher runs them there) "
        "use a cpu/memory combination Fargate accepts and their containers' cpu and memory fit inside it."
    ),
    validate=validate_fargate_task_size,
    severity=Severity.HIGH,
    remediation_steps=(
        "Pick the task cpu and memory from AWS's table of Fargate sizes (for example cpu 256 with memory 512, "
        "1024 or 2048); keep the sum of the containers' cpu and memory reservations within the task's."
    ),
    url="https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-cpu-memory-error.html",
    config_schema=LIVE_LOOKUP_SCHEMA,
)
