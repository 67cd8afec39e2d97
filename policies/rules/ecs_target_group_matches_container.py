"""ecs-target-group-matches-container: the container and port each load-balancer block of a service names
exist in its task definition, and the target group can receive the tasks.

Mechanisms (what AWS evaluates to decide this):
- **Several `loadBalancers` blocks** (several ports, several target groups) — modelled: each block is
  judged on its own. [Load balancing](https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service-load-balancing.html)
- **`containerName` and `containerPort`** — modelled: the container exists and maps the port (ECS rejects
  the service: "The container <name> did not have a container port <port> defined").
  [LoadBalancer](https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_LoadBalancer.html)
- **The target group's `targetType`** — modelled: awsvpc tasks register by IP, so it must be `ip`.
  [Target groups](https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-target-groups.html#target-type)
- **A listener or listener rule forwarding to the target group** — modelled (ECS rejects "The target group
  ... does not have an associated load balancer"); for a target group outside the stack, its
  `LoadBalancerArns` as read live. [Load balancing](https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service-load-balancing.html)
- **The target group's own `port`** — not applicable: a default only; ECS registers each task with the
  block's container port.
- **The target group's health-check port** — not applicable here: judged by ecs-health-checks-consistent.
- **Task definitions and target groups outside the stack** — modelled when read live (`liveLookups`); without a look-up
  inconclusive, named. [Live look-ups](https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_DescribeTaskDefinition.html)
- **Classic Load Balancer blocks** (`elbName`) — inconclusive, named.

Inconclusive by design: blocks, ports or references not known until update; resources outside the stack
without a live look-up; Classic Load Balancers.
"""

from __future__ import annotations

from pulumi_policy import Severity

from kit import Findings, stack_policy
from kit.shown import shown
from model import ecs as ecs_model
from model.ecs import Container
from model.live_aws import LIVE_LOOKUP_SCHEMA
from model.load_balancing import forwarders_of
from model.stack_index import StackIndex
from model.values import Resource, as_int, is_unknown
from rules._lb_blocks import Block, Live, blocks_of, container_named


def _maps_port(container: Container, port: int) -> bool | None:
    unknown = False
    for mapping in container.port_mappings:
        if is_unknown(mapping.container_port):
            unknown = True
        elif as_int(mapping.container_port) == port:
            return True
    return None if unknown else False


def validate_target_group_matches_container(index: StackIndex, findings: Findings, config: dict) -> None:
    for block in blocks_of(index, findings, Live(config)):
        container = container_named(block.containers, block.container_name)
        if container is None:
            if any(is_unknown(c.name) for c in block.containers):
                findings.inconclusive(f"{block.task.label} container names")
                continue
            names = ", ".join(shown(c.name) for c in block.containers) or "none"
            findings.violation(
                f"{block.where} containerName {shown(block.container_name)} is not a container of "
                f"{block.task.label} (containers: {names}); ECS rejects the service: name a container of the "
                "task definition",
                block.runner.urn,
            )
            continue
        maps = _maps_port(container, block.port)
        if maps is None:
            findings.inconclusive(f"{block.task.label} container '{container.name}' portMappings")
        elif not maps:
            findings.violation(
                f"{block.where} containerPort {block.port} is not mapped by container '{container.name}' of "
                f"{block.task.label}; ECS rejects the service with \"The container {container.name} did not have "
                f"a container port {block.port} defined\": add portMappings containerPort {block.port} or change "
                "the service's containerPort",
                block.runner.urn,
            )
        target = block.target_group
        if target is None:
            continue
        _check_target_type(block, target, findings)
        _check_forwarded(index, block, target, findings)


def _check_target_type(block: Block, target: Resource, findings: Findings) -> None:
    mode = ecs_model.network_mode(block.task)
    target_type = target.props.get("targetType")
    if is_unknown(mode) or is_unknown(target_type):
        findings.inconclusive(f"{target.label} targetType / {block.task.label} networkMode")
        return
    if mode == "awsvpc" and (target_type or "instance") != "ip":
        findings.violation(
            f"{target.label} targetType {shown(target_type or 'instance')} cannot receive {block.where}: awsvpc "
            "tasks register by IP address and ECS rejects the service (\"has target type instance, which is "
            "incompatible with the awsvpc network mode specified in the task definition\"); set targetType "
            "\"ip\"",
            target.urn,
        )


def _check_forwarded(index: StackIndex, block: Block, target: Resource, findings: Findings) -> None:
    if target.props.get("_outsideStack"):
        arns = target.props.get("loadBalancerArns")
        attached = bool(arns) if isinstance(arns, list) else None
        unresolved = attached is None
    else:
        forwarders = forwarders_of(index, target)
        attached = bool(forwarders.found)
        unresolved = bool(forwarders.unresolved)
    if attached:
        return
    if unresolved:
        findings.inconclusive(f"whether a listener forwards to {target.label}")
        return
    findings.violation(
        f"{target.label} used by {block.where} receives no traffic: no listener or listener rule forwards to it, "
        "and ECS rejects the service (\"The target group ... does not have an associated load balancer\"); add "
        "a listener or listener rule whose forward action targets it",
        target.urn,
    )


ecs_target_group_matches_container = stack_policy(
    name="ecs-target-group-matches-container",
    description=(
        "The container and port in each of a service's load-balancer blocks exist in its task definition, and "
        "each target group is of type ip for awsvpc tasks and receives traffic from a listener."
    ),
    validate=validate_target_group_matches_container,
    severity=Severity.CRITICAL,
    remediation_steps=(
        "Make each loadBalancers block's containerName and containerPort name a container of the task definition "
        "and one of its portMappings; use targetType \"ip\" for awsvpc tasks; forward to the target group from a "
        "listener or listener rule."
    ),
    url="https://docs.aws.amazon.com/AmazonECS/latest/developerguide/alb.html",
    config_schema=LIVE_LOOKUP_SCHEMA,
)
