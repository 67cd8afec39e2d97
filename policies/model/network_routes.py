"""Which routes of a route table carry a task's traffic to AWS's public addresses.

AWS picks the most specific route that matches a packet's destination (longest prefix
match; https://docs.aws.amazon.com/vpc/latest/userguide/route-tables-priority.html), so
0.0.0.0/1 and 128.0.0.0/1 together take every public address away from 0.0.0.0/0. The
address a service answers on is one of AWS's public ranges, not known in advance: when
different routes win for different parts of the public address space, which one the
service's traffic takes is not known either.
"""

from __future__ import annotations

import ipaddress
import itertools

from model.network_records import Route, RouteTable, Unsure
from model.values import in_words, is_unknown

# Address space that is never a public service address (RFC 6890 special-purpose ranges).
_NOT_PUBLIC = [ipaddress.ip_network(cidr) for cidr in (
    "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
    "192.168.0.0/16", "224.0.0.0/3")]
_TOP = 2 ** 32


def _ipv4(destination) -> ipaddress.IPv4Network | None:
    if not isinstance(destination, str):
        return None
    try:
        network = ipaddress.ip_network(destination, strict=False)
    except ValueError:
        return None
    return network if network.version == 4 else None


def internet_routes(table: RouteTable) -> list[Route | None] | Unsure:
    """The routes that win for some public address, in table order; None stands for public
    addresses no route covers. Unsure when a route's destination cannot be read."""
    unsure: list[str] = []
    routed: list[tuple[ipaddress.IPv4Network, Route]] = []
    for route in table.routes:
        if is_unknown(route.destination):
            unsure.append(f"{table.label} a route destination (unknown)")
            continue
        if route.destination is None:
            if isinstance(route.target, Unsure):
                unsure.extend(route.target.items)
            continue
        network = _ipv4(route.destination)
        if network is not None:
            routed.append((network, route))
        elif isinstance(route.destination, str) and route.destination.startswith("pl-") and route.target != "vpce":
            unsure.append(f"{table.label} routes prefix list {route.destination} to {_target_text(route)}; which "
                          "addresses the prefix list holds is outside what the pack reads")
    if unsure:
        return Unsure(tuple(dict.fromkeys(unsure)))
    edges = {0, _TOP}
    for network in [n for n, _ in routed] + _NOT_PUBLIC:
        edges.update((int(network.network_address), int(network.broadcast_address) + 1))
    winners: list[Route | None] = []
    points = sorted(edges)
    for start, end in itertools.pairwise(points):
        if any(int(n.network_address) <= start and end - 1 <= int(n.broadcast_address) for n in _NOT_PUBLIC):
            continue
        covering = [(n.prefixlen, i) for i, (n, _) in enumerate(routed) if int(n.network_address) <= start
                    and end - 1 <= int(n.broadcast_address)]
        winner = routed[max(covering)[1]][1] if covering else None
        if all(winner is not w for w in winners):
            winners.append(winner)
    order = {id(route): i for i, route in enumerate(table.routes)}
    return sorted(winners, key=lambda r: -1 if r is None else order[id(r)])


def within_vpc_detour(table: RouteTable, subnet) -> bool | Unsure:
    """True unless a route sends the traffic for the subnet to a middlebox instead of the local
    route. AWS accepts a route more specific than the local route only for a whole subnet's CIDR,
    pointing at a network interface or a Gateway Load Balancer endpoint, which the stack cannot
    see through. (https://docs.aws.amazon.com/vpc/latest/userguide/route-table-options.html)"""
    target = _ipv4(subnet.cidr)
    if target is None:
        return True
    for route in table.routes:
        if _ipv4(route.destination) == target and route.target != "local":
            return Unsure.of(f"{table.label} routes {route.destination} ({subnet.label}) to {_target_text(route)}; "
                             "what that hop does with the traffic is outside what the pack can see")
    return True


def destinations_of(routes: list[Route]) -> str:
    """How a message names the destinations of routes that share a target: "0.0.0.0/1 and 128.0.0.0/1"."""
    names = [str(r.destination) for r in routes]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _target_text(route: Route) -> str:
    if isinstance(route.target_value, str):
        return route.target_value
    return in_words(route.target_value)
