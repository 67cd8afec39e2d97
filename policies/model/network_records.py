"""The records the network model answers with: three-valued answers, subnets, route tables,
gateways, endpoints and security groups, and the few checks on a single rule or CIDR.

Each record is keyed by URN (in the stack) or ID (outside it); `Unsure(items)` names what
could not be known and why.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from model.aws_types import (
    EC2_DEFAULT_ROUTE_TABLE,
    EC2_DEFAULT_SECURITY_GROUP,
    EC2_DEFAULT_SUBNET,
    EC2_DEFAULT_VPC,
    EC2_ROUTE_TABLE,
    EC2_SECURITY_GROUP,
    EC2_SECURITY_GROUP_RULE,
    EC2_SUBNET,
    EC2_VPC,
    VPC_SECURITY_GROUP_EGRESS_RULE,
    VPC_SECURITY_GROUP_INGRESS_RULE,
)
from model.values import Resource, is_unknown

VPCS = (EC2_VPC, EC2_DEFAULT_VPC)
SUBNETS = (EC2_SUBNET, EC2_DEFAULT_SUBNET)
ROUTE_TABLES = (EC2_ROUTE_TABLE, EC2_DEFAULT_ROUTE_TABLE)
SECURITY_GROUPS = (EC2_SECURITY_GROUP, EC2_DEFAULT_SECURITY_GROUP)
SG_RULES = (EC2_SECURITY_GROUP_RULE, VPC_SECURITY_GROUP_INGRESS_RULE, VPC_SECURITY_GROUP_EGRESS_RULE)

ANYWHERE = "0.0.0.0/0"
HTTPS = 443


# --- three-valued answers -------------------------------------------------------------


@dataclass(frozen=True)
class Unsure:
    """An answer that needs a value nobody can know yet; `items` say which and why."""

    items: tuple[str, ...]

    @staticmethod
    def of(*items: str) -> Unsure:
        return Unsure(tuple(items))


Tri = bool | Unsure


def any_of(answers: Iterable[Tri]) -> Tri:
    unsure: list[str] = []
    for answer in answers:
        if answer is True:
            return True
        if isinstance(answer, Unsure):
            unsure.extend(item for item in answer.items if item not in unsure)
    return Unsure(tuple(unsure)) if unsure else False


def all_of(answers: Iterable[Tri]) -> Tri:
    unsure: list[str] = []
    for answer in answers:
        if answer is False:
            return False
        if isinstance(answer, Unsure):
            unsure.extend(item for item in answer.items if item not in unsure)
    return Unsure(tuple(unsure)) if unsure else True


# --- records ----------------------------------------------------------------------------


@dataclass(frozen=True)
class SgRule:
    """One security-group rule. `peers` are group keys or Unsure; `cidrs` may hold unknowns."""

    protocol: Any
    from_port: Any
    to_port: Any
    cidrs: tuple = ()
    peers: tuple = ()
    prefix_lists: tuple = ()


@dataclass
class SecurityGroup:
    key: str
    label: str
    ingress: list[SgRule] = field(default_factory=list)
    egress: list[SgRule] = field(default_factory=list)
    unsure: tuple[str, ...] = ()


@dataclass
class Subnet:
    key: str
    label: str
    vpc: str | Unsure
    zone: Any
    cidr: Any
    resource: Resource | None = None


@dataclass(frozen=True)
class Route:
    """A route; `target` is igw, nat, vpce, local, blackhole or other, or Unsure; `gateway` keys an igw target."""

    destination: Any
    target: str | Unsure
    target_value: Any = None
    nat: NatGateway | Unsure | None = None
    gateway: str | Unsure | None = None


@dataclass
class RouteTable:
    key: str
    label: str
    routes: list[Route]
    implicit: bool = False


@dataclass
class NatGateway:
    key: str
    label: str
    connectivity: Any
    state: Any
    subnet: Subnet | Unsure | None


@dataclass
class InternetGateway:
    """An internet gateway and the VPCs it is attached to (keys, or Unsure where unknown)."""

    key: str
    label: str
    vpcs: list[str | Unsure]


@dataclass
class Endpoint:
    key: str
    label: str
    service_name: Any
    endpoint_type: Any
    private_dns: Any
    state: Any
    subnets: list[Subnet | Unsure]
    security_groups: list[str | Unsure]
    route_tables: list[str | Unsure]
    policy: Any = None
    endpoint_id: Any = None
    prefix_list_id: Any = None


@dataclass
class Vpc:
    key: str
    label: str
    resource: Resource | None
    dns_hostnames: Any = True
    dns_support: Any = True


def outside(kind: str, value: str) -> str:
    return f"{kind} {value} (outside the stack)"


def known_str(value: Any) -> bool:
    return isinstance(value, str) and not is_unknown(value)


def labels_of(resources: Iterable[Resource]) -> str:
    return ", ".join(r.label for r in resources)


def one_or_many(value: Any) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


# --- rule evaluation helpers ----------------------------------------------------------


def allows_port(rule: SgRule, port: int, what: str) -> Tri:
    protocol = rule.protocol
    if is_unknown(protocol) or is_unknown(rule.from_port) or is_unknown(rule.to_port):
        return Unsure.of(f"{what} (protocol or ports unknown)")
    if str(protocol).lower() in ("-1", "all"):
        return True
    if str(protocol).lower() not in ("tcp", "6"):
        return False
    # Numbers arrive as floats over the engine's protocol (protobuf Struct).
    if not _is_number(rule.from_port) or not _is_number(rule.to_port):
        return False
    return rule.from_port <= port <= rule.to_port


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def cidr_covers(cidr: Any, target: Any, what: str) -> Tri:
    """Whether the rule's CIDR covers every address of `target` (a CIDR string)."""
    if is_unknown(cidr):
        return Unsure.of(f"{what} (an unknown CIDR)")
    if not isinstance(cidr, str):
        return False
    try:
        network = ipaddress.ip_network(cidr, strict=False)
    except ValueError:
        return False
    if network.prefixlen == 0:
        return True
    if is_unknown(target) or target is None:
        return Unsure.of(f"{what} ({cidr} against an address range known after update)")
    if not isinstance(target, str):
        return False
    try:
        return ipaddress.ip_network(target, strict=False).subnet_of(network)
    except (ValueError, TypeError):
        return False


def is_public_cidr(cidr: Any) -> bool:
    if not isinstance(cidr, str):
        return False
    try:
        return not ipaddress.ip_network(cidr, strict=False).is_private
    except (ValueError, TypeError):
        return False
