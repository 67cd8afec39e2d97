"""ecs-subnets-reach-ecr on stacks built from plain resources.

Each test starts from a compliant stack (`private_with_nat` or `private_with_endpoints`),
changes one thing, and asserts the exact messages. The field-notes §2 checklist lines
are marked `checklist N`.
"""

from __future__ import annotations

import json

import pytest

from model.values import UNKNOWN
from tests.policies.model.test_network import (
    ACCOUNT,
    REGION,
    add_task,
    private_with_endpoints,
    private_with_nat,
)
from tests.policies.rules.subnet_reach_cases import (
    ECR,
    PUBLIC,
    SUBNETS,
    clean,
    per_subnet,
    preview,
    public_tasks,
)

ECR_API_ERROR = (
    "ResourceInitializationError: unable to pull secrets or registry auth operation error ECR: "
    "GetAuthorizationToken, exceeded maximum number of attempts dial tcp <ip>:443: i/o timeout"
)


NOT_APPLICABLE = "no awsvpc task the stack starts pulls its image from a private ECR registry"

PULL_ERROR = "CannotPullContainerError: failed to do request  dial tcp <ip>:443: i/o timeout"


ECR_ALL = (
    f"ECR API (com.amazonaws.{REGION}.ecr.api), ECR DKR (com.amazonaws.{REGION}.ecr.dkr) and "
    f"S3 (com.amazonaws.{REGION}.s3)"
)


def test_checklist_1_a_missing_ecr_dkr_endpoint_without_nat_is_a_violation():
    stack = private_with_endpoints().remove("vpce", "ecr.dkr")

    outcome = stack.run(ECR)

    assert outcome.violations == [
        line + (
            f": RouteTable 'private' has no default route (0.0.0.0/0) to a NAT gateway or an internet gateway. "
            f"Add a 0.0.0.0/0 route to a NAT gateway in a public subnet, or create interface endpoint "
            f"com.amazonaws.{REGION}.ecr.dkr with privateDnsEnabled true in this VPC. "
            f"Tasks fail to start with: {PULL_ERROR}"
        )
        for line in per_subnet(f"ECR DKR (com.amazonaws.{REGION}.ecr.dkr)")
    ]
    assert outcome.inconclusive is None


def test_checklist_1_no_route_and_no_endpoint_names_every_ecr_leg_once_per_subnet():
    stack = private_with_nat().remove("nat", "nat")
    stack.props("rt", "private")["routes"] = []

    outcome = stack.run(ECR)

    assert outcome.violations == [
        line + (
            f": RouteTable 'private' has no default route (0.0.0.0/0) to a NAT gateway or an internet gateway. "
            f"Add a 0.0.0.0/0 route to a NAT gateway in a public subnet, or create interface endpoints "
            f"com.amazonaws.{REGION}.ecr.api and com.amazonaws.{REGION}.ecr.dkr with privateDnsEnabled true and "
            f"a gateway endpoint com.amazonaws.{REGION}.s3 on this route table in this VPC. "
            f"Tasks fail to start with: {ECR_API_ERROR}"
        )
        for line in per_subnet(ECR_ALL)
    ]


def test_checklist_1_an_endpoint_that_is_not_available_is_a_violation():
    stack = private_with_endpoints()
    stack.props("vpce", "ecr.api")["state"] = "pendingAcceptance"

    assert stack.run(ECR).violations == [
        line + (
            ": VpcEndpoint 'ecr.api' is in state 'pendingAcceptance'; it must be 'available'. "
            f"Accept or recreate the endpoint until its state is available. Tasks fail to start with: {ECR_API_ERROR}"
        )
        for line in per_subnet(f"ECR API (com.amazonaws.{REGION}.ecr.api)")
    ]


