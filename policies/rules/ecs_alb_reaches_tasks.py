"""ecs-alb-reaches-tasks: the task security groups admit the load balancer, and the load balancer's
security groups let traffic out to the tasks.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pulumi_policy import Severity

from kit import Findings, stack_policy
from model.aws_types import (
    ECS_SERVICE,
    ECS_TASK_SET,
)
from model.live_aws import LIVE_LOOKUP_SCHEMA, LiveAws
from model.load_balancing import (
    SECURITY_GROUPS,
    SgRule,
    cidrs_cover,
    forwarders_of,
    live_security_groups,
    load_balancer_blocks,
    load_balancer_of,
    rule_peers,
    security_group_rules,
    subnet_cidrs,
    target_group_of,
)
from model.stack_index import StackIndex
from model.values import Resource, as_int, as_list, is_unknown


@dataclass
class _Path:
    """What one load-balancer block needs: the balancer, its groups and subnets, the tasks' groups."""

    runner: Resource
    port: int
    balancer: Resource
    balancer_groups: list[Resource]
    balancer_cidrs: list[str]
    task_groups: list[Resource]
    task_cidrs: list[str]
    unresolved: list[str]


def _groups(index: StackIndex, owner: Resource, prop: str, value: Any, unresolved: list[str], what: str,
            live: LiveAws) -> list[Resource]:
    found, outside = [], []
    for ref in index.refs(owner, prop, value, SECURITY_GROUPS):
        if ref.resource is not None:
            found.append(ref.resource)
        elif ref.resolved and isinstance(ref.value, str):
            outside.append(ref.value)
        else:
            unresolved.append(f"{what} {ref.describe()} (not a security group in this stack)")
    return found + live_security_groups(live, outside, what, unresolved)


def _paths(index: StackIndex, runner: Resource, findings: Findings, config: dict) -> list[_Path]:
    blocks = load_balancer_blocks(runner)
    if is_unknown(blocks):
        findings.inconclusive(f"{runner.label} loadBalancers")
        return []
    network = runner.props.get("networkConfiguration")
    if is_unknown(network):
        findings.inconclusive(f"{runner.label} networkConfiguration")
        return []
    paths = []
    for number, block in enumerate(blocks):
        if is_unknown(block):
            findings.inconclusive(f"{runner.label} loadBalancers[{number}]")
            continue
        port = as_int(block.get("containerPort"))
        if port is None:
            if is_unknown(block.get("containerPort")):
                findings.inconclusive(f"{runner.label} loadBalancers[{number}].containerPort")
            continue
        target = target_group_of(index, runner, block)
        if target is None:
            continue
        if target.resource is None:
            findings.inconclusive(
                f"{runner.label} loadBalancers[{number}] target group {target.describe()} is not in this stack"
            )
            continue
        forwarders = forwarders_of(index, target.resource)
        balancers = {}
        for forwarder in forwarders.found:
            ref = load_balancer_of(index, forwarder)
            if ref is not None and ref.resource is not None:
                balancers[ref.resource.urn] = ref.resource
            elif ref is not None:
                findings.inconclusive(f"{forwarder.label} load balancer {ref.describe()} is not in this stack")
        if not balancers and forwarders.unresolved:
            findings.inconclusive(f"the load balancer that forwards to {target.resource.label}")
        network = network if isinstance(network, dict) else {}
        for balancer in balancers.values():
            unresolved: list[str] = []
            task_value = network.get("securityGroups")
            if task_value is None or (isinstance(task_value, list) and not task_value):
                findings.inconclusive(
                    f"{runner.label} uses the VPC's default security group (networkConfiguration.securityGroups "
                    "is not set), whose rules are not in this stack"
                )
                continue
            task_groups = _groups(index, runner, "networkConfiguration", task_value, unresolved,
                                  "task security group", _live(config, runner))
            balancer_groups = _groups(
                index, balancer, "securityGroups", balancer.props.get("securityGroups"), unresolved,
                "load balancer security group", _live(config, balancer),
            )
            balancer_cidrs, balancer_unknown = subnet_cidrs(
                index, balancer, "subnets", balancer.props.get("subnets")
            )
            task_cidrs, task_unknown = subnet_cidrs(index, runner, "networkConfiguration", network.get("subnets"))
            if balancer_unknown:
                unresolved.append(f"{balancer.label} subnet CIDRs")
            if task_unknown:
                unresolved.append(f"{runner.label} subnet CIDRs")
            paths.append(_Path(runner, port, balancer, balancer_groups, balancer_cidrs, task_groups, task_cidrs,
                               unresolved))
    return paths


def _live(config: dict, resource: Resource) -> LiveAws:
    region = resource.provider_props.get("region")
    return LiveAws.from_config(config, region if isinstance(region, str) else "")


