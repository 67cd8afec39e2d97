"""ecs-alb-reaches-tasks."""

from __future__ import annotations

import boto3
import pytest

from model.load_balancing import cidrs_cover
from model.values import UNKNOWN
from rules.ecs_alb_reaches_tasks import ecs_alb_reaches_tasks
from tests.policies.test_ecs_harness import SG, SUBNET, replace, run_stack, spec, web_stack

RULE = ecs_alb_reaches_tasks
OFF = {"liveLookups": "off"}
SERVICE_URN = "urn:pulumi:test::berth::aws:ecs/service:Service::web"
ALB_URN = "urn:pulumi:test::berth::aws:lb/loadBalancer:LoadBalancer::alb"
INGRESS_MESSAGE = (
    "Service 'web' task security groups (SecurityGroup 'task-sg') do not admit LoadBalancer 'alb' (security groups: "
    "SecurityGroup 'alb-sg') on tcp 8080: add an ingress rule to a task security group from the load balancer's "
    "security group on port 8080; until then health checks fail with \"Target.Timeout: Request timed out\" and "
    "ECS keeps replacing the tasks"
)
EGRESS_MESSAGE = (
    "LoadBalancer 'alb' security groups (SecurityGroup 'alb-sg') do not let traffic out to Service 'web' tasks on "
    "tcp 8080: add an egress rule to the load balancer's security group towards the task security group on port "
    "8080 (a security group created by Pulumi has no egress rule unless one is declared)"
)


def task_ingress(*rules, deps=()) -> list:
    specs = replace(web_stack(), "task-sg", ingress=list(rules))
    next(s for s in specs if s.name == "task-sg").deps["ingress"] = list(deps)
    return specs


@pytest.mark.parametrize("preview", [False, True])
def test_accepts_the_compliant_service(preview):
    outcome = run_stack(RULE, web_stack(preview))

    assert (outcome.violations, outcome.inconclusive) == ([], None)


def test_flags_tasks_that_admit_another_group():
    specs = task_ingress({"protocol": "tcp", "fromPort": 8080, "toPort": 8080, "securityGroups": ["sg-other"]})

    assert run_stack(RULE, specs).violations == [(INGRESS_MESSAGE, SERVICE_URN)]


@pytest.mark.parametrize("rule", [
    {"protocol": "tcp", "fromPort": 80, "toPort": 80, "securityGroups": ["sg-alb"]},
    {"protocol": "udp", "fromPort": 8080, "toPort": 8080, "securityGroups": ["sg-alb"]},
])
def test_flags_tasks_that_admit_the_balancer_on_the_wrong_port_or_protocol(rule):
    assert run_stack(RULE, task_ingress(rule)).messages == [INGRESS_MESSAGE]


@pytest.mark.parametrize("rule", [
    {"protocol": "-1", "fromPort": 0, "toPort": 0, "securityGroups": ["sg-alb"]},
    {"protocol": "tcp", "fromPort": 1024, "toPort": 65535, "securityGroups": ["sg-alb"]},
    {"protocol": "tcp", "fromPort": 8080, "toPort": 8080, "cidrBlocks": ["10.0.0.0/16"]},
    {"protocol": "tcp", "fromPort": 8080, "toPort": 8080, "cidrBlocks": ["10.0.1.0/24", "10.0.2.0/24"]},
])
def test_accepts_any_rule_that_covers_the_balancer(rule):
    assert run_stack(RULE, task_ingress(rule)).violations == []


def test_flags_a_cidr_that_misses_one_balancer_subnet():
    specs = task_ingress({"protocol": "tcp", "fromPort": 8080, "toPort": 8080, "cidrBlocks": ["10.0.1.0/24"]})

    assert run_stack(RULE, specs).messages == [INGRESS_MESSAGE]


@pytest.mark.parametrize("preview", [False, True])
def test_accepts_separate_rule_resources(preview):
    specs = web_stack(preview)
    replace(specs, "task-sg", ingress=[])
    task_sg = next(s for s in specs if s.name == "task-sg").props["id"]
    alb_sg = next(s for s in specs if s.name == "alb-sg").props["id"]
    old_style = specs + [spec("aws:ec2/securityGroupRule:SecurityGroupRule", "alb-to-task", {
        "type": "ingress", "securityGroupId": task_sg, "sourceSecurityGroupId": alb_sg, "protocol": "tcp",
        "fromPort": 8080, "toPort": 8080}, {"securityGroupId": ["task-sg"], "sourceSecurityGroupId": ["alb-sg"]})]
    new_style = specs + [spec("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "alb-to-task", {
        "securityGroupId": task_sg, "referencedSecurityGroupId": alb_sg, "ipProtocol": "tcp", "fromPort": 8080,
        "toPort": 8080}, {"securityGroupId": ["task-sg"], "referencedSecurityGroupId": ["alb-sg"]})]

    assert run_stack(RULE, old_style).violations == []
    assert run_stack(RULE, new_style).violations == []
    assert run_stack(RULE, specs).messages == [INGRESS_MESSAGE]