@pytest.mark.parametrize("value", [False, None], ids=["false", "missing (provider default false)"])
def test_checklist_2_an_endpoint_without_private_dns_is_a_violation(value):
    stack = private_with_endpoints()
    if value is None:
        del stack.props("vpce", "ecr.dkr")["privateDnsEnabled"]
    else:
        stack.props("vpce", "ecr.dkr")["privateDnsEnabled"] = value

    assert stack.run(ECR).violations == [
        line + (
            ": VpcEndpoint 'ecr.dkr' has privateDnsEnabled false, so tasks resolve the service's public name and "
            f"bypass it. Set privateDnsEnabled to true on VpcEndpoint 'ecr.dkr'. Tasks fail to start with: {PULL_ERROR}"
        )
        for line in per_subnet(f"ECR DKR (com.amazonaws.{REGION}.ecr.dkr)")
    ]


def test_checklist_2_private_dns_off_is_no_problem_when_a_nat_gateway_carries_the_traffic():
    stack = private_with_nat()
    stack.add("vpce", "ecr.api", {"vpcId": "vpc-1", "serviceName": f"com.amazonaws.{REGION}.ecr.api",
                                  "vpcEndpointType": "Interface", "privateDnsEnabled": False,
                                  "subnetIds": ["subnet-pa"], "securityGroupIds": ["sg-task"]})

    assert clean(stack.run(ECR))


def test_checklist_3_an_endpoint_group_without_inbound_443_from_the_tasks_is_a_violation():
    stack = private_with_endpoints()
    stack.props("sg", "endpoints")["ingress"] = [
        {"protocol": "tcp", "fromPort": 80, "toPort": 80, "securityGroups": ["sg-task"]}]

    violations = stack.run(ECR).violations

    assert violations == [
        f"Service 'web' runs tasks in Subnet '{name}' ({zone}) that cannot reach {svc}: the security groups of "
        f"VpcEndpoint '{endpoint}' (SecurityGroup 'endpoints') admit no inbound TCP 443 from the task security "
        f"groups (SecurityGroup 'task'). Add an ingress rule for TCP 443 from the task security group to the "
        f"endpoint's security group. Tasks fail to start with: {error}"
        for name, zone in SUBNETS
        for endpoint, svc, error in (
            ("ecr.api", f"ECR API (com.amazonaws.{REGION}.ecr.api)", ECR_API_ERROR),
            ("ecr.dkr", f"ECR DKR (com.amazonaws.{REGION}.ecr.dkr)", PULL_ERROR),
        )
    ]


def test_checklist_3_a_task_group_without_outbound_443_is_a_violation_for_every_leg():
    stack = private_with_endpoints()
    stack.props("sg", "task")["egress"] = [{"protocol": "tcp", "fromPort": 5432, "toPort": 5432,
                                            "cidrBlocks": ["0.0.0.0/0"]}]

    violations = stack.run(ECR).violations

    assert len(violations) == 6
    assert violations[0] == (
        f"Service 'web' runs tasks in Subnet 'private-a' (us-east-1a) that cannot reach ECR API "
        f"(com.amazonaws.{REGION}.ecr.api): the task security groups (SecurityGroup 'task') allow no outbound TCP "
        f"443 to VpcEndpoint 'ecr.api'. Add an egress rule for TCP 443 to the endpoint's security group. "
        f"Tasks fail to start with: {ECR_API_ERROR}"
    )
    assert violations[2] == (
        f"Service 'web' runs tasks in Subnet 'private-a' (us-east-1a) that cannot reach S3 "
        f"(com.amazonaws.{REGION}.s3): the task security groups (SecurityGroup 'task') allow no outbound TCP 443 "
        f"to the S3 prefix list of VpcEndpoint 's3' or to 0.0.0.0/0. Add an egress rule for TCP 443 to the S3 "
        f"prefix list (or 0.0.0.0/0). Tasks fail to start with: {PULL_ERROR}"
    )


