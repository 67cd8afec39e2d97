"""The staging role may read every parameter except production's, written with NotResource. The
task reads the shared Sentry DSN, which sits under /prod/.
"""

import json

import pulumi_aws as aws

account = aws.get_caller_identity().account_id
region = aws.get_region().region
parameter_arn = f"arn:aws:ssm:{region}:{account}:parameter/prod/shared/sentry-dsn"

aws.ssm.Parameter("staging-api-secret", name="/prod/shared/sentry-dsn", type="SecureString", value="rotate-me")
aws.cloudwatch.LogGroup("staging-api-logs", name="/ecs/staging-api", retention_in_days=14)

role = aws.iam.Role("staging-api-execution", name="staging-api-execution", assume_role_policy=json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"},
                   "Action": "sts:AssumeRole"}],
}))
aws.iam.RolePolicyAttachment("staging-api-execution-managed", role=role.name,
                             policy_arn="arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy")
aws.iam.RolePolicy("staging-api-execution-policy", role=role.id, policy=json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "ssm:GetParameters",
                   "NotResource": f"arn:aws:ssm:{region}:{account}:parameter/prod/*"}],
}))

aws.ecs.TaskDefinition(
    "staging-api",
    family="staging-api",
    network_mode="awsvpc",
    requires_compatibilities=["FARGATE"],
    cpu="256",
    memory="512",
    execution_role_arn=role.arn,
    container_definitions=json.dumps([{
        "name": "staging-api",
        "image": "public.ecr.aws/docker/library/python@sha256:2a7871f428bd90dfe1fa561067c2fe2de0e73e834f8886f862ba28685e772272",
        "essential": True,
        "portMappings": [{"containerPort": 8000}],
        "secrets": [{"name": "APP_SECRET", "valueFrom": parameter_arn}],
        "logConfiguration": {"logDriver": "awslogs", "options": {
            "awslogs-group": "/ecs/staging-api", "awslogs-region": region, "awslogs-stream-prefix": "staging-api"}},
    }]),
)
