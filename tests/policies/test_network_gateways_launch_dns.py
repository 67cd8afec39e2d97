"""Three checks on the paths the network rules accept: the internet gateway a default route
points at is attached to the VPC the traffic starts in; tasks outside Fargate get no public
IP; and the DNS attributes of a VPC outside the stack are looked up before an interface
endpoint's private DNS name is trusted. Exact messages, from a compliant stack with one change."""

from __future__ import annotations

import pytest

import network
from model.values import UNKNOWN
from tests.policies.test_network_builder import REGION, private_with_endpoints, private_with_nat
from tests.policies.test_network_rules import ECR_ALL, ECR_API_ERROR, LOGS_ERROR, clean, per_subnet, preview

ECR, SERVICES = network.POLICIES
PUBLIC = (("public-a", "us-east-1a"), ("public-b", "us-east-1b"))


def public_tasks(**settings):
    """The compliant stack with the tasks moved into the public subnets (IGW default route)."""
    stack = private_with_nat()
    stack.props("service", "web")["networkConfiguration"].update(subnets=["subnet-ua", "subnet-ub"], **settings)
    return stack


# --- the internet gateway must be attached to the task VPC ---------------------------------------


def test_a_nat_subnet_routed_to_the_internet_gateway_of_another_vpc_is_a_violation():
    stack = private_with_nat()
    stack.add("vpc", "other", {"id": "vpc-2", "cidrBlock": "10.9.0.0/16"})
    stack.props("igw", "igw")["vpcId"] = "vpc-2"

    outcome = stack.run(ECR)

    assert outcome.violations == [
        line + (
            ": RouteTable 'private' routes 0.0.0.0/0 to NatGateway 'nat', but the NAT gateway's Subnet 'public-a' "
            "routes 0.0.0.0/0 (RouteTable 'public') to InternetGateway 'igw', which is not attached to Vpc 'main' "
            "(it is attached to Vpc 'other'). Attach InternetGateway 'igw' to Vpc 'main' (its vpcId, or an "
            "InternetGatewayAttachment), or route 0.0.0.0/0 to the internet gateway of Vpc 'main'. "
            f"Tasks fail to start with: {ECR_API_ERROR}"
        )
        for line in per_subnet(ECR_ALL)
    ]
    assert outcome.inconclusive is None


def test_a_public_subnet_routed_to_a_detached_internet_gateway_is_a_violation():
    stack = public_tasks(assignPublicIp=True)
    del stack.props("igw", "igw")["vpcId"]

    assert stack.run(ECR).violations == [
        line + (
            ": RouteTable 'public' routes 0.0.0.0/0 to InternetGateway 'igw', which is not attached to Vpc 'main' "
            "(it is attached to no VPC). Attach InternetGateway 'igw' to Vpc 'main' (its vpcId, or an "
            "InternetGatewayAttachment), or route 0.0.0.0/0 to the internet gateway of Vpc 'main'. "
            f"Tasks fail to start with: {ECR_API_ERROR}"
        )
        for line in per_subnet(ECR_ALL, subnets=PUBLIC)
    ]


def test_an_internet_gateway_attachment_resource_attaches_the_gateway():
    stack = private_with_nat()
    del stack.props("igw", "igw")["vpcId"]
    stack.add("igw-attach", "igw", {"internetGatewayId": "igw-1", "vpcId": "vpc-1"})

    assert clean(stack.run(ECR))
    assert clean(stack.run(SERVICES))


def test_an_attachment_to_another_vpc_does_not_count():
    stack = private_with_nat()
    del stack.props("igw", "igw")["vpcId"]
    stack.add("vpc", "other", {"id": "vpc-2", "cidrBlock": "10.9.0.0/16"})
    stack.add("igw-attach", "igw", {"internetGatewayId": "igw-1", "vpcId": "vpc-2"})

    violations = stack.run(ECR).violations

    assert [v.split(": ", 1)[1].split(". ")[0] for v in violations] == [
        "RouteTable 'private' routes 0.0.0.0/0 to NatGateway 'nat', but the NAT gateway's Subnet 'public-a' routes "
        "0.0.0.0/0 (RouteTable 'public') to InternetGateway 'igw', which is not attached to Vpc 'main' (it is "
        "attached to Vpc 'other')"] * 2


@pytest.mark.parametrize("attach", ["vpcId", "attachment"])
def test_a_first_preview_follows_the_attachment_through_the_graph(attach):
    stack = private_with_nat()
    if attach == "attachment":
        del stack.props("igw", "igw")["vpcId"]
        stack.add("igw-attach", "igw", {"internetGatewayId": "igw-1", "vpcId": "vpc-1"})

    stack = preview(stack)

    assert stack.props("igw", "igw").get("vpcId", UNKNOWN) is UNKNOWN
    assert clean(stack.run(ECR))


def test_a_first_preview_still_finds_the_gateway_of_another_vpc():
    stack = private_with_nat()
    stack.add("vpc", "other", {"id": "vpc-2", "cidrBlock": "10.9.0.0/16"})
    stack.props("igw", "igw")["vpcId"] = "vpc-2"

    violations = preview(stack).run(ECR).violations

    assert [v.split(" (it is attached to ")[1].split(")")[0] for v in violations] == ["Vpc 'other'"] * 2


def test_an_unknown_gateway_vpc_that_no_resource_supplies_is_inconclusive():
    stack = private_with_nat()
    stack.props("igw", "igw")["vpcId"] = UNKNOWN

    outcome = stack.run(ECR)

    assert outcome.violations == []
    assert outcome.inconclusive == (
        "Cannot be verified until update: Service 'web': InternetGateway 'igw' vpcId (unknown VPCs)"
    )


