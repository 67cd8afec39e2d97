"""Cases that hold for both subnet-reach rules (the same path judged for different needs)."""

from __future__ import annotations

import pytest
from pulumi_policy import Severity

from model.values import UNKNOWN
from tests.policies.model.test_network import IMAGE, Stack, add_task, private_with_endpoints, private_with_nat
from tests.policies.rules.subnet_reach_cases import (
    ECR,
    SERVICES,
    SUBNET_REACH_RULES,
    SUBNETS,
    clean,
    per_subnet,
    preview,
    public_tasks,
)

PUBLIC_PULL_ERROR = (
    "CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to do request "
    "dial tcp <ip>:443: i/o timeout"
)


@pytest.mark.parametrize("build", [private_with_nat, private_with_endpoints])
@pytest.mark.parametrize("policy", SUBNET_REACH_RULES, ids=lambda p: p.name)
def test_a_compliant_stack_passes_both_rules(build, policy):
    assert clean(build().run(policy))


def test_the_module_lists_the_rules_in_catalog_order_with_their_texts():
    assert [p.name for p in SUBNET_REACH_RULES] == ["ecs-subnets-reach-ecr", "ecs-subnets-reach-task-services"]
    for policy in SUBNET_REACH_RULES:
        assert policy.description.endswith(".") and policy.description.count(". ") == 0
        assert policy.severity == Severity.CRITICAL
        assert policy.url.startswith("https://docs.aws.amazon.com/")
        assert set(policy.config_schema.properties) == {
            "liveLookups", "awsRegion", "awsEndpointUrl", "lookupTimeoutSeconds", "checkEndpointAzs"}
        for spec in policy.config_schema.properties.values():
            assert {"type", "description", "default"} <= set(spec)


def test_checklist_3_tasks_and_endpoints_sharing_one_self_referencing_group_pass():
    stack = private_with_endpoints()
    stack.remove("sg", "endpoints")
    stack.props("sg", "task")["ingress"] = [{"protocol": "tcp", "fromPort": 443, "toPort": 443, "self": True}]
    stack.props("sg", "task")["egress"] = [{"protocol": "-1", "fromPort": 0, "toPort": 0, "cidrBlocks": ["0.0.0.0/0"]}]
    for name in ("ecr.api", "ecr.dkr", "logs", "ssm", "secretsmanager"):
        stack.props("vpce", name)["securityGroupIds"] = ["sg-task"]

    assert clean(stack.run(ECR))
    assert clean(stack.run(SERVICES))


def test_a_public_subnet_with_a_public_ip_passes():
    stack = private_with_nat()
    stack.props("service", "web")["networkConfiguration"].update(subnets=["subnet-ua", "subnet-ub"],
                                                                 assignPublicIp=True)

    assert clean(stack.run(ECR))
    assert clean(stack.run(SERVICES))


def test_a_task_without_awslogs_or_secrets_needs_no_other_service():
    stack = private_with_endpoints()
    for name in ("logs", "ssm", "secretsmanager"):
        stack.remove("vpce", name)
    add_task(stack, containers=[{"name": "web", "image": IMAGE, "essential": True}])

    assert stack.run(SERVICES).not_applicable == (
        "no awsvpc task the stack starts needs CloudWatch Logs, SSM, Secrets Manager or the internet at start")
    assert clean(stack.run(ECR))


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
    assert stack.run(ECR).not_applicable == "no awsvpc task the stack starts pulls its image from a private ECR registry"


def test_a_stack_that_starts_no_tasks_has_nothing_to_check():
    stack = Stack().add("bucket", "logs", {"bucket": "logs"})
    stack.add("subnet", "lonely", {"vpcId": "vpc-9"})

    for policy in (ECR, SERVICES):
        assert stack.run(policy).not_applicable == (
            "the stack starts no ECS tasks (no service, task set, EventBridge ECS target, Scheduler schedule or "
            "Step Functions runTask state)")


@pytest.mark.parametrize("build", [private_with_nat, private_with_endpoints])
def test_a_first_preview_with_every_id_unknown_is_still_conclusive(build):
    stack = preview(build())

    assert clean(stack.run(ECR))
    assert clean(stack.run(SERVICES))


def test_unknown_container_definitions_pass_when_every_service_is_reachable():
    stack = private_with_nat()
    stack.props("task", "web")["containerDefinitions"] = UNKNOWN

    assert clean(stack.run(ECR))
    assert clean(stack.run(SERVICES))


def test_an_internet_gateway_attachment_resource_attaches_the_gateway():
    stack = private_with_nat()
    del stack.props("igw", "igw")["vpcId"]
    stack.add("igw-attach", "igw", {"internetGatewayId": "igw-1", "vpcId": "vpc-1"})

    assert clean(stack.run(ECR))
    assert clean(stack.run(SERVICES))


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


# --- network ACLs, longest prefix, endpoint policies, launchers ---------------------------------

ALLOW_ALL = {"ruleNo": 100, "protocol": "-1", "action": "allow", "cidrBlock": "0.0.0.0/0", "fromPort": 0, "toPort": 0}


def test_an_unknown_nat_connectivity_type_is_inconclusive_not_a_crash():
    stack = private_with_nat()
    stack.props("nat", "nat")["connectivityType"] = UNKNOWN

    for policy in SUBNET_REACH_RULES:
        outcome = stack.run(policy)
        assert outcome.violations == []
        assert outcome.inconclusive == ("Cannot be verified until update: Service 'web': NatGateway 'nat' "
                                        "connectivityType (unknown)")


