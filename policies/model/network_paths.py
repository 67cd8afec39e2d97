"""The paths from a task's subnet to what it needs at start.

For every awsvpc ECS service and task set, every subnet it runs tasks in, and every AWS
service the task needs before its containers start, one of these paths must work:
- a public IP on the task (Fargate only) plus a default route to an internet gateway;
- a default route to a NAT gateway that itself sits in a subnet routed to an internet gateway
  (in both, the internet gateway must be attached to the VPC the traffic starts in);
- an interface VPC endpoint (private DNS on, security groups passing 443 both ways);
- for S3, a gateway endpoint on the subnet's route table.
An interface endpoint with private DNS on captures the service's name for the whole VPC,
so when one exists it is the only path: a NAT gateway does not rescue a broken endpoint.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from model import ecs as ecs_model
from model.network import Network
from model.network_records import (
    ANYWHERE,
    HTTPS,
    Endpoint,
    RouteTable,
    SecurityGroup,
    Subnet,
    Tri,
    Unsure,
    all_of,
    allows_port,
    any_of,
    cidr_covers,
    is_public_cidr,
)
from model.values import Resource, is_unknown

INTERNET = "internet"


SERVICE_NAMES = {
    "ecr.api": "ECR API",
    "ecr.dkr": "ECR DKR",
    "s3": "S3",
    "logs": "CloudWatch Logs",
    "ssm": "SSM",
    "secretsmanager": "Secrets Manager",
}


@dataclass(frozen=True)
class Need:
    """An AWS service (or the internet) a task needs at start; `region` None means the task's own."""

    service: str
    region: str | None
    why: str


@dataclass(frozen=True)
class Leg:
    """One way to reach a service: works (True), cannot (False, with the problem) or Unsure."""

    ok: Tri
    problem: str = ""
    fix: str = ""
    weight: int = 0


def _arn_parts(value: str) -> tuple[str, str] | None:
    parts = value.split(":", 5)
    if len(parts) < 6 or parts[0] != "arn":
        return None
    return parts[2], parts[3]


def needs_of(containers: list[ecs_model.Container], registry_needs: bool) -> tuple[list[Need], list[str]]:
    """(needs, unknown items). `registry_needs` selects ECR's needs, else the other services'."""
    needs: list[Need] = []
    unknown: list[str] = []

    def add(need: Need) -> None:
        if all((n.service, n.region) != (need.service, need.region) for n in needs):
            needs.append(need)

    for container in containers:
        name = container.name if isinstance(container.name, str) else "?"
        image = ecs_model.parse_image(container.image)
        if registry_needs:
            if is_unknown(container.image):
                unknown.append(f"the image of container '{name}'")
            elif image is not None and image.is_private_ecr:
                for service in ("ecr.api", "ecr.dkr", "s3"):
                    add(Need(service, image.region, f"image {container.image}"))
            continue
        if is_unknown(container.image):
            unknown.append(f"the image of container '{name}'")
        elif image is not None and not image.is_private_ecr:
            add(Need(INTERNET, None, f"image {container.image} from registry {image.registry}"))
        if container.uses_awslogs:
            region = container.log_options.get("awslogs-region")
            add(Need("logs", region if isinstance(region, str) else None, f"awslogs in container '{name}'"))
        elif is_unknown(container.log_driver):
            unknown.append(f"the log driver of container '{name}'")
        references = [value for _, value in container.secrets]
        credentials = container.raw.get("repositoryCredentials")
        if isinstance(credentials, dict) and credentials.get("credentialsParameter") is not None:
            references.append(credentials.get("credentialsParameter"))
        for value in references:
            if not isinstance(value, str) or is_unknown(value):
                unknown.append(f"a secret valueFrom of container '{name}'")
                continue
            parts = _arn_parts(value)
            if parts is None:
                add(Need("ssm", None, f"secrets of container '{name}'"))
            elif parts[0] in ("ssm", "secretsmanager"):
                add(Need(parts[0], parts[1] or None, f"secrets of container '{name}'"))
    return needs, unknown


