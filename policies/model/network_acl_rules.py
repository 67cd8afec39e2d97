"""Network ACL evaluation: does an ACL let a flow of TCP packets across a subnet's edge?

AWS evaluates a network ACL's rules in order of rule number, lowest first; the first rule
whose protocol, port range and CIDR match the packet decides (allow or deny), and a packet
no numbered rule matches is denied by the final `*` rule. ACLs are stateless: the replies
to a task's HTTPS requests come back to the task's ephemeral port and need their own
inbound rule, and the subnet of the other end needs the mirror rules.
(VPC User Guide, "Control subnet traffic with network access control lists" and
"Network ACL rules": https://docs.aws.amazon.com/vpc/latest/userguide/nacl-rules.html)

A rule's port range applies to the packet's destination port. So the request leaves the
task subnet on port 443 and enters the other end's subnet on 443; the reply leaves the
other end's subnet for an ephemeral port and enters the task subnet on it.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import Any

from model.network_records import Tri, Unsure
from model.values import as_int, in_words, is_unknown

# AWS: "to cover the different types of clients ... you can open ephemeral ports 1024-65535";
# a NAT gateway uses 1024-65535 for the connections it makes.
EPHEMERAL = (1024, 65535)
# The ports a task's own connections use: the Linux kernel's default range
# (net.ipv4.ip_local_port_range, 32768-60999) and Windows' (49152-65535). An ACL that admits
# all of them passes the replies; one that admits none drops them; one in between may.
TASK_EPHEMERAL = (32768, 65535)
ALL_PORTS = (0, 65535)

# The peer "the service's public addresses": AWS publishes them in ip-ranges.json; an ACL
# rule on a public CIDR narrower than 0.0.0.0/0 may or may not cover them.
INTERNET = "internet"


@dataclass(frozen=True)
class AclEntry:
    """One numbered rule. `cidr` is the IPv4 CIDR, None for a rule on an IPv6 range only."""

    number: Any
    action: Any
    protocol: Any
    cidr: Any
    from_port: Any
    to_port: Any


@dataclass
class NetworkAcl:
    key: str
    label: str
    ingress: list[AclEntry] = field(default_factory=list)
    egress: list[AclEntry] = field(default_factory=list)
    unsure: tuple[str, ...] = ()


@dataclass(frozen=True)
class Flow:
    """Packets crossing one ACL: `egress` (leaving the subnet) or not, to ports `ports`, with the
    other address `peer` (a CIDR, or INTERNET); `what` describes it for messages."""

    egress: bool
    ports: tuple[int, int]
    peer: Any
    what: str
    core: tuple[int, int] | None = None


@dataclass(frozen=True)
class AclAnswer:
    ok: Tri
    problem: str = ""


def allow_all(key: str, label: str) -> NetworkAcl:
    """The ACL AWS creates with a VPC: rule 100 allows all traffic in and out."""
    everything = AclEntry(100, "allow", "-1", "0.0.0.0/0", 0, 0)
    return NetworkAcl(key, label, [everything], [everything])


def entry_from_props(props: dict, number_key: str, action_key: str) -> AclEntry:
    cidr = props.get("cidrBlock")
    if cidr in (None, "") and props.get("ipv6CidrBlock") not in (None, ""):
        cidr = None
    elif cidr == "":
        cidr = None
    return AclEntry(props.get(number_key), props.get(action_key), props.get("protocol"), cidr,
                    props.get("fromPort"), props.get("toPort"))


def peer_text(peer: Any) -> str:
    return "the service's public addresses" if peer == INTERNET else in_words(peer).strip("'")


def _protocol(entry: AclEntry) -> str | Unsure | None:
    """"all", "tcp", or None when the rule is about another protocol."""
    protocol = entry.protocol
    if is_unknown(protocol):
        return Unsure.of("its protocol (unknown)")
    text = str(as_int(protocol)) if as_int(protocol) is not None else str(protocol).lower()
    if text in ("-1", "all"):
        return "all"
    if text in ("6", "tcp"):
        return "tcp"
    return None


def _covers(cidr: Any, peer: Any) -> Tri:
    """True when the rule's CIDR holds every address of the peer, False when none, Unsure when some."""
    if is_unknown(cidr):
        return Unsure.of("its CIDR (unknown)")
    if is_unknown(peer) or peer is None:
        return Unsure.of("the address range of the other end (known after update)")
    if not isinstance(cidr, str):
        return False
    try:
        network = ipaddress.ip_network(cidr, strict=False)
    except (ValueError, TypeError):
        return False
    if network.version != 4:
        return False
    if network.prefixlen == 0:
        return True
    if peer == INTERNET:
        if network.is_private:
            return False
        return Unsure.of(f"whether {network} holds the service's public addresses")
    try:
        target = ipaddress.ip_network(peer, strict=False) if isinstance(peer, str) else None
    except (ValueError, TypeError):
        target = None
    if target is None:
        return Unsure.of(f"the address range of the other end ({in_words(peer)})")
    if target.subnet_of(network):
        return True
    if network.overlaps(target):
        return Unsure.of(f"{network} holds only part of {target}")
    return False


