"""The platform team owns one execution role for every service (created in the console, with
AmazonECSTaskExecutionRolePolicy attached); stacks reference it by ARN. This task also reads a
parameter, which that role was never granted.
"""

import json

import pulumi_aws as aws

account = aws.get_caller_identity().account_id
region = aws.get_region().region
parameter_arn = f"arn:aws:ssm:{region}:{account}:parameter/notifications/smtp-password"

aws.ssm.Parameter("smtp-password", name="/notifications/smtp-password", type="SecureString", value="rotate-me")
aws.cloudwatch.LogGroup("notifications-logs", name="/ecs/notifications", retention_in_days=14)

aws.ecs.TaskDefinition(
    "notifications",
    family="notifications",
    network_mode="awsvpc",
    requires_compatibilities=["FARGATE"],
    cpu="256",
    memory="512",
    execution_role_arn=f"arn:aws:iam::{account}:role/platform-ecs-execution",
    container_definitions=json.dumps([{
        "name": "notifications",
        "image": "public.ecr.aws/docker/library/python@sha256:2a7871f428bd90dfe1fa561067c2fe2de0e73e834f8886f862ba28685e772272",
        "essential": True,
        "portMappings": [{"containerPort": 8000}],
        "secrets": [{"name": "SMTP_PASSWORD", "valueFrom": parameter_arn}],
        "logConfiguration": {"logDriver": "awslogs", "options": {
            "awslogs-group": "/ecs/notifications", "awslogs-region": region, "awslogs-stream-prefix": "notifications"}},
    }]),
)
