"""A small stack builder for the network rules, and the network model's own tests.

`Stack` builds `pulumi_policy.PolicyResource` objects the way the engine sends them
(wire property names, URNs, property dependencies, unknowns as the SDK's sentinel) and
runs a rule through the SDK's own `StackValidationPolicy.validate`, so the unknown and
inconclusive path is the real one.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from pulumi_policy import PolicyProviderResource, PolicyResource, PolicyResourceOptions, StackValidationArgs
from pulumi_policy.policy import _NotApplicableError
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, unknown_checking_proxy

from kit import Inconclusive, resource_from_policy_resource
from model import network as network_model
from model import network_records
from model.live_aws import LiveAws
from model.stack_index import StackIndex
from model.values import UNKNOWN

REGION = "us-east-1"
ACCOUNT = "123456789012"
IMAGE = f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/web:3f2a9c1"
SSM_ARN = f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/web/db/password"
SECRET_ARN = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:web/api-key-AbCdEf"

TYPES = {
    "vpc": "aws:ec2/vpc:Vpc",
    "subnet": "aws:ec2/subnet:Subnet",
    "igw": "aws:ec2/internetGateway:InternetGateway",
    "igw-attach": "aws:ec2/internetGatewayAttachment:InternetGatewayAttachment",
    "nat": "aws:ec2/natGateway:NatGateway",
    "eip": "aws:ec2/eip:Eip",
    "rt": "aws:ec2/routeTable:RouteTable",
    "route": "aws:ec2/route:Route",
    "assoc": "aws:ec2/routeTableAssociation:RouteTableAssociation",
    "main": "aws:ec2/mainRouteTableAssociation:MainRouteTableAssociation",
    "drt": "aws:ec2/defaultRouteTable:DefaultRouteTable",
    "sg": "aws:ec2/securityGroup:SecurityGroup",
    "sgrule": "aws:ec2/securityGroupRule:SecurityGroupRule",
    "ingress": "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
    "egress": "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
    "vpce": "aws:ec2/vpcEndpoint:VpcEndpoint",
    "vpce-rt": "aws:ec2/vpcEndpointRouteTableAssociation:VpcEndpointRouteTableAssociation",
    "vpce-subnet": "aws:ec2/vpcEndpointSubnetAssociation:VpcEndpointSubnetAssociation",
    "task": "aws:ecs/taskDefinition:TaskDefinition",
    "service": "aws:ecs/service:Service",
    "taskset": "aws:ecs/taskSet:TaskSet",
    "bucket": "aws:s3/bucket:Bucket",
    "acl": "aws:ec2/networkAcl:NetworkAcl",
    "default-acl": "aws:ec2/defaultNetworkAcl:DefaultNetworkAcl",
    "acl-rule": "aws:ec2/networkAclRule:NetworkAclRule",
    "acl-assoc": "aws:ec2/networkAclAssociation:NetworkAclAssociation",
    "schedule": "aws:scheduler/schedule:Schedule",
    "sfn": "aws:sfn/stateMachine:StateMachine",
}


def urn(kind: str, name: str) -> str:
    return f"urn:pulumi:test::net::{TYPES[kind]}::{name}"


def _wire(value: Any) -> Any:
    if value is UNKNOWN:
        return UNKNOWN_STRING_VALUE
    if isinstance(value, int) and not isinstance(value, bool):
        return float(value)  # numbers travel as protobuf Struct doubles
    if isinstance(value, dict):
        return {k: _wire(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_wire(v) for v in value]
    return value


@dataclass
class Outcome:
    violations: list[str]
    inconclusive: str | None
    not_applicable: str | None = None


@dataclass
class Stack:
    """Resources by (kind, name); props in wire names; deps map a property to (kind, name) pairs."""

    items: dict[tuple[str, str], tuple[dict, dict]] = field(default_factory=dict)
    region: str = REGION

    def add(self, kind: str, name: str, props: dict | None = None, deps: dict | None = None) -> Stack:
        self.items[(kind, name)] = (props or {}, deps or {})
        return self

    def props(self, kind: str, name: str) -> dict:
        return self.items[(kind, name)][0]

    def deps(self, kind: str, name: str) -> dict:
        return self.items[(kind, name)][1]

    def remove(self, kind: str, name: str) -> Stack:
        del self.items[(kind, name)]
        return self

    def policy_resources(self) -> list[PolicyResource]:
        provider = PolicyProviderResource("pulumi:providers:aws", {"region": self.region},
                                          "urn:pulumi:test::net::pulumi:providers:aws::default", "default")
        built: dict[tuple[str, str], PolicyResource] = {}
        for (kind, name), (props, _) in self.items.items():
            options = PolicyResourceOptions(False, [], None, [], None, [])
            built[(kind, name)] = PolicyResource(TYPES[kind], unknown_checking_proxy(_wire(props)), urn(kind, name),
                                                 name, options, provider, None, [], {})
        for key, (_, deps) in self.items.items():
            resource = built[key]
            resource.property_dependencies = {prop: [built[d] for d in targets if d in built]
                                              for prop, targets in deps.items()}
            resource.dependencies = [d for targets in resource.property_dependencies.values() for d in targets]
        return list(built.values())

    def index(self) -> StackIndex:
        return StackIndex([resource_from_policy_resource(r) for r in self.policy_resources()])

    def run(self, policy, config: dict | None = None) -> Outcome:
        reported: list[str] = []
        config = {"liveLookups": "off", **(config or {})}
        try:
            policy.validate(StackValidationArgs(self.policy_resources(), config),
                            lambda message, urn=None: reported.append(message))
        except Inconclusive as raised:
            return Outcome(reported, raised.message)
        except _NotApplicableError as raised:
            return Outcome(reported, None, raised.reason or "")
        return Outcome(reported, None)


def private_with_nat() -> Stack:
    """A compliant stack: private subnets in two AZs routed to a NAT gateway in a public subnet."""
    stack = Stack()
    stack.add("vpc", "main", {"id": "vpc-1", "cidrBlock": "10.0.0.0/16", "enableDnsHostnames": True})
    for zone, n in (("a", 1), ("b", 2)):
        stack.add("subnet", f"private-{zone}", {"id": f"subnet-p{zone}", "vpcId": "vpc-1",
                                                "availabilityZone": f"{REGION}{zone}", "cidrBlock": f"10.0.{n}.0/24"})
        stack.add("subnet", f"public-{zone}", {"id": f"subnet-u{zone}", "vpcId": "vpc-1",
                                               "availabilityZone": f"{REGION}{zone}", "cidrBlock": f"10.0.{n + 100}.0/24"})
        stack.add("assoc", f"private-{zone}", {"subnetId": f"subnet-p{zone}", "routeTableId": "rtb-private"})
        stack.add("assoc", f"public-{zone}", {"subnetId": f"subnet-u{zone}", "routeTableId": "rtb-public"})
    stack.add("igw", "igw", {"id": "igw-1", "vpcId": "vpc-1"})
    stack.add("nat", "nat", {"id": "nat-1", "subnetId": "subnet-ua", "allocationId": "eipalloc-1"})
    stack.add("rt", "public", {"id": "rtb-public", "vpcId": "vpc-1",
                               "routes": [{"cidrBlock": "0.0.0.0/0", "gatewayId": "igw-1"}]})
    stack.add("rt", "private", {"id": "rtb-private", "vpcId": "vpc-1",
                                "routes": [{"cidrBlock": "0.0.0.0/0", "natGatewayId": "nat-1"}]})
    stack.add("sg", "task", {"id": "sg-task", "vpcId": "vpc-1", "ingress": [], "egress": [
        {"protocol": "tcp", "fromPort": 443, "toPort": 443, "cidrBlocks": ["0.0.0.0/0"]}]})
    add_task(stack)
    stack.add("service", "web", {
        "name": "web", "taskDefinition": f"arn:aws:ecs:{REGION}:{ACCOUNT}:task-definition/web:1",
        "networkConfiguration": {"subnets": ["subnet-pa", "subnet-pb"], "securityGroups": ["sg-task"],
                                 "assignPublicIp": False}})
    return stack


def add_task(stack: Stack, name: str = "web", containers: list | None = None, **props) -> None:
    containers = containers if containers is not None else [{
        "name": "web", "image": IMAGE, "essential": True,
        "portMappings": [{"containerPort": 8080}],
        "secrets": [{"name": "DB_PASSWORD", "valueFrom": SSM_ARN}, {"name": "API_KEY", "valueFrom": SECRET_ARN}],
        "logConfiguration": {"logDriver": "awslogs", "options": {
            "awslogs-group": "/ecs/web", "awslogs-region": REGION, "awslogs-stream-prefix": "web"}},
    }]
    stack.add("task", name, {"family": name, "networkMode": "awsvpc", "requiresCompatibilities": ["FARGATE"],
                             "cpu": "256", "memory": "512", "arn": f"arn:aws:ecs:{REGION}:{ACCOUNT}:task-definition/{name}:1",
                             "containerDefinitions": json.dumps(containers), **props})


def private_with_endpoints() -> Stack:
    """A compliant stack without NAT: interface endpoints for every service plus an S3 gateway endpoint."""
    stack = private_with_nat()
    stack.remove("nat", "nat")
    stack.props("rt", "private")["routes"] = []
    stack.props("sg", "task")["egress"] = [
        {"protocol": "tcp", "fromPort": 443, "toPort": 443, "securityGroups": ["sg-endpoints"]},
        {"protocol": "tcp", "fromPort": 443, "toPort": 443, "prefixListIds": ["pl-63a5400a"]},
    ]
    stack.add("sg", "endpoints", {"id": "sg-endpoints", "vpcId": "vpc-1", "egress": [], "ingress": [
        {"protocol": "tcp", "fromPort": 443, "toPort": 443, "securityGroups": ["sg-task"]}]})
    for service in ("ecr.api", "ecr.dkr", "logs", "ssm", "secretsmanager"):
        stack.add("vpce", service, {
            "id": f"vpce-{service.replace('.', '-')}", "vpcId": "vpc-1", "serviceName": f"com.amazonaws.{REGION}.{service}",
            "vpcEndpointType": "Interface", "privateDnsEnabled": True, "subnetIds": ["subnet-pa", "subnet-pb"],
            "securityGroupIds": ["sg-endpoints"]})
    stack.add("vpce", "s3", {"id": "vpce-s3", "vpcId": "vpc-1", "serviceName": f"com.amazonaws.{REGION}.s3",
                             "vpcEndpointType": "Gateway", "routeTableIds": ["rtb-private"]})
    return stack


# --- the model's own tests ------------------------------------------------------------------


def model(stack: Stack) -> network_model.Network:
    return network_model.Network(stack.index(), LiveAws.from_config({"liveLookups": "off"}))


def test_an_explicit_association_picks_the_subnets_route_table():
    network = model(private_with_nat())

    table = network.route_table_of(network.subnet(urn("subnet", "private-a")))

    assert table.label == "RouteTable 'private'"
    assert [(r.destination, r.target, r.nat.label) for r in table.routes] == [("0.0.0.0/0", "nat", "NatGateway 'nat'")]


def test_a_subnet_without_association_uses_the_main_route_table_association():
    stack = private_with_nat().remove("assoc", "private-a")
    stack.add("main", "main", {"vpcId": "vpc-1", "routeTableId": "rtb-public"})
    network = model(stack)

    assert network.route_table_of(network.subnet(urn("subnet", "private-a"))).label == "RouteTable 'public'"


def test_a_subnet_of_a_new_vpc_without_any_table_gets_the_implicit_main_table_without_routes():
    stack = private_with_nat().remove("assoc", "private-a")
    network = model(stack)

    table = network.route_table_of(network.subnet(urn("subnet", "private-a")))

    assert (table.label, table.routes, table.implicit) == ("the main route table of Vpc 'main'", [], True)


def test_separate_security_group_rules_join_the_group():
    stack = private_with_nat()
    stack.add("ingress", "https", {"securityGroupId": "sg-task", "ipProtocol": "tcp", "fromPort": 443, "toPort": 443,
                                   "referencedSecurityGroupId": "sg-other"})
    stack.add("sgrule", "out", {"type": "egress", "securityGroupId": "sg-task", "protocol": "-1", "fromPort": 0,
                                "toPort": 0, "cidrBlocks": ["10.0.0.0/8"]})

    group = model(stack).security_group(urn("sg", "task"))

    assert group.ingress == [network_records.SgRule("tcp", 443, 443, (), ("sg-other",), ())]
    assert group.egress[1] == network_records.SgRule("-1", 0, 0, ("10.0.0.0/8",), (), ())


def test_an_unknown_subnet_id_is_found_through_the_property_dependencies():
    stack = private_with_nat()
    stack.props("subnet", "private-a")["id"] = UNKNOWN
    stack.props("service", "web")["networkConfiguration"]["subnets"] = [UNKNOWN, "subnet-pb"]
    stack.items[("service", "web")] = (stack.props("service", "web"),
                                       {"networkConfiguration": [("subnet", "private-a"), ("subnet", "private-b"),
                                                                 ("sg", "task")]})
    index = stack.index()
    network = network_model.Network(index, LiveAws.from_config({"liveLookups": "off"}))
    service = index.get(urn("service", "web"))

    keys = network.keys(service, "networkConfiguration", service.get("networkConfiguration", "subnets"),
                        network_records.SUBNETS, "subnet")

    assert sorted(keys) == [urn("subnet", "private-a"), urn("subnet", "private-b")]


def test_a_subnet_outside_the_stack_is_unsure_when_look_ups_are_off():
    network = model(private_with_nat())

    assert network.subnet("subnet-0abc") == network_records.Unsure.of(
        "subnet subnet-0abc (outside the stack): live look-ups are off (liveLookups: off)")


def test_three_valued_combinators():
    unsure = network_records.Unsure.of("x")

    assert network_records.any_of([False, unsure, True]) is True
    assert network_records.any_of([False, unsure]) == unsure
    assert network_records.any_of([]) is False
    assert network_records.all_of([True, unsure, False]) is False
    assert network_records.all_of([True, unsure]) == unsure
    assert network_records.all_of([]) is True
