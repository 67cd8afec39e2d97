"""ecs-subnets-reach-task-services on stacks built from plain resources.

Each test starts from a compliant stack (`private_with_nat` or `private_with_endpoints`),
changes one thing, and asserts the exact messages.
"""

from __future__ import annotations

from model.values import UNKNOWN
from tests.policies.model.test_network import (
    IMAGE,
    REGION,
    add_task,
    private_with_endpoints,
    private_with_nat,
)
from tests.policies.rules.subnet_reach_cases import PUBLIC, SERVICES, per_subnet, public_tasks

LOGS_ERROR = (
    "ResourceInitializationError: failed to validate logger args: create stream has been retried 1 times: "
    "failed to create Cloudwatch log stream: RequestError: send request failed dial tcp <ip>:443: i/o timeout"
)


SSM_ERROR = (
    "ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: "
    "unable to retrieve secrets from ssm: RequestError: send request failed dial tcp <ip>:443: i/o timeout"
)


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


def test_unknown_container_definitions_without_a_general_path_are_inconclusive():
    stack = private_with_endpoints()
    stack.props("task", "web")["containerDefinitions"] = UNKNOWN

    outcome = stack.run(SERVICES)

    assert outcome.violations == []
    assert outcome.inconclusive == (
        "Cannot be verified until update: Service 'web' which services its tasks need: TaskDefinition 'web' "
        "containerDefinitions (unknown)"
    )


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
