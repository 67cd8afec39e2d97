"""Network: the VPC it creates or adopts, and the egress path per mode, asserted on registered inputs."""

from __future__ import annotations

import pulumi
import pytest

from components.naming import Account
from components.network import Network, NetworkArgs
from tests.components.harness import run_pulumi

ACCOUNT = Account(partition="aws", region="eu-west-1", account_id="123456789012")
ADOPTED = {
    "vpc_id": "vpc-0123456789abcdef0",
    "public_subnet_ids": ("subnet-0aaaaaaaaaaaaaaa1", "subnet-0aaaaaaaaaaaaaaa2"),
    "private_subnet_ids": ("subnet-0bbbbbbbbbbbbbbb1", "subnet-0bbbbbbbbbbbbbbb2"),
}


def build(**changes):
    args = NetworkArgs(**{"account": ACCOUNT, "egress": "nat", **changes})

    def body():
        network = Network("net", args)
        pulumi.export("vpcId", network.vpc_id)
        pulumi.export("taskSubnetIds", network.task_subnet_ids)
        pulumi.export("privateSubnetIds", network.private_subnet_ids)
        pulumi.export("assignPublicIp", network.assign_public_ip)

    run = run_pulumi(body)
    assert run.error is None, run.error
    return run


def inputs_by_name(run, type_):
    return {r.name: r.inputs for r in run.of_type(type_)}


def test_creates_a_vpc_with_dns_and_a_public_and_private_subnet_in_each_of_two_zones_by_default():
    run = build()
    subnets = inputs_by_name(run, "aws:ec2/subnet:Subnet")

    assert run.one("aws:ec2/vpc:Vpc").inputs == {
        "cidrBlock": "10.0.0.0/16", "enableDnsHostnames": True, "enableDnsSupport": True, "tags": {"Name": "net"}}
    assert {name: (s["availabilityZone"], s["cidrBlock"], s["mapPublicIpOnLaunch"]) for name, s in subnets.items()} == {
        "net-public-eu-west-1a": ("eu-west-1a", "10.0.0.0/20", False),
        "net-public-eu-west-1b": ("eu-west-1b", "10.0.16.0/20", False),
        "net-private-eu-west-1a": ("eu-west-1a", "10.0.128.0/20", False),
        "net-private-eu-west-1b": ("eu-west-1b", "10.0.144.0/20", False),
    }
    assert run.outputs["taskSubnetIds"] == ["net-private-eu-west-1a-id", "net-private-eu-west-1b-id"]
    assert run.outputs["assignPublicIp"] is False


def test_nat_egress_puts_a_nat_gateway_in_each_zone_and_routes_each_private_table_to_its_own():
    run = build(egress="nat")
    routes = inputs_by_name(run, "aws:ec2/route:Route")
    gateways = inputs_by_name(run, "aws:ec2/natGateway:NatGateway")

    assert {name: g["subnetId"] for name, g in gateways.items()} == {
        "net-nat-eu-west-1a": "net-public-eu-west-1a-id", "net-nat-eu-west-1b": "net-public-eu-west-1b-id"}
    assert len(run.of_type("aws:ec2/eip:Eip")) == 2
    assert routes == {
        "net-public-default": {"routeTableId": "net-public-id", "destinationCidrBlock": "0.0.0.0/0",
                               "gatewayId": "net-igw-id"},
        "net-private-default-0": {"routeTableId": "net-private-eu-west-1a-id", "destinationCidrBlock": "0.0.0.0/0",
                                  "natGatewayId": "net-nat-eu-west-1a-id"},
        "net-private-default-1": {"routeTableId": "net-private-eu-west-1b-id", "destinationCidrBlock": "0.0.0.0/0",
                                  "natGatewayId": "net-nat-eu-west-1b-id"},
    }
    assert run.of_type("aws:ec2/vpcEndpoint:VpcEndpoint") == []