def test_flags_a_balancer_group_without_egress_to_the_tasks():
    specs = replace(web_stack(), "alb-sg", egress=[])

    assert run_stack(RULE, specs).violations == [(EGRESS_MESSAGE, ALB_URN)]


def test_accepts_balancer_egress_to_the_task_group():
    specs = replace(web_stack(), "alb-sg", egress=[{"protocol": "tcp", "fromPort": 8080, "toPort": 8080,
                                                    "securityGroups": ["sg-task"]}])

    assert run_stack(RULE, specs).violations == []


def test_accepts_a_network_balancer_without_groups_when_tasks_admit_its_subnets():
    specs = replace(web_stack(), "alb", loadBalancerType="network", securityGroups=[])
    specs = replace(specs, "task-sg", ingress=[{"protocol": "tcp", "fromPort": 8080, "toPort": 8080,
                                                "cidrBlocks": ["10.0.0.0/16"]}])

    assert run_stack(RULE, specs).violations == []


def test_is_inconclusive_on_unknown_rules_and_the_default_group():
    unknown_rules = replace(web_stack(True), "task-sg", ingress=UNKNOWN)
    default_group = replace(web_stack(), "web", networkConfiguration={"subnets": ["subnet-a", "subnet-b"]})
    outside = replace(web_stack(), "web", networkConfiguration={"subnets": ["subnet-a"], "securityGroups": ["sg-x"]})

    assert (run_stack(RULE, unknown_rules).violations, run_stack(RULE, unknown_rules).unknowns) == (
        [], ["Service 'web' ingress from LoadBalancer 'alb' on tcp 8080"])
    assert run_stack(RULE, default_group).unknowns == [
        "Service 'web' uses the VPC's default security group (networkConfiguration.securityGroups is not set), whose "
        "rules are not in this stack"]
    assert run_stack(RULE, outside, OFF).unknowns == [
        "task security group 'sg-x' (not a security group in this stack, and not read: live look-ups are off "
        "(liveLookups: off))"]


def test_ignores_other_resource_types():
    outcome = run_stack(RULE, [spec(SG, "lonely", {"ingress": []}), spec(SUBNET, "a", {"cidrBlock": "10.0.0.0/24"})])

    assert (outcome.violations, outcome.inconclusive) == ([], None)
    assert outcome.not_applicable == "no ECS service or task set in the stack has a loadBalancers block"


def test_cidrs_cover():
    assert cidrs_cover(["0.0.0.0/0"], []) is True
    assert cidrs_cover(["10.0.0.0/8"], ["10.1.0.0/24", "10.2.0.0/24"]) is True
    assert cidrs_cover(["10.1.0.0/24"], ["10.1.0.0/24", "10.2.0.0/24"]) is False
    assert cidrs_cover([UNKNOWN], ["10.1.0.0/24"]) is None
    assert cidrs_cover(["not-a-cidr", 5], ["10.1.0.0/24"]) is False


# --- security groups outside the stack, read with ec2 describe_security_groups -----------------------

def outside_groups(moto, task_port: int) -> tuple[str, str]:
    """A balancer group and a task group in AWS; the task group admits the balancer on `task_port`."""
    ec2 = boto3.client("ec2", region_name="us-east-1", endpoint_url=moto.url)
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    alb = ec2.create_security_group(GroupName="shared-alb", Description="alb", VpcId=vpc)["GroupId"]
    task = ec2.create_security_group(GroupName="shared-task", Description="task", VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=task, IpPermissions=[{
        "IpProtocol": "tcp", "FromPort": task_port, "ToPort": task_port, "UserIdGroupPairs": [{"GroupId": alb}]}])
    return alb, task


def using_groups(alb: str, task: str) -> list:
    specs = web_stack()
    replace(specs, "web", networkConfiguration={"subnets": ["subnet-a", "subnet-b"], "securityGroups": [task]})
    replace(specs, "alb", securityGroups=[alb])
    next(s for s in specs if s.name == "web").deps["networkConfiguration"] = ["private-a", "private-b"]
    next(s for s in specs if s.name == "alb").deps["securityGroups"] = []
    return specs


