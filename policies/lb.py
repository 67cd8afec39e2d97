"""Rules of the load-balancer area, and the traffic graph the ECS rules share.

The graph: a service's `loadBalancers[].targetGroupArn` names a target group; listeners
and listener rules forward to target groups; listeners belong to a load balancer; load
balancers and tasks carry security groups whose rules live inline or in separate rule
resources. Every step follows a known ID/ARN or, when it is unknown at preview, the
referring property's dependencies.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import Any

from pulumi_policy import Severity

from kit import Findings, stack_policy
from model.aws_types import (
    EC2_DEFAULT_SECURITY_GROUP,
    EC2_DEFAULT_SUBNET,
    EC2_SECURITY_GROUP,
    EC2_SECURITY_GROUP_RULE,
    EC2_SUBNET,
    ECS_SERVICE,
    ECS_TASK_SET,
    LB_LISTENER,
    LB_LISTENER_RULE,
    LB_LOAD_BALANCER,
    LB_TARGET_GROUP,
    VPC_SECURITY_GROUP_EGRESS_RULE,
    VPC_SECURITY_GROUP_INGRESS_RULE,
)
from model.live_aws import LIVE_LOOKUP_SCHEMA, LiveAws
from model.stack_index import Ref, StackIndex
from model.values import Resource, get_path, is_unknown

SECURITY_GROUPS = (EC2_SECURITY_GROUP, EC2_DEFAULT_SECURITY_GROUP)
SUBNETS = (EC2_SUBNET, EC2_DEFAULT_SUBNET)
ARN_KEYS = ("arn", "id")


def as_int(value: Any) -> int | None:
    """An integer property (ints, or digit strings as the engine sometimes sends them); None otherwise."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def as_list(value: Any) -> list:
    return value if isinstance(value, list) else []


# --- listeners, target groups, load balancers -------------------------------------------------


def _forward_values(actions: Any) -> list:
    """Every target-group reference in a list of listener actions (known, unknown or wrong type)."""
    if is_unknown(actions):
        return [actions]
    values: list = []
    for action in as_list(actions):
        if is_unknown(action):
            values.append(action)
            continue
        if not isinstance(action, dict):
            continue
        if action.get("targetGroupArn") is not None:
            values.append(action["targetGroupArn"])
        forward = action.get("forward")
        if is_unknown(forward):
            values.append(forward)
            continue
        for group in as_list(get_path(forward, "targetGroups")):
            arn = get_path(group, "arn")
            if arn is not None:
                values.append(arn)
    return values


def forwarded_target_groups(index: StackIndex, forwarder: Resource) -> list[Ref]:
    """The target groups a listener (defaultActions) or listener rule (actions) forwards to."""
    prop = "actions" if forwarder.type in LB_LISTENER_RULE else "defaultActions"
    values = _forward_values(forwarder.props.get(prop))
    if any(is_unknown(v) for v in values) and len(values) == 1:
        values = values[0]
    return index.refs(forwarder, prop, values, LB_TARGET_GROUP, ARN_KEYS)


@dataclass
class Forwarders:
    """The listeners and listener rules that forward to one target group."""

    found: list[Resource] = field(default_factory=list)
    # A listener whose forward target could not be resolved might be the missing one.
    unresolved: list[Resource] = field(default_factory=list)


def forwarders_of(index: StackIndex, target_group: Resource) -> Forwarders:
    result = Forwarders()
    for forwarder in index.of_type(LB_LISTENER, LB_LISTENER_RULE):
        refs = forwarded_target_groups(index, forwarder)
        if any(ref.resource is target_group for ref in refs):
            result.found.append(forwarder)
        elif any(not ref.resolved for ref in refs):
            result.unresolved.append(forwarder)
    return result


def listener_of_rule(index: StackIndex, rule: Resource) -> Ref | None:
    value = rule.props.get("listenerArn")
    if value is None:
        return None
    refs = index.refs(rule, "listenerArn", value, LB_LISTENER, ARN_KEYS)
    return refs[0] if refs else None


def load_balancer_of(index: StackIndex, forwarder: Resource) -> Ref | None:
    """The load balancer a listener (or a listener rule's listener) belongs to."""
    listener = forwarder
    if forwarder.type in LB_LISTENER_RULE:
        ref = listener_of_rule(index, forwarder)
        if ref is None or ref.resource is None:
            return ref
        listener = ref.resource
    value = listener.props.get("loadBalancerArn")
    if value is None:
        return None
    refs = index.refs(listener, "loadBalancerArn", value, LB_LOAD_BALANCER, ARN_KEYS)
    return refs[0] if refs else None


def load_balancer_type(load_balancer: Resource) -> Any:
    """`application` (the default), `network`, `gateway`, or UNKNOWN."""
    value = load_balancer.props.get("loadBalancerType")
    return "application" if value is None else value


