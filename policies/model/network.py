"""The network an ECS task starts in, as the reachability rules read it.

Every object here comes from one of two places: a resource in the stack (identified by
its URN, found by value or, while its ID is unknown in a preview, through the graph), or
a resource outside the stack identified by its ID and described with read-only EC2 calls.
Both become the same small records, keyed by URN or ID, so the verdict code does not
care where a subnet or security group came from.

Nothing here decides "reachable". It answers questions (which route table, which
endpoints, does this group let 443 out) with True, False or `Unsure(items)`, where the
items name what could not be known and why.
"""

from __future__ import annotations

from typing import Any

from model.aws_types import (
    EC2_DEFAULT_ROUTE_TABLE,
    EC2_DEFAULT_SUBNET,
    EC2_INTERNET_GATEWAY,
    EC2_INTERNET_GATEWAY_ATTACHMENT,
    EC2_MAIN_ROUTE_TABLE_ASSOCIATION,
    EC2_NAT_GATEWAY,
    EC2_ROUTE,
    EC2_ROUTE_TABLE_ASSOCIATION,
    EC2_VPC,
    EC2_VPC_ENDPOINT,
)
from model.live_aws import LiveAws
from model.network_acls import NetworkAcls
from model.network_groups import EndpointsAndGroups
from model.network_records import (
    ROUTE_TABLES,
    SUBNETS,
    VPCS,
    Endpoint,
    InternetGateway,
    NatGateway,
    Route,
    RouteTable,
    SecurityGroup,
    Subnet,
    Tri,
    Unsure,
    Vpc,
    any_of,
    known_str,
    labels_of,
    one_or_many,
    outside,
)
from model.stack_index import Ref, StackIndex
from model.values import Resource, in_words, is_unknown

# The resource kinds a route's target property may depend on, by property.
_TARGET_KINDS = {
    "transitGatewayId": ("TransitGateway", "VpcAttachment"),
    "networkInterfaceId": ("NetworkInterface",),
    "vpcPeeringConnectionId": ("VpcPeeringConnection", "VpcPeeringConnectionAccepter"),
    "egressOnlyGatewayId": ("EgressOnlyInternetGateway",),
    "vpcEndpointId": ("VpcEndpoint",),
    "instanceId": ("Instance",),
    "carrierGatewayId": ("CarrierGateway",),
    "localGatewayId": ("LocalGateway",),
}