def test_an_attachment_with_an_unknown_gateway_is_inconclusive_for_a_detached_gateway():
    stack = private_with_nat()
    del stack.props("igw", "igw")["vpcId"]
    stack.add("igw-attach", "igw", {"internetGatewayId": UNKNOWN, "vpcId": "vpc-1"})

    outcome = stack.run(ECR)

    assert outcome.violations == []
    assert outcome.inconclusive == (
        "Cannot be verified until update: Service 'web': InternetGatewayAttachment 'igw' internetGatewayId "
        "(unknown, no internet gateway in the stack supplies it)"
    )


def test_an_internet_gateway_outside_the_stack_is_inconclusive_with_look_ups_off():
    stack = private_with_nat().remove("igw", "igw")
    stack.props("rt", "public")["routes"] = [{"cidrBlock": "0.0.0.0/0", "gatewayId": "igw-0abc"}]

    outcome = stack.run(ECR)

    assert outcome.violations == []
    assert outcome.inconclusive == (
        "Cannot be verified until update: Service 'web': internet gateway igw-0abc (outside the stack): live "
        "look-ups are off (liveLookups: off)"
    )


# --- tasks outside Fargate get no public IP --------------------------------------------------------


def test_the_ec2_launch_type_in_a_public_subnet_is_a_violation_without_the_public_ip_fix():
    stack = public_tasks(assignPublicIp=True)
    stack.props("service", "web")["launchType"] = "EC2"

    assert stack.run(ECR).violations == [
        line + (
            ": RouteTable 'public' routes 0.0.0.0/0 to an internet gateway, but Service 'web' runs its tasks outside "
            "Fargate (launchType 'EC2'), where an awsvpc task gets no public IP; a task without a public IP cannot "
            "use an internet gateway. Run the tasks in private subnets routed to a NAT gateway, or give them VPC "
            "endpoints (networkConfiguration.assignPublicIp applies to Fargate only). "
            f"Tasks fail to start with: {ECR_API_ERROR}"
        )
        for line in per_subnet(ECR_ALL, subnets=PUBLIC)
    ]


def test_an_ec2_capacity_provider_in_a_public_subnet_is_a_violation_naming_the_provider():
    stack = public_tasks(assignPublicIp=False)
    stack.props("service", "web")["capacityProviderStrategies"] = [
        {"capacityProvider": "FARGATE_SPOT", "weight": 1}, {"capacityProvider": "web-asg", "weight": 1}]

    assert stack.run(SERVICES).violations == [
        line + (
            ": RouteTable 'public' routes 0.0.0.0/0 to an internet gateway, but Service 'web' runs its tasks outside "
            "Fargate (capacity provider 'web-asg' in capacityProviderStrategies), where an awsvpc task gets no "
            "public IP; a task without a public IP cannot use an internet gateway. Run the tasks in private subnets "
            "routed to a NAT gateway, or give them VPC endpoints (networkConfiguration.assignPublicIp applies to "
            f"Fargate only). Tasks fail to start with: {LOGS_ERROR}"
        )
        for line in per_subnet(f"CloudWatch Logs (com.amazonaws.{REGION}.logs), SSM (com.amazonaws.{REGION}.ssm) "
                               f"and Secrets Manager (com.amazonaws.{REGION}.secretsmanager)", subnets=PUBLIC)
    ]


@pytest.mark.parametrize("settings", [
    {"launchType": "FARGATE"},
    {"capacityProviderStrategies": [{"capacityProvider": "FARGATE", "base": 1, "weight": 1},
                                    {"capacityProvider": "FARGATE_SPOT", "weight": 3}]},
], ids=["launchType FARGATE", "Fargate capacity providers"])
def test_fargate_in_a_public_subnet_with_a_public_ip_passes(settings):
    stack = public_tasks(assignPublicIp=True)
    stack.props("service", "web").update(settings)

    assert clean(stack.run(ECR))
    assert clean(stack.run(SERVICES))


def test_the_ec2_launch_type_in_a_private_subnet_with_nat_passes():
    stack = private_with_nat()
    stack.props("service", "web")["launchType"] = "EC2"

    assert clean(stack.run(ECR))
    assert clean(stack.run(SERVICES))


@pytest.mark.parametrize("settings,item", [
    ({"launchType": UNKNOWN}, "Service 'web' launchType (unknown)"),
    ({"capacityProviderStrategies": [{"capacityProvider": UNKNOWN, "weight": 1}]},
     "Service 'web' capacityProviderStrategies (an unknown capacity provider)"),
], ids=["launchType", "capacity provider"])
def test_an_unknown_launch_type_in_a_public_subnet_is_inconclusive(settings, item):
    stack = public_tasks(assignPublicIp=True)
    stack.props("service", "web").update(settings)

    outcome = stack.run(ECR)

    assert outcome.violations == []
    # One item for both subnets: the findings merge identical items.
    assert outcome.inconclusive == f"Cannot be verified until update: Service 'web': {item}"


# --- the DNS attributes of a VPC outside the stack ---------------------------------------------------


def endpoints_in_an_adopted_vpc():
    """Endpoints, subnets and groups in the stack; the VPC itself only referenced by ID."""
    stack = private_with_endpoints().remove("vpc", "main")
    for (_, _), (props, _) in stack.items.items():
        if props.get("vpcId") == "vpc-1":
            props["vpcId"] = "vpc-0adopted"
    return stack


def test_an_adopted_vpc_whose_dns_attributes_cannot_be_looked_up_is_inconclusive():
    outcome = endpoints_in_an_adopted_vpc().run(ECR)

    assert outcome.violations == []
    assert outcome.inconclusive == (
        "Cannot be verified until update: Service 'web': VPC vpc-0adopted (outside the stack) enableDnsHostnames: "
        "live look-ups are off (liveLookups: off)"
    )