def endpoint_service_name(need: Need, region: str) -> str:
    return f"com.amazonaws.{need.region or region}.{need.service}"


def describe_need(need: Need, region: str) -> str:
    if need.service == INTERNET:
        return f"the internet ({need.why})"
    return f"{SERVICE_NAMES[need.service]} ({endpoint_service_name(need, region)})"


class Reach:
    """Evaluates the paths from one runner's tasks in one subnet."""

    def __init__(self, network: Network, runner: Resource, subnet: Subnet, route_table: RouteTable,
                 groups: list[SecurityGroup | Unsure], public_ip: Any):
        self.network = network
        self.runner = runner
        self.subnet = subnet
        self.route_table = route_table
        self.groups = groups
        self.public_ip = public_ip

    @property
    def group_labels(self) -> str:
        return ", ".join(g.label for g in self.groups if isinstance(g, SecurityGroup)) or "none"

    # the internet, directly or through NAT

    def internet(self) -> Leg:
        route = _default_route(self.route_table)
        table = self.route_table.label
        if isinstance(route, Unsure):
            return Leg(route)
        if route is None:
            return Leg(False, f"{table} has no default route (0.0.0.0/0) to a NAT gateway or an internet gateway",
                       "Add a 0.0.0.0/0 route to a NAT gateway in a public subnet", 0)
        if isinstance(route.target, Unsure):
            return Leg(route.target)
        if route.target == "igw":
            detached = self._detached(route, self.subnet.vpc, f"{table} routes 0.0.0.0/0 to")
            if detached is not None:
                return detached
            launch = launch_type(self.runner)
            if isinstance(launch, Unsure):
                return Leg(launch)
            if launch is not None:
                return Leg(False, (
                    f"{table} routes 0.0.0.0/0 to an internet gateway, but {self.runner.label} runs its tasks outside "
                    f"Fargate ({launch}), where an awsvpc task gets no public IP; a task without a public IP cannot "
                    "use an internet gateway"),
                    "Run the tasks in private subnets routed to a NAT gateway, or give them VPC endpoints "
                    "(networkConfiguration.assignPublicIp applies to Fargate only)", 2)
            if is_unknown(self.public_ip):
                return Leg(Unsure.of(f"{self.runner.label} networkConfiguration.assignPublicIp (unknown)"))
            if self.public_ip is not True:
                return Leg(False, (
                    f"{table} routes 0.0.0.0/0 to an internet gateway, but {self.runner.label} "
                    f"networkConfiguration.assignPublicIp is {_show(self.public_ip)}; a task without a public IP "
                    "cannot use an internet gateway"),
                    "Set networkConfiguration.assignPublicIp to true, or run the tasks in private subnets routed "
                    "to a NAT gateway", 2)
            return self._egress_to_internet()
        if route.target == "nat":
            return self._through_nat(route)
        if route.target == "other":
            return Leg(Unsure.of(f"{table} routes 0.0.0.0/0 to {route.target_value}; where that traffic leaves "
                                 "the network is outside what the pack can see"))
        return Leg(False, f"{table} routes 0.0.0.0/0 to {route.target_value}, which does not lead to the internet",
                   "Route 0.0.0.0/0 to a NAT gateway in a public subnet", 1)

    def _through_nat(self, route) -> Leg:
        nat = route.nat
        if isinstance(nat, Unsure):
            return Leg(nat)
        if is_unknown(nat.connectivity):
            return Leg(Unsure.of(f"{nat.label} connectivityType (unknown)"))
        if nat.connectivity == "private":
            return Leg(False, f"{self.route_table.label} routes 0.0.0.0/0 to {nat.label}, whose connectivityType "
                              "is 'private'; a private NAT gateway does not reach the internet",
                       "Route 0.0.0.0/0 to a public NAT gateway", 2)
        if isinstance(nat.state, str) and nat.state != "available":
            return Leg(False, f"{nat.label} is in state '{nat.state}'; it must be 'available'",
                       "Use an available NAT gateway", 2)
        if nat.subnet is None:
            return Leg(Unsure.of(f"{nat.label} subnetId (missing or unresolved)"))
        if isinstance(nat.subnet, Unsure):
            return Leg(nat.subnet)
        nat_table = self.network.route_table_of(nat.subnet)
        if isinstance(nat_table, Unsure):
            return Leg(nat_table)
        nat_route = _default_route(nat_table)
        if isinstance(nat_route, Unsure):
            return Leg(nat_route)
        if nat_route is None or nat_route.target != "igw":
            if nat_route is not None and isinstance(nat_route.target, Unsure):
                return Leg(nat_route.target)
            return Leg(False, (
                f"{self.route_table.label} routes 0.0.0.0/0 to {nat.label}, but the NAT gateway's "
                f"{nat.subnet.label} has no default route to an internet gateway ({nat_table.label})"),
                "Place the NAT gateway in a public subnet whose route table sends 0.0.0.0/0 to an internet gateway",
                2)
        if isinstance(nat.subnet.vpc, Unsure):
            return Leg(nat.subnet.vpc)
        detached = self._detached(nat_route, nat.subnet.vpc, (
            f"{self.route_table.label} routes 0.0.0.0/0 to {nat.label}, but the NAT gateway's {nat.subnet.label} "
            f"routes 0.0.0.0/0 ({nat_table.label}) to"))
        if detached is not None:
            return detached
        return self._egress_to_internet()

    def _detached(self, route, vpc_key: str, lead: str) -> Leg | None:
        """None when the route's internet gateway is attached to the VPC; else the broken or unsure leg."""
        attached = self.network.gateway_attached(route.gateway, vpc_key)
        if attached is True:
            return None
        if isinstance(attached, Unsure):
            return Leg(attached)
        gateway = self.network.internet_gateway(route.gateway)
        vpc = self.network.vpc_label(vpc_key)
        elsewhere = and_joined([self.network.vpc_label(k) for k in gateway.vpcs]) if gateway.vpcs else "no VPC"
        return Leg(False, f"{lead} {gateway.label}, which is not attached to {vpc} (it is attached to {elsewhere})",
                   f"Attach {gateway.label} to {vpc} (its vpcId, or an InternetGatewayAttachment), or route "
                   f"0.0.0.0/0 to the internet gateway of {vpc}", 2)

    def _egress_to_internet(self) -> Leg:
        answers = []
        for group in self.groups:
            if isinstance(group, Unsure):
                answers.append(group)
                continue
            for rule in group.egress:
                port = allows_port(rule, HTTPS, f"{group.label} egress")
                destinations = []
                for cidr in rule.cidrs:
                    if is_unknown(cidr):
                        destinations.append(Unsure.of(f"{group.label} egress (an unknown CIDR)"))
                    elif cidr == ANYWHERE:
                        destinations.append(True)
                    elif is_public_cidr(cidr):
                        destinations.append(Unsure.of(
                            f"{group.label} egress to {cidr} (whether it covers the service's addresses)"))
                answers.append(all_of([port, any_of(destinations)]))
            if group.unsure:
                answers.append(Unsure(group.unsure))
        ok = any_of(answers)
        if ok is False:
            return Leg(False, f"the task security groups ({self.group_labels}) allow no outbound TCP 443 to "
                              "0.0.0.0/0",
                       "Add an egress rule for TCP 443 to 0.0.0.0/0 to the task security group", 2)
        return Leg(ok)

    # VPC endpoints

    def interface_endpoint(self, endpoint: Endpoint, vpc_key: str) -> Leg:
        if isinstance(endpoint.state, str) and endpoint.state.lower() != "available":
            return Leg(False, f"{endpoint.label} is in state '{endpoint.state}'; it must be 'available'",
                       "Accept or recreate the endpoint until its state is available", 3)
        vpc = self.network.vpc(vpc_key)
        for attribute in ("enableDnsHostnames", "enableDnsSupport"):
            value = self.network.dns_attribute(vpc, attribute)
            if isinstance(value, Unsure):
                return Leg(value)
            if is_unknown(value):
                return Leg(Unsure.of(f"{vpc.label} {attribute} (unknown)"))
            if value is not True:
                return Leg(False, (f"{vpc.label} has {attribute} {_show(value)}; the private DNS names of its "
                                   "interface endpoints need enableDnsHostnames and enableDnsSupport true"),
                           f"Set {attribute} to true on the VPC", 3)
        if not endpoint.subnets:
            return Leg(False, f"{endpoint.label} has no subnet, so it has no network interface to answer on",
                       "Add the task subnets to the endpoint's subnetIds", 3)
        egress = self._egress_to_endpoint(endpoint, vpc_key)
        if egress is False:
            return Leg(False, (f"the task security groups ({self.group_labels}) allow no outbound TCP 443 to "
                               f"{endpoint.label}"),
                       "Add an egress rule for TCP 443 to the endpoint's security group", 3)
        ingress = self._ingress_from_tasks(endpoint, vpc_key)
        if ingress is False:
            labels = ", ".join(g.label for g in self._endpoint_groups(endpoint, vpc_key) if isinstance(g, SecurityGroup))
            return Leg(False, (f"the security groups of {endpoint.label} ({labels or 'none'}) admit no inbound "
                               f"TCP 443 from the task security groups ({self.group_labels})"),
                       "Add an ingress rule for TCP 443 from the task security group to the endpoint's security "
                       "group", 3)
        return Leg(all_of([egress, ingress]))

    def _endpoint_groups(self, endpoint: Endpoint, vpc_key: str) -> list[SecurityGroup | Unsure]:
        keys = endpoint.security_groups or [self.network.default_group_of(vpc_key)]
        return [self.network.security_group(k) for k in keys]

    def _egress_to_endpoint(self, endpoint: Endpoint, vpc_key: str) -> Tri:
        endpoint_keys = {g.key for g in self._endpoint_groups(endpoint, vpc_key) if isinstance(g, SecurityGroup)}
        answers: list[Tri] = [g for g in self._endpoint_groups(endpoint, vpc_key) if isinstance(g, Unsure)]
        for group in self.groups:
            if isinstance(group, Unsure):
                answers.append(group)
                continue
            for rule in group.egress:
                where = f"{group.label} egress"
                destinations: list[Tri] = [_peer_in(peer, endpoint_keys) for peer in rule.peers]
                for cidr in rule.cidrs:
                    destinations.append(all_of(
                        [cidr_covers(cidr, s.cidr if isinstance(s, Subnet) else None, where)
                         if not isinstance(s, Unsure) else s for s in endpoint.subnets]))
                answers.append(all_of([allows_port(rule, HTTPS, where), any_of(destinations)]))
            if group.unsure:
                answers.append(Unsure(group.unsure))
        return any_of(answers)

    def _ingress_from_tasks(self, endpoint: Endpoint, vpc_key: str) -> Tri:
        task_keys = {g.key for g in self.groups if isinstance(g, SecurityGroup)}
        answers: list[Tri] = [g for g in self.groups if isinstance(g, Unsure)]
        for group in self._endpoint_groups(endpoint, vpc_key):
            if isinstance(group, Unsure):
                answers.append(group)
                continue
            for rule in group.ingress:
                where = f"{group.label} ingress"
                sources: list[Tri] = [_peer_in(peer, task_keys) for peer in rule.peers]
                sources += [cidr_covers(cidr, self.subnet.cidr, where) for cidr in rule.cidrs]
                answers.append(all_of([allows_port(rule, HTTPS, where), any_of(sources)]))
            if group.unsure:
                answers.append(Unsure(group.unsure))
        return any_of(answers)

    def gateway_endpoint(self, endpoint: Endpoint) -> Leg:
        answers: list[Tri] = []
        for group in self.groups:
            if isinstance(group, Unsure):
                answers.append(group)
                continue
            for rule in group.egress:
                # The gateway's prefix list is an output of the endpoint; any prefix-list
                # destination is taken as the S3 one rather than guessed at.
                destinations: list[Tri] = [True for _ in rule.prefix_lists]
                destinations += [True for cidr in rule.cidrs if cidr == ANYWHERE]
                answers.append(all_of([allows_port(rule, HTTPS, f"{group.label} egress"), any_of(destinations)]))
            if group.unsure:
                answers.append(Unsure(group.unsure))
        ok = any_of(answers)
        if ok is False:
            return Leg(False, (f"the task security groups ({self.group_labels}) allow no outbound TCP 443 to the S3 "
                               f"prefix list of {endpoint.label} or to 0.0.0.0/0"),
                       "Add an egress rule for TCP 443 to the S3 prefix list (or 0.0.0.0/0)", 3)
        return Leg(ok)