class Network(EndpointsAndGroups, NetworkAcls):
    """Answers network questions about one stack, looking outside it through `live`."""

    def __init__(self, index: StackIndex, live: LiveAws):
        self.index = index
        self.live = live
        self._subnets: dict[str, Subnet | Unsure] = {}
        self._route_tables: dict[str, RouteTable | Unsure] = {}
        self._groups: dict[str, SecurityGroup | Unsure] = {}
        self._endpoints: dict[str, tuple[list[Endpoint], tuple[str, ...]]] = {}
        self._gateways: dict[str, InternetGateway | Unsure] = {}
        self._acls: dict = {}

    # identity ---------------------------------------------------------------------------

    def key_of(self, ref: Ref, kind: str, owner: Resource, prop: str) -> str | Unsure:
        """URN for a resource in the stack, the ID for one outside it, Unsure otherwise."""
        if ref.resource is not None:
            return ref.resource.urn
        if known_str(ref.value):
            return ref.value
        if not is_unknown(ref.value):
            return Unsure.of(f"{owner.label} {prop} ({kind}: {in_words(ref.value)} is not an ID)")
        return Unsure.of(f"{owner.label} {prop} ({kind}: an unknown value that no resource in the stack supplies)")

    def id_key(self, value: Any, types: Any) -> str | None:
        """The key of a known ID: the URN of the stack resource that has it, else the ID."""
        if not known_str(value):
            return None
        matches = self.index.match(value, types)
        return matches[0].urn if matches else value

    def keys(self, owner: Resource, prop: str, value: Any, types: Any, kind: str) -> list[str | Unsure]:
        if is_unknown(value) and not self.index.dependencies_of_type(owner, prop, types):
            return [Unsure.of(f"{owner.label} {prop} (unknown {kind}s)")]
        return [self.key_of(ref, kind, owner, prop) for ref in self.index.refs(owner, prop, value, types)]

    def _lookup(self, what: str, operation: str, **params: Any) -> dict | Unsure:
        answer = self.live.call("ec2", operation, **params)
        if not answer.ok:
            return Unsure.of(f"{what}: {answer.reason}")
        return answer.data

    # VPCs -------------------------------------------------------------------------------

    def vpc(self, key: str) -> Vpc:
        resource = self.index.get(key)
        if resource is None:
            return Vpc(key, outside("VPC", key), None)
        if resource.type == EC2_VPC:
            # A new VPC has DNS support on and DNS host names off unless the program says so.
            hostnames = resource.get("enableDnsHostnames")
            support = resource.get("enableDnsSupport")
            return Vpc(key, resource.label, resource,
                       False if hostnames is None else hostnames, True if support is None else support)
        return Vpc(key, resource.label, resource)

    def dns_attribute(self, vpc: Vpc, attribute: str) -> Any:
        """enableDnsHostnames or enableDnsSupport: from the program, else asked of AWS (Unsure if it cannot be)."""
        if vpc.resource is not None:
            return vpc.dns_hostnames if attribute == "enableDnsHostnames" else vpc.dns_support
        what = f"{vpc.label} {attribute}"
        data = self._lookup(what, "describe_vpc_attribute", VpcId=vpc.key, Attribute=attribute)
        if isinstance(data, Unsure):
            return data
        # The answer names the attribute with a capital first letter: {"EnableDnsSupport": {"Value": true}}.
        value = (data.get(attribute[0].upper() + attribute[1:]) or {}).get("Value")
        return value if isinstance(value, bool) else Unsure.of(f"{what}: no value in the answer")

    def vpc_label(self, key: str | Unsure) -> str:
        if isinstance(key, Unsure):
            return "; ".join(key.items)
        resource = self.index.get(key)
        return resource.label if resource is not None else outside("VPC", key)

    # subnets ----------------------------------------------------------------------------

    def subnet(self, key: str | Unsure) -> Subnet | Unsure:
        if isinstance(key, Unsure):
            return key
        if key not in self._subnets:
            resource = self.index.get(key)
            self._subnets[key] = self._subnet_in_stack(resource) if resource else self._subnet_outside(key)
        return self._subnets[key]

    def _subnet_in_stack(self, resource: Resource) -> Subnet:
        vpc_keys = self.keys(resource, "vpcId", resource.get("vpcId"), VPCS, "VPC")
        vpc: str | Unsure = vpc_keys[0] if vpc_keys else Unsure.of(f"{resource.label} vpcId (missing)")
        if resource.type == EC2_DEFAULT_SUBNET and resource.get("vpcId") is None:
            vpc = Unsure.of(f"{resource.label} vpcId (the default VPC, known after update)")
        zone = resource.get("availabilityZone")
        if zone is None:
            zone = resource.get("availabilityZoneId")
        return Subnet(resource.urn, resource.label, vpc, zone, resource.get("cidrBlock"), resource)

    def _subnet_outside(self, subnet_id: str) -> Subnet | Unsure:
        what = outside("subnet", subnet_id)
        data = self._lookup(what, "describe_subnets", SubnetIds=[subnet_id])
        if isinstance(data, Unsure):
            return data
        found = data.get("Subnets") or []
        if not found:
            return Unsure.of(f"{what}: not found")
        item = found[0]
        vpc = self.id_key(item.get("VpcId"), VPCS) or Unsure.of(f"{what}: no VPC in the answer")
        return Subnet(subnet_id, what, vpc, item.get("AvailabilityZone"), item.get("CidrBlock"))

    # route tables -----------------------------------------------------------------------

    def route_table_of(self, subnet: Subnet) -> RouteTable | Unsure:
        """The table the subnet uses: its explicit association, else its VPC's main table."""
        associations = [
            a for a in self.index.of_type(EC2_ROUTE_TABLE_ASSOCIATION) if self._refers_to(a, "subnetId", subnet, SUBNETS)
        ]
        if associations:
            association = associations[0]
            keys = self.keys(association, "routeTableId", association.get("routeTableId"), ROUTE_TABLES, "route table")
            return self.route_table(keys[0] if keys else Unsure.of(f"{association.label} routeTableId (missing)"))
        if subnet.resource is None:
            what = f"the route table of {subnet.label}"
            data = self._lookup(what, "describe_route_tables",
                                Filters=[{"Name": "association.subnet-id", "Values": [subnet.key]}])
            if isinstance(data, Unsure):
                return data
            tables = data.get("RouteTables") or []
            if tables:
                return self._route_table_from_answer(tables[0])
        if isinstance(subnet.vpc, Unsure):
            return subnet.vpc
        return self.main_route_table(subnet.vpc)

    def _refers_to(self, owner: Resource, prop: str, target: Subnet, types: Any) -> bool:
        value = owner.get(prop)
        if target.resource is not None:
            return any(ref.resource is target.resource for ref in self.index.refs(owner, prop, value, types))
        return value == target.key

    def main_route_table(self, vpc_key: str) -> RouteTable | Unsure:
        vpc = self.vpc(vpc_key)
        for main in self.index.of_type(EC2_MAIN_ROUTE_TABLE_ASSOCIATION):
            if self._vpc_matches(main, vpc):
                keys = self.keys(main, "routeTableId", main.get("routeTableId"), ROUTE_TABLES, "route table")
                return self.route_table(keys[0] if keys else Unsure.of(f"{main.label} routeTableId (missing)"))
        for default in self.index.of_type(EC2_DEFAULT_ROUTE_TABLE):
            if self._default_table_of(default, vpc):
                return self.route_table(default.urn)
        if vpc.resource is not None and vpc.resource.type == EC2_VPC:
            # A VPC created here starts with a main table holding only the local route; aws.ec2.Route
            # resources on vpc.main_route_table_id (or default_route_table_id, the same table) add to it.
            return RouteTable(f"{vpc.key}#main", f"the main route table of {vpc.label}",
                              self._separate_routes(lambda route: self._on_main_table(route, vpc.resource)),
                              implicit=True)
        vpc_id = vpc.key if vpc.resource is None else vpc.resource.get("id")
        if not known_str(vpc_id):
            return Unsure.of(f"the main route table of {vpc.label} (its ID is known after update)")
        what = f"the main route table of {outside('VPC', vpc_id)}"
        data = self._lookup(what, "describe_route_tables", Filters=[
            {"Name": "vpc-id", "Values": [vpc_id]}, {"Name": "association.main", "Values": ["true"]}])
        if isinstance(data, Unsure):
            return data
        tables = data.get("RouteTables") or []
        if not tables:
            return Unsure.of(f"{what}: not found")
        return self._route_table_from_answer(tables[0])

    def _on_main_table(self, route: Resource, vpc: Resource) -> bool:
        if vpc.urn in route.property_dependencies.get("routeTableId", []):
            return True
        value = route.get("routeTableId")
        return known_str(value) and value in (vpc.get("mainRouteTableId"), vpc.get("defaultRouteTableId"))

    def _vpc_matches(self, owner: Resource, vpc: Vpc) -> bool:
        value = owner.get("vpcId")
        if vpc.resource is not None:
            return any(ref.resource is vpc.resource for ref in self.index.refs(owner, "vpcId", value, VPCS))
        return value == vpc.key

    def _default_table_of(self, default: Resource, vpc: Vpc) -> bool:
        if vpc.resource is not None:
            if vpc.resource.urn in default.property_dependencies.get("defaultRouteTableId", []):
                return True
            value = default.get("defaultRouteTableId")
            return known_str(value) and value in (
                vpc.resource.get("defaultRouteTableId"), vpc.resource.get("mainRouteTableId"))
        return default.get("vpcId") == vpc.key

    def route_table(self, key: str | Unsure) -> RouteTable | Unsure:
        if isinstance(key, Unsure):
            return key
        if key not in self._route_tables:
            resource = self.index.get(key)
            if resource is not None:
                self._route_tables[key] = self._route_table_in_stack(resource)
            else:
                what = outside("route table", key)
                data = self._lookup(what, "describe_route_tables", RouteTableIds=[key])
                if isinstance(data, Unsure):
                    self._route_tables[key] = data
                elif not data.get("RouteTables"):
                    self._route_tables[key] = Unsure.of(f"{what}: not found")
                else:
                    self._route_tables[key] = self._route_table_from_answer(data["RouteTables"][0])
        return self._route_tables[key]

    def _route_table_in_stack(self, resource: Resource) -> RouteTable:
        routes: list[Route] = []
        inline = resource.get("routes")
        if is_unknown(inline):
            routes.append(Route(None, Unsure.of(f"{resource.label} routes (unknown)")))
        for item in one_or_many(inline):
            if isinstance(item, dict):
                routes.append(self._route_in_stack(resource, "routes", item, item.get("cidrBlock")))
            elif is_unknown(item):
                routes.append(Route(None, Unsure.of(f"{resource.label} routes (an unknown route)")))
        routes.extend(self._separate_routes(lambda route: any(
            ref.resource is resource for ref in self.index.refs(route, "routeTableId", route.get("routeTableId"),
                                                                ROUTE_TABLES))))
        return RouteTable(resource.urn, resource.label, routes)

    def _separate_routes(self, belongs) -> list[Route]:
        return [
            self._route_in_stack(route, None, route.props, route.get("destinationCidrBlock"))
            for route in self.index.of_type(EC2_ROUTE)
            if belongs(route)
        ]

    def _route_in_stack(self, owner: Resource, prop: str | None, route: dict, destination: Any) -> Route:
        if route.get("destinationPrefixListId") is not None and destination is None:
            destination = route.get("destinationPrefixListId")
        nat_value = route.get("natGatewayId")
        if nat_value is not None:
            keys = self.keys(owner, prop or "natGatewayId", nat_value, EC2_NAT_GATEWAY, "NAT gateway")
            key = keys[0] if keys else Unsure.of(f"{owner.label} natGatewayId (unresolved)")
            return Route(destination, "nat", nat_value, self.nat(key))
        gateway = route.get("gatewayId")
        if gateway is not None:
            if known_str(gateway):
                kind = self._gateway_kind(gateway)
                return Route(destination, kind, gateway,
                             gateway=self.id_key(gateway, EC2_INTERNET_GATEWAY) if kind == "igw" else None)
            prop = prop or "gatewayId"
            gateways = self.index.dependencies_of_type(owner, prop, EC2_INTERNET_GATEWAY)
            if not gateways:
                # gateway_id=attachment.internet_gateway_id: the attachment names the gateway.
                for attachment in self.index.dependencies_of_type(owner, prop, EC2_INTERNET_GATEWAY_ATTACHMENT):
                    gateways += [ref.resource for ref in self.index.refs(
                        attachment, "internetGatewayId", attachment.get("internetGatewayId"), EC2_INTERNET_GATEWAY)
                        if ref.resource is not None and ref.resource not in gateways]
            if len(gateways) == 1:
                return Route(destination, "igw", gateway, gateway=gateways[0].urn)
            if gateways:
                return Route(destination, "igw", gateway, gateway=Unsure.of(
                    f"{owner.label} {prop} (unknown; {labels_of(gateways)} could each supply it)"))
            if self.index.dependencies_of_type(owner, prop, EC2_VPC_ENDPOINT):
                return Route(destination, "vpce", gateway)
            return Route(destination, Unsure.of(f"{owner.label} gatewayId (unknown, no gateway in the stack supplies it)"))
        for other in ("transitGatewayId", "networkInterfaceId", "vpcPeeringConnectionId", "egressOnlyGatewayId",
                      "vpcEndpointId", "localGatewayId", "carrierGatewayId", "coreNetworkArn"):
            if route.get(other) is not None:
                return Route(destination, "other", self._target_text(owner, prop or other, other, route.get(other)))
        if route.get("instanceId") is not None:  # older providers route to an instance directly
            return Route(destination, "other", self._target_text(owner, prop or "instanceId", "instanceId",
                                                                 route.get("instanceId")))
        return Route(destination, "other", "a target the pack does not recognise")

    def _target_text(self, owner: Resource, prop: str, field: str, value: Any) -> str:
        """How a message names a route's target: the stack resource behind it, else the ID."""
        resources = [self.index.get(urn) for urn in owner.property_dependencies.get(prop, [])]
        named = [r for r in resources if r is not None and r.type.split(":")[-1] in _TARGET_KINDS.get(field, ())]
        if named:
            shown = f" {in_words(value)}" if known_str(value) else ""
            return f"{named[0].label} ({field}{shown})"
        return f"{field} {in_words(value)}"

    def _gateway_kind(self, gateway: str) -> str:
        if gateway == "local":
            return "local"
        if gateway.startswith("igw-") or self.index.match(gateway, EC2_INTERNET_GATEWAY):
            return "igw"
        if gateway.startswith("vpce-") or self.index.match(gateway, EC2_VPC_ENDPOINT):
            return "vpce"
        return "other"

    def _route_table_from_answer(self, table: dict) -> RouteTable:
        table_id = table.get("RouteTableId", "")
        routes = []
        for item in table.get("Routes") or []:
            destination = item.get("DestinationCidrBlock") or item.get("DestinationPrefixListId")
            if item.get("State") == "blackhole":
                # The target is gone (a deleted NAT gateway, a detached gateway): AWS drops the traffic.
                target = next((f"{k} '{v}'" for k, v in item.items() if k.endswith("Id") and isinstance(v, str)
                               and k not in ("DestinationPrefixListId",)), "a target that no longer exists")
                routes.append(Route(destination, "blackhole", target))
            elif item.get("NatGatewayId"):
                routes.append(Route(destination, "nat", item["NatGatewayId"], self.nat(self.id_key(
                    item["NatGatewayId"], EC2_NAT_GATEWAY))))
            elif item.get("GatewayId"):
                kind = self._gateway_kind(item["GatewayId"])
                routes.append(Route(destination, kind, item["GatewayId"], gateway=self.id_key(
                    item["GatewayId"], EC2_INTERNET_GATEWAY) if kind == "igw" else None))
            else:
                target = next((f"{k} '{v}'" for k, v in item.items() if k.endswith("Id") and k != "GatewayId"
                               and isinstance(v, str)), None)
                routes.append(Route(destination, "other", target))
        routes.extend(self._separate_routes(lambda route: route.get("routeTableId") == table_id))
        return RouteTable(table_id, outside("route table", table_id), routes)

    # internet gateways -----------------------------------------------------------------

    def internet_gateway(self, key: str | Unsure) -> InternetGateway | Unsure:
        """The gateway with the VPCs its vpcId, the stack's attachment resources or AWS attach it to."""
        if isinstance(key, Unsure):
            return key
        if key not in self._gateways:
            resource = self.index.get(key)
            vpcs: list[str | Unsure] = []
            if resource is not None:
                label = resource.label
                if resource.get("vpcId") is not None:
                    vpcs += self.keys(resource, "vpcId", resource.get("vpcId"), VPCS, "VPC")
            else:
                label = outside("internet gateway", key)
                vpcs += self._gateway_vpcs_outside(key, label)
            for attachment in self.index.of_type(EC2_INTERNET_GATEWAY_ATTACHMENT):
                refers = self._attaches(attachment, key, resource)
                if refers is True:
                    vpcs += self.keys(attachment, "vpcId", attachment.get("vpcId"), VPCS, "VPC")
                elif isinstance(refers, Unsure):
                    vpcs.append(refers)
            self._gateways[key] = InternetGateway(key, label, vpcs)
        return self._gateways[key]

    def _gateway_vpcs_outside(self, gateway_id: str, what: str) -> list[str | Unsure]:
        data = self._lookup(what, "describe_internet_gateways", InternetGatewayIds=[gateway_id])
        if isinstance(data, Unsure):
            return [data]
        found = data.get("InternetGateways") or []
        if not found:
            return [Unsure.of(f"{what}: not found")]
        # EC2 reports an attached gateway's attachment state as "available".
        return [self.id_key(a.get("VpcId"), VPCS) or Unsure.of(f"{what}: an attachment without a VPC")
                for a in found[0].get("Attachments") or [] if a.get("State") in ("available", "attached")]

    def _attaches(self, attachment: Resource, key: str, gateway: Resource | None) -> Tri:
        value = attachment.get("internetGatewayId")
        if gateway is None:
            if is_unknown(value) and not self.index.dependencies_of_type(attachment, "internetGatewayId",
                                                                         EC2_INTERNET_GATEWAY):
                return Unsure.of(f"{attachment.label} internetGatewayId (unknown, no internet gateway in the stack "
                                 "supplies it)")
            return value == key
        refs = self.index.refs(attachment, "internetGatewayId", value, EC2_INTERNET_GATEWAY)
        if any(ref.resource is gateway for ref in refs):
            return True
        if any(ref.resource is None and is_unknown(ref.value) for ref in refs):
            return Unsure.of(f"{attachment.label} internetGatewayId (unknown, no internet gateway in the stack "
                             "supplies it)")
        return False

    def gateway_attached(self, key: str | Unsure | None, vpc_key: str) -> Tri:
        """Whether the internet gateway a route points at is attached to the VPC the traffic starts in."""
        if key is None:
            return Unsure.of("the internet gateway of a default route (unresolved)")
        gateway = self.internet_gateway(key)
        if isinstance(gateway, Unsure):
            return gateway
        return any_of(v if isinstance(v, Unsure) else v == vpc_key for v in gateway.vpcs)

    # NAT gateways -----------------------------------------------------------------------

    def nat(self, key: str | Unsure) -> NatGateway | Unsure:
        if isinstance(key, Unsure):
            return key
        resource = self.index.get(key)
        if resource is not None:
            subnet_keys = self.keys(resource, "subnetId", resource.get("subnetId"), SUBNETS, "subnet")
            subnet = self.subnet(subnet_keys[0]) if subnet_keys else None
            connectivity = resource.get("connectivityType")
            # The provider's default connectivityType is "public".
            return NatGateway(resource.urn, resource.label, "public" if connectivity is None else connectivity,
                              "available", subnet)
        what = outside("NAT gateway", key)
        data = self._lookup(what, "describe_nat_gateways", NatGatewayIds=[key])
        if isinstance(data, Unsure):
            return data
        found = data.get("NatGateways") or []
        if not found:
            return Unsure.of(f"{what}: not found")
        item = found[0]
        subnet_key = self.id_key(item.get("SubnetId"), SUBNETS)
        return NatGateway(key, what, item.get("ConnectivityType") or "public", item.get("State"),
                          self.subnet(subnet_key) if subnet_key else None)
