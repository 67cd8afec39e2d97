"""ecs-subnets-reach-task-services: every subnet an awsvpc task runs in reaches CloudWatch Logs, SSM,
Secrets Manager and the internet as its tasks need them at start.
"""

from __future__ import annotations

from pulumi_policy import Severity

from kit import stack_policy
from model.stack_index import StackIndex
from rules._subnet_reach import CONFIG_SCHEMA, validate_subnet_reach


def validate_reach_task_services(index: StackIndex, findings, config: dict) -> None:
    validate_subnet_reach(index, findings, config, registry_needs=False)


ecs_subnets_reach_task_services = stack_policy(
    name="ecs-subnets-reach-task-services",
    description=(
        "Checks that every subnet an awsvpc ECS service or task set runs in can reach the services its tasks "
        "need at start: CloudWatch Logs for awslogs, SSM and Secrets Manager for secrets, the internet for "
        "images from public registries."
    ),
    validate=validate_reach_task_services,
    severity=Severity.CRITICAL,
    remediation_steps=(
        "Give the task subnets a path to each service: a 0.0.0.0/0 route to a NAT gateway in a public subnet, or "
        "interface endpoints com.amazonaws.<region>.logs, .ssm and .secretsmanager with privateDnsEnabled true and "
        "security groups passing TCP 443 from the tasks. Images from registries outside ECR need the NAT gateway "
        "(or, on Fargate, a public IP in a public subnet), or copy them into ECR."
    ),
    url="https://docs.aws.amazon.com/AmazonECS/latest/developerguide/vpc-endpoints.html",
    config_schema=CONFIG_SCHEMA,
)
