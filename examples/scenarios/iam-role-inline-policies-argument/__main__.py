"""All of the execution role's grants live on the Role resource itself: `managed_policy_arns` for
the AWS-managed policy and `inline_policies` for the parameter.
"""

import json

import pulumi_aws as aws

account = aws.get_caller_identity().account_id
region = aws.get_region().region
parameter_arn = f"arn:aws:ssm:{region}:{account}:parameter/inventory/api-token"

aws.ssm.Parameter("api-token", name="/inventory/api-token", type="SecureString", value="rotate-me")
aws.cloudwatch.LogGroup("inventory-logs", name="/ecs/inventory", retention_in_days=14)

role = aws.iam.Role(
    "inventory-execution",
    name="inventory-execution",
    assume_role_policy=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"},
                       "Action": "sts:AssumeRole"}],
    }),
    managed_policy_arns=["arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"],
    inline_policies=[aws.iam.RoleInlinePolicyArgs(name="parameters", policy=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "ssm:GetParameters", "Resource": parameter_arn}],
    }))],
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