def target_group_of(index: StackIndex, runner: Resource, block: dict) -> Ref | None:
    """The target group named by one `loadBalancers[]` block of a service or task set."""
    value = block.get("targetGroupArn")
    if value is None:
        return None
    refs = index.refs(runner, "loadBalancers", value, LB_TARGET_GROUP, ARN_KEYS)
    return refs[0] if refs else None


def load_balancer_blocks(runner: Resource) -> Any:
    """`loadBalancers` of a service or task set: a list of dicts, UNKNOWN, or []."""
    blocks = runner.props.get("loadBalancers")
    if is_unknown(blocks):
        return blocks
    return [b for b in as_list(blocks) if isinstance(b, dict) or is_unknown(b)]


# --- security groups --------------------------------------------------------------------------


@dataclass(frozen=True)
class SgRule:
    """One ingress or egress permission: ports, protocol and the peer (groups, CIDRs, self)."""

    owner: Resource
    prop: str
    protocol: Any
    from_port: Any
    to_port: Any
    groups: Any = ()
    cidrs: Any = ()
    self_ref: Any = False

    def covers_tcp_port(self, port: int) -> bool | None:
        """True, False, or None when a value is unknown."""
        protocol = self.protocol
        if is_unknown(protocol) or is_unknown(self.from_port) or is_unknown(self.to_port):
            return None
        number = as_int(protocol)
        protocol = str(number) if number is not None or isinstance(protocol, float) else str(protocol).lower()
        if protocol in ("-1", "all"):
            return True
        if protocol not in ("tcp", "6"):
            return False
        low, high = as_int(self.from_port), as_int(self.to_port)
        return low is not None and high is not None and low <= port <= high


def _or_empty(value: Any) -> Any:
    """A list property, [] when missing; UNKNOWN stays UNKNOWN."""
    return [] if value is None else value


def _one_or_none(value: Any) -> list:
    return [] if value is None or value == "" else [value]


def _inline_rules(group: Resource, prop: str) -> tuple[list[SgRule], bool]:
    items = group.props.get(prop)
    if is_unknown(items):
        return [], True
    rules, unknown = [], False
    for item in as_list(items):
        if is_unknown(item):
            unknown = True
            continue
        if not isinstance(item, dict):
            continue
        rules.append(SgRule(
            owner=group, prop=prop, protocol=item.get("protocol"), from_port=item.get("fromPort"),
            to_port=item.get("toPort"), groups=_or_empty(item.get("securityGroups")),
            cidrs=_or_empty(item.get("cidrBlocks")), self_ref=item.get("self") is True,
        ))
    return rules, unknown


def security_group_rules(index: StackIndex, group: Resource, direction: str) -> tuple[list[SgRule], bool]:
    """All `direction` ("ingress"/"egress") rules of an in-stack group, and whether some are unknown."""
    rules, unknown = _inline_rules(group, direction)
    for rule in index.of_type(EC2_SECURITY_GROUP_RULE):
        kind = rule.props.get("type")
        if is_unknown(kind):
            unknown = True
            continue
        if kind != direction:
            continue
        owner = _rule_owner(index, rule)
        if owner is None:
            unknown = True
            continue
        if not _owned_by(owner, rule, group):
            continue
        rules.append(SgRule(
            owner=rule, prop="sourceSecurityGroupId", protocol=rule.props.get("protocol"),
            from_port=rule.props.get("fromPort"), to_port=rule.props.get("toPort"),
            groups=_one_or_none(rule.props.get("sourceSecurityGroupId")),
            cidrs=_or_empty(rule.props.get("cidrBlocks")), self_ref=rule.props.get("self") is True,
        ))
    vpc_type = VPC_SECURITY_GROUP_INGRESS_RULE if direction == "ingress" else VPC_SECURITY_GROUP_EGRESS_RULE
    for rule in index.of_type(vpc_type):
        owner = _rule_owner(index, rule)
        if owner is None:
            unknown = True
            continue
        if not _owned_by(owner, rule, group):
            continue
        peer = rule.props.get("referencedSecurityGroupId")
        cidr = rule.props.get("cidrIpv4")
        rules.append(SgRule(
            owner=rule, prop="referencedSecurityGroupId", protocol=rule.props.get("ipProtocol"),
            from_port=rule.props.get("fromPort"), to_port=rule.props.get("toPort"),
            groups=_one_or_none(peer), cidrs=_one_or_none(cidr),
        ))
    return rules, unknown


def _rule_owner(index: StackIndex, rule: Resource) -> Resource | None:
    """The group a separate rule resource belongs to; None when that cannot be told."""
    refs = index.refs(rule, "securityGroupId", rule.props.get("securityGroupId"), SECURITY_GROUPS)
    if not refs or refs[0].resource is None:
        # A known ID outside the stack belongs to no group here: it is nobody's rule.
        return _OUTSIDE if refs and refs[0].resolved else None
    return refs[0].resource