def test_reads_groups_outside_the_stack_and_accepts_a_matching_rule(moto, aws_credentials):
    alb, task = outside_groups(moto, 8080)

    outcome = run_stack(RULE, using_groups(alb, task), {"awsEndpointUrl": moto.url})

    assert (outcome.violations, outcome.inconclusive) == ([], None)


def test_flags_a_group_outside_the_stack_that_admits_the_balancer_on_another_port(moto, aws_credentials):
    alb, task = outside_groups(moto, 80)

    outcome = run_stack(RULE, using_groups(alb, task), {"awsEndpointUrl": moto.url})

    assert outcome.violations == [(
        f"Service 'web' task security groups (SecurityGroup '{task}') do not admit LoadBalancer 'alb' (security "
        f"groups: SecurityGroup '{alb}') on tcp 8080: add an ingress rule to a task security group from the load "
        "balancer's security group on port 8080; until then health checks fail with \"Target.Timeout: Request timed "
        "out\" and ECS keeps replacing the tasks",
        SERVICE_URN,
    )]


def test_flags_balancer_egress_of_a_group_outside_the_stack(moto, aws_credentials):
    alb, task = outside_groups(moto, 8080)
    ec2 = boto3.client("ec2", region_name="us-east-1", endpoint_url=moto.url)
    ec2.revoke_security_group_egress(GroupId=alb, IpPermissions=[
        {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])

    outcome = run_stack(RULE, using_groups(alb, task), {"awsEndpointUrl": moto.url})

    assert outcome.violations == [(
        f"LoadBalancer 'alb' security groups (SecurityGroup '{alb}') do not let traffic out to Service 'web' tasks on "
        "tcp 8080: add an egress rule to the load balancer's security group towards the task security group on port "
        "8080 (a security group created by Pulumi has no egress rule unless one is declared)",
        ALB_URN,
    )]


def test_counts_a_rule_of_this_stack_added_to_a_group_outside_it(moto, aws_credentials):
    _, task = outside_groups(moto, 80)
    specs = web_stack()
    replace(specs, "web", networkConfiguration={"subnets": ["subnet-a", "subnet-b"], "securityGroups": [task]})
    with_rule = specs + [spec("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "alb-to-shared", {
        "securityGroupId": task, "referencedSecurityGroupId": "sg-alb", "ipProtocol": "tcp", "fromPort": 8080,
        "toPort": 8080}, {"referencedSecurityGroupId": ["alb-sg"]})]

    assert run_stack(RULE, with_rule, {"awsEndpointUrl": moto.url}).violations == []
    assert run_stack(RULE, specs, {"awsEndpointUrl": moto.url}).messages == [
        f"Service 'web' task security groups (SecurityGroup '{task}') do not admit LoadBalancer 'alb' (security "
        "groups: SecurityGroup 'alb-sg') on tcp 8080: add an ingress rule to a task security group from the load "
        "balancer's security group on port 8080; until then health checks fail with \"Target.Timeout: Request "
        "timed out\" and ECS keeps replacing the tasks"]


def test_is_inconclusive_when_a_group_outside_the_stack_cannot_be_read(moto, faulty_endpoint, aws_credentials):
    alb, task = outside_groups(moto, 8080)
    denied = faulty_endpoint("denied-ec2")

    denied_outcome = run_stack(RULE, using_groups(alb, task), {"awsEndpointUrl": denied.url})
    missing = run_stack(RULE, using_groups(alb, "sg-0123456789abcdef0"), {"awsEndpointUrl": moto.url})

    assert denied_outcome.violations == []
    denied_reason = ("not a security group in this stack, and not read: ec2 describe_security_groups failed: "
                     "UnauthorizedOperation: You are not authorized to perform this operation.")
    assert denied_outcome.unknowns == [f"task security group '{task}' ({denied_reason})",
                                       f"load balancer security group '{alb}' ({denied_reason})"]
    assert missing.violations == []
    # moto's wording of EC2's InvalidGroup.NotFound error, quoted as the look-up returned it.
    assert missing.unknowns == [
        "task security group 'sg-0123456789abcdef0' (not a security group in this stack, and not read: ec2 "
        "describe_security_groups failed: InvalidGroup.NotFound: The security group '{'sg-0123456789abcdef0'}' does "
        "not exist)"]
