"""The platform boundary allows everything except the platform's own parameters. The task reads
the shared Datadog API key, which the platform team keeps under /platform/ (not in this
stack).
"""

import json

import pulumi_aws as aws

account = aws.get_caller_identity().account_id
region = aws.get_region().region
parameter_arn = f"arn:aws:ssm:{region}:{account}:parameter/platform/datadog-api-key"

boundary = aws.iam.Policy("team-boundary", name="team-boundary", policy=json.dumps({
    "Version": "2012-10-17",
    "Statement": [
        {"Sid": "Everything", "Effect": "Allow", "Action": "*", "Resource": "*"},
        {"Sid": "NotPlatformSecrets", "Effect": "Deny", "Action": "ssm:*",
         "Resource": "arn:aws:ssm:*:*:parameter/platform/*"},
    ],
}))
aws.cloudwatch.LogGroup("checkout-logs", name="/ecs/checkout", retention_in_days=14)

role = aws.iam.Role(
    "checkout-execution",
    name="checkout-execution",
    permissions_boundary=boundary.arn,
    assume_role_policy=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"},
                       "Action": "sts:AssumeRole"}],
    }),
)
aws.iam.RolePolicyAttachment("checkout-execution-managed", role=role.name,
                             policy_arn="arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy")
aws.iam.RolePolicy("checkout-execution-ssm", role=role.id, policy=json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "ssm:GetParameters", "Resource": parameter_arn}],
}))

aws.ecs.TaskDefinition(
    "checkout",
    family="checkout",
    network_mode="awsvpc",
    requires_compatibilities=["FARGATE"],
    cpu="256",
    memory="512",
    execution_role_arn=role.arn,
    container_definitions=json.dumps([{
        "name": "checkout",
        "image": "public.ecr.aws/docker/library/python@sha256:2a7871f428bd90dfe1fa561067c2fe2de0e73e834f8886f862ba28685e772272",
        "essential": True,
        "portMappings": [{"containerPort": 8000}],
        "secrets": [{"name": "DD_API_KEY", "valueFrom": parameter_arn}],
        "logConfiguration": {"logDriver": "awslogs", "options": {
            "awslogs-group": "/ecs/checkout", "awslogs-region": region, "awslogs-stream-prefix": "checkout"}},
    }]),
)