def test_single_nat_routes_every_private_table_to_one_gateway():
    run = build(egress="nat", nat_gateways="single")
    routes = [r.inputs for r in run.of_type("aws:ec2/route:Route") if "natGatewayId" in r.inputs]
    routes.sort(key=lambda r: r["routeTableId"])

    assert len(run.of_type("aws:ec2/natGateway:NatGateway")) == 1
    assert [r["natGatewayId"] for r in routes] == ["net-nat-eu-west-1a-id", "net-nat-eu-west-1a-id"]


def test_endpoints_egress_creates_private_dns_interface_endpoints_in_every_task_zone_and_the_s3_gateway():
    run = build(egress="endpoints", endpoint_services=("ecr.api", "ecr.dkr", "logs", "ssm"))
    endpoints = inputs_by_name(run, "aws:ec2/vpcEndpoint:VpcEndpoint")
    interface = {
        "vpcId": "net-vpc-id", "vpcEndpointType": "Interface", "privateDnsEnabled": True,
        "subnetIds": ["net-private-eu-west-1a-id", "net-private-eu-west-1b-id"],
        "securityGroupIds": ["net-endpoints-id"],
    }

    assert endpoints == {
        "net-ecr-api": {**interface, "serviceName": "com.amazonaws.eu-west-1.ecr.api", "tags": {"Name": "net-ecr.api"}},
        "net-ecr-dkr": {**interface, "serviceName": "com.amazonaws.eu-west-1.ecr.dkr", "tags": {"Name": "net-ecr.dkr"}},
        "net-logs": {**interface, "serviceName": "com.amazonaws.eu-west-1.logs", "tags": {"Name": "net-logs"}},
        "net-ssm": {**interface, "serviceName": "com.amazonaws.eu-west-1.ssm", "tags": {"Name": "net-ssm"}},
        "net-s3": {"vpcId": "net-vpc-id", "vpcEndpointType": "Gateway", "serviceName": "com.amazonaws.eu-west-1.s3",
                   "routeTableIds": ["net-private-eu-west-1a-id", "net-private-eu-west-1b-id"],
                   "tags": {"Name": "net-s3"}},
    }
    # The 443 rule from each task group is added by the services; the group itself admits nothing.
    assert run.one("aws:ec2/securityGroup:SecurityGroup", "net-endpoints").inputs == {
        "vpcId": "net-vpc-id", "description": "VPC interface endpoints: HTTPS from the task security groups",
        "tags": {"Name": "net-endpoints"}}
    assert run.of_type("aws:ec2/natGateway:NatGateway") == []
    assert [r.name for r in run.of_type("aws:ec2/route:Route")] == ["net-public-default"]


def test_public_egress_runs_tasks_in_public_subnets_with_public_ips_and_creates_no_private_subnets():
    run = build(egress="public")

    assert sorted(r.name for r in run.of_type("aws:ec2/subnet:Subnet")) == [
        "net-public-eu-west-1a", "net-public-eu-west-1b"]
    assert run.outputs["taskSubnetIds"] == ["net-public-eu-west-1a-id", "net-public-eu-west-1b-id"]
    assert run.outputs["privateSubnetIds"] == []
    assert run.outputs["assignPublicIp"] is True
    assert run.of_type("aws:ec2/natGateway:NatGateway") == run.of_type("aws:ec2/vpcEndpoint:VpcEndpoint") == []


def test_az_count_three_spans_three_zones():
    run = build(az_count=3, cidr="10.20.0.0/16")

    assert sorted(r.inputs["cidrBlock"] for r in run.of_type("aws:ec2/subnet:Subnet")) == [
        "10.20.0.0/20", "10.20.128.0/20", "10.20.144.0/20", "10.20.16.0/20", "10.20.160.0/20", "10.20.32.0/20"]
    assert len(run.of_type("aws:ec2/natGateway:NatGateway")) == 3