def test_an_acl_association_without_ephemeral_replies_fails_the_nat_path():
    stack = private_with_nat()
    stack.add("acl", "private", {"id": "acl-private", "vpcId": "vpc-1", "egress": [ALLOW_ALL], "ingress": [
        {"ruleNo": 100, "protocol": "tcp", "action": "allow", "cidrBlock": "10.0.0.0/16", "fromPort": 0,
         "toPort": 65535}]})
    stack.add("acl-assoc", "private-a", {"subnetId": "subnet-pa", "networkAclId": "acl-private"})

    violations = stack.run(SERVICES).violations
    assert len(violations) == 1
    assert violations[0].startswith(per_subnet("", subnets=SUBNETS[:1])[0])
    assert (": NetworkAcl 'private' drops inbound replies from the service's public addresses to the ephemeral ports "
            "1024-65535: no rule allows it, so the final deny-all (*) rule drops it; it is the network ACL of "
            "Subnet 'private-a', where the tasks run. Add a rule to NetworkAcl 'private'") in violations[0]


def test_separate_acl_rules_on_the_vpc_default_acl_are_read_in_number_order():
    stack = private_with_nat()
    stack.add("acl-rule", "deny-replies", {"networkAclId": "acl-default", "ruleNumber": 50, "egress": False,
                                           "protocol": "tcp", "ruleAction": "deny", "cidrBlock": "0.0.0.0/0",
                                           "fromPort": 1024, "toPort": 65535})
    stack.props("vpc", "main")["defaultNetworkAclId"] = "acl-default"

    violations = stack.run(SERVICES).violations
    assert len(violations) == 2
    assert all("the default network ACL of Vpc 'main' drops inbound replies from the service's public addresses "
               "to the ephemeral ports 1024-65535: rule 50 is a deny rule for 1024-65535" in v for v in violations)


def test_the_emptied_default_acl_drops_everything():
    stack = private_with_nat()
    stack.props("vpc", "main")["defaultNetworkAclId"] = "acl-default"
    stack.add("default-acl", "default", {"defaultNetworkAclId": "acl-default", "ingress": [], "egress": []})

    violations = stack.run(ECR).violations
    assert len(violations) == 2
    assert all(": DefaultNetworkAcl 'default' drops outbound TCP 443 to the service's public addresses: no rule "
               "allows it, so the final deny-all (*) rule drops it" in v for v in violations)


def test_more_specific_routes_to_a_private_nat_gateway_win_over_the_default_route():
    stack = private_with_nat()
    stack.add("nat", "partner", {"id": "nat-2", "subnetId": "subnet-pb", "connectivityType": "private"})
    for name, cidr in (("low", "0.0.0.0/1"), ("high", "128.0.0.0/1")):
        stack.add("route", name, {"routeTableId": "rtb-private", "destinationCidrBlock": cidr, "natGatewayId": "nat-2"})

    violations = stack.run(SERVICES).violations
    assert len(violations) == 2
    assert all(": RouteTable 'private' routes 0.0.0.0/1 and 128.0.0.0/1 to NatGateway 'partner', whose "
               "connectivityType is 'private'; a private NAT gateway does not reach the internet" in v
               for v in violations)


def test_an_ecr_endpoint_policy_for_another_role_stops_the_pull():
    stack = private_with_endpoints()
    document = ('{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": '
                '"arn:aws:iam::123456789012:role/ci-deployer"}, "Action": "ecr:*", "Resource": "*"}]}')
    stack.props("vpce", "ecr.api")["policy"] = document
    stack.props("task", "web")["executionRoleArn"] = "arn:aws:iam::123456789012:role/web-execution"

    violations = stack.run(ECR).violations
    assert len(violations) == 2
    assert all(": no statement of the policy of VpcEndpoint 'ecr.api' allows ecr:GetAuthorizationToken on * for "
               "the execution role arn:aws:iam::123456789012:role/web-execution." in v for v in violations)


def test_a_schedule_is_judged_on_its_own_network_configuration_and_named():
    stack = private_with_nat()
    stack.remove("service", "web")
    stack.props("rt", "private")["routes"] = []
    stack.add("schedule", "nightly", {"name": "nightly", "target": {
        "arn": "arn:aws:ecs:us-east-1:123456789012:cluster/jobs", "roleArn": "arn:aws:iam::123456789012:role/sched",
        "ecsParameters": {"taskDefinitionArn": "arn:aws:ecs:us-east-1:123456789012:task-definition/web:1",
                          "launchType": "FARGATE",
                          "networkConfiguration": {"subnets": ["subnet-pa"], "securityGroups": ["sg-task"],
                                                   "assignPublicIp": False}}}})

    violations = stack.run(SERVICES).violations
    assert len(violations) == 1
    assert violations[0].startswith("Schedule 'nightly' runs tasks in Subnet 'private-a' (us-east-1a) that cannot "
                                    "reach CloudWatch Logs (com.amazonaws.us-east-1.logs), SSM")


def test_a_state_machine_whose_definition_is_not_known_is_inconclusive_naming_it():
    stack = private_with_nat()
    stack.remove("service", "web")
    stack.add("sfn", "etl", {"name": "etl", "roleArn": "arn:aws:iam::123456789012:role/etl", "definition": UNKNOWN})

    for policy in SUBNET_REACH_RULES:
        outcome = stack.run(policy)
        assert outcome.violations == []
        assert outcome.inconclusive == "Cannot be verified until update: StateMachine 'etl' definition (not known yet)"
