"""The account is in an organization whose SCPs the stack cannot see, and the execution role was
given only the AWS-managed execution policy: nothing grants the parameter read.
"""

import json

import pulumi_aws as aws

account = aws.get_caller_identity().account_id
region = aws.get_region().region
parameter_arn = f"arn:aws:ssm:{region}:{account}:parameter/alerts/api-token"

aws.ssm.Parameter("api-token", name="/alerts/api-token", type="SecureString", value="rotate-me")
aws.cloudwatch.LogGroup("alerts-logs", name="/ecs/alerts", retention_in_days=14)

role = aws.iam.Role(
    "alerts-execution",
    name="alerts-execution",
    assume_role_policy=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"},
                       "Action": "sts:AssumeRole"}],
    }),
)
aws.iam.RolePolicyAttachment("alerts-execution-managed", role=role.name,
                             policy_arn="arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy")

aws.ecs.TaskDefinition(
    "alerts",
    family="alerts",
    network_mode="awsvpc",
    requires_compatibilities=["FARGATE"],
    cpu="256",
    memory="512",
    execution_role_arn=role.arn,
    container_definitions=json.dumps([{
        "name": "alerts",
        "image": "public.ecr.aws/docker/library/python@sha256:2a7871f428bd90dfe1fa561067c2fe2de0e73e834f8886f862ba28685e772272",
        "essential": True,
        "portMappings": [{"containerPort": 8000}],
        "secrets": [{"name": "API_TOKEN", "valueFrom": parameter_arn}],
        "logConfiguration": {"logDriver": "awslogs", "options": {
            "awslogs-group": "/ecs/alerts", "awslogs-region": region, "awslogs-stream-prefix": "alerts"}},
    }]),
)
