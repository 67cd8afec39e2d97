"""The least-privilege IAM policy an application team's CI needs to push images and roll services.

Exported as the `deployerPolicy` output (a policy document object). It grants ECR push on
the stack's repositories, registering task definitions, updating and describing the
stack's services, and `iam:PassRole` on exactly the services' execution and task roles,
only towards ECS tasks: the PassRole failures of field-notes §3 without `iam:PassRole *`.
"""

from __future__ import annotations

from dataclasses import dataclass

from components.naming import Account

ECR_PUSH_ACTIONS = [
    "ecr:BatchCheckLayerAvailability",
    "ecr:BatchGetImage",
    "ecr:CompleteLayerUpload",
    "ecr:DescribeImages",
    "ecr:GetDownloadUrlForLayer",
    "ecr:InitiateLayerUpload",
    "ecr:PutImage",
    "ecr:UploadLayerPart",
]


@dataclass(frozen=True)
class DeployedService:
    """What the policy names for one service."""

    repository_arns: tuple[str, ...]
    service_arn: str
    execution_role_arn: str
    task_role_arn: str


def deployer_policy(account: Account, services: list[DeployedService]) -> dict:
    repositories = sorted({arn for service in services for arn in service.repository_arns})
    statements = []
    if repositories:
        statements += [
            {"Sid": "EcrLogin", "Effect": "Allow", "Action": "ecr:GetAuthorizationToken", "Resource": "*"},
            {"Sid": "EcrPush", "Effect": "Allow", "Action": ECR_PUSH_ACTIONS, "Resource": repositories},
        ]
    statements += [
        # RegisterTaskDefinition has no resource-level permissions.
        {"Sid": "RegisterTaskDefinitions", "Effect": "Allow", "Action": "ecs:RegisterTaskDefinition",
         "Resource": "*"},
        {"Sid": "RollServices", "Effect": "Allow", "Action": ["ecs:DescribeServices", "ecs:UpdateService"],
         "Resource": sorted(service.service_arn for service in services)},
        {"Sid": "PassTaskRoles", "Effect": "Allow", "Action": "iam:PassRole",
         "Resource": sorted({arn for service in services for arn in (service.execution_role_arn,
                                                                      service.task_role_arn)}),
         "Condition": {"StringEquals": {"iam:PassedToService": account.service_principal("ecs-tasks")}}},
    ]
    return {"Version": "2012-10-17", "Statement": statements}
