"""ecs-health-checks-consistent: target-group and container health checks probe ports the task serves,
the load balancer may reach the port it checks, and the grace period covers the time a new task needs.

Mechanisms (what AWS evaluates to decide this):
- **Several load-balancer blocks** per service — modelled: each block's target group is judged on its own.
  [Load balancing](https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service-load-balancing.html)
- **The target group's `healthCheck.port`** — modelled: `traffic-port` (the default) is the block's container
  port; any other port must be one a container of the task maps, which the task security groups admit from
  the load balancer and the load balancer's security groups let out.
  [Target group health checks](https://docs.aws.amazon.com/elasticloadbalancing/latest/application/target-group-health-checks.html)
- **The target group's `healthCheck.path` and protocol** — modelled: an HTTP(S) path is compared with the
  path the container's own health check probes on the same port; TCP checks have no path.
  [Target group health checks](https://docs.aws.amazon.com/elasticloadbalancing/latest/application/target-group-health-checks.html)
- **The matcher** (expected HTTP codes) — not applicable: the application's answer, which no stack shows.
- **The container's `healthCheck.command`** — modelled (`model.health_command`): `CMD` runs without a shell,
  `CMD-SHELL` expands `$VAR`, `${VAR}`, `${VAR:-default}` from the container's `environment`; each local
  port it probes must be one the container serves (in awsvpc and host mode, any container of the task).
  A `CMD` that hands curl or wget a `$VAR` as the URL's host or port fails on every run: a violation.
  A command the rule cannot read — a script file in the image, a program it does not know, a variable not
  in `environment` — inconclusive, named with the reason.
  [HealthCheck](https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_HealthCheck.html)
- **The image's own `HEALTHCHECK`** — not applicable: ECS ignores it; only the task definition's counts.
  [Container health checks](https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_definition_parameters.html#container_definition_healthcheck)
- **`healthCheckGracePeriodSeconds`** — modelled: it must cover the container's `startPeriod` plus the
  target group's `healthyThreshold` × `interval` (defaults 3 and 30 s), plus `extraGraceSeconds`.
  [Service definition parameters](https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service_definition_parameters.html)
- **Target groups and task definitions outside the stack** — modelled when read live (`liveLookups`); without a look-up
  inconclusive, named. [Live look-ups](https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_DescribeTaskDefinition.html)

Inconclusive by design: a container health command run from a script or program in the image; values
not known until update; target groups or task definitions outside the stack without a live look-up.
"""

from __future__ import annotations

from typing import Any

from pulumi_policy import Severity

from kit import Findings, stack_policy
from kit.shown import shown
from model.aws_types import ECS_SERVICE
from model.ecs import Container
from model.health_command import Fails, Probe, Unreadable, read_health_command
from model.live_aws import LIVE_LOOKUP_SCHEMA
from model.stack_index import StackIndex
from model.values import Resource, as_int, get_path, is_unknown
from rules._lb_blocks import Block, Live, blocks_of, container_named
from rules._lb_reach import BalancerPath, admits, balancer_paths, lets_out, names

_SHARED_LOCALHOST = ("awsvpc", "host")


def _health_check(target: Resource) -> Any:
    check = target.props.get("healthCheck")
    return check if isinstance(check, dict) or is_unknown(check) else {}


def _served(containers: list[Container]) -> tuple[set[int], bool]:
    """The container ports the containers map, and whether some mapping is unknown."""
    ports, unknown = set(), False
    for container in containers:
        for mapping in container.port_mappings:
            if is_unknown(mapping.container_port):
                unknown = True
            elif as_int(mapping.container_port) is not None:
                ports.add(as_int(mapping.container_port))
    return ports, unknown


def _port_list(ports: set[int]) -> str:
    return ", ".join(str(p) for p in sorted(ports)) or "none"