def _admits(index: StackIndex, path: _Path) -> bool | None:
    """Whether some task group admits the balancer on the port: True, False, None (cannot tell)."""
    return _some_group_allows(index, path.task_groups, "ingress", path.port, path.balancer_groups,
                              path.balancer_cidrs)


def _lets_out(index: StackIndex, path: _Path) -> bool | None:
    """Whether some balancer group lets traffic out to the tasks on the port."""
    if not path.balancer_groups:
        # A network load balancer without security groups does not filter its own traffic.
        return True
    return _some_group_allows(index, path.balancer_groups, "egress", path.port, path.task_groups,
                              path.task_cidrs)


def _some_group_allows(index: StackIndex, groups: list[Resource], direction: str, port: int,
                       peer_groups: list[Resource], peer_cidrs: list[str]) -> bool | None:
    """Whether a `direction` rule of one of `groups` covers TCP `port` to or from the peers.

    True as soon as one rule does; None when some rule could not be read and none did.
    """
    unknown = False
    for group in groups:
        rules, some_unknown = security_group_rules(index, group, direction)
        unknown = unknown or some_unknown
        for rule in rules:
            covers = rule.covers_tcp_port(port)
            if covers is None:
                unknown = True
                continue
            if not covers:
                continue
            if rule.self_ref and group in peer_groups:
                return True
            peers, peer_unknown = rule_peers(index, rule)
            if any(peer in peer_groups for peer in peers) or _names_a_peer_id(rule, peer_groups):
                return True
            unknown = unknown or peer_unknown
            by_cidr = cidrs_cover(rule.cidrs, peer_cidrs)
            if by_cidr:
                return True
            unknown = unknown or by_cidr is None
    return None if unknown else False


def _names_a_peer_id(rule: SgRule, peer_groups: list[Resource]) -> bool:
    """Whether the rule names a peer by its known ID (how groups read from AWS are matched)."""
    ids = {g.props.get("id") for g in peer_groups if isinstance(g.props.get("id"), str)}
    groups = rule.groups
    return not is_unknown(groups) and any(isinstance(g, str) and g in ids for g in as_list(groups))


def _names(resources: list[Resource]) -> str:
    return ", ".join(r.label for r in resources) or "none"


def validate_alb_reaches_tasks(index: StackIndex, findings: Findings, config: dict) -> None:
    if not any(r.props.get("loadBalancers") is not None for r in index.of_type(ECS_SERVICE, ECS_TASK_SET)):
        findings.not_applicable("no ECS service or task set in the stack has a loadBalancers block")
    for runner in index.of_type(ECS_SERVICE, ECS_TASK_SET):
        for path in _paths(index, runner, findings, config):
            if not path.task_groups and path.unresolved:
                findings.inconclusive("; ".join(path.unresolved))
                continue
            admits = _admits(index, path)
            if admits is False and not path.unresolved:
                findings.violation(
                    f"{runner.label} task security groups ({_names(path.task_groups)}) do not admit "
                    f"{path.balancer.label} (security groups: {_names(path.balancer_groups)}) on tcp {path.port}: "
                    f"add an ingress rule to a task security group from the load balancer's security group on "
                    f"port {path.port}; until then health checks fail with \"Target.Timeout: Request timed out\" "
                    "and ECS keeps replacing the tasks",
                    runner.urn,
                )
            elif admits is not True:
                findings.inconclusive(
                    f"{runner.label} ingress from {path.balancer.label} on tcp {path.port}"
                    + (f" ({'; '.join(path.unresolved)})" if path.unresolved else "")
                )
            lets_out = _lets_out(index, path)
            if lets_out is False and not path.unresolved:
                findings.violation(
                    f"{path.balancer.label} security groups ({_names(path.balancer_groups)}) do not let traffic out "
                    f"to {runner.label} tasks on tcp {path.port}: add an egress rule to the load balancer's "
                    f"security group towards the task security group on port {path.port} (a security group "
                    "created by Pulumi has no egress rule unless one is declared)",
                    path.balancer.urn,
                )
            elif lets_out is not True:
                findings.inconclusive(
                    f"{path.balancer.label} egress to {runner.label} on tcp {path.port}"
                    + (f" ({'; '.join(path.unresolved)})" if path.unresolved else "")
                )


ecs_alb_reaches_tasks = stack_policy(
    name="ecs-alb-reaches-tasks",
    description=(
        "The task security group admits the load balancer's security group (or its subnets' CIDRs) on the "
        "container port, and the load balancer's security group lets that traffic out."
    ),
    validate=validate_alb_reaches_tasks,
    severity=Severity.HIGH,
    remediation_steps=(
        "Add an ingress rule to the task security group whose source is the load balancer's security group and "
        "whose port is the container port in the service's loadBalancers block; add an egress rule to the load "
        "balancer's security group towards the task security group on the same port."
    ),
    url="https://docs.aws.amazon.com/AmazonECS/latest/developerguide/alb.html",
    config_schema=LIVE_LOOKUP_SCHEMA,
)
