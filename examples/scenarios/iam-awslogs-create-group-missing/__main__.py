"""The log group is left to the awslogs driver: `awslogs-create-group` asks it to create the
group on first start.
"""

import json

import pulumi_aws as aws

region = aws.get_region().region

role = aws.iam.Role("nightly-export-execution", name="nightly-export-execution", assume_role_policy=json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"},
                   "Action": "sts:AssumeRole"}],
}))
aws.iam.RolePolicyAttachment("nightly-export-execution-managed", role=role.name,
                             policy_arn="arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy")

aws.ecs.TaskDefinition(
    "nightly-export",
    family="nightly-export",
    network_mode="awsvpc",
    requires_compatibilities=["FARGATE"],
    cpu="256",
    memory="512",
    execution_role_arn=role.arn,
    container_definitions=json.dumps([{
        "name": "nightly-export",
        "image": "public.ecr.aws/docker/library/python@sha256:2a7871f428bd90dfe1fa561067c2fe2de0e73e834f8886f862ba28685e772272",
        "essential": True,
        "command": ["python", "-m", "export.nightly"],
        "logConfiguration": {"logDriver": "awslogs", "options": {
            "awslogs-group": "/ecs/nightly-export", "awslogs-region": region, "awslogs-stream-prefix": "nightly-export", "awslogs-create-group": "true"}},
    }]),
)
