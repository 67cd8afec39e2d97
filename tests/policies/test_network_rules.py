"""ecs-subnets-reach-ecr and ecs-subnets-reach-task-services on stacks built from plain resources.

Each test starts from a compliant stack (`private_with_nat` or `private_with_endpoints`),
changes one thing, and asserts the exact messages. The field-notes §2 checklist lines
are marked `checklist N`.
"""

import json

import pytest
from pulumi_policy import Severity
from pulumi_policy.policy import _NotApplicableError

import network
from model.values import UNKNOWN
from tests.policies.test_network_builder import (
    ACCOUNT,
    IMAGE,
    REGION,
    Outcome,
    Stack,
    add_task,
    private_with_endpoints,
    private_with_nat,
)

ECR, SERVICES = network.POLICIES

ECR_API_ERROR = (
    "ResourceInitializationError: unable to pull secrets or registry auth operation error ECR: "
    "GetAuthorizationToken, exceeded maximum number of attempts dial tcp <ip>:443: i/o timeout"
)
PULL_ERROR = "CannotPullContainerError: failed to do request  dial tcp <ip>:443: i/o timeout"
LOGS_ERROR = (
    "ResourceInitializationError: failed to validate logger args: create stream has been retried 1 times: "
    "failed to create Cloudwatch log stream: RequestError: send request failed dial tcp <ip>:443: i/o timeout"
)
SSM_ERROR = (
    "ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: "
    "unable to retrieve secrets from ssm: RequestError: send request failed dial tcp <ip>:443: i/o timeout"
)
PUBLIC_PULL_ERROR = (
    "CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to do request "
    "dial tcp <ip>:443: i/o timeout"
)
ECR_ALL = (
    f"ECR API (com.amazonaws.{REGION}.ecr.api), ECR DKR (com.amazonaws.{REGION}.ecr.dkr) and "
    f"S3 (com.amazonaws.{REGION}.s3)"
)
SUBNETS = (("private-a", "us-east-1a"), ("private-b", "us-east-1b"))


def clean(outcome: Outcome) -> bool:
    return outcome.violations == [] and outcome.inconclusive is None


def per_subnet(body: str, service: str = "Service 'web'", subnets=SUBNETS) -> list[str]:
    return [f"{service} runs tasks in Subnet '{name}' ({zone}) that cannot reach {body}" for name, zone in subnets]


# --- compliant stacks ---------------------------------------------------------------------


@pytest.mark.parametrize("build", [private_with_nat, private_with_endpoints])
@pytest.mark.parametrize("policy", network.POLICIES, ids=lambda p: p.name)
def test_a_compliant_stack_passes_both_rules(build, policy):
    assert clean(build().run(policy))


def test_the_module_lists_the_rules_in_catalog_order_with_their_texts():
    assert [p.name for p in network.POLICIES] == ["ecs-subnets-reach-ecr", "ecs-subnets-reach-task-services"]
    for policy in network.POLICIES:
        assert policy.description.endswith(".") and policy.description.count(". ") == 0
        assert policy.severity == Severity.CRITICAL
        assert policy.url.startswith("https://docs.aws.amazon.com/")
        assert set(policy.config_schema.properties) == {
            "liveLookups", "awsRegion", "awsEndpointUrl", "lookupTimeoutSeconds", "checkEndpointAzs"}
        for spec in policy.config_schema.properties.values():
            assert {"type", "description", "default"} <= set(spec)


# --- checklist 1: ecr.api and ecr.dkr endpoints exist and are available --------------------


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


# --- checklist 2: private DNS ------------------------------------------------------------------


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


def test_checklist_2_private_dns_needs_dns_host_names_on_the_vpc():
    stack = private_with_endpoints()
    stack.props("vpc", "main")["enableDnsHostnames"] = False

    assert stack.run(SERVICES).violations == [
        line + (
            ": Vpc 'main' has enableDnsHostnames false; the private DNS names of its interface endpoints need "
            "enableDnsHostnames and enableDnsSupport true. Set enableDnsHostnames to true on the VPC. "
            f"Tasks fail to start with: {LOGS_ERROR}"
        )
        for line in per_subnet(
            f"CloudWatch Logs (com.amazonaws.{REGION}.logs), SSM (com.amazonaws.{REGION}.ssm) and "
            f"Secrets Manager (com.amazonaws.{REGION}.secretsmanager)")
    ]


