"""Load balancing as rules read it: the traffic graph the ECS rules share.

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

from model.aws_types import (
    EC2_DEFAULT_SECURITY_GROUP,
    EC2_DEFAULT_SUBNET,
    EC2_SECURITY_GROUP,
    EC2_SECURITY_GROUP_RULE,
    EC2_SUBNET,
    LB_LISTENER,
    LB_LISTENER_RULE,
    LB_LOAD_BALANCER,
    LB_TARGET_GROUP,
    VPC_SECURITY_GROUP_EGRESS_RULE,
    VPC_SECURITY_GROUP_INGRESS_RULE,
)
from model.live_aws import LiveAws
from model.stack_index import Ref, StackIndex
from model.values import Resource, as_int, as_list, get_path, is_unknown

SECURITY_GROUPS = (EC2_SECURITY_GROUP, EC2_DEFAULT_SECURITY_GROUP)


SUBNETS = (EC2_SUBNET, EC2_DEFAULT_SUBNET)


ARN_KEYS = ("arn", "id")


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
