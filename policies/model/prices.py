"""What a stack costs a month: on-demand prices and the estimate of a stack.

The estimate counts what runs every hour whatever the traffic: Fargate vCPU and GB hours
at the desired count, load-balancer hours, NAT gateway hours and interface endpoint hours
per AZ. Traffic-dependent charges (LCUs, NAT and endpoint data processing, logs) are not
in it, so it is a floor, and the message says so. Tasks that scheduled launchers start (EventBridge,
Scheduler, Step Functions) run for as long as their job does, which no stack shows: not in it either.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from model import ecs as ecs_model
from model import fargate_sizes
from model.aws_types import (
    EC2_DEFAULT_SUBNET,
    EC2_NAT_GATEWAY,
    EC2_SUBNET,
    EC2_VPC_ENDPOINT,
    ECS_SERVICE,
    LB_LOAD_BALANCER,
)
from model.launchers import task_launches
from model.stack_index import StackIndex
from model.values import Resource, as_int, as_list, get_path, is_unknown

# On-demand list prices in USD, us-east-1 (https://aws.amazon.com/fargate/pricing/,
# https://aws.amazon.com/elasticloadbalancing/pricing/, https://aws.amazon.com/vpc/pricing/,
# https://aws.amazon.com/privatelink/pricing/). Other regions cost up to ~30 % more.
HOURS_PER_MONTH = 730


FARGATE_VCPU_HOUR = {"X86_64": 0.04048, "ARM64": 0.03238}


FARGATE_GB_HOUR = {"X86_64": 0.004445, "ARM64": 0.00356}


LOAD_BALANCER_HOUR = 0.0225  # application and network load balancers, before capacity units


NAT_GATEWAY_HOUR = 0.045  # plus 0.045 per GB processed


INTERFACE_ENDPOINT_HOUR_PER_AZ = 0.01  # plus 0.01 per GB processed


PUBLIC_IPV4_HOUR = 0.005  # per public IPv4 address in use, e.g. a task with assignPublicIp


@dataclass
class Estimate:
    fargate: float = 0.0
    fargate_parts: list[str] = field(default_factory=list)
    load_balancers: list[str] = field(default_factory=list)
    nat_gateways: list[str] = field(default_factory=list)
    endpoints: list[str] = field(default_factory=list)
    endpoint_azs: int = 0
    tasks: int = 0
    task_zones: set[str] = field(default_factory=set)
    services_needed: set[str] = field(default_factory=lambda: {"ecr.api", "ecr.dkr"})
    unknown: list[str] = field(default_factory=list)

    @property
    def load_balancer_cost(self) -> float:
        return len(self.load_balancers) * LOAD_BALANCER_HOUR * HOURS_PER_MONTH

    @property
    def nat_cost(self) -> float:
        return len(self.nat_gateways) * NAT_GATEWAY_HOUR * HOURS_PER_MONTH

    @property
    def endpoint_cost(self) -> float:
        return self.endpoint_azs * INTERFACE_ENDPOINT_HOUR_PER_AZ * HOURS_PER_MONTH

    @property
    def total(self) -> float:
        return self.fargate + self.load_balancer_cost + self.nat_cost + self.endpoint_cost


def _runs_on_fargate(service: Resource, task: Resource, fargate: bool | None, estimate: Estimate) -> bool:
    """Whether the service's tasks are billed as Fargate tasks, by its launch type or capacity provider
    strategy, else the cluster's default strategy, else the EC2 launch type (model.launchers)."""
    if fargate is not None:
        return fargate
    compatibilities = task.props.get("requiresCompatibilities")
    if isinstance(compatibilities, list) and compatibilities == ["FARGATE"]:
        return True  # it can run nowhere else
    estimate.unknown.append(f"whether {service.label} runs its tasks on Fargate (its cluster's default capacity "
                            "provider strategy is not in the stack)")
    return False


def _add_service(index: StackIndex, service: Resource, fargate: bool | None, estimate: Estimate) -> None:
    ref = ecs_model.task_definition_of(index, service)
    if ref is None:
        return
    if ref.resource is None:
        estimate.unknown.append(f"{service.label} task size (task definition {ref.describe()} is not in this stack)")
        return
    task = ref.resource
    if not _runs_on_fargate(service, task, fargate, estimate):
        return
    desired_value = service.props.get("desiredCount")
    desired = 1 if desired_value is None else as_int(desired_value)
    cpu, memory = fargate_sizes.cpu_units(task.props.get("cpu")), fargate_sizes.memory_mib(task.props.get("memory"))
    if desired is None or cpu is None or memory is None:
        estimate.unknown.append(f"{service.label} desiredCount and {task.label} cpu/memory")
        return
    architecture = _architecture(task, estimate)
    vcpu, gigabytes = cpu / 1024, memory / 1024
    monthly = desired * (vcpu * FARGATE_VCPU_HOUR[architecture] + gigabytes * FARGATE_GB_HOUR[architecture])
    monthly *= HOURS_PER_MONTH
    estimate.fargate += monthly
    estimate.tasks += desired
    estimate.fargate_parts.append(f"{service.label} {desired} × {vcpu:g} vCPU/{gigabytes:g} GB ${monthly:.2f}")
    _add_needs(task, estimate)
    _add_zones(index, service, estimate)


