"""The paths from a task's subnet to what it needs at start.

For every awsvpc task launch, every subnet it runs tasks in, and every AWS service the task
needs before its containers start, one of these paths must work:
- a public IP on the task (Fargate only) plus routes to an internet gateway attached to the VPC;
- routes to a public NAT gateway that itself sits in a subnet routed to an attached internet
  gateway;
- an interface VPC endpoint (private DNS on, security groups passing 443 both ways, the
  network ACLs of both subnets passing the request and the reply, its policy allowing the calls);
- for S3, a gateway endpoint on the subnet's route table (and its policy allowing the layer download).
"Routes" means every route that wins, by longest prefix, for some public address; the task
subnet's network ACL (and the NAT gateway's subnet's) must pass the packets on the way out and back.
An interface endpoint with private DNS on captures the service's name for the whole VPC,
so when one exists it is the only path: a NAT gateway does not rescue a broken endpoint.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from model.network import Network
from model.network_crossings import judge_crossings, through_nat, to_endpoint_subnet, to_public
from model.network_endpoint_policies import PRESIGNED, Caller, evaluate_endpoint_policy
from model.network_legs import Leg, by_target, combine, endpoint_matches, launch_type, same_prefix_list
from model.network_needs import INTERNET, Need
from model.network_records import (
    ANYWHERE,
    HTTPS,
    Endpoint,
    Route,
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
from model.network_routes import destinations_of, internet_routes, within_vpc_detour
from model.values import Resource, in_words, is_unknown


class Reach:
    """Evaluates the paths from one runner's tasks in one subnet."""

    def __init__(self, network: Network, runner: Resource, subnet: Subnet, route_table: RouteTable,
                 groups: list[SecurityGroup | Unsure], public_ip: Any, caller: Caller | None = None,
                 label: str | None = None, fargate: bool | None = None):
        self.network = network
        self.runner = runner
        self.label = label or runner.label
        self.fargate = fargate
        self.caller = caller
        self.subnet = subnet
        self.route_table = route_table
        self.groups = groups
        self.public_ip = public_ip

    @property
    def group_labels(self) -> str:
        return ", ".join(g.label for g in self.groups if isinstance(g, SecurityGroup)) or "none"

    # the internet, directly or through NAT

    def internet(self) -> Leg:
        """Every route that wins for some public address must lead out, and the packets must pass
        the task security groups and the network ACLs on the way."""
        routes = internet_routes(self.route_table)
        if isinstance(routes, Unsure):
            return Leg(routes)
        legs = [self._route_leg(group) for group in by_target(routes)]
        ok = combine(legs, self.route_table.label)
        if ok.ok is False:
            return ok
        # A route that may work is judged with what the packets meet on the way: a security group
        # or network ACL that drops them fails the path whatever the route does.
        crossings = to_public(self.subnet)
        for route in routes:
            nat = route.nat if route is not None and route.target == "nat" else None
            if nat is not None and not isinstance(nat, Unsure) and isinstance(nat.subnet, Subnet):
                crossings += through_nat(self.subnet, nat.subnet)
        egress = self._egress_to_internet()
        if egress.ok is False:
            return egress
        acl_ok, problem, fix = judge_crossings(self.network, crossings)
        if acl_ok is False:
            return Leg(False, problem, fix, 2)
        return Leg(all_of([ok.ok, egress.ok, acl_ok]))

    def _route_leg(self, routes: list[Route] | None) -> Leg:
        """Whether the routes (one target) lead to the internet; security groups and ACLs come after."""
        table = self.route_table.label
        if routes is None:
            return Leg(False, f"{table} has no default route (0.0.0.0/0) to a NAT gateway or an internet gateway",
                       "Add a 0.0.0.0/0 route to a NAT gateway in a public subnet", 0)
        route, destination = routes[0], destinations_of(routes)
        if isinstance(route.target, Unsure):
            return Leg(route.target)
        if route.target == "igw":
            return self._direct(route, destination)
        if route.target == "nat":
            return self._through_nat(route, destination)
        if route.target == "blackhole":
            return Leg(False, f"{table} routes {destination} to {route.target_value}, a blackhole route (its target "
                              "no longer exists)", f"Point the {destination} route at a NAT gateway in a public subnet", 2)
        if route.target == "other":
            return Leg(Unsure.of(f"{table} routes {destination} to {route.target_value}; where that traffic leaves "
                                 "the network is outside what the pack can see"))
        return Leg(False, f"{table} routes {destination} to {route.target_value}, which does not lead to the internet",
                   f"Route {destination} to a NAT gateway in a public subnet", 1)

    def _direct(self, route: Route, destination: str) -> Leg:
        table = self.route_table.label
        detached = self._detached(route, self.subnet.vpc, f"{table} routes {destination} to")
        if detached is not None:
            return detached
        launch = launch_type(self.runner, self.fargate, self.label)
        if isinstance(launch, Unsure):
            return Leg(launch)
        if launch is not None:
            return Leg(False, (
                f"{table} routes {destination} to an internet gateway, but {self.label} runs its tasks outside "
                f"Fargate ({launch}), where an awsvpc task gets no public IP; a task without a public IP cannot "
                "use an internet gateway"),
                "Run the tasks in private subnets routed to a NAT gateway, or give them VPC endpoints "
                "(networkConfiguration.assignPublicIp applies to Fargate only)", 2)
        if is_unknown(self.public_ip):
            return Leg(Unsure.of(f"{self.label} networkConfiguration.assignPublicIp (unknown)"))
        if self.public_ip is not True:
            return Leg(False, (
                f"{table} routes {destination} to an internet gateway, but {self.label} "
                f"networkConfiguration.assignPublicIp is {in_words(self.public_ip)}; a task without a public IP "
                "cannot use an internet gateway"),
                "Set networkConfiguration.assignPublicIp to true, or run the tasks in private subnets routed "
                "to a NAT gateway", 2)
        return Leg(True)

    def _through_nat(self, route: Route, destination: str) -> Leg:
        nat = route.nat
        table = self.route_table.label
        if isinstance(nat, Unsure):
            return Leg(nat)
        if is_unknown(nat.connectivity):
            return Leg(Unsure.of(f"{nat.label} connectivityType (unknown)"))
        if nat.connectivity == "private":
            return Leg(False, f"{table} routes {destination} to {nat.label}, whose connectivityType "
                              "is 'private'; a private NAT gateway does not reach the internet",
                       f"Route {destination} to a public NAT gateway", 2)
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
        nat_routes = internet_routes(nat_table)
        if isinstance(nat_routes, Unsure):
            return Leg(nat_routes)
        for nat_route in nat_routes:
            if nat_route is not None and isinstance(nat_route.target, Unsure):
                return Leg(nat_route.target)
            if nat_route is None or nat_route.target != "igw":
                return Leg(False, (
                    f"{table} routes {destination} to {nat.label}, but the NAT gateway's "
                    f"{nat.subnet.label} has no default route to an internet gateway ({nat_table.label})"),
                    "Place the NAT gateway in a public subnet whose route table sends 0.0.0.0/0 to an internet "
                    "gateway", 2)
        if isinstance(nat.subnet.vpc, Unsure):
            return Leg(nat.subnet.vpc)
        for nat_route in nat_routes:
            detached = self._detached(nat_route, nat.subnet.vpc, (
                f"{table} routes {destination} to {nat.label}, but the NAT gateway's {nat.subnet.label} "
                f"routes {nat_route.destination} ({nat_table.label}) to"))
            if detached is not None:
                return detached
        return Leg(True)

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
                return Leg(False, (f"{vpc.label} has {attribute} {in_words(value)}; the private DNS names of its "
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
        crossings = [c for s in endpoint.subnets if isinstance(s, Subnet) for c in to_endpoint_subnet(self.subnet, s)]
        acl_ok, problem, fix = judge_crossings(self.network, crossings)
        if acl_ok is False:
            return Leg(False, problem, fix, 3)
        unsure_subnets = [s for s in endpoint.subnets if isinstance(s, Unsure)]
        detours = [within_vpc_detour(self.route_table, s) for s in endpoint.subnets if isinstance(s, Subnet)
                   and s.key != self.subnet.key]
        return Leg(all_of([egress, ingress, acl_ok, *unsure_subnets, *detours]))

    def endpoint_policy(self, endpoint: Endpoint, need: Need, vpc_key: str) -> Leg:
        """The endpoint's policy on every call the task makes through it."""
        if not need.calls or endpoint.policy in (None, ""):
            return Leg(True)  # no policy: the endpoint's default policy allows full access
        s3_layers = need.service == "s3"
        caller = PRESIGNED if s3_layers else self.caller or Caller(None, None, "the task's execution role")
        context: dict[str, Any] = {}
        if not s3_layers:
            context = {"aws:PrincipalArn": caller.role_arn, "aws:PrincipalAccount": caller.account,
                       "aws:PrincipalType": "AssumedRole"}
        vpc = self.network.vpc(vpc_key)
        vpc_id = vpc.key if vpc.resource is None else vpc.resource.get("id")
        context["aws:SourceVpc"] = vpc_id
        context["aws:SourceVpce"] = endpoint.endpoint_id
        context = {k: v for k, v in context.items() if isinstance(v, str) and not is_unknown(v)}
        answer = evaluate_endpoint_policy(endpoint.label, endpoint.policy, list(need.calls), caller, context)
        if answer.ok is False:
            return Leg(False, answer.problem, f"Allow the call in the policy of {endpoint.label} (an endpoint "
                                              "policy must allow every call made through the endpoint)", 3)
        return Leg(answer.ok)

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
                # The gateway's prefix list is an output of the endpoint: a rule naming another
                # known prefix list does not cover S3; one not known yet is taken as the S3 one.
                destinations: list[Tri] = [same_prefix_list(p, endpoint.prefix_list_id) for p in rule.prefix_lists]
                destinations += [True for cidr in rule.cidrs if cidr == ANYWHERE]
                answers.append(all_of([allows_port(rule, HTTPS, f"{group.label} egress"), any_of(destinations)]))
            if group.unsure:
                answers.append(Unsure(group.unsure))
        ok = any_of(answers)
        if ok is False:
            return Leg(False, (f"the task security groups ({self.group_labels}) allow no outbound TCP 443 to the S3 "
                               f"prefix list of {endpoint.label} or to 0.0.0.0/0"),
                       "Add an egress rule for TCP 443 to the S3 prefix list (or 0.0.0.0/0)", 3)
        acl_ok, problem, fix = judge_crossings(self.network, to_public(self.subnet))
        if acl_ok is False:
            return Leg(False, problem, fix, 3)
        return Leg(all_of([ok, acl_ok]))


def _peer_in(peer: Any, keys: set[str]) -> Tri:
    if isinstance(peer, Unsure):
        return peer
    return peer in keys


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
        leg = reach.interface_endpoint(captured[0], vpc_key)
        return _then(leg, lambda: reach.endpoint_policy(captured[0], need, vpc_key))
    legs: list[Leg] = []
    if need.service == "s3":
        for gateway in (e for e in matching if e.endpoint_type == "Gateway"):
            associated = any_of(_peer_in(t, {reach.route_table.key}) for t in gateway.route_tables)
            if associated is True:
                leg = reach.gateway_endpoint(gateway)
                return _then(leg, lambda gateway=gateway: reach.endpoint_policy(gateway, need, vpc_key))
            if isinstance(associated, Unsure):
                legs.append(Leg(associated))
            else:
                legs.append(Leg(False, f"{gateway.label} is not associated with {reach.route_table.label}",
                                f"Add {reach.route_table.label} to the routeTableIds of {gateway.label}", 3))
    for endpoint in interfaces:
        if is_unknown(endpoint.private_dns):
            legs.append(Leg(Unsure.of(f"{endpoint.label} privateDnsEnabled (unknown)")))
        else:
            legs.append(Leg(False, (f"{endpoint.label} has privateDnsEnabled {in_words(endpoint.private_dns)}, so tasks "
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


def _then(leg: Leg, after) -> Leg:
    """The path's next check when this one does not already fail it."""
    if leg.ok is False:
        return leg
    nxt = after()
    if nxt.ok is False:
        return nxt
    return Leg(all_of([leg.ok, nxt.ok]))


def and_joined(items: Iterable[str]) -> str:
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