def test_checklist_3_a_security_group_created_without_egress_lets_nothing_out_even_with_nat():
    stack = private_with_nat()
    del stack.props("sg", "task")["egress"]

    assert stack.run(ECR).violations == [
        line + (
            ": the task security groups (SecurityGroup 'task') allow no outbound TCP 443 to 0.0.0.0/0. "
            f"Add an egress rule for TCP 443 to 0.0.0.0/0 to the task security group. Tasks fail to start with: "
            f"{ECR_API_ERROR}"
        )
        for line in per_subnet(ECR_ALL)
    ]


def test_checklist_3_an_endpoint_group_admitting_the_task_subnets_by_cidr_passes():
    stack = private_with_endpoints()
    stack.props("sg", "endpoints")["ingress"] = [
        {"protocol": "tcp", "fromPort": 443, "toPort": 443, "cidrBlocks": ["10.0.0.0/16"]}]

    assert clean(stack.run(ECR))


def test_checklist_3_a_cidr_that_misses_one_task_subnet_is_a_violation_for_that_subnet_only():
    stack = private_with_endpoints()
    stack.props("sg", "endpoints")["ingress"] = [
        {"protocol": "tcp", "fromPort": 443, "toPort": 443, "cidrBlocks": ["10.0.1.0/24"]}]

    violations = stack.run(ECR).violations

    assert [v.split(" that ")[0] for v in violations] == [
        "Service 'web' runs tasks in Subnet 'private-b' (us-east-1b)"] * 2


def test_checklist_3_separate_security_group_rule_resources_count():
    stack = private_with_endpoints()
    stack.props("sg", "endpoints")["ingress"] = []
    stack.props("sg", "task")["egress"] = []
    stack.add("ingress", "endpoints-from-tasks", {"securityGroupId": "sg-endpoints", "ipProtocol": "tcp",
                                                  "fromPort": 443, "toPort": 443,
                                                  "referencedSecurityGroupId": "sg-task"})
    stack.add("egress", "tasks-to-endpoints", {"securityGroupId": "sg-task", "ipProtocol": "tcp", "fromPort": 443,
                                               "toPort": 443, "referencedSecurityGroupId": "sg-endpoints"})
    stack.add("sgrule", "tasks-to-s3", {"type": "egress", "securityGroupId": "sg-task", "protocol": "tcp",
                                        "fromPort": 443, "toPort": 443, "prefixListIds": ["pl-63a5400a"]})

    assert clean(stack.run(ECR))


def test_checklist_3_a_separate_rule_on_the_wrong_port_does_not_count():
    stack = private_with_endpoints()
    stack.props("sg", "endpoints")["ingress"] = []
    stack.add("sgrule", "endpoints-from-tasks", {"type": "ingress", "securityGroupId": "sg-endpoints",
                                                 "protocol": "tcp", "fromPort": 80, "toPort": 80,
                                                 "sourceSecurityGroupId": "sg-task"})

    assert len(stack.run(ECR).violations) == 4


def test_checklist_3_a_nat_gateway_does_not_rescue_an_endpoint_whose_group_blocks_the_tasks():
    # Private DNS points the service's name at the endpoint for the whole VPC, so the
    # traffic never takes the NAT route.
    stack = private_with_nat()
    stack.add("sg", "endpoints", {"id": "sg-endpoints", "vpcId": "vpc-1", "ingress": [], "egress": []})
    stack.add("vpce", "ecr.api", {"vpcId": "vpc-1", "serviceName": f"com.amazonaws.{REGION}.ecr.api",
                                  "vpcEndpointType": "Interface", "privateDnsEnabled": True,
                                  "subnetIds": ["subnet-pa", "subnet-pb"], "securityGroupIds": ["sg-endpoints"]})

    assert stack.run(ECR).violations == [
        line + (
            ": the security groups of VpcEndpoint 'ecr.api' (SecurityGroup 'endpoints') admit no inbound TCP 443 from "
            "the task security groups (SecurityGroup 'task'). Add an ingress rule for TCP 443 from the task security "
            f"group to the endpoint's security group. Tasks fail to start with: {ECR_API_ERROR}"
        )
        for line in per_subnet(f"ECR API (com.amazonaws.{REGION}.ecr.api)")
    ]