# --- checklist 3: security groups pass 443 both ways ---------------------------------------


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


def test_checklist_3_tasks_and_endpoints_sharing_one_self_referencing_group_pass():
    stack = private_with_endpoints()
    stack.remove("sg", "endpoints")
    stack.props("sg", "task")["ingress"] = [{"protocol": "tcp", "fromPort": 443, "toPort": 443, "self": True}]
    stack.props("sg", "task")["egress"] = [{"protocol": "-1", "fromPort": 0, "toPort": 0, "cidrBlocks": ["0.0.0.0/0"]}]
    for name in ("ecr.api", "ecr.dkr", "logs", "ssm", "secretsmanager"):
        stack.props("vpce", name)["securityGroupIds"] = ["sg-task"]

    assert clean(stack.run(ECR))
    assert clean(stack.run(SERVICES))


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


# --- checklist 4: a subnet in every task AZ ---------------------------------------------------


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


def test_checklist_4_an_endpoint_without_any_subnet_is_unreachable():
    stack = private_with_endpoints()
    stack.props("vpce", "logs")["subnetIds"] = []

    assert stack.run(SERVICES).violations == [
        line + (
            ": VpcEndpoint 'logs' has no subnet, so it has no network interface to answer on. Add the task subnets "
            f"to the endpoint's subnetIds. Tasks fail to start with: {LOGS_ERROR}"
        )
        for line in per_subnet(f"CloudWatch Logs (com.amazonaws.{REGION}.logs)")
    ]


# --- checklist 5: S3 gateway endpoint on the task route tables ---------------------------------


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


# --- the NAT and public-IP alternatives --------------------------------------------------------


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


def test_a_public_subnet_with_a_public_ip_passes():
    stack = private_with_nat()
    stack.props("service", "web")["networkConfiguration"].update(subnets=["subnet-ua", "subnet-ub"],
                                                                 assignPublicIp=True)

    assert clean(stack.run(ECR))
    assert clean(stack.run(SERVICES))


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


# --- the main route table -----------------------------------------------------------------------


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


def test_an_unassociated_subnet_of_a_new_vpc_has_only_the_local_route():
    stack = private_with_nat().remove("assoc", "private-a")

    violations = stack.run(SERVICES).violations

    assert violations == [
        per_subnet(f"CloudWatch Logs (com.amazonaws.{REGION}.logs), SSM (com.amazonaws.{REGION}.ssm) and Secrets "
                   f"Manager (com.amazonaws.{REGION}.secretsmanager)")[0]
        + (": the main route table of Vpc 'main' has no default route (0.0.0.0/0) to a NAT gateway or an internet "
           "gateway. Add a 0.0.0.0/0 route to a NAT gateway in a public subnet, or create interface endpoints "
           f"com.amazonaws.{REGION}.logs, com.amazonaws.{REGION}.ssm and com.amazonaws.{REGION}.secretsmanager with "
           f"privateDnsEnabled true in this VPC. Tasks fail to start with: {LOGS_ERROR}")
    ]


# --- what a task needs -----------------------------------------------------------------------------


def test_a_task_without_awslogs_or_secrets_needs_no_other_service():
    stack = private_with_endpoints()
    for name in ("logs", "ssm", "secretsmanager"):
        stack.remove("vpce", name)
    add_task(stack, containers=[{"name": "web", "image": IMAGE, "essential": True}])

    assert clean(stack.run(SERVICES))
    assert clean(stack.run(ECR))


def test_ssm_secrets_by_name_need_ssm_in_the_task_region():
    stack = private_with_endpoints().remove("vpce", "ssm")
    add_task(stack, containers=[{"name": "web", "image": IMAGE,
                                 "secrets": [{"name": "DB", "valueFrom": "/web/db/password"}]}])

    assert stack.run(SERVICES).violations == [
        line + (
            ": RouteTable 'private' has no default route (0.0.0.0/0) to a NAT gateway or an internet gateway. Add a "
            "0.0.0.0/0 route to a NAT gateway in a public subnet, or create interface endpoint "
            f"com.amazonaws.{REGION}.ssm with privateDnsEnabled true in this VPC. Tasks fail to start with: {SSM_ERROR}"
        )
        for line in per_subnet(f"SSM (com.amazonaws.{REGION}.ssm)")
    ]


