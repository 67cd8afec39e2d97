"""What the load-balancer rules share: each load-balancer block of each service and task set, with the
task definition it runs and the target group it names (read from AWS when outside the stack); and
the container reader the plaintext rule uses too.

A service may have several blocks (several ports, several target groups); each is judged on its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kit import Findings
from kit.shown import shown
from model import ecs as ecs_model
from model.aws_types import ECS_TASK_DEFINITION, LB_TARGET_GROUP
from model.ecs import Container
from model.live_aws import LiveAws
from model.load_balancing import load_balancer_blocks, target_group_of
from model.stack_index import StackIndex
from model.values import Malformed, Resource, as_int, is_unknown

NO_BLOCKS = "no ECS service or task set in the stack has a loadBalancers block"


@dataclass
class Live:
    """One LiveAws per provider region, created on first use within one validation."""

    config: dict
    by_region: dict[str, LiveAws] = field(default_factory=dict)

    def for_resource(self, resource: Resource) -> LiveAws:
        region = resource.provider_props.get("region")
        region = region if isinstance(region, str) else ""
        if region not in self.by_region:
            self.by_region[region] = LiveAws.from_config(self.config, region)
        return self.by_region[region]


@dataclass
class Block:
    """One load-balancer block of a service or task set, with everything the traffic rules compare."""

    runner: Resource
    where: str
    container_name: Any
    port: int
    task: Resource
    containers: list[Container]
    target_group: Resource | None


def containers_or_report(task: Resource, findings: Findings, what: str) -> list[Container] | None:
    """The task definition's containers; unknown -> inconclusive naming `what`, malformed -> violation."""
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


def container_named(containers: list[Container], name: Any) -> Container | None:
    return next((c for c in containers if c.name == name), None)


def _task_definition(index: StackIndex, runner: Resource, findings: Findings, live: Live) -> Resource | None:
    ref = ecs_model.task_definition_of(index, runner)
    if ref is None:
        return None
    if ref.resource is not None:
        return ref.resource
    if not ref.resolved:
        findings.inconclusive(f"{runner.label} taskDefinition (unknown, and no task definition in the stack it depends on)")
        return None
    if not isinstance(ref.value, str) or not ref.value:
        findings.violation(
            f"{runner.label} taskDefinition {shown(ref.value)} is not a task definition ARN or family; "
            "set it to the task definition's ARN",
            runner.urn,
        )
        return None
    lookup = live.for_resource(runner).call("ecs", "describe_task_definition", taskDefinition=ref.value)
    if not lookup.ok:
        findings.inconclusive(f"{runner.label} task definition '{ref.value}' outside the stack ({lookup.reason})")
        return None
    data = lookup.data.get("taskDefinition") if isinstance(lookup.data.get("taskDefinition"), dict) else {}
    props = {key: data.get(key) for key in ("family", "networkMode", "requiresCompatibilities", "cpu", "memory")}
    props["containerDefinitions"] = data.get("containerDefinitions") or []
    return Resource(ECS_TASK_DEFINITION, ref.value.rsplit("/", 1)[-1], runner.urn, props)


def _target_group(index: StackIndex, runner: Resource, block: dict, findings: Findings, live: Live,
                  where: str) -> Resource | None:
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
        findings.inconclusive(f"{where} target group '{ref.value}' outside the stack ({lookup.reason or 'not found'})")
        return None
    data = groups[0]
    props = {
        "arn": data.get("TargetGroupArn"), "name": data.get("TargetGroupName"), "port": data.get("Port"),
        "protocol": data.get("Protocol"), "targetType": data.get("TargetType"),
        "loadBalancerArns": data.get("LoadBalancerArns") or [],
        "healthCheck": {
            "enabled": data.get("HealthCheckEnabled"), "port": data.get("HealthCheckPort"),
            "path": data.get("HealthCheckPath"), "protocol": data.get("HealthCheckProtocol"),
            "interval": data.get("HealthCheckIntervalSeconds"), "healthyThreshold": data.get("HealthyThresholdCount"),
        },
        "_outsideStack": True,
    }
    return Resource(LB_TARGET_GROUP[0], str(data.get("TargetGroupName") or ref.value), runner.urn, props)


def blocks_of(index: StackIndex, findings: Findings, live: Live) -> list[Block]:
    """Every known load-balancer block of every service and task set in the stack."""
    runners = ecs_model.services_and_task_sets(index)
    if not any(r.props.get("loadBalancers") is not None for r in runners):
        findings.not_applicable(NO_BLOCKS)
    found = []
    for runner in runners:
        blocks = load_balancer_blocks(runner)
        if is_unknown(blocks):
            findings.inconclusive(f"{runner.label} loadBalancers")
            continue
        if not blocks:
            continue
        task = _task_definition(index, runner, findings, live)
        if task is None:
            continue
        containers = containers_or_report(task, findings, "the containers the load balancer targets")
        if containers is None:
            continue
        for number, block in enumerate(blocks):
            where = f"{runner.label} loadBalancers[{number}]"
            if is_unknown(block):
                findings.inconclusive(where)
                continue
            if block.get("targetGroupArn") is None and block.get("elbName") is not None:
                # A Classic Load Balancer registers instances by name; its listeners are not modelled.
                findings.inconclusive(f"{where} names Classic Load Balancer {shown(block.get('elbName'))}, which "
                                      "this rule does not model")
                continue
            name, port_value = block.get("containerName"), block.get("containerPort")
            if is_unknown(name) or is_unknown(port_value):
                findings.inconclusive(f"{where}.containerName/containerPort")
                continue
            port = as_int(port_value)
            if port is None:
                continue
            target_group = _target_group(index, runner, block, findings, live, where)
            found.append(Block(runner, where, name, port, task, containers, target_group))
    return found