def test_checklist_4_an_endpoint_missing_a_task_az_is_a_resilience_defect():
    stack = private_with_endpoints()
    stack.props("vpce", "ecr.api")["subnetIds"] = ["subnet-pa"]

    assert stack.run(ECR).violations == [
        f"Service 'web' runs tasks in Subnet 'private-b' (us-east-1b), but VpcEndpoint 'ecr.api' "
        f"(com.amazonaws.{REGION}.ecr.api) has no subnet in us-east-1b (its subnets are in us-east-1a): the tasks "
        f"reach it across AZs, pay for cross-AZ traffic and lose ECR API when us-east-1a fails. Add a subnet in "
        f"us-east-1b to the subnetIds of VpcEndpoint 'ecr.api'."
    ]


def test_checklist_4_the_az_check_can_be_switched_off():
    stack = private_with_endpoints()
    stack.props("vpce", "ecr.api")["subnetIds"] = ["subnet-pa"]

    assert clean(stack.run(ECR, {"checkEndpointAzs": False}))


def test_checklist_4_a_subnet_added_by_a_subnet_association_counts():
    stack = private_with_endpoints()
    stack.props("vpce", "ecr.api")["subnetIds"] = ["subnet-pa"]
    stack.add("vpce-subnet", "ecr-api-b", {"vpcEndpointId": "vpce-ecr-api", "subnetId": "subnet-pb"})

    assert clean(stack.run(ECR))


def test_checklist_5_an_s3_gateway_endpoint_off_the_task_route_table_is_a_violation():
    stack = private_with_endpoints()
    stack.props("vpce", "s3")["routeTableIds"] = ["rtb-public"]

    assert stack.run(ECR).violations == [
        line + (
            ": VpcEndpoint 's3' is not associated with RouteTable 'private'. Add RouteTable 'private' to the "
            f"routeTableIds of VpcEndpoint 's3'. Tasks fail to start with: {PULL_ERROR}"
        )
        for line in per_subnet(f"S3 (com.amazonaws.{REGION}.s3)")
    ]


def test_checklist_5_a_route_table_association_resource_counts():
    stack = private_with_endpoints()
    stack.props("vpce", "s3")["routeTableIds"] = []
    stack.add("vpce-rt", "s3-private", {"vpcEndpointId": "vpce-s3", "routeTableId": "rtb-private"})

    assert clean(stack.run(ECR))


def test_checklist_5_an_s3_interface_endpoint_serves_instead_of_a_gateway():
    stack = private_with_endpoints().remove("vpce", "s3")
    stack.add("vpce", "s3", {"vpcId": "vpc-1", "serviceName": f"com.amazonaws.{REGION}.s3",
                             "vpcEndpointType": "Interface", "privateDnsEnabled": True,
                             "subnetIds": ["subnet-pa", "subnet-pb"], "securityGroupIds": ["sg-endpoints"]})
    stack.props("sg", "task")["egress"] = [{"protocol": "tcp", "fromPort": 443, "toPort": 443,
                                            "securityGroups": ["sg-endpoints"]}]

    assert clean(stack.run(ECR))