def _probes(task: Resource, container: Container, findings: Findings) -> list[Probe] | None:
    """The local probes of a container's own health check; None when it has none or cannot be read."""
    command = get_path(container.health_check, "command") if container.health_check else None
    if command is None:
        return None
    environment = {name: value for name, value in container.environment if isinstance(name, str)}
    result = read_health_command(command, environment)
    if isinstance(result, Fails):
        findings.violation(
            f"{task.label} container '{container.name}' healthCheck.command fails on every run ({result.reason}): "
            "ECS marks the container UNHEALTHY and replaces the task",
            task.urn,
        )
        return None
    if isinstance(result, Unreadable):
        findings.inconclusive(f"{task.label} container '{container.name}' healthCheck.command: which port and path "
                              f"it probes ({result.reason})")
        return None
    return [probe for probe in result.probes if probe.local]


def _check_container_probes(task: Resource, containers: list[Container], findings: Findings) -> None:
    mode = task.props.get("networkMode")
    for container in containers:
        probes = _probes(task, container, findings)
        if not probes:
            continue
        shared = not is_unknown(mode) and mode in _SHARED_LOCALHOST
        ports, unknown = _served(containers if shared else [container])
        for probe in probes:
            if probe.port in ports:
                continue
            if unknown or not ports:
                findings.inconclusive(
                    f"{task.label} container '{container.name}' healthCheck probes port {probe.port}, and the ports "
                    "its task maps are " + ("not known until update" if unknown else "not declared")
                )
                continue
            findings.violation(
                f"{task.label} container '{container.name}' healthCheck probes port {probe.port} ({probe.tool}), "
                f"which the container does not serve (it maps {_port_list(ports)}): the check fails, ECS marks the "
                f"container UNHEALTHY and replaces the task; point the health check at a port the container maps",
                task.urn,
            )


def _target_port(block: Block, target: Resource, check: dict, findings: Findings) -> int | None:
    """The port the target group health-checks; None when it cannot be told or is not a port."""
    port = check.get("port")
    if is_unknown(port):
        findings.inconclusive(f"{target.label} healthCheck.port")
        return None
    if port is None or port == "traffic-port":
        return block.port
    number = as_int(port)
    if number is None or not 0 < number < 65536:
        findings.violation(
            f"{target.label} healthCheck.port {shown(port)} is neither \"traffic-port\" nor a port number: AWS "
            "rejects the target group; set it to \"traffic-port\" or the port to probe",
            target.urn,
        )
        return None
    return number


def _check_target_port_served(block: Block, target: Resource, port: int, findings: Findings) -> bool:
    ports, unknown = _served(block.containers)
    if port in ports:
        return True
    if unknown:
        findings.inconclusive(f"{block.task.label} portMappings against {target.label} healthCheck.port {port}")
        return False
    findings.violation(
        f"{target.label} healthCheck.port {port} is not a port {block.task.label} serves (its containers map "
        f"{_port_list(ports)}): health checks of {block.where} fail and its targets never become healthy; set "
        "healthCheck.port to \"traffic-port\" or a port a container maps",
        target.urn,
    )
    return False


def _check_target_port_reached(index: StackIndex, paths: list[BalancerPath], block: Block, target: Resource,
                               port: int, findings: Findings) -> None:
    for path in (p for p in paths if p.where == block.where):
        ingress = admits(index, path, port)
        if ingress is False and not path.unresolved:
            findings.violation(
                f"{block.runner.label} task security groups ({names(path.task_groups)}) do not admit "
                f"{path.balancer.label} on tcp {port}, the port {target.label} health-checks: health checks time "
                "out (Target.Timeout), the targets stay unhealthy and ECS keeps replacing the tasks; add an ingress "
                f"rule to a task security group from the load balancer's security group on port {port}",
                block.runner.urn,
            )
        elif ingress is not True:
            findings.inconclusive(f"{block.runner.label} ingress from {path.balancer.label} on tcp {port}"
                                  + (f" ({'; '.join(path.unresolved)})" if path.unresolved else ""))
        egress = lets_out(index, path, port)
        if egress is False and not path.unresolved:
            findings.violation(
                f"{path.balancer.label} security groups ({names(path.balancer_groups)}) do not let health checks "
                f"out to {block.runner.label} tasks on tcp {port}, the port {target.label} health-checks: add an "
                f"egress rule to the load balancer's security group towards the task security group on port {port}",
                path.balancer.urn,
            )
        elif egress is not True:
            findings.inconclusive(f"{path.balancer.label} egress to {block.runner.label} on tcp {port}"
                                  + (f" ({'; '.join(path.unresolved)})" if path.unresolved else ""))


