"""The subnet edges a task's packets cross on each path, and the network ACL verdict on each.

A packet crosses a network ACL when it leaves or enters a subnet; traffic between two
addresses of one subnet crosses none. ACLs are stateless, so each path is four crossings
per pair of subnets: the request out of the task subnet and into the other end's subnet on
443, and the reply out of the other end's subnet and into the task subnet on an ephemeral
port. Through a NAT gateway, the NAT's own subnet sees the request come in from the task
subnet and go out to the service, and the reply come back to the NAT's ports 1024-65535.
(https://docs.aws.amazon.com/vpc/latest/userguide/nacl-examples.html,
https://docs.aws.amazon.com/vpc/latest/userguide/nat-gateway-troubleshooting.html)
"""

from __future__ import annotations

from dataclasses import dataclass

from model.network_acl_rules import EPHEMERAL, INTERNET, TASK_EPHEMERAL, Flow, admits
from model.network_records import HTTPS, Subnet, Unsure
from model.values import in_words

PUBLIC = "the service's public addresses"
_REPLY_PORTS = f"{EPHEMERAL[0]}-{EPHEMERAL[1]}"


@dataclass(frozen=True)
class Crossing:
    subnet: Subnet
    flow: Flow
    role: str = "where the tasks run"


ENDPOINT_SIDE = "where the interface endpoints answer"
NAT_SIDE = "where the NAT gateway is"


def _where(subnet: Subnet) -> str:
    cidr = subnet.cidr if isinstance(subnet.cidr, str) else "its addresses known after update"
    return f"{subnet.label} ({in_words(cidr).strip(chr(39))})"


def to_public(task: Subnet) -> list[Crossing]:
    """The task subnet's edge on the way to an AWS service's public address (internet, NAT, S3 gateway)."""
    return [
        Crossing(task, Flow(True, (HTTPS, HTTPS), INTERNET, f"outbound TCP 443 to {PUBLIC}")),
        Crossing(task, Flow(False, EPHEMERAL, INTERNET,
                            f"inbound replies from {PUBLIC} to the ephemeral ports {_REPLY_PORTS}", TASK_EPHEMERAL)),
    ]


def through_nat(task: Subnet, nat_subnet: Subnet) -> list[Crossing]:
    """The NAT gateway's subnet edge: the task's request in and out, the reply in and back."""
    if nat_subnet.key == task.key:
        return []
    return [
        Crossing(nat_subnet, Flow(False, (HTTPS, HTTPS), task.cidr, f"inbound TCP 443 from {_where(task)}"), NAT_SIDE),
        Crossing(nat_subnet, Flow(True, (HTTPS, HTTPS), INTERNET, f"outbound TCP 443 to {PUBLIC}"), NAT_SIDE),
        Crossing(nat_subnet, Flow(False, EPHEMERAL, INTERNET,
                                  f"inbound replies from {PUBLIC} to the NAT gateway's ports {_REPLY_PORTS}"), NAT_SIDE),
        Crossing(nat_subnet, Flow(True, EPHEMERAL, task.cidr,
                                  f"outbound replies to {_where(task)} on the ephemeral ports {_REPLY_PORTS}",
                                  TASK_EPHEMERAL), NAT_SIDE),
    ]


def to_endpoint_subnet(task: Subnet, endpoint_subnet: Subnet) -> list[Crossing]:
    """Both subnet edges between the task and an interface endpoint's network interface."""
    if endpoint_subnet.key == task.key:
        return []
    return [
        Crossing(task, Flow(True, (HTTPS, HTTPS), endpoint_subnet.cidr,
                            f"outbound TCP 443 to {_where(endpoint_subnet)}")),
        Crossing(task, Flow(False, EPHEMERAL, endpoint_subnet.cidr,
                            f"inbound replies from {_where(endpoint_subnet)} to the ephemeral ports {_REPLY_PORTS}",
                            TASK_EPHEMERAL)),
        Crossing(endpoint_subnet, Flow(False, (HTTPS, HTTPS), task.cidr, f"inbound TCP 443 from {_where(task)}"), ENDPOINT_SIDE),
        Crossing(endpoint_subnet, Flow(True, EPHEMERAL, task.cidr,
                                       f"outbound replies to {_where(task)} on the ephemeral ports {_REPLY_PORTS}",
                                       TASK_EPHEMERAL), ENDPOINT_SIDE),
    ]


def judge_crossings(network, crossings: list[Crossing]) -> tuple[bool | Unsure, str, str]:
    """(ok, problem, fix) for a path's crossings: the first ACL that drops a packet, named."""
    unsure: list[str] = []
    for crossing in crossings:
        acl = network.acl_of(crossing.subnet)
        if isinstance(acl, Unsure):
            unsure.extend(acl.items)
            continue
        answer = admits(acl, crossing.flow)
        if answer.ok is False:
            problem = f"{answer.problem}; it is the network ACL of {crossing.subnet.label}, {crossing.role}"
            fix = (f"Add a rule to {acl.label} that allows {crossing.flow.what}, numbered below any rule "
                   "that denies it (network ACLs are stateless: requests and replies each need a rule)")
            return False, problem, fix
        if isinstance(answer.ok, Unsure):
            unsure.extend(answer.ok.items)
    return (Unsure(tuple(dict.fromkeys(unsure))) if unsure else True), "", ""
