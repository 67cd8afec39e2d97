"""ecs-rollout-zero-downtime: rolling deployments keep capacity, roll back on failure, and (when
required) stay available across tasks and availability zones.

Mechanisms (what AWS evaluates to decide this):
- **Deployment controller and strategy** (`deploymentController.type`, `deploymentConfiguration.strategy`)
  — modelled: only the ECS controller's rolling deployments are judged here (blue/green is
  ecs-blue-green-valid's); DAEMON services are skipped.
  [Rolling update deployments](https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-type-ecs.html)
- **Minimum healthy and maximum percent** (defaults 100 and 200) — modelled against the task count.
  [Deployment configuration](https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_DeploymentConfiguration.html)
- **Application Auto Scaling `minCapacity`** of the service's scalable target — modelled: it raises the
  count ECS keeps. [Service auto scaling](https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service-auto-scaling.html)
- **Deployment circuit breaker** (`enable` and `rollback`) — modelled.
  [Circuit breaker](https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-circuit-breaker.html)
- **Availability zones of the service's subnets** (with `requireHighAvailability`) — modelled for subnets
  in the stack, read live for the others; unread subnets are inconclusive, named.
  [Service placement](https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service-options.html)
- **CloudWatch alarms on the deployment** (`deploymentConfiguration.alarms`) — not applicable: they add
  a second way to roll back, never replace the circuit breaker's.

Inconclusive by design: desired counts, percentages, scaling minimums or subnets not known until update;
subnets outside the stack without a live look-up.
"""

from __future__ import annotations

from typing import Any

from pulumi_policy import Severity

from kit import Findings, stack_policy
from kit.shown import shown
from model import ecs as ecs_model
from model.aws_types import APPAUTOSCALING_TARGET, EC2_DEFAULT_SUBNET, EC2_SUBNET, ECS_SERVICE
from model.live_aws import LIVE_LOOKUP_SCHEMA
from model.stack_index import StackIndex
from model.values import Resource, as_int, get_path, is_unknown
from rules._ecs_services import LiveByRegion, deployment_controller, deployment_strategy


def validate_rollout_zero_downtime(index: StackIndex, findings: Findings, config: dict) -> None:
    live = LiveByRegion(config)
    if not index.of_type(ECS_SERVICE):
        findings.not_applicable("the stack has no ECS service")
    for service in index.of_type(ECS_SERVICE):
        controller, strategy = deployment_controller(service), deployment_strategy(service)
        if is_unknown(controller) or is_unknown(strategy):
            findings.inconclusive(f"{service.label} deploymentController/deploymentConfiguration")
            continue
        if controller != "ECS" or service.props.get("schedulingStrategy") == "DAEMON":
            continue
        desired_value = service.props.get("desiredCount")
        desired = 1 if desired_value is None else as_int(desired_value)
        desired_value, desired, count = _with_scaling_minimum(index, service, desired_value, desired, findings)
        if strategy == "ROLLING":
            _check_rolling_capacity(service, desired_value, desired, count, findings)
        _check_circuit_breaker(service, findings)
        if config.get("requireHighAvailability") is True:
            _check_high_availability(index, service, desired_value, desired, count, config, findings, live)


def _scaling_targets(index: StackIndex, service: Resource) -> list[Resource]:
    """The application auto scaling targets that scale this service's desired count.

    Matched by `resourceId` `service/<cluster>/<service name>` or, when that is unknown,
    through the graph (the target's resourceId depends on the service).
    """
    found = []
    for target in index.of_type(APPAUTOSCALING_TARGET):
        if target.props.get("scalableDimension") != "ecs:service:DesiredCount":
            continue
        resource_id = target.props.get("resourceId")
        if is_unknown(resource_id):
            if service.urn in target.property_dependencies.get("resourceId", []):
                found.append(target)
        elif isinstance(resource_id, str) and _names_service(resource_id, service):
            found.append(target)
    return found


def _names_service(resource_id: str, service: Resource) -> bool:
    parts = resource_id.split("/")
    name = service.props.get("name")
    if len(parts) != 3 or parts[0] != "service" or not isinstance(name, str) or parts[2] != name:
        return False
    cluster = service.props.get("cluster")
    # The cluster is an ARN or a name; an unknown or missing one does not rule the target out.
    return not isinstance(cluster, str) or cluster.rsplit("/", 1)[-1] == parts[1]


def _with_scaling_minimum(index: StackIndex, service: Resource, desired_value: Any, desired: int | None,
                          findings: Findings) -> tuple[Any, int | None, str]:
    """The task count the service keeps, and how messages name it.

    Its desiredCount, raised to an auto scaling target's minCapacity: auto scaling never lets
    the count fall below minCapacity, so minCapacity 2 keeps two tasks even when desiredCount
    says 1.
    """
    count = f"desiredCount {desired}"
    for target in _scaling_targets(index, service):
        minimum_value = target.props.get("minCapacity")
        if is_unknown(minimum_value):
            findings.inconclusive(f"{target.label} minCapacity")
            continue
        minimum = as_int(minimum_value)
        if minimum is None:
            continue
        # An unknown desiredCount stays unknown: the count could still be above minCapacity.
        if not is_unknown(desired_value) and desired is not None and minimum > desired:
            count = f"desiredCount {desired} (raised to {minimum} by {target.label} minCapacity)"
            desired_value, desired = minimum, minimum
    return desired_value, desired, count


