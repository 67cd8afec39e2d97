"""ecs-subnets-reach-ecr: every subnet an awsvpc task runs in reaches ECR API, ECR DKR and S3."""

from __future__ import annotations

from pulumi_policy import Severity

from kit import stack_policy
from model.stack_index import StackIndex
from rules._subnet_reach import CONFIG_SCHEMA, validate_subnet_reach


def validate_reach_ecr(index: StackIndex, findings, config: dict) -> None:
    validate_subnet_reach(index, findings, config, registry_needs=True)


ecs_subnets_reach_ecr = stack_policy(
    name="ecs-subnets-reach-ecr",
    description=(
        "Checks that every subnet an awsvpc ECS service or task set runs in can reach ECR API, ECR DKR and S3 "
        "through a public IP and an internet gateway, a NAT gateway, or VPC endpoints."
    ),
    validate=validate_reach_ecr,
    severity=Severity.CRITICAL,
    remediation_steps=(
        "Give the task subnets a path to ECR: a 0.0.0.0/0 route to a NAT gateway that sits in a public subnet; "
        "or interface endpoints com.amazonaws.<region>.ecr.api and com.amazonaws.<region>.ecr.dkr with "
        "privateDnsEnabled true, a subnet in every task AZ and a security group admitting TCP 443 from the task "
        "security group (which must allow TCP 443 out), plus a gateway endpoint com.amazonaws.<region>.s3 on the "
        "task subnets' route tables; or, for Fargate tasks in a public subnet, networkConfiguration.assignPublicIp true "
        "(tasks on EC2 instances get no public IP). The internet gateway must be attached to the task VPC."
    ),
    url="https://docs.aws.amazon.com/AmazonECR/latest/userguide/vpc-endpoints.html",
    config_schema=CONFIG_SCHEMA,
)