def test_more_zones_than_the_region_offers_is_an_error_naming_the_setting():
    run = run_pulumi(lambda: Network("net", NetworkArgs(account=ACCOUNT, egress="nat", az_count=4)))

    assert str(run.error) == (
        "`berth:network.azCount` 4 is more than the 3 availability zones eu-west-1 offers "
        "(eu-west-1a, eu-west-1b, eu-west-1c); use 3 or fewer")


def test_adopted_vpc_with_endpoints_adds_the_missing_endpoints_on_its_subnets_and_route_tables():
    run = build(egress="endpoints", existing_endpoints=("ecr.api",), **ADOPTED)
    endpoints = inputs_by_name(run, "aws:ec2/vpcEndpoint:VpcEndpoint")

    assert run.of_type("aws:ec2/vpc:Vpc") == run.of_type("aws:ec2/subnet:Subnet") == []
    assert sorted(endpoints) == ["net-ecr-dkr", "net-logs", "net-s3"]
    assert endpoints["net-ecr-dkr"]["subnetIds"] == ["subnet-0bbbbbbbbbbbbbbb1", "subnet-0bbbbbbbbbbbbbbb2"]
    assert endpoints["net-ecr-dkr"]["vpcId"] == "vpc-0123456789abcdef0"
    assert endpoints["net-s3"]["routeTableIds"] == ["rtb-0bbbbbbbbbbbbbbb1", "rtb-0bbbbbbbbbbbbbbb2"]
    assert run.outputs["taskSubnetIds"] == list(ADOPTED["private_subnet_ids"])
    assert run.outputs["vpcId"] == "vpc-0123456789abcdef0"


def test_adopted_vpc_endpoints_use_one_subnet_per_zone_and_each_route_table_once():
    # Two task subnets in eu-west-1a (on different route tables) and one in eu-west-1b sharing a table.
    run = build(egress="endpoints", vpc_id=ADOPTED["vpc_id"], public_subnet_ids=ADOPTED["public_subnet_ids"],
                private_subnet_ids=("subnet-0aaaaaaaaaaaaaaa1", "subnet-0bbbbbbbbbbbbbbb1", "subnet-0aaaaaaaaaaaaaaa2"))
    endpoints = inputs_by_name(run, "aws:ec2/vpcEndpoint:VpcEndpoint")

    assert endpoints["net-logs"]["subnetIds"] == ["subnet-0aaaaaaaaaaaaaaa1", "subnet-0aaaaaaaaaaaaaaa2"]
    assert endpoints["net-s3"]["routeTableIds"] == ["rtb-0aaaaaaaaaaaaaaa0", "rtb-0bbbbbbbbbbbbbbb1"]


def test_adopted_vpc_with_nat_adds_a_gateway_per_zone_and_default_routes_on_the_task_route_tables():
    run = build(egress="nat", **ADOPTED)
    routes = sorted((r.inputs for r in run.of_type("aws:ec2/route:Route")), key=lambda r: r["routeTableId"])

    assert {r.name: r.inputs["subnetId"] for r in run.of_type("aws:ec2/natGateway:NatGateway")} == {
        "net-nat-eu-west-1a": "subnet-0aaaaaaaaaaaaaaa1", "net-nat-eu-west-1b": "subnet-0aaaaaaaaaaaaaaa2"}
    assert routes == [
        {"routeTableId": "rtb-0bbbbbbbbbbbbbbb1", "destinationCidrBlock": "0.0.0.0/0",
         "natGatewayId": "net-nat-eu-west-1a-id"},
        {"routeTableId": "rtb-0bbbbbbbbbbbbbbb2", "destinationCidrBlock": "0.0.0.0/0",
         "natGatewayId": "net-nat-eu-west-1b-id"},
    ]


@pytest.mark.parametrize(("egress", "nat_gateways"), [("nat", "existing"), ("public", "perAz")])
def test_adopted_vpc_that_already_has_its_egress_gets_no_network_resources(egress, nat_gateways):
    run = build(egress=egress, nat_gateways=nat_gateways, **ADOPTED)

    assert run.counts() == {"berth:index:Network": 1}
    assert run.invokes == []
