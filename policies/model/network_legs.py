"""Small parts of the path verdicts: a path's answer (`Leg`), how route answers combine, and how
a launcher's tasks are placed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from model.aws_types import ECS_SERVICE, ECS_TASK_SET
from model.network_needs import Need
from model.network_records import Endpoint, Route, Tri, Unsure, all_of, known_str
from model.values import Resource, is_unknown


@dataclass(frozen=True)
class Leg:
    """One way to reach a service: works (True), cannot (False, with the problem) or Unsure."""

    ok: Tri
    problem: str = ""
    fix: str = ""
    weight: int = 0


def same_prefix_list(value: Any, endpoint_list: Any) -> bool:
    return not (known_str(value) and known_str(endpoint_list) and value != endpoint_list)


def by_target(routes: list[Route | None]) -> list[list[Route] | None]:
    """Routes grouped by where they send traffic, so 0.0.0.0/1 and 128.0.0.0/1 to one NAT are judged once."""
    groups: dict[Any, list[Route] | None] = {}
    for route in routes:
        if route is None:
            groups[None] = None
            continue
        nat = route.nat.key if route.nat is not None and not isinstance(route.nat, Unsure) else id(route.nat)
        value = route.target_value if known_str(route.target_value) else id(route)
        gateway = route.gateway if isinstance(route.gateway, str) else id(route.gateway)
        key = (route.target if isinstance(route.target, str) else id(route), value, nat, gateway)
        groups.setdefault(key, []).append(route)
    return list(groups.values())


def combine(legs: list[Leg], table: str) -> Leg:
    """All routes must work; when some parts of the public address space work and others do not,
    whether the service's addresses fall in a broken part cannot be known."""
    if all(leg.ok is True for leg in legs):
        return Leg(True)
    broken = [leg for leg in legs if leg.ok is False]
    if len(broken) == len(legs):
        return max(broken, key=lambda leg: leg.weight)
    if broken:
        return Leg(Unsure.of(f"{table} sends only part of the public address space on a working path "
                             f"({broken[0].problem}); whether AWS's addresses for the service fall in that part"))
    return Leg(all_of([leg.ok for leg in legs]))


def launch_type(runner: Resource, fargate: bool | None, label: str) -> str | Unsure | None:
    """How the tasks are placed when not on Fargate (text for messages); None for Fargate or unsaid."""
    if runner.type not in (ECS_SERVICE, ECS_TASK_SET):
        # A scheduled or state-machine launch: the launcher model read its launch type.
        if fargate is None:
            return Unsure.of(f"{label} launch type (whether its tasks run on Fargate)")
        return None if fargate else "its launch type or capacity provider is not FARGATE"
    launch = runner.get("launchType")
    if is_unknown(launch):
        return Unsure.of(f"{runner.label} launchType (unknown)")
    if isinstance(launch, str) and launch:
        return None if launch.upper() == "FARGATE" else f"launchType {launch!r}"
    strategies = runner.get("capacityProviderStrategies")
    if is_unknown(strategies):
        return Unsure.of(f"{runner.label} capacityProviderStrategies (unknown)")
    for strategy in _as_list(strategies):
        provider = strategy.get("capacityProvider") if isinstance(strategy, dict) else None
        if is_unknown(provider):
            return Unsure.of(f"{runner.label} capacityProviderStrategies (an unknown capacity provider)")
        # FARGATE and FARGATE_SPOT are the only capacity providers that run tasks on Fargate.
        if isinstance(provider, str) and not provider.upper().startswith("FARGATE"):
            return f"capacity provider {provider!r} in capacityProviderStrategies"
    return None


def _as_list(value: Any) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def endpoint_matches(endpoint: Endpoint, need: Need) -> Tri:
    name = endpoint.service_name
    if is_unknown(name):
        return Unsure.of(f"{endpoint.label} serviceName (unknown)")
    if not isinstance(name, str):
        return False
    parts = name.split(".")
    if len(parts) < 4 or parts[0] != "com" or parts[1] != "amazonaws":
        return False
    return ".".join(parts[3:]) == need.service and (need.region is None or parts[2] == need.region)