def _check_rolling_capacity(service: Resource, desired_value: Any, desired: int | None, count: str,
                            findings: Findings) -> None:
    minimum_value = service.props.get("deploymentMinimumHealthyPercent")
    maximum_value = service.props.get("deploymentMaximumPercent")
    if is_unknown(minimum_value) or is_unknown(desired_value):
        findings.inconclusive(f"{service.label} deploymentMinimumHealthyPercent/desiredCount")
    else:
        minimum = 100 if minimum_value is None else as_int(minimum_value)
        if minimum is not None and minimum < 100 and not (minimum >= 50 and desired is not None and desired >= 2):
            findings.violation(
                f"{service.label} deploymentMinimumHealthyPercent {minimum} with {count} lets a "
                "rolling deployment stop running tasks before their replacements are healthy: set it to 100 "
                "(or at least 50 with desiredCount 2 or more)",
                service.urn,
            )
    if is_unknown(maximum_value):
        findings.inconclusive(f"{service.label} deploymentMaximumPercent")
        return
    maximum = 200 if maximum_value is None else as_int(maximum_value)
    if maximum is not None and maximum <= 100:
        findings.violation(
            f"{service.label} deploymentMaximumPercent {maximum} leaves no room to start new tasks beside the old "
            "ones, so a deployment must stop tasks first: set it above 100 (200 is the default)",
            service.urn,
        )


def _check_circuit_breaker(service: Resource, findings: Findings) -> None:
    breaker = service.props.get("deploymentCircuitBreaker")
    enable, rollback = get_path(breaker, "enable"), get_path(breaker, "rollback")
    if is_unknown(breaker) or is_unknown(enable) or is_unknown(rollback):
        findings.inconclusive(f"{service.label} deploymentCircuitBreaker")
        return
    if enable is not True or rollback is not True:
        said = "is not set" if breaker is None else f"has enable {shown(enable)} and rollback {shown(rollback)}"
        findings.violation(
            f"{service.label} deploymentCircuitBreaker {said}: a failing deployment keeps replacing tasks instead "
            "of rolling back; set deploymentCircuitBreaker enable true and rollback true",
            service.urn,
        )


def _check_high_availability(index: StackIndex, service: Resource, desired_value: Any, desired: int | None,
                             count: str, config: dict, findings: Findings, live: LiveByRegion) -> None:
    minimum_tasks = as_int(config.get("minimumDesiredCount")) or 2
    if is_unknown(desired_value):
        findings.inconclusive(f"{service.label} desiredCount")
    elif desired is not None and desired < minimum_tasks:
        findings.violation(
            f"{service.label} {count} is below {minimum_tasks}: one failed task or AZ takes the "
            f"service down; set desiredCount to at least {minimum_tasks} (requireHighAvailability)",
            service.urn,
        )
    zones, unknown = _availability_zones(index, service, findings, live)
    if unknown:
        return
    if len(zones) < 2:
        zones_said = ", ".join(sorted(zones)) or "none"
        findings.violation(
            f"{service.label} networkConfiguration.subnets span {len(zones)} availability zone(s) ({zones_said}): an AZ "
            "outage stops every task; add subnets in at least 2 availability zones (requireHighAvailability)",
            service.urn,
        )


def _availability_zones(index: StackIndex, service: Resource, findings: Findings,
                        live: LiveByRegion) -> tuple[set[str], bool]:
    subnets = ecs_model.subnets_of(service)
    if subnets is None:
        return set(), False
    zones: set[str] = set()
    outside: list[str] = []
    unknown = False
    for ref in index.refs(service, "networkConfiguration", subnets, (EC2_SUBNET, EC2_DEFAULT_SUBNET)):
        if ref.resource is not None:
            zone = ref.resource.props.get("availabilityZone")
            zone = ref.resource.props.get("availabilityZoneId") if zone is None else zone
            if isinstance(zone, str):
                zones.add(zone)
            else:
                findings.inconclusive(f"{ref.resource.label} availabilityZone")
                unknown = True
        elif not ref.resolved:
            findings.inconclusive(f"{service.label} networkConfiguration.subnets")
            unknown = True
        elif isinstance(ref.value, str):
            outside.append(ref.value)
    if outside:
        lookup = live.for_resource(service).call("ec2", "describe_subnets", SubnetIds=sorted(outside))
        found = lookup.data.get("Subnets") if lookup.ok else None
        if not isinstance(found, list):
            findings.inconclusive(f"{service.label} subnets {', '.join(sorted(outside))} ({lookup.reason})")
            return zones, True
        zones.update(s["AvailabilityZone"] for s in found if isinstance(s, dict) and s.get("AvailabilityZone"))
    return zones, unknown


ecs_rollout_zero_downtime = stack_policy(
    name="ecs-rollout-zero-downtime",
    description=(
        "Rolling deployments keep capacity (minimum healthy and maximum percent), the deployment circuit breaker "
        "rolls back, and, when required, services run at least two tasks across two availability zones."
    ),
    validate=validate_rollout_zero_downtime,
    severity=Severity.HIGH,
    remediation_steps=(
        "Set deploymentMinimumHealthyPercent to 100 (or at least 50 with desiredCount 2 or more), "
        "deploymentMaximumPercent above 100, deploymentCircuitBreaker {enable: true, rollback: true}, and for "
        "production a desiredCount (or an application auto scaling target minCapacity) of at least 2 with subnets "
        "in at least 2 availability zones."
    ),
    url="https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-type-ecs.html",
    config_schema={
        "requireHighAvailability": {
            "type": "boolean",
            "default": False,
            "description": "Also require minimumDesiredCount tasks and subnets in at least 2 availability zones.",
        },
        "minimumDesiredCount": {
            "type": "integer",
            "minimum": 1,
            "default": 2,
            "description": "The smallest desiredCount accepted when requireHighAvailability is true.",
        },
        **LIVE_LOOKUP_SCHEMA,
    },
)