def test_an_image_from_a_public_registry_needs_the_internet():
    stack = private_with_endpoints()
    add_task(stack, containers=[{"name": "web", "image": "nginx:1.27", "essential": True}])

    assert stack.run(SERVICES).violations == [
        line + (
            ": RouteTable 'private' has no default route (0.0.0.0/0) to a NAT gateway or an internet gateway. Add a "
            "0.0.0.0/0 route to a NAT gateway in a public subnet, or copy the image into a private ECR repository. "
            f"Tasks fail to start with: {PUBLIC_PULL_ERROR}"
        )
        for line in per_subnet("the internet (image nginx:1.27 from registry docker.io)")
    ]
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


# --- several runners ------------------------------------------------------------------------------


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


# --- missing properties, defaults, other types --------------------------------------------------


def test_a_service_without_security_groups_uses_the_vpc_default_group():
    stack = private_with_endpoints()
    del stack.props("service", "web")["networkConfiguration"]["securityGroups"]
    for name in ("ecr.api", "ecr.dkr"):
        del stack.props("vpce", name)["securityGroupIds"]

    # The default group of a new VPC admits itself and lets everything out, so tasks and
    # endpoints that both use it can talk.
    assert clean(stack.run(ECR))


def test_a_service_without_network_configuration_is_not_checked():
    stack = private_with_endpoints().remove("vpce", "ecr.dkr")
    del stack.props("service", "web")["networkConfiguration"]
    stack.props("task", "web")["networkMode"] = "bridge"

    assert clean(stack.run(ECR))


def test_a_bridge_mode_task_definition_is_not_checked():
    stack = private_with_endpoints().remove("vpce", "ecr.dkr")
    stack.props("task", "web")["networkMode"] = "bridge"

    assert clean(stack.run(ECR))


def test_a_stack_without_ecs_services_has_nothing_to_check():
    stack = Stack().add("bucket", "logs", {"bucket": "logs"})
    stack.add("subnet", "lonely", {"vpcId": "vpc-9"})

    for policy in (ECR, SERVICES):
        with pytest.raises(_NotApplicableError) as raised:
            stack.run(policy)
        assert raised.value.reason == "the stack has no ECS service or task set"


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


# --- unknowns at preview ----------------------------------------------------------------------------


def preview(stack: Stack) -> Stack:
    """What a first preview sends: every ID unknown, references followed through property dependencies."""
    refs = {}
    for (kind, name), (props, _) in stack.items.items():
        for output in ("id", "arn"):
            if output in props:
                refs[props[output]] = (kind, name)
                props[output] = UNKNOWN

    def swap(value, found):
        if isinstance(value, str) and value in refs:
            found.append(refs[value])
            return UNKNOWN
        if isinstance(value, list):
            return [swap(v, found) for v in value]
        if isinstance(value, dict):
            return {k: swap(v, found) for k, v in value.items()}
        return value

    for key, (props, deps) in list(stack.items.items()):
        new_deps = dict(deps)
        for prop in list(props):
            found: list = []
            props[prop] = swap(props[prop], found)
            if found:
                new_deps[prop] = found
        stack.items[key] = (props, new_deps)
    return stack


@pytest.mark.parametrize("build", [private_with_nat, private_with_endpoints])
def test_a_first_preview_with_every_id_unknown_is_still_conclusive(build):
    stack = preview(build())

    assert clean(stack.run(ECR))
    assert clean(stack.run(SERVICES))


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


def test_unknown_container_definitions_pass_when_every_service_is_reachable():
    stack = private_with_nat()
    stack.props("task", "web")["containerDefinitions"] = UNKNOWN

    assert clean(stack.run(ECR))
    assert clean(stack.run(SERVICES))


def test_unknown_container_definitions_without_a_general_path_are_inconclusive():
    stack = private_with_endpoints()
    stack.props("task", "web")["containerDefinitions"] = UNKNOWN

    outcome = stack.run(SERVICES)

    assert outcome.violations == []
    assert outcome.inconclusive == (
        "Cannot be verified until update: Service 'web' which services its tasks need: TaskDefinition 'web' "
        "containerDefinitions (unknown)"
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