def _minus(intervals: list[tuple[int, int]], cut: tuple[int, int]) -> list[tuple[int, int]]:
    left = []
    for low, high in intervals:
        if cut[1] < low or cut[0] > high:
            left.append((low, high))
            continue
        if low < cut[0]:
            left.append((low, cut[0] - 1))
        if cut[1] < high:
            left.append((cut[1] + 1, high))
    return left


def _overlap(intervals: list[tuple[int, int]], span: tuple[int, int]) -> list[tuple[int, int]]:
    return [(max(low, span[0]), min(high, span[1])) for low, high in intervals
            if not (span[1] < low or span[0] > high)]


def _ports_text(intervals: list[tuple[int, int]]) -> str:
    return ", ".join(str(low) if low == high else f"{low}-{high}" for low, high in intervals)


def _entries(acl: NetworkAcl, egress: bool) -> list[AclEntry] | Unsure:
    entries = acl.egress if egress else acl.ingress
    unknown = [e for e in entries if as_int(e.number) is None]
    if any(is_unknown(e.number) for e in unknown):
        return Unsure.of(f"{acl.label} a rule number (unknown)")
    return sorted((e for e in entries if as_int(e.number) is not None), key=lambda e: as_int(e.number))


def admits(acl: NetworkAcl, flow: Flow) -> AclAnswer:
    """Whether `acl` lets every packet of `flow` through (for replies: enough of the ephemeral range)."""
    if acl.unsure:
        return AclAnswer(Unsure(acl.unsure))
    entries = _entries(acl, flow.egress)
    if isinstance(entries, Unsure):
        return AclAnswer(entries)
    undecided = [flow.ports]
    allowed: list[tuple[int, int]] = []
    denials: list[tuple[list[tuple[int, int]], int]] = []
    for entry in entries:
        if not undecided:
            break
        protocol = _protocol(entry)
        if protocol is None:
            continue
        number = as_int(entry.number)
        if isinstance(protocol, Unsure):
            return AclAnswer(Unsure.of(f"{acl.label} rule {number}: {protocol.items[0]}"))
        if entry.cidr is None:
            continue  # an IPv6 rule: the tasks' calls to AWS go over IPv4
        if protocol == "all":
            span = ALL_PORTS
        else:
            low, high = as_int(entry.from_port), as_int(entry.to_port)
            if is_unknown(entry.from_port) or is_unknown(entry.to_port):
                return AclAnswer(Unsure.of(f"{acl.label} rule {number}: its ports (unknown)"))
            if low is None or high is None:
                continue
            span = (low, high)
        hit = _overlap(undecided, span)
        if not hit:
            continue
        covered = _covers(entry.cidr, flow.peer)
        if covered is False:
            continue
        if isinstance(covered, Unsure):
            return AclAnswer(Unsure.of(f"{acl.label} rule {number} for {flow.what}: {covered.items[0]}"))
        action = entry.action
        if is_unknown(action):
            return AclAnswer(Unsure.of(f"{acl.label} rule {number}: its action (unknown)"))
        if str(action).lower() == "allow":
            allowed.extend(hit)
        else:
            denials.append((hit, number))
        for piece in hit:
            undecided = _minus(undecided, piece)
    return _verdict(acl, flow, allowed, denials, undecided)


def _verdict(acl: NetworkAcl, flow: Flow, allowed, denials, undecided) -> AclAnswer:
    core = flow.core or flow.ports
    blocked = [piece for pieces, _ in denials for piece in pieces] + undecided
    if not any(_overlap([piece], core) for piece in blocked):
        return AclAnswer(True)
    if _overlap(allowed, core):
        return AclAnswer(Unsure.of(
            f"{acl.label} admits {flow.what} only on ports {_ports_text(sorted(allowed))} (which ports the "
            "tasks' connections use is decided at run time)"))
    reasons = [f"rule {number} is a deny rule for {_ports_text(pieces)}" for pieces, number in denials
               if _overlap(pieces, core)]
    if _overlap(undecided, core):
        reasons.append(("no rule allows " + _ports_text(_overlap(undecided, core)) if allowed or denials
                        else "no rule allows it") + ", so the final deny-all (*) rule drops it")
    return AclAnswer(False, f"{acl.label} drops {flow.what}: {'; '.join(reasons)}")