_OUTSIDE = Resource("outside", "outside", "outside", {})


def _owned_by(owner: Resource, rule: Resource, group: Resource) -> bool:
    """Whether a separate rule resource belongs to `group`; a group read from AWS owns the rules
    of this stack that name its ID (they are added by this update, so AWS does not list them yet)."""
    if owner is group:
        return True
    return owner is _OUTSIDE and group.type == LIVE_SECURITY_GROUP and rule.props.get("securityGroupId") == group.name


# --- security groups outside the stack, read from AWS --------------------------------------------

LIVE_SECURITY_GROUP = "live:ec2:SecurityGroup"


def _live_rules(permissions: Any) -> list[dict]:
    """EC2 IpPermissions in the shape of a security group's inline ingress/egress blocks."""
    rules = []
    for permission in permissions if isinstance(permissions, list) else []:
        protocol = str(permission.get("IpProtocol", ""))
        rules.append({
            "protocol": protocol,
            # An all-traffic permission carries no ports.
            "fromPort": permission.get("FromPort", 0 if protocol == "-1" else None),
            "toPort": permission.get("ToPort", 0 if protocol == "-1" else None),
            "securityGroups": [p["GroupId"] for p in permission.get("UserIdGroupPairs", []) if p.get("GroupId")],
            "cidrBlocks": [r["CidrIp"] for r in permission.get("IpRanges", []) if r.get("CidrIp")]
            + [r["CidrIpv6"] for r in permission.get("Ipv6Ranges", []) if r.get("CidrIpv6")],
        })
    return rules


def live_security_groups(live: LiveAws, ids: list[str], what: str, unresolved: list[str]) -> list[Resource]:
    """The groups `ids` as read with ec2 describe_security_groups; what cannot be read goes to `unresolved`."""
    if not ids:
        return []
    lookup = live.call("ec2", "describe_security_groups", GroupIds=sorted(ids))
    answer = lookup.data.get("SecurityGroups") if lookup.ok else None
    if not isinstance(answer, list):
        shown = ", ".join(repr(i) for i in sorted(ids))
        unresolved.append(f"{what} {shown} (not a security group in this stack, and not read: {lookup.reason})")
        return []
    found = []
    for item in answer:
        group_id = item.get("GroupId")
        if group_id in ids:
            found.append(Resource(LIVE_SECURITY_GROUP, group_id, f"{LIVE_SECURITY_GROUP}::{group_id}", {
                "id": group_id, "ingress": _live_rules(item.get("IpPermissions")),
                "egress": _live_rules(item.get("IpPermissionsEgress")),
            }))
    return found


def rule_peers(index: StackIndex, rule: SgRule) -> tuple[list[Resource], bool]:
    """The in-stack groups a rule names as its peer, and whether some peer is unknown."""
    groups = rule.groups
    if is_unknown(groups):
        refs = index.refs(rule.owner, rule.prop, groups, SECURITY_GROUPS)
    else:
        refs = index.refs(rule.owner, rule.prop, [g for g in as_list(groups)], SECURITY_GROUPS)
    found = [ref.resource for ref in refs if ref.resource is not None]
    return found, any(not ref.resolved for ref in refs)


def cidrs_cover(cidrs: Any, targets: list[str]) -> bool | None:
    """Whether the rule's CIDRs together cover every target CIDR; None when unknown."""
    if is_unknown(cidrs) or any(is_unknown(c) for c in as_list(cidrs)):
        return None
    networks = []
    for cidr in as_list(cidrs):
        try:
            networks.append(ipaddress.ip_network(str(cidr), strict=False))
        except ValueError:
            continue
    if any(n.prefixlen == 0 and n.version == 4 for n in networks):
        return True
    if not targets:
        return False
    for target in targets:
        try:
            wanted = ipaddress.ip_network(target, strict=False)
        except ValueError:
            return False
        if not any(wanted.version == n.version and wanted.subnet_of(n) for n in networks):
            return False
    return True


def subnet_cidrs(index: StackIndex, owner: Resource, prop: str, value: Any) -> tuple[list[str], bool]:
    """The CIDR blocks of the subnets `value` names; and whether some are unknown or outside the stack."""
    cidrs, unresolved = [], False
    for ref in index.refs(owner, prop, value, SUBNETS):
        cidr = ref.resource.props.get("cidrBlock") if ref.resource is not None else None
        if isinstance(cidr, str):
            cidrs.append(cidr)
        else:
            unresolved = True
    return cidrs, unresolved


# --- ecs-alb-reaches-tasks ---------------------------------------------------------------------


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

POLICIES: list = [ecs_alb_reaches_tasks]
