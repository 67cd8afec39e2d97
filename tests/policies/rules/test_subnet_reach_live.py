"""The network rules on an adopted VPC: the subnets, route tables, NAT gateway, endpoints and
security groups exist only in AWS (here a real moto_server on loopback) and are looked up.

Each test makes its own VPC and every look-up is scoped to IDs or to that VPC, so the
tests share one moto_server without resetting it (a reset reloads IAM's managed policies
and costs seconds per test)."""

from __future__ import annotations

import time
from dataclasses import dataclass

import boto3
import pytest

from rules.ecs_subnets_reach_ecr import ecs_subnets_reach_ecr
from rules.ecs_subnets_reach_task_services import ecs_subnets_reach_task_services
from tests.policies.model.test_network import REGION, Stack, add_task

SUBNET_REACH_RULES = [ecs_subnets_reach_ecr, ecs_subnets_reach_task_services]

ECR, SERVICES = SUBNET_REACH_RULES


@dataclass
class Adopted:
    vpc: str
    private: list[str]
    public: str
    private_table: str
    task_group: str
    endpoint_group: str
    nat: str = ""


def ec2_client(url: str):
    return boto3.client("ec2", region_name=REGION, endpoint_url=url)


def adopted_vpc(url: str, nat: bool, dns_hostnames: bool = True) -> Adopted:
    """A VPC made outside the stack: two private subnets, a public one with an IGW route, maybe a NAT.

    DNS host names are off on a new VPC; interface endpoints with private DNS need them on,
    so the VPC turns them on unless a test asks otherwise."""
    ec2 = ec2_client(url)
    vpc = ec2.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
    if dns_hostnames:
        ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": True})
    private = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.1.{n}.0/24", AvailabilityZone=f"{REGION}{zone}")
               ["Subnet"]["SubnetId"] for n, zone in ((1, "a"), (2, "b"))]
    public = ec2.create_subnet(VpcId=vpc, CidrBlock="10.1.100.0/24", AvailabilityZone=f"{REGION}a")["Subnet"]["SubnetId"]
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    public_table = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=public_table, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    ec2.associate_route_table(RouteTableId=public_table, SubnetId=public)
    private_table = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    for subnet in private:
        ec2.associate_route_table(RouteTableId=private_table, SubnetId=subnet)
    task_group = ec2.create_security_group(GroupName="tasks", Description="tasks", VpcId=vpc)["GroupId"]
    endpoint_group = ec2.create_security_group(GroupName="endpoints", Description="endpoints", VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=endpoint_group, IpPermissions=[{
        "IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "UserIdGroupPairs": [{"GroupId": task_group}]}])
    adopted = Adopted(vpc, private, public, private_table, task_group, endpoint_group)
    if nat:
        allocation = ec2.allocate_address(Domain="vpc")["AllocationId"]
        adopted.nat = ec2.create_nat_gateway(SubnetId=public, AllocationId=allocation)["NatGateway"]["NatGatewayId"]
        ec2.create_route(RouteTableId=private_table, DestinationCidrBlock="0.0.0.0/0", NatGatewayId=adopted.nat)
    return adopted


def add_endpoints(url: str, adopted: Adopted, services=("ecr.api", "ecr.dkr", "logs", "ssm", "secretsmanager")):
    ec2 = ec2_client(url)
    for service in services:
        ec2.create_vpc_endpoint(VpcId=adopted.vpc, ServiceName=f"com.amazonaws.{REGION}.{service}",
                                VpcEndpointType="Interface", SubnetIds=adopted.private,
                                SecurityGroupIds=[adopted.endpoint_group], PrivateDnsEnabled=True)
    ec2.create_vpc_endpoint(VpcId=adopted.vpc, ServiceName=f"com.amazonaws.{REGION}.s3", VpcEndpointType="Gateway",
                            RouteTableIds=[adopted.private_table])


def service_stack(adopted: Adopted) -> Stack:
    """Only the ECS part is in the stack; the network is referenced by ID."""
    stack = Stack()
    add_task(stack)
    stack.add("service", "web", {
        "name": "web", "taskDefinition": "arn:aws:ecs:us-east-1:123456789012:task-definition/web:1",
        "networkConfiguration": {"subnets": adopted.private, "securityGroups": [adopted.task_group]}})
    return stack


def live(url: str, timeout: float = 10.0) -> dict:
    return {"liveLookups": "on", "awsEndpointUrl": url, "awsRegion": REGION, "lookupTimeoutSeconds": timeout}


def test_an_adopted_vpc_with_a_nat_gateway_passes(aws_credentials, moto_server):
    adopted = adopted_vpc(moto_server.url, nat=True)
    stack = service_stack(adopted)

    for policy in SUBNET_REACH_RULES:
        outcome = stack.run(policy, live(moto_server.url))
        assert (outcome.violations, outcome.inconclusive) == ([], None)


def test_an_adopted_vpc_with_every_endpoint_passes(aws_credentials, moto_server):
    adopted = adopted_vpc(moto_server.url, nat=False)
    add_endpoints(moto_server.url, adopted)
    stack = service_stack(adopted)

    for policy in SUBNET_REACH_RULES:
        outcome = stack.run(policy, live(moto_server.url))
        assert (outcome.violations, outcome.inconclusive) == ([], None)


def test_an_adopted_vpc_missing_the_ecr_dkr_endpoint_is_a_violation_naming_the_ids(aws_credentials, moto_server):
    adopted = adopted_vpc(moto_server.url, nat=False)
    add_endpoints(moto_server.url, adopted, services=("ecr.api", "logs", "ssm", "secretsmanager"))

    outcome = service_stack(adopted).run(ECR, live(moto_server.url))

    assert outcome.violations == [
        f"Service 'web' runs tasks in subnet {subnet} (outside the stack) ({REGION}{zone}) that cannot reach ECR DKR "
        f"(com.amazonaws.{REGION}.ecr.dkr): route table {adopted.private_table} (outside the stack) has no default "
        "route (0.0.0.0/0) to a NAT gateway or an internet gateway. Add a 0.0.0.0/0 route to a NAT gateway in a "
        f"public subnet, or create interface endpoint com.amazonaws.{REGION}.ecr.dkr with privateDnsEnabled true in "
        "this VPC. Tasks fail to start with: CannotPullContainerError: failed to do request  dial tcp <ip>:443: "
        "i/o timeout"
        for subnet, zone in zip(adopted.private, "ab", strict=True)
    ]
    assert outcome.inconclusive is None


def test_an_adopted_endpoint_group_without_the_task_group_is_a_violation(aws_credentials, moto_server):
    adopted = adopted_vpc(moto_server.url, nat=False)
    add_endpoints(moto_server.url, adopted)
    ec2_client(moto_server.url).revoke_security_group_ingress(GroupId=adopted.endpoint_group, IpPermissions=[{
        "IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "UserIdGroupPairs": [{"GroupId": adopted.task_group}]}])

    violations = service_stack(adopted).run(SERVICES, live(moto_server.url)).violations

    assert len(violations) == 6
    endpoint_id = violations[0].split("security groups of VPC endpoint ")[1].split(" ")[0]
    assert violations[0] == (
        f"Service 'web' runs tasks in subnet {adopted.private[0]} (outside the stack) ({REGION}a) that cannot reach "
        f"CloudWatch Logs (com.amazonaws.{REGION}.logs): the security groups of VPC endpoint {endpoint_id} (outside "
        f"the stack) (security group {adopted.endpoint_group} (outside the stack)) admit no inbound TCP 443 from the "
        f"task security groups (security group {adopted.task_group} (outside the stack)). Add an ingress rule for TCP "
        "443 from the task security group to the endpoint's security group. Tasks fail to start with: "
        "ResourceInitializationError: failed to validate logger args: create stream has been retried 1 times: failed "
        "to create Cloudwatch log stream: RequestError: send request failed dial tcp <ip>:443: i/o timeout"
    )


def test_a_rule_resource_in_the_stack_fixes_an_adopted_group(aws_credentials, moto_server):
    adopted = adopted_vpc(moto_server.url, nat=False)
    add_endpoints(moto_server.url, adopted)
    ec2_client(moto_server.url).revoke_security_group_ingress(GroupId=adopted.endpoint_group, IpPermissions=[{
        "IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "UserIdGroupPairs": [{"GroupId": adopted.task_group}]}])
    stack = service_stack(adopted)
    stack.add("ingress", "endpoints-from-tasks", {"securityGroupId": adopted.endpoint_group, "ipProtocol": "tcp",
                                                  "fromPort": 443, "toPort": 443,
                                                  "referencedSecurityGroupId": adopted.task_group})

    outcome = stack.run(SERVICES, live(moto_server.url))

    assert (outcome.violations, outcome.inconclusive) == ([], None)


def test_a_nat_gateway_in_a_private_adopted_subnet_is_a_violation(aws_credentials, moto_server):
    adopted = adopted_vpc(moto_server.url, nat=False)
    ec2 = ec2_client(moto_server.url)
    allocation = ec2.allocate_address(Domain="vpc")["AllocationId"]
    nat = ec2.create_nat_gateway(SubnetId=adopted.private[0], AllocationId=allocation)["NatGateway"]["NatGatewayId"]
    ec2.create_route(RouteTableId=adopted.private_table, DestinationCidrBlock="0.0.0.0/0", NatGatewayId=nat)

    violations = service_stack(adopted).run(ECR, live(moto_server.url)).violations

    assert violations[0] == (
        f"Service 'web' runs tasks in subnet {adopted.private[0]} (outside the stack) ({REGION}a) that cannot reach ECR "
        f"API (com.amazonaws.{REGION}.ecr.api), ECR DKR (com.amazonaws.{REGION}.ecr.dkr) and S3 "
        f"(com.amazonaws.{REGION}.s3): route table {adopted.private_table} (outside the stack) routes 0.0.0.0/0 to "
        f"NAT gateway {nat} (outside the stack), but the NAT gateway's subnet {adopted.private[0]} (outside the stack) "
        f"has no default route to an internet gateway (route table {adopted.private_table} (outside the stack)). "
        "Place the NAT gateway in a public subnet whose route table sends 0.0.0.0/0 to an internet gateway. Tasks "
        "fail to start with: ResourceInitializationError: unable to pull secrets or registry auth operation error "
        "ECR: GetAuthorizationToken, exceeded maximum number of attempts dial tcp <ip>:443: i/o timeout"
    )
    assert len(violations) == 2


def test_look_ups_off_name_the_ids_that_could_not_be_checked(aws_credentials, moto_server):
    adopted = adopted_vpc(moto_server.url, nat=True)

    outcome = service_stack(adopted).run(ECR, {"liveLookups": "off"})

    assert outcome.violations == []
    assert outcome.inconclusive == (
        f"Cannot be verified until update: Service 'web': subnet {adopted.private[0]} (outside the stack): live "
        f"look-ups are off (liveLookups: off); Service 'web': subnet {adopted.private[1]} (outside the stack): live "
        "look-ups are off (liveLookups: off)"
    )


def test_auto_mode_without_credentials_is_inconclusive(no_aws_credentials):
    adopted = Adopted("vpc-1", ["subnet-0a"], "subnet-0p", "rtb-1", "sg-1", "sg-2")

    outcome = service_stack(adopted).run(ECR, {"liveLookups": "auto", "awsRegion": REGION})

    assert outcome.inconclusive == (
        "Cannot be verified until update: Service 'web': subnet subnet-0a (outside the stack): no AWS credentials "
        "for a live look-up (liveLookups: auto)"
    )


def test_a_denied_look_up_is_inconclusive_with_its_reason(aws_credentials, faulty_endpoint):
    endpoint = faulty_endpoint("denied-ec2")
    adopted = Adopted("vpc-1", ["subnet-0a"], "subnet-0p", "rtb-1", "sg-1", "sg-2")

    outcome = service_stack(adopted).run(ECR, live(endpoint.url))

    assert outcome.violations == []
    assert outcome.inconclusive == (
        "Cannot be verified until update: Service 'web': subnet subnet-0a (outside the stack): ec2 describe_subnets "
        "failed: UnauthorizedOperation: You are not authorized to perform this operation."
    )


@pytest.mark.parametrize("mode,delay", [("silent", 0.0), ("slow", 2.0)])
def test_a_look_up_that_does_not_answer_in_time_is_inconclusive_and_bounded(aws_credentials, faulty_endpoint,
                                                                            mode, delay):
    endpoint = faulty_endpoint(mode, delay=delay)
    adopted = Adopted("vpc-1", ["subnet-0a", "subnet-0b"], "subnet-0p", "rtb-1", "sg-1", "sg-2")

    started = time.monotonic()
    outcome = service_stack(adopted).run(ECR, live(endpoint.url, timeout=0.4))
    elapsed = time.monotonic() - started

    assert outcome.violations == []
    assert outcome.inconclusive == (
        "Cannot be verified until update: Service 'web': subnet subnet-0a (outside the stack): ec2 describe_subnets did "
        "not answer within 0.4 s; Service 'web': subnet subnet-0b (outside the stack): ec2 describe_subnets not "
        "attempted: ec2 describe_subnets did not answer within 0.4 s"
    )
    # Two subnets, one bounded call: an endpoint that timed out is not waited for again.
    assert elapsed < 2.5


def test_a_task_definition_outside_the_stack_is_read_to_find_what_the_task_needs(aws_credentials, moto_server):
    adopted = adopted_vpc(moto_server.url, nat=False)
    add_endpoints(moto_server.url, adopted, services=("ecr.api", "ecr.dkr", "ssm", "secretsmanager"))
    ecs = boto3.client("ecs", region_name=REGION, endpoint_url=moto_server.url)
    arn = ecs.register_task_definition(
        family="adopted-web", networkMode="awsvpc", requiresCompatibilities=["FARGATE"], cpu="256", memory="512",
        containerDefinitions=[{"name": "web", "image": "public.ecr.aws/nginx/nginx:1.27", "essential": True,
                               "logConfiguration": {"logDriver": "awslogs", "options": {
                                   "awslogs-group": "/ecs/web", "awslogs-region": REGION}}}],
    )["taskDefinition"]["taskDefinitionArn"]
    stack = Stack().add("service", "web", {"name": "web", "taskDefinition": arn, "networkConfiguration": {
        "subnets": adopted.private[:1], "securityGroups": [adopted.task_group]}})

    outcome = stack.run(SERVICES, live(moto_server.url))

    assert outcome.violations == [
        f"Service 'web' runs tasks in subnet {adopted.private[0]} (outside the stack) ({REGION}a) that cannot reach "
        f"the internet (image public.ecr.aws/nginx/nginx:1.27 from registry public.ecr.aws) and CloudWatch Logs "
        f"(com.amazonaws.{REGION}.logs): route table {adopted.private_table} (outside the stack) has no default route "
        "(0.0.0.0/0) to a NAT gateway or an internet gateway. Add a 0.0.0.0/0 route to a NAT gateway in a public "
        "subnet, or create interface endpoint com.amazonaws.us-east-1.logs with privateDnsEnabled true in this VPC and "
        "copy the image into a private ECR repository. Tasks fail to start with: CannotPullContainerError: "
        "pull image manifest has been retried 5 time(s): failed to do request dial tcp <ip>:443: i/o timeout"
    ]


# --- the adopted VPC's DNS attributes and internet gateway attachment ----------------------------------


def test_an_adopted_vpc_with_dns_host_names_off_is_a_violation(aws_credentials, moto_server):
    adopted = adopted_vpc(moto_server.url, nat=False, dns_hostnames=False)
    add_endpoints(moto_server.url, adopted)

    outcome = service_stack(adopted).run(ECR, live(moto_server.url))

    assert outcome.violations == [
        f"Service 'web' runs tasks in subnet {subnet} (outside the stack) ({REGION}{zone}) that cannot reach ECR API "
        f"(com.amazonaws.{REGION}.ecr.api) and ECR DKR (com.amazonaws.{REGION}.ecr.dkr): VPC {adopted.vpc} (outside "
        "the stack) has enableDnsHostnames false; the private DNS names of its interface endpoints need "
        "enableDnsHostnames and enableDnsSupport true. Set enableDnsHostnames to true on the VPC. Tasks fail to "
        "start with: ResourceInitializationError: unable to pull secrets or registry auth operation error ECR: "
        "GetAuthorizationToken, exceeded maximum number of attempts dial tcp <ip>:443: i/o timeout"
        for subnet, zone in zip(adopted.private, "ab", strict=True)
    ]
    assert outcome.inconclusive is None


def test_an_adopted_vpc_with_dns_support_off_is_a_violation(aws_credentials, moto_server):
    adopted = adopted_vpc(moto_server.url, nat=False)
    add_endpoints(moto_server.url, adopted)
    ec2_client(moto_server.url).modify_vpc_attribute(VpcId=adopted.vpc, EnableDnsSupport={"Value": False})

    violations = service_stack(adopted).run(SERVICES, live(moto_server.url)).violations

    assert [v.split(": ", 1)[1].split(". Tasks fail")[0] for v in violations] == [
        f"VPC {adopted.vpc} (outside the stack) has enableDnsSupport false; the private DNS names of its interface "
        "endpoints need enableDnsHostnames and enableDnsSupport true. Set enableDnsSupport to true on the VPC"] * 2


def test_an_adopted_nat_subnet_routed_to_a_detached_internet_gateway_is_a_violation(aws_credentials, moto_server):
    adopted = adopted_vpc(moto_server.url, nat=True)
    ec2 = ec2_client(moto_server.url)
    table = ec2.describe_route_tables(Filters=[{"Name": "association.subnet-id", "Values": [adopted.public]}])
    igw = next(r["GatewayId"] for r in table["RouteTables"][0]["Routes"] if r.get("GatewayId", "").startswith("igw-"))
    public_table = table["RouteTables"][0]["RouteTableId"]
    ec2.detach_internet_gateway(InternetGatewayId=igw, VpcId=adopted.vpc)

    outcome = service_stack(adopted).run(ECR, live(moto_server.url))

    assert outcome.violations[0] == (
        f"Service 'web' runs tasks in subnet {adopted.private[0]} (outside the stack) ({REGION}a) that cannot reach ECR "
        f"API (com.amazonaws.{REGION}.ecr.api), ECR DKR (com.amazonaws.{REGION}.ecr.dkr) and S3 "
        f"(com.amazonaws.{REGION}.s3): route table {adopted.private_table} (outside the stack) routes 0.0.0.0/0 to "
        f"NAT gateway {adopted.nat} (outside the stack), but the NAT gateway's subnet {adopted.public} (outside the "
        f"stack) routes 0.0.0.0/0 (route table {public_table} (outside the stack)) to internet gateway {igw} (outside "
        f"the stack), which is not attached to VPC {adopted.vpc} (outside the stack) (it is attached to no VPC). "
        f"Attach internet gateway {igw} (outside the stack) to VPC {adopted.vpc} (outside the stack) (its vpcId, or an "
        f"InternetGatewayAttachment), or route 0.0.0.0/0 to the internet gateway of VPC {adopted.vpc} (outside the "
        "stack). Tasks fail to start with: ResourceInitializationError: unable to pull secrets or registry auth "
        "operation error ECR: GetAuthorizationToken, exceeded maximum number of attempts dial tcp <ip>:443: i/o timeout"
    )
    assert (len(outcome.violations), outcome.inconclusive) == (2, None)
