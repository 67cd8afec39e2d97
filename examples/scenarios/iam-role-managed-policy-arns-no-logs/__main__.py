"""The team wrote its own execution policy instead of the AWS-managed one and attached it through
the Role's `managed_policy_arns`. It covers ECR and SSM; the log writes were forgotten.
"""

import json

import pulumi_aws as aws

account = aws.get_caller_identity().account_id
region = aws.get_region().region
parameter_arn = f"arn:aws:ssm:{region}:{account}:parameter/inventory/api-token"

aws.ssm.Parameter("api-token", name="/inventory/api-token", type="SecureString", value="rotate-me")
aws.cloudwatch.LogGroup("inventory-logs", name="/ecs/inventory", retention_in_days=14)

execution_policy = aws.iam.Policy("inventory-execution-policy", name="inventory-execution", policy=json.dumps({
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Action": ["ecr:GetAuthorizationToken", "ecr:BatchCheckLayerAvailability",
                                       "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"], "Resource": "*"},
        {"Effect": "Allow", "Action": "ssm:GetParameters", "Resource": parameter_arn},
    ],
}))
role = aws.iam.Role(
    "inventory-execution",
    name="inventory-execution",
    assume_role_policy=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"},
                       "Action": "sts:AssumeRole"}],
    }),
    managed_policy_arns=[execution_policy.arn],
)

aws.ecs.TaskDefinition(
    "inventory",
    family="inventory",
    network_mode="awsvpc",
    requires_compatibilities=["FARGATE"],
    cpu="256",
    memory="512",
    execution_role_arn=role.arn,
    container_definitions=json.dumps([{
        "name": "inventory",
        "image": "public.ecr.aws/docker/library/python@sha256:2a7871f428bd90dfe1fa561067c2fe2de0e73e834f8886f862ba28685e772272",
        "essential": True,
        "portMappings": [{"containerPort": 8000}],
        "secrets": [{"name": "API_TOKEN", "valueFrom": parameter_arn}],
        "logConfiguration": {"logDriver": "awslogs", "options": {
            "awslogs-group": "/ecs/inventory", "awslogs-region": region, "awslogs-stream-prefix": "inventory"}},
    }]),
)
