"""ecs-health-checks-consistent: target-group and container health checks agree, and the grace period
covers the time a new task needs to pass them.
"""

from __future__ import annotations

import re
from typing import Any

from pulumi_policy import Severity

from kit import Findings, stack_policy
from model.aws_types import (
    ECS_SERVICE,
)
from model.ecs import Container
from model.live_aws import LIVE_LOOKUP_SCHEMA
from model.stack_index import StackIndex
from model.values import Resource, as_int, get_path, is_unknown
from rules._ecs_services import _Block, _blocks, _container_named, _health_check_port_mismatch, _Live

_LOCAL_URL = re.compile(r"https?://(?:localhost|127\.0\.0\.1|0\.0\.0\.0|\[::1\])(?::(\d+))?(/[^\s'\"|;&)]*)?")


def container_probe(container: Container) -> tuple[int | None, str | None] | None:
    """(port, path) of a container health check that calls a local URL; None when it does not."""
    command = get_path(container.health_check, "command") if container.health_check else None
    if not isinstance(command, list):
        return None
    text = " ".join(str(part) for part in command if isinstance(part, str))
    match = _LOCAL_URL.search(text)
    if not match:
        return None
    port = int(match.group(1)) if match.group(1) else (443 if match.group(0).startswith("https") else 80)
    path = match.group(2) or "/"
    return port, path.split("?", 1)[0]


def validate_health_checks_consistent(index: StackIndex, findings: Findings, config: dict) -> None:
    live = _Live(config)
    extra = as_int(config.get("extraGraceSeconds")) or 0
    for block in _blocks(index, findings, live):
        container = _container_named(block.containers, block.container_name)
        if container is None:
            continue  # ecs-target-group-matches-container reports it
        target = block.target_group
        mismatch = _health_check_port_mismatch(block)
        if mismatch and target is not None:
            findings.violation(mismatch, target.urn)
        probe = container_probe(container)
        if probe is not None and probe[0] != block.port:
            findings.violation(
                f"{block.task.label} container '{container.name}' healthCheck probes port {probe[0]} but the "
                f"container serves the load balancer on {block.port} ({block.where}): point the container health "
                f"check at port {block.port}",
                block.task.urn,
            )
        if target is not None:
            _check_path_drift(block, container, target, probe, findings)
            _check_grace_period(block, container, target, extra, findings)


def _health_check(target: Resource) -> Any:
    check = target.props.get("healthCheck")
    return check if isinstance(check, dict) or is_unknown(check) else {}


def _check_path_drift(block: _Block, container: Container, target: Resource,
                      probe: tuple[int | None, str | None] | None, findings: Findings) -> None:
    check = _health_check(target)
    if is_unknown(check):
        findings.inconclusive(f"{target.label} healthCheck")
        return
    protocol, path = check.get("protocol"), check.get("path")
    if is_unknown(protocol) or is_unknown(path):
        findings.inconclusive(f"{target.label} healthCheck.path")
        return
    if str(protocol or "HTTP").upper() not in ("HTTP", "HTTPS") or probe is None:
        return
    target_path = path if isinstance(path, str) and path else "/"
    if target_path != probe[1]:
        findings.violation(
            f"{target.label} healthCheck.path {target_path!r} differs from the path {probe[1]!r} that container "
            f"'{container.name}' of {block.task.label} checks itself: the two definitions of the health endpoint "
            "have drifted; use one path in both",
            target.urn,
        )


def _check_grace_period(block: _Block, container: Container, target: Resource, extra: int,
                        findings: Findings) -> None:
    if block.runner.type != ECS_SERVICE:
        return
    check = _health_check(target)
    grace_value = block.runner.props.get("healthCheckGracePeriodSeconds")
    start_value = get_path(container.health_check, "startPeriod") if container.health_check else None
    values = (grace_value, start_value, get_path(check, "interval"), get_path(check, "healthyThreshold"))
    if is_unknown(check) or any(is_unknown(v) for v in values):
        findings.inconclusive(f"{block.runner.label} healthCheckGracePeriodSeconds against the health checks")
        return
    grace = as_int(grace_value) or 0
    start = as_int(start_value) or 0
    interval = as_int(check.get("interval")) or 30
    threshold = as_int(check.get("healthyThreshold")) or 3
    needed = start + interval * threshold + extra
    if grace < needed:
        findings.violation(
            f"{block.runner.label} healthCheckGracePeriodSeconds {grace} is shorter than the {needed} s a new task "
            f"needs to pass its health checks (container '{container.name}' startPeriod {start} + {target.label} "
            f"healthyThreshold {threshold} × interval {interval}"
            + (f" + extraGraceSeconds {extra}" if extra else "")
            + f"): ECS would stop tasks that are still starting; set it to at least {needed}",
            block.runner.urn,
        )


ecs_health_checks_consistent = stack_policy(
    name="ecs-health-checks-consistent",
    description=(
        "Target-group and container health checks probe the port and path the container serves, and the "
        "service's grace period covers the time a new task needs to pass them."
    ),
    validate=validate_health_checks_consistent,
    severity=Severity.MEDIUM,
    remediation_steps=(
        "Leave the target group's healthCheck.port as \"traffic-port\" (or the container port), use the same "
        "health path in the target group and the container health check, and set the service's "
        "healthCheckGracePeriodSeconds to at least the container's startPeriod plus healthyThreshold × interval."
    ),
    url="https://docs.aws.amazon.com/AmazonECS/latest/developerguide/load-balancer-healthcheck.html",
    config_schema={
        "extraGraceSeconds": {
            "type": "integer",
            "minimum": 0,
            "default": 0,
            "description": "Headroom in seconds the grace period must have beyond start period plus health checks.",
        },
        **LIVE_LOOKUP_SCHEMA,
    },
)
