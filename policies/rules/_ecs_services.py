"""What the ECS rules share: live look-ups by region, the task definition and target group a service
uses (read from AWS when outside the stack), and its load-balancer blocks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kit import Findings
from kit.shown import shown
from model import ecs as ecs_model
from model.aws_types import ECS_TASK_DEFINITION, LB_TARGET_GROUP
from model.ecs import Container
from model.launchers import TaskLaunch, task_definition_ref
from model.live_aws import LiveAws
from model.load_balancing import load_balancer_blocks, target_group_of
from model.stack_index import Ref, StackIndex
from model.values import Malformed, Resource, as_int, get_path, is_unknown


@dataclass
class LiveByRegion:
    """One LiveAws per provider region, created on first use within one validation."""

    config: dict
    by_region: dict[str, LiveAws] = field(default_factory=dict)

    def for_resource(self, resource: Resource) -> LiveAws:
        region = resource.provider_props.get("region")
        region = region if isinstance(region, str) else ""
        if region not in self.by_region:
            self.by_region[region] = LiveAws.from_config(self.config, region)
        return self.by_region[region]


def _task_definition(index: StackIndex, runner: Resource, findings: Findings, live: LiveByRegion) -> Resource | None:
    """The task definition a service or task set runs, read from AWS when it is outside the stack."""
    ref = ecs_model.task_definition_of(index, runner)
    return _read_task_definition(ref, runner, runner.label, "taskDefinition", findings, live)


def task_definition_of_launch(index: StackIndex, launch: TaskLaunch, findings: Findings,
                              live: LiveByRegion) -> Resource | None:
    """The task definition any launcher starts (service, task set, EventBridge target, schedule or
    state machine state), read from AWS when it is outside the stack."""
    ref = task_definition_ref(index, launch)
    return _read_task_definition(ref, launch.launcher, launch.where, launch.task_definition_path, findings, live)


def _read_task_definition(ref: Ref | None, runner: Resource, where: str, path: str, findings: Findings,
                          live: LiveByRegion) -> Resource | None:
    if ref is None:
        return None
    if ref.resource is not None:
        return ref.resource
    if not ref.resolved:
        findings.inconclusive(f"{where} {path} (unknown, and no task definition in the stack it depends on)")
        return None
    if not isinstance(ref.value, str) or not ref.value:
        findings.violation(
            f"{where} {path} {shown(ref.value)} is not a task definition ARN or family; "
            "set it to the task definition's ARN",
            runner.urn,
        )
        return None
    lookup = live.for_resource(runner).call("ecs", "describe_task_definition", taskDefinition=ref.value)
    if not lookup.ok:
        findings.inconclusive(f"{where} task definition {shown(ref.value)} outside the stack ({lookup.reason})")
        return None
    data = lookup.data.get("taskDefinition") if isinstance(lookup.data.get("taskDefinition"), dict) else {}
    props = {
        "arn": data.get("taskDefinitionArn"),
        "family": data.get("family"),
        "containerDefinitions": data.get("containerDefinitions") or [],
        "networkMode": data.get("networkMode"),
        "requiresCompatibilities": data.get("requiresCompatibilities"),
        "cpu": data.get("cpu"),
        "memory": data.get("memory"),
        "executionRoleArn": data.get("executionRoleArn"),
        "taskRoleArn": data.get("taskRoleArn"),
    }
    return Resource(ECS_TASK_DEFINITION, ref.value.rsplit("/", 1)[-1], runner.urn, props)


def readable_containers(task: Resource, findings: Findings, what: str) -> list[Container] | None:
    """The task definition's containers; unknown → inconclusive naming `what`, malformed → violation."""
    containers = ecs_model.containers_of(task)
    if is_unknown(containers):
        findings.inconclusive(f"{task.label} containerDefinitions ({what})")
        return None
    if isinstance(containers, Malformed):
        findings.violation(
            f"{task.label} containerDefinitions cannot be read ({containers.error}); ECS rejects the task "
            "definition: pass a JSON list of container definitions",
            task.urn,
        )
        return None
    return containers