def _architecture(task: Resource, estimate: Estimate) -> str:
    """The price list a task is billed on: X86_64 by default, ARM64 when the runtime platform says so.

    An architecture not known yet is priced at ARM64, the cheaper one, and named as unknown:
    the estimate stays a floor ("at least") and cannot pass on a guess.
    """
    architecture = get_path(task.props, "runtimePlatform", "cpuArchitecture")
    if is_unknown(architecture):
        estimate.unknown.append(f"{task.label} runtimePlatform.cpuArchitecture")
        return "ARM64"
    return architecture if isinstance(architecture, str) and architecture in FARGATE_VCPU_HOUR else "X86_64"


def _add_needs(task: Resource, estimate: Estimate) -> None:
    containers = ecs_model.containers_of(task)
    if not isinstance(containers, list):
        return
    for container in containers:
        if container.uses_awslogs:
            estimate.services_needed.add("logs")
        for _, value_from in container.secrets:
            if isinstance(value_from, str):
                estimate.services_needed.add("secretsmanager" if ":secretsmanager:" in value_from else "ssm")


def _add_zones(index: StackIndex, service: Resource, estimate: Estimate) -> None:
    subnets = ecs_model.subnets_of(service)
    if subnets is None:
        return
    for ref in index.refs(service, "networkConfiguration", subnets, (EC2_SUBNET, EC2_DEFAULT_SUBNET)):
        zone = ref.resource.props.get("availabilityZone") if ref.resource is not None else None
        if isinstance(zone, str):
            estimate.task_zones.add(zone)


def estimate_stack(index: StackIndex) -> Estimate:
    estimate = Estimate()
    launches, _ = task_launches(index)
    fargate = {launch.launcher.urn: launch.fargate for launch in launches if launch.launcher.type == ECS_SERVICE}
    for service in index.of_type(ECS_SERVICE):
        _add_service(index, service, fargate.get(service.urn), estimate)
    estimate.load_balancers = [r.label for r in index.of_type(LB_LOAD_BALANCER)]
    estimate.nat_gateways = [r.label for r in index.of_type(EC2_NAT_GATEWAY)]
    for endpoint in index.of_type(EC2_VPC_ENDPOINT):
        kind = endpoint.props.get("vpcEndpointType")
        if kind != "Interface":
            if is_unknown(kind):
                estimate.unknown.append(f"{endpoint.label} vpcEndpointType")
            continue
        subnets = endpoint.props.get("subnetIds")
        if is_unknown(subnets):
            estimate.unknown.append(f"{endpoint.label} subnetIds")
        else:
            zones = max(len(as_list(subnets)), 1)
            estimate.endpoint_azs += zones
            estimate.endpoints.append(f"{endpoint.label} × {zones} AZ(s)")
    return estimate


def cheapest_egress(estimate: Estimate) -> str:
    """The cheapest way for the tasks to reach ECR (and what else they use), with the monthly prices compared."""
    zones = max(len(estimate.task_zones), 1)
    endpoints = len(estimate.services_needed)
    options = {
        f"public IPs on the tasks ({estimate.tasks} × ${PUBLIC_IPV4_HOUR * HOURS_PER_MONTH:.2f})":
            estimate.tasks * PUBLIC_IPV4_HOUR * HOURS_PER_MONTH,
        f"one NAT gateway (${NAT_GATEWAY_HOUR * HOURS_PER_MONTH:.2f} plus $0.045/GB)":
            NAT_GATEWAY_HOUR * HOURS_PER_MONTH,
        f"interface endpoints ({', '.join(sorted(estimate.services_needed))}) in {zones} AZ(s) plus the free S3 "
        f"gateway endpoint (${endpoints * zones * INTERFACE_ENDPOINT_HOUR_PER_AZ * HOURS_PER_MONTH:.2f})":
            endpoints * zones * INTERFACE_ENDPOINT_HOUR_PER_AZ * HOURS_PER_MONTH,
    }
    choice = min(options, key=options.get)
    return f"cheapest network egress for the tasks: {choice}"