def _check_path_drift(block: Block, container: Container, target: Resource, check: dict, port: int,
                      findings: Findings) -> None:
    protocol, path = check.get("protocol"), check.get("path")
    if is_unknown(protocol) or is_unknown(path):
        findings.inconclusive(f"{target.label} healthCheck.path")
        return
    if not isinstance(protocol, str | None) or str(protocol or "HTTP").upper() not in ("HTTP", "HTTPS"):
        return
    command = get_path(container.health_check, "command") if container.health_check else None
    if command is None:
        return
    environment = {name: value for name, value in container.environment if isinstance(name, str)}
    result = read_health_command(command, environment)
    if isinstance(result, Unreadable | Fails):
        return  # reported once, by the container check
    target_path = path if isinstance(path, str) and path else "/"
    for probe in result.probes:
        if probe.local and probe.port == port and probe.path is not None and probe.path != target_path:
            findings.violation(
                f"{target.label} healthCheck.path '{target_path}' differs from the path '{probe.path}' that "
                f"container '{container.name}' of {block.task.label} checks itself: the two definitions of the "
                "health endpoint have drifted; use one path in both",
                target.urn,
            )
            return


def _check_grace_period(block: Block, container: Container, target: Resource, check: Any, extra: int,
                        findings: Findings) -> None:
    if block.runner.type != ECS_SERVICE:
        return
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


def validate_health_checks_consistent(index: StackIndex, findings: Findings, config: dict) -> None:
    extra = as_int(config.get("extraGraceSeconds")) or 0
    judged_tasks: set[str] = set()
    paths: dict[str, list[BalancerPath]] = {}
    for block in blocks_of(index, findings, Live(config)):
        container = container_named(block.containers, block.container_name)
        if container is None:
            continue  # ecs-target-group-matches-container reports it
        if block.task.urn not in judged_tasks:
            judged_tasks.add(block.task.urn)
            _check_container_probes(block.task, block.containers, findings)
        target = block.target_group
        if target is None:
            continue
        check = _health_check(target)
        if is_unknown(check):
            findings.inconclusive(f"{target.label} healthCheck")
        _check_grace_period(block, container, target, check, extra, findings)
        if is_unknown(check):
            continue
        if check.get("enabled") is False:
            continue
        port = _target_port(block, target, check, findings)
        if port is None:
            continue
        if port != block.port and _check_target_port_served(block, target, port, findings):
            if block.runner.urn not in paths:
                paths[block.runner.urn] = balancer_paths(index, block.runner, findings, config)
            _check_target_port_reached(index, paths[block.runner.urn], block, target, port, findings)
        _check_path_drift(block, container, target, check, port, findings)


ecs_health_checks_consistent = stack_policy(
    name="ecs-health-checks-consistent",
    description=(
        "Target-group and container health checks probe ports the task serves and the load balancer may reach, "
        "their paths agree, and the service's grace period covers the time a new task needs to pass them."
    ),
    validate=validate_health_checks_consistent,
    severity=Severity.MEDIUM,
    remediation_steps=(
        "Leave the target group's healthCheck.port as \"traffic-port\" or set it to a port a container maps and "
        "the task security group admits from the load balancer; point the container health check at a port the "
        "container maps, using variables from its environment; use the same health path in both; set the "
        "service's healthCheckGracePeriodSeconds to at least the container's startPeriod plus "
        "healthyThreshold × interval."
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