def _target_group(index: StackIndex, runner: Resource, block: dict, findings: Findings, live: LiveByRegion,
                  where: str) -> Resource | None:
    """The target group of a load-balancer block, read from AWS when it is outside the stack."""
    ref = target_group_of(index, runner, block)
    if ref is None:
        return None
    if ref.resource is not None:
        return ref.resource
    if not ref.resolved:
        findings.inconclusive(f"{where}.targetGroupArn (unknown, and no target group in the stack it depends on)")
        return None
    if not isinstance(ref.value, str):
        return None
    lookup = live.for_resource(runner).call("elbv2", "describe_target_groups", TargetGroupArns=[ref.value])
    groups = lookup.data.get("TargetGroups") if lookup.ok else None
    if not lookup.ok or not isinstance(groups, list) or not groups or not isinstance(groups[0], dict):
        findings.inconclusive(
            f"{where} target group {ref.value!r} outside the stack ({lookup.reason or 'not found'})"
        )
        return None
    data = groups[0]
    props = {
        "arn": data.get("TargetGroupArn"),
        "name": data.get("TargetGroupName"),
        "port": data.get("Port"),
        "protocol": data.get("Protocol"),
        "targetType": data.get("TargetType"),
        "loadBalancerArns": data.get("LoadBalancerArns") or [],
        "healthCheck": {
            "enabled": data.get("HealthCheckEnabled"),
            "port": data.get("HealthCheckPort"),
            "path": data.get("HealthCheckPath"),
            "protocol": data.get("HealthCheckProtocol"),
            "interval": data.get("HealthCheckIntervalSeconds"),
            "healthyThreshold": data.get("HealthyThresholdCount"),
        },
        "_outsideStack": True,
    }
    return Resource(LB_TARGET_GROUP[0], str(data.get("TargetGroupName") or ref.value), runner.urn, props)


def container_named(containers: list[Container], name: Any) -> Container | None:
    return next((c for c in containers if c.name == name), None)


@dataclass
class LoadBalancerBlock:
    """One load-balancer block of a service, with everything the traffic rules compare."""

    runner: Resource
    where: str
    container_name: Any
    port: int
    task: Resource
    containers: list[Container]
    target_group: Resource | None


def load_balancer_blocks_of(index: StackIndex, findings: Findings, live: LiveByRegion) -> list[LoadBalancerBlock]:
    """Every known load-balancer block of every service and task set in the stack."""
    found = []
    if not any(r.props.get("loadBalancers") is not None for r in ecs_model.services_and_task_sets(index)):
        findings.not_applicable("no ECS service or task set in the stack has a loadBalancers block")
    for runner in ecs_model.services_and_task_sets(index):
        blocks = load_balancer_blocks(runner)
        if is_unknown(blocks):
            findings.inconclusive(f"{runner.label} loadBalancers")
            continue
        if not blocks:
            continue
        task = _task_definition(index, runner, findings, live)
        if task is None:
            continue
        containers = readable_containers(task, findings, "the containers the load balancer targets")
        if containers is None:
            continue
        for number, block in enumerate(blocks):
            where = f"{runner.label} loadBalancers[{number}]"
            if is_unknown(block):
                findings.inconclusive(where)
                continue
            name, port_value = block.get("containerName"), block.get("containerPort")
            if is_unknown(name) or is_unknown(port_value):
                findings.inconclusive(f"{where}.containerName/containerPort")
                continue
            port = as_int(port_value)
            if port is None:
                continue
            target_group = _target_group(index, runner, block, findings, live, where)
            found.append(LoadBalancerBlock(runner, where, name, port, task, containers, target_group))
    return found


def health_check_port_mismatch(block: LoadBalancerBlock) -> str | None:
    """The message for an explicit target-group health-check port other than the container port."""
    if block.target_group is None:
        return None
    port = get_path(block.target_group.props, "healthCheck", "port")
    if port is None or is_unknown(port) or port == "traffic-port" or as_int(port) == block.port:
        return None
    return (
        f"{block.target_group.label} healthCheck.port {port!r} is not the container port {block.port} that "
        f"{block.where} registers ({block.container_name}): health checks probe a port the container does not "
        f"serve; set healthCheck.port to \"traffic-port\" or {block.port}"
    )


NATIVE_STRATEGIES = ("BLUE_GREEN", "LINEAR", "CANARY")


def deployment_controller(service: Resource) -> Any:
    controller = service.props.get("deploymentController")
    if is_unknown(controller):
        return controller
    kind = get_path(controller, "type")
    return "ECS" if kind is None else kind


def deployment_strategy(service: Resource) -> Any:
    strategy = get_path(service.props.get("deploymentConfiguration"), "strategy")
    return "ROLLING" if strategy is None else strategy