def _peer_in(peer: Any, keys: set[str]) -> Tri:
    if isinstance(peer, Unsure):
        return peer
    return peer in keys


def _show(value: Any) -> str:
    if value is None:
        return "not set"
    if isinstance(value, bool):
        return str(value).lower()
    return repr(value)


def launch_type(runner: Resource) -> str | Unsure | None:
    """How the runner's tasks are placed when it is not Fargate (text for messages); None for Fargate or unsaid."""
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


def _default_route(table: RouteTable):
    unsure: list[str] = []
    for route in table.routes:
        if is_unknown(route.destination):
            unsure.append(f"{table.label} a route destination (unknown)")
        elif route.destination == ANYWHERE:
            return route
        elif route.destination is None and isinstance(route.target, Unsure):
            unsure.extend(route.target.items)
    return Unsure(tuple(unsure)) if unsure else None


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


def evaluate_need(reach: Reach, need: Need, vpc_key: str) -> Leg:
    """The verdict for one need from one subnet: the working path, or the most relevant broken one."""
    if need.service == INTERNET:
        return reach.internet()
    endpoints, unreadable = reach.network.endpoints_in(vpc_key)
    unsure_matches = [m for e in endpoints if isinstance(m := endpoint_matches(e, need), Unsure)]
    matching = [e for e in endpoints if endpoint_matches(e, need) is True]
    interfaces = [e for e in matching if e.endpoint_type == "Interface"]
    captured = [e for e in interfaces if e.private_dns is True]
    if captured:
        return reach.interface_endpoint(captured[0], vpc_key)
    legs: list[Leg] = []
    if need.service == "s3":
        for gateway in (e for e in matching if e.endpoint_type == "Gateway"):
            associated = any_of(_peer_in(t, {reach.route_table.key}) for t in gateway.route_tables)
            if associated is True:
                return reach.gateway_endpoint(gateway)
            if isinstance(associated, Unsure):
                legs.append(Leg(associated))
            else:
                legs.append(Leg(False, f"{gateway.label} is not associated with {reach.route_table.label}",
                                f"Add {reach.route_table.label} to the routeTableIds of {gateway.label}", 3))
    for endpoint in interfaces:
        if is_unknown(endpoint.private_dns):
            legs.append(Leg(Unsure.of(f"{endpoint.label} privateDnsEnabled (unknown)")))
        else:
            legs.append(Leg(False, (f"{endpoint.label} has privateDnsEnabled {_show(endpoint.private_dns)}, so tasks "
                                    "resolve the service's public name and bypass it"),
                            f"Set privateDnsEnabled to true on {endpoint.label}", 3))
    legs.extend(Leg(Unsure.of(f"{e.label} vpcEndpointType (unknown)")) for e in matching if is_unknown(e.endpoint_type))
    legs.append(reach.internet())
    legs.extend(Leg(m) for m in unsure_matches)
    if unreadable:
        legs.append(Leg(Unsure(unreadable)))
    ok = any_of(leg.ok for leg in legs)
    if ok is not False:
        return Leg(ok)
    return max(legs, key=lambda leg: leg.weight)


def and_joined(items: Iterable[str]) -> str:
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
