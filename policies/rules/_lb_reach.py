"""What the load-balancer traffic rules share: the path from a load balancer to a service's tasks, and
whether its security groups let TCP traffic through on a port.

One path per load-balancer block of a service or task set and per load balancer whose listener
(or listener rule) forwards to the block's target group. `ecs-alb-reaches-tasks` asks it about
the container port; `ecs-health-checks-consistent` about a target group's own health-check port.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kit import Findings
from kit.shown import shown
from model.aws_types import LB_LISTENER_RULE
from model.live_aws import LiveAws
from model.load_balancing import (
    SECURITY_GROUPS,
    SgRule,
    cidrs_cover,
    forwarders_of,
    listener_of_rule,
    live_security_groups,
    load_balancer_blocks,
    load_balancer_of,
    rule_peers,
    security_group_rules,
    subnet_cidrs,
    target_group_of,
)
from model.stack_index import Ref, StackIndex
from model.values import Resource, as_int, as_list, is_unknown


@dataclass
class BalancerPath:
    """One load-balancer block's route: the balancer, its groups and subnets, the tasks' groups."""

    runner: Resource
    where: str
    port: int
    target_group: Resource
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
            unresolved.append(f"{what} {_described(ref)} (not a security group in this stack)")
    return found + live_security_groups(live, outside, what, unresolved)


def _described(ref: Ref) -> str:
    if ref.resource is not None:
        return ref.resource.label
    return "an unknown value" if is_unknown(ref.value) else shown(ref.value)


def _live(config: dict, resource: Resource) -> LiveAws:
    region = resource.provider_props.get("region")
    return LiveAws.from_config(config, region if isinstance(region, str) else "")


def _balancers(index: StackIndex, target: Resource, findings: Findings) -> list[Resource]:
    """The load balancers whose listeners or listener rules forward to `target`."""
    forwarders = forwarders_of(index, target)
    balancers: dict[str, Resource] = {}
    for forwarder in forwarders.found:
        if forwarder.type in LB_LISTENER_RULE:
            listener = listener_of_rule(index, forwarder)
            if listener is not None and listener.resource is None:
                findings.inconclusive(f"{forwarder.label} listener {_described(listener)} is not in this stack")
                continue
        ref = load_balancer_of(index, forwarder)
        if ref is not None and ref.resource is not None:
            balancers[ref.resource.urn] = ref.resource
        elif ref is not None:
            findings.inconclusive(f"{forwarder.label} load balancer {_described(ref)} is not in this stack")
    if not balancers and forwarders.unresolved:
        findings.inconclusive(f"the load balancer that forwards to {target.label}")
    return list(balancers.values())


def balancer_paths(index: StackIndex, runner: Resource, findings: Findings, config: dict) -> list[BalancerPath]:
    """Every (load-balancer block, load balancer) route of a service or task set."""
    blocks = load_balancer_blocks(runner)
    if is_unknown(blocks):
        findings.inconclusive(f"{runner.label} loadBalancers")
        return []
    network = runner.props.get("networkConfiguration")
    if is_unknown(network):
        findings.inconclusive(f"{runner.label} networkConfiguration")
        return []
    network = network if isinstance(network, dict) else {}
    paths = []
    for number, block in enumerate(blocks):
        where = f"{runner.label} loadBalancers[{number}]"
        if is_unknown(block):
            findings.inconclusive(where)
            continue
        port = as_int(block.get("containerPort"))
        if port is None:
            if is_unknown(block.get("containerPort")):
                findings.inconclusive(f"{where}.containerPort")
            continue
        target = target_group_of(index, runner, block)
        if target is None:
            continue
        if target.resource is None:
            findings.inconclusive(f"{where} target group {_described(target)} is not in this stack")
            continue
        for balancer in _balancers(index, target.resource, findings):
            task_value = network.get("securityGroups")
            if task_value is None or (isinstance(task_value, list) and not task_value):
                findings.inconclusive(
                    f"{runner.label} uses the VPC's default security group (networkConfiguration.securityGroups "
                    "is not set), whose rules are not in this stack"
                )
                continue
            unresolved: list[str] = []
            task_groups = _groups(index, runner, "networkConfiguration", task_value, unresolved,
                                  "task security group", _live(config, runner))
            balancer_groups = _groups(index, balancer, "securityGroups", balancer.props.get("securityGroups"),
                                      unresolved, "load balancer security group", _live(config, balancer))
            balancer_cidrs, balancer_unknown = subnet_cidrs(index, balancer, "subnets", balancer.props.get("subnets"))
            task_cidrs, task_unknown = subnet_cidrs(index, runner, "networkConfiguration", network.get("subnets"))
            if balancer_unknown:
                unresolved.append(f"{balancer.label} subnet CIDRs")
            if task_unknown:
                unresolved.append(f"{runner.label} subnet CIDRs")
            paths.append(BalancerPath(runner, where, port, target.resource, balancer, balancer_groups,
                                      balancer_cidrs, task_groups, task_cidrs, unresolved))
    return paths


def admits(index: StackIndex, path: BalancerPath, port: int) -> bool | None:
    """Whether some task group admits the balancer on TCP `port`: True, False, None (cannot tell)."""
    return _some_group_allows(index, path.task_groups, "ingress", port, path.balancer_groups, path.balancer_cidrs)


def lets_out(index: StackIndex, path: BalancerPath, port: int) -> bool | None:
    """Whether some balancer group lets traffic out to the tasks on TCP `port`."""
    if not path.balancer_groups:
        # A network load balancer without security groups does not filter its own traffic.
        return True
    return _some_group_allows(index, path.balancer_groups, "egress", port, path.task_groups, path.task_cidrs)


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


def names(resources: list[Resource]) -> str:
    return ", ".join(r.label for r in resources) or "none"