def test_endpoint_policies_do_not_change_the_verdict():
    stack = private_with_endpoints()
    policy = json.dumps({"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}]})
    for name in ("ecr.api", "ecr.dkr", "s3"):
        stack.props("vpce", name)["policy"] = policy
    stack.props("vpce", "ecr.api")["tags"] = {"Name": "ecr-api"}

    assert clean(stack.run(ECR))


def test_a_nat_gateway_in_a_subnet_without_an_internet_route_is_a_violation():
    stack = private_with_nat()
    stack.props("nat", "nat")["subnetId"] = "subnet-pa"

    assert stack.run(ECR).violations == [
        line + (
            ": RouteTable 'private' routes 0.0.0.0/0 to NatGateway 'nat', but the NAT gateway's Subnet 'private-a' "
            "has no default route to an internet gateway (RouteTable 'private'). Place the NAT gateway in a public "
            f"subnet whose route table sends 0.0.0.0/0 to an internet gateway. Tasks fail to start with: {ECR_API_ERROR}"
        )
        for line in per_subnet(ECR_ALL)
    ]


def test_a_private_nat_gateway_is_a_violation():
    stack = private_with_nat()
    stack.props("nat", "nat")["connectivityType"] = "private"

    assert stack.run(ECR).violations[0] == per_subnet(ECR_ALL)[0] + (
        ": RouteTable 'private' routes 0.0.0.0/0 to NatGateway 'nat', whose connectivityType is 'private'; a private "
        f"NAT gateway does not reach the internet. Route 0.0.0.0/0 to a public NAT gateway. Tasks fail to start with: "
        f"{ECR_API_ERROR}"
    )


def test_a_public_subnet_without_a_public_ip_is_a_violation():
    stack = private_with_nat()
    stack.props("service", "web")["networkConfiguration"]["subnets"] = ["subnet-ua", "subnet-ub"]

    assert stack.run(ECR).violations == [
        line + (
            ": RouteTable 'public' routes 0.0.0.0/0 to an internet gateway, but Service 'web' "
            "networkConfiguration.assignPublicIp is false; a task without a public IP cannot use an internet "
            "gateway. Set networkConfiguration.assignPublicIp to true, or run the tasks in private subnets routed to "
            f"a NAT gateway. Tasks fail to start with: {ECR_API_ERROR}"
        )
        for line in per_subnet(ECR_ALL, subnets=(("public-a", "us-east-1a"), ("public-b", "us-east-1b")))
    ]


def test_a_route_resource_supplies_the_default_route():
    stack = private_with_nat()
    stack.props("rt", "private")["routes"] = []
    stack.add("route", "private-default", {"routeTableId": "rtb-private", "destinationCidrBlock": "0.0.0.0/0",
                                           "natGatewayId": "nat-1"})

    assert clean(stack.run(ECR))


def test_a_default_route_to_a_transit_gateway_is_inconclusive_not_a_pass():
    stack = private_with_nat()
    stack.props("rt", "private")["routes"] = [{"cidrBlock": "0.0.0.0/0", "transitGatewayId": "tgw-1"}]

    outcome = stack.run(ECR)

    assert outcome.violations == []
    assert outcome.inconclusive == (
        "Cannot be verified until update: Service 'web': RouteTable 'private' routes 0.0.0.0/0 to transitGatewayId "
        "'tgw-1'; where that traffic leaves the network is outside what the pack can see"
    )


def test_an_unassociated_subnet_uses_the_main_route_table_association():
    stack = private_with_nat().remove("assoc", "private-a").remove("assoc", "private-b")
    stack.add("main", "main", {"vpcId": "vpc-1", "routeTableId": "rtb-private"})

    assert clean(stack.run(ECR))


def test_an_unassociated_subnet_uses_the_default_route_table_of_its_vpc():
    stack = private_with_nat().remove("assoc", "private-a").remove("assoc", "private-b")
    stack.props("vpc", "main")["defaultRouteTableId"] = "rtb-default"
    stack.add("drt", "default", {"defaultRouteTableId": "rtb-default",
                                 "routes": [{"cidrBlock": "0.0.0.0/0", "natGatewayId": "nat-1"}]})

    assert clean(stack.run(ECR))


def test_an_ecr_image_in_another_region_cannot_use_this_vpcs_endpoints():
    stack = private_with_endpoints()
    image = f"{ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com/web:3f2a9c1"
    add_task(stack, containers=[{"name": "web", "image": image, "essential": True}])

    violations = stack.run(ECR).violations

    assert violations[0] == per_subnet(
        "ECR API (com.amazonaws.eu-west-1.ecr.api), ECR DKR (com.amazonaws.eu-west-1.ecr.dkr) and "
        "S3 (com.amazonaws.eu-west-1.s3)")[0] + (
        ": RouteTable 'private' has no default route (0.0.0.0/0) to a NAT gateway or an internet gateway. Add a "
        "0.0.0.0/0 route to a NAT gateway in a public subnet, or create interface endpoints "
        "com.amazonaws.eu-west-1.ecr.api and com.amazonaws.eu-west-1.ecr.dkr with privateDnsEnabled true and a "
        "gateway endpoint com.amazonaws.eu-west-1.s3 on this route table in this VPC. Tasks fail to start with: "
        f"{ECR_API_ERROR}"
    )
    assert len(violations) == 2


def test_several_services_sharing_subnets_are_each_reported():
    stack = private_with_endpoints().remove("vpce", "ecr.dkr")
    stack.add("service", "worker", {**stack.props("service", "web"), "name": "worker"})

    violations = stack.run(ECR).violations

    assert [v.split(" that ")[0] for v in violations] == [
        "Service 'web' runs tasks in Subnet 'private-a' (us-east-1a)",
        "Service 'web' runs tasks in Subnet 'private-b' (us-east-1b)",
        "Service 'worker' runs tasks in Subnet 'private-a' (us-east-1a)",
        "Service 'worker' runs tasks in Subnet 'private-b' (us-east-1b)",
    ]


def test_a_task_set_is_checked_like_a_service():
    stack = private_with_endpoints().remove("vpce", "ecr.dkr")
    web = stack.props("service", "web")
    stack.remove("service", "web")
    stack.add("taskset", "blue", {"service": "web", "cluster": "main", "taskDefinition": web["taskDefinition"],
                                  "networkConfiguration": web["networkConfiguration"]})

    violations = stack.run(ECR).violations

    assert [v.split(" that ")[0] for v in violations] == [
        "TaskSet 'blue' runs tasks in Subnet 'private-a' (us-east-1a)",
        "TaskSet 'blue' runs tasks in Subnet 'private-b' (us-east-1b)",
    ]


def test_a_service_without_security_groups_uses_the_vpc_default_group():
    stack = private_with_endpoints()
    del stack.props("service", "web")["networkConfiguration"]["securityGroups"]
    for name in ("ecr.api", "ecr.dkr"):
        del stack.props("vpce", name)["securityGroupIds"]

    # The default group of a new VPC admits itself and lets everything out, so tasks and
    # endpoints that both use it can talk.
    assert clean(stack.run(ECR))


def test_a_service_without_network_configuration_is_not_applicable():
    # Bridge networking: the tasks use the container instance's network, which the stack does not model.
    stack = private_with_endpoints().remove("vpce", "ecr.dkr")
    del stack.props("service", "web")["networkConfiguration"]
    stack.props("task", "web")["networkMode"] = "bridge"

    outcome = stack.run(ECR)

    assert (outcome.violations, outcome.inconclusive) == ([], None)
    assert outcome.not_applicable == NOT_APPLICABLE


def test_a_bridge_mode_task_definition_is_not_applicable():
    stack = private_with_endpoints().remove("vpce", "ecr.dkr")
    stack.props("task", "web")["networkMode"] = "bridge"

    outcome = stack.run(ECR)

    assert (outcome.violations, outcome.inconclusive) == ([], None)
    assert outcome.not_applicable == NOT_APPLICABLE


def test_wrongly_typed_properties_do_not_raise():
    stack = private_with_nat()
    stack.props("service", "web")["networkConfiguration"] = {"subnets": "subnet-pa", "securityGroups": 5,
                                                              "assignPublicIp": "yes"}
    stack.props("sg", "task")["egress"] = [{"protocol": 6, "fromPort": "443", "toPort": None}, "junk"]
    stack.props("rt", "private")["routes"] = [None, {"cidrBlock": 7}]

    outcome = stack.run(ECR)

    assert outcome.violations == [
        per_subnet(ECR_ALL)[0] + (
            ": RouteTable 'private' has no default route (0.0.0.0/0) to a NAT gateway or an internet gateway. Add a "
            "0.0.0.0/0 route to a NAT gateway in a public subnet, or create interface endpoints "
            f"com.amazonaws.{REGION}.ecr.api and com.amazonaws.{REGION}.ecr.dkr with privateDnsEnabled true and a "
            f"gateway endpoint com.amazonaws.{REGION}.s3 on this route table in this VPC. Tasks fail to start with: "
            f"{ECR_API_ERROR}")
    ]


def test_a_first_preview_still_finds_the_missing_endpoint():
    stack = preview(private_with_endpoints().remove("vpce", "ecr.dkr"))

    assert [v.split(": ")[0] for v in stack.run(ECR).violations] == [
        f"Service 'web' runs tasks in Subnet 'private-a' (us-east-1a) that cannot reach ECR DKR "
        f"(com.amazonaws.{REGION}.ecr.dkr)",
        f"Service 'web' runs tasks in Subnet 'private-b' (us-east-1b) that cannot reach ECR DKR "
        f"(com.amazonaws.{REGION}.ecr.dkr)",
    ]


def test_an_unknown_subnet_that_no_resource_supplies_is_inconclusive():
    stack = private_with_nat()
    stack.props("service", "web")["networkConfiguration"]["subnets"] = [UNKNOWN]

    outcome = stack.run(ECR)

    assert outcome.violations == []
    assert outcome.inconclusive == (
        "Cannot be verified until update: Service 'web': Service 'web' networkConfiguration (subnet: an unknown value "
        "that no resource in the stack supplies)"
    )


def test_unknown_private_dns_is_inconclusive_when_no_other_path_exists():
    stack = private_with_endpoints()
    stack.props("vpce", "ecr.api")["privateDnsEnabled"] = UNKNOWN

    outcome = stack.run(ECR)

    assert outcome.violations == []
    assert outcome.inconclusive == (
        "Cannot be verified until update: Service 'web': VpcEndpoint 'ecr.api' privateDnsEnabled (unknown)"
    )


def test_a_subnet_outside_the_stack_is_inconclusive_with_look_ups_off():
    stack = private_with_nat()
    stack.props("service", "web")["networkConfiguration"]["subnets"] = ["subnet-0adopted"]

    outcome = stack.run(ECR)

    assert outcome.violations == []
    assert outcome.inconclusive == (
        "Cannot be verified until update: Service 'web': subnet subnet-0adopted (outside the stack): live look-ups "
        "are off (liveLookups: off)"
    )


def test_an_endpoint_of_unknown_type_is_inconclusive_rather_than_missing():
    stack = private_with_endpoints()
    stack.props("vpce", "ecr.dkr")["vpcEndpointType"] = UNKNOWN

    outcome = stack.run(ECR)

    assert outcome.violations == []
    assert outcome.inconclusive == (
        "Cannot be verified until update: Service 'web': VpcEndpoint 'ecr.dkr' vpcEndpointType (unknown)"
    )


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
        "live look-ups are off (liveLookups: off); "
        # The adopted VPC's default network ACL decides reach too, and is not in the stack either.
        "Service 'web': the network ACL of Subnet 'private-a' in VPC vpc-0adopted (outside the stack): "
        "live look-ups are off (liveLookups: off); "
        "Service 'web': the network ACL of Subnet 'private-b' in VPC vpc-0adopted (outside the stack): "
        "live look-ups are off (liveLookups: off)"
    )
