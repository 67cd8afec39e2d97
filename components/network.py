"""Network: the VPC, subnets and the egress path the tasks need to reach ECR, logs and secrets.

Creates a VPC over `az_count` zones (a public and a private subnet in each) or adopts an
existing one, then adds what the egress mode needs and is missing:
- `nat`: NAT gateways in public subnets and a default route to them from the task subnets;
- `endpoints`: interface endpoints with private DNS in one task subnet per zone, their
  security group (services add the 443 rule from their own task group), and the S3
  gateway endpoint on the task subnets' route tables (image layers come from S3);
- `public`: tasks run in the public subnets with a public IP (an opt-in, see settings).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.naming import Account


@dataclass(frozen=True)
class NetworkArgs:
    account: Account
    """Partition, region and account, from invokes."""
    egress: str
    """How tasks reach AWS APIs: "endpoints", "nat" or "public". Required."""
    vpc_id: str | None = None
    """An existing VPC to adopt; default None: create one."""
    public_subnet_ids: tuple[str, ...] = ()
    """Adopted VPC only: subnets for the load balancer (and tasks when egress is public). Default ()."""
    private_subnet_ids: tuple[str, ...] = ()
    """Adopted VPC only: subnets for the tasks when egress is endpoints or nat. Default ()."""
    cidr: str = "10.0.0.0/16"
    """Created VPC only: its CIDR block; each subnet gets 1/16 of it. Default 10.0.0.0/16."""
    az_count: int = 2
    """Created VPC only: availability zones to span. Default 2."""
    nat_gateways: str = "perAz"
    """Egress nat: "perAz" (one per zone), "single", or "existing" (adopted VPC already routes). Default perAz."""
    endpoint_services: tuple[str, ...] = ("ecr.api", "ecr.dkr", "logs")
    """Egress endpoints: interface endpoints the tasks need. Default ecr.api, ecr.dkr, logs."""
    existing_endpoints: tuple[str, ...] = ()
    """Adopted VPC only: endpoints (including "s3") that already exist and are not created. Default ()."""


class Network(pulumi.ComponentResource):
    vpc_id: pulumi.Output[str]
    public_subnet_ids: pulumi.Output[list[str]]
    private_subnet_ids: pulumi.Output[list[str]]
    task_subnet_ids: pulumi.Output[list[str]]
    assign_public_ip: bool
    endpoint_security_group_id: pulumi.Output[str] | None
    internet_path: list[pulumi.Resource]
    """What an internet-facing load balancer needs first (the created VPC's gateway and route)."""
    egress: list[pulumi.Resource]
    """The tasks' path to ECR, logs and secrets (NAT gateways and routes, VPC endpoints)."""

    def __init__(self, name: str, args: NetworkArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("berth:index:Network", name, None, opts)
        self._name = name
        self._args = args
        self._child = pulumi.ResourceOptions(parent=self)
        self.assign_public_ip = args.egress == "public"
        self.endpoint_security_group_id = None
        self.internet_path = []
        self.egress = []

        if args.vpc_id is None:
            self._create_vpc()
        else:
            self._adopt_vpc()

        self.task_subnet_ids = self.public_subnet_ids if self.assign_public_ip else self.private_subnet_ids
        self.register_outputs({
            "vpcId": self.vpc_id,
            "publicSubnetIds": self.public_subnet_ids,
            "privateSubnetIds": self.private_subnet_ids,
        })

    # -- created VPC ------------------------------------------------------------------------
    def _create_vpc(self) -> None:
        args, name = self._args, self._name
        # Only the region's own zones: Local and Wavelength Zones lack Fargate and ALB support.
        zones = aws.get_availability_zones(
            state="available", filters=[{"name": "zone-type", "values": ["availability-zone"]}]).names
        if len(zones) < args.az_count:
            raise ValueError(
                f"`berth:network.azCount` {args.az_count} is more than the {len(zones)} availability zones "
                f"{args.account.region} offers ({', '.join(zones)}); use {len(zones)} or fewer"
            )
        zones = list(zones)[: args.az_count]
        blocks = list(ipaddress.ip_network(args.cidr).subnets(prefixlen_diff=4))

        vpc = aws.ec2.Vpc(f"{name}-vpc", cidr_block=args.cidr, enable_dns_support=True,
                          # Private DNS names of interface endpoints need DNS hostnames on.
                          enable_dns_hostnames=True, tags={"Name": name}, opts=self._child)
        gateway = aws.ec2.InternetGateway(f"{name}-igw", vpc_id=vpc.id, tags={"Name": name}, opts=self._child)
        public_table = aws.ec2.RouteTable(f"{name}-public", vpc_id=vpc.id, tags={"Name": f"{name}-public"},
                                          opts=self._child)
        public_route = aws.ec2.Route(f"{name}-public-default", route_table_id=public_table.id,
                                     destination_cidr_block="0.0.0.0/0", gateway_id=gateway.id, opts=self._child)
        self.internet_path = [gateway, public_route]
        # Egress public: tasks reach ECR through the internet gateway and the public route.
        self.egress = [gateway, public_route] if args.egress == "public" else []

        public_subnets = []
        for index, zone in enumerate(zones):
            subnet = aws.ec2.Subnet(f"{name}-public-{zone}", vpc_id=vpc.id, availability_zone=zone,
                                    cidr_block=str(blocks[index]), map_public_ip_on_launch=False,
                                    tags={"Name": f"{name}-public-{zone}"}, opts=self._child)
            association = aws.ec2.RouteTableAssociation(f"{name}-public-{zone}", subnet_id=subnet.id,
                                                        route_table_id=public_table.id, opts=self._child)
            public_subnets.append(subnet)
            if args.egress == "public":
                self.egress.append(association)

        private_subnets, private_tables = [], []
        if self._args.egress != "public":
            for index, zone in enumerate(zones):
                subnet = aws.ec2.Subnet(f"{name}-private-{zone}", vpc_id=vpc.id, availability_zone=zone,
                                        cidr_block=str(blocks[8 + index]), map_public_ip_on_launch=False,
                                        tags={"Name": f"{name}-private-{zone}"}, opts=self._child)
                # One table per zone, so each zone can route to its own NAT gateway.
                table = aws.ec2.RouteTable(f"{name}-private-{zone}", vpc_id=vpc.id,
                                           tags={"Name": f"{name}-private-{zone}"}, opts=self._child)
                self.egress.append(aws.ec2.RouteTableAssociation(
                    f"{name}-private-{zone}", subnet_id=subnet.id, route_table_id=table.id, opts=self._child))
                private_subnets.append(subnet)
                private_tables.append(table)

        self.vpc_id = vpc.id
        self.public_subnet_ids = pulumi.Output.all(*[s.id for s in public_subnets])
        self.private_subnet_ids = pulumi.Output.all(*[s.id for s in private_subnets])
        public_ids = [s.id for s in public_subnets]
        table_ids = [t.id for t in private_tables]
        if args.egress == "nat":
            self._nat(public_ids, zones, table_ids, zones, depends_on=[gateway])
        elif args.egress == "endpoints":
            self._endpoints(vpc.id, [s.id for s in private_subnets], table_ids, set())

    # -- adopted VPC ------------------------------------------------------------------------
    def _adopt_vpc(self) -> None:
        args = self._args
        self.vpc_id = pulumi.Output.from_input(args.vpc_id)
        self.public_subnet_ids = pulumi.Output.from_input(list(args.public_subnet_ids))
        self.private_subnet_ids = pulumi.Output.from_input(list(args.private_subnet_ids))
        if args.egress == "public" or (args.egress == "nat" and args.nat_gateways == "existing"):
            return
        private_zones = [aws.ec2.get_subnet(id=subnet).availability_zone for subnet in args.private_subnet_ids]
        # Several subnets may share a route table; a route or association is made once per table.
        tables: list[str] = []
        table_zones: list[str] = []
        for subnet, zone in zip(args.private_subnet_ids, private_zones, strict=True):
            table = aws.ec2.get_route_table(subnet_id=subnet).id
            if table not in tables:
                tables.append(table)
                table_zones.append(zone)
        if args.egress == "nat":
            public_zones = [aws.ec2.get_subnet(id=subnet).availability_zone for subnet in args.public_subnet_ids]
            self._nat(list(args.public_subnet_ids), public_zones, tables, table_zones, depends_on=[])
        else:
            first_per_zone: dict[str, str] = {}
            for subnet, zone in zip(args.private_subnet_ids, private_zones, strict=True):
                first_per_zone.setdefault(zone, subnet)
            self._endpoints(args.vpc_id, list(first_per_zone.values()), tables, set(args.existing_endpoints))

    # -- egress -----------------------------------------------------------------------------
    def _nat(self, public_subnet_ids: list, public_zones: list[str], table_ids: list, table_zones: list[str],
             depends_on: list[pulumi.Resource]) -> None:
        name = self._name
        zones = [public_zones[0]] if self._args.nat_gateways == "single" else list(dict.fromkeys(public_zones))
        gateways: dict[str, aws.ec2.NatGateway] = {}
        for zone in zones:
            subnet = public_subnet_ids[public_zones.index(zone)]
            address = aws.ec2.Eip(f"{name}-nat-{zone}", domain="vpc", tags={"Name": f"{name}-nat-{zone}"},
                                  opts=self._child)
            gateways[zone] = aws.ec2.NatGateway(
                f"{name}-nat-{zone}", subnet_id=subnet, allocation_id=address.id, connectivity_type="public",
                tags={"Name": f"{name}-nat-{zone}"},
                opts=pulumi.ResourceOptions(parent=self, depends_on=depends_on))
        for index, (table, zone) in enumerate(zip(table_ids, table_zones, strict=True)):
            gateway = gateways.get(zone) or gateways[zones[0]]
            self.egress.append(aws.ec2.Route(f"{name}-private-default-{index}", route_table_id=table,
                                             destination_cidr_block="0.0.0.0/0", nat_gateway_id=gateway.id,
                                             opts=self._child))

    def _endpoints(self, vpc_id, subnet_ids: list, table_ids: list, existing: set[str]) -> None:
        name, account = self._name, self._args.account
        group = aws.ec2.SecurityGroup(
            f"{name}-endpoints", vpc_id=vpc_id,
            description="VPC interface endpoints: HTTPS from the task security groups",
            tags={"Name": f"{name}-endpoints"}, opts=self._child)
        self.endpoint_security_group_id = group.id
        for service in self._args.endpoint_services:
            if service in existing:
                continue
            self.egress.append(aws.ec2.VpcEndpoint(
                f"{name}-{service.replace('.', '-')}", vpc_id=vpc_id, vpc_endpoint_type="Interface",
                service_name=account.endpoint_service_name(service), private_dns_enabled=True,
                subnet_ids=subnet_ids, security_group_ids=[group.id],
                tags={"Name": f"{name}-{service}"}, opts=self._child))
        if "s3" not in existing:
            self.egress.append(aws.ec2.VpcEndpoint(
                f"{name}-s3", vpc_id=vpc_id, vpc_endpoint_type="Gateway",
                service_name=account.endpoint_service_name("s3"), route_table_ids=table_ids,
                tags={"Name": f"{name}-s3"}, opts=self._child))
