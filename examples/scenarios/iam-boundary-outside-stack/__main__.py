"""Every role must carry the platform team's boundary, which lives in their own stack; this one
names it by ARN. Whether it allows ssm:GetParameters cannot be seen from here.
"""

import json

import pulumi_aws as aws

account = aws.get_caller_identity().account_id
region = aws.get_region().region
parameter_arn = f"arn:aws:ssm:{region}:{account}:parameter/quotes/api-token"

aws.ssm.Parameter("api-token", name="/quotes/api-token", type="SecureString", value="rotate-me")
aws.cloudwatch.LogGroup("quotes-logs", name="/ecs/quotes", retention_in_days=14)

role = aws.iam.Role(
    "quotes-execution",
    name="quotes-execution",
    permissions_boundary=f"arn:aws:iam::{account}:policy/platform/workload-boundary",
    assume_role_policy=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"},
                       "Action": "sts:AssumeRole"}],
    }),
)
aws.iam.RolePolicyAttachment("quotes-execution-managed", role=role.name,
                             policy_arn="arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy")
aws.iam.RolePolicy("quotes-execution-ssm", role=role.id, policy=json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "ssm:GetParameters", "Resource": parameter_arn}],
}))

aws.ecs.TaskDefinition(
    "quotes",
    family="quotes",
    network_mode="awsvpc",
    requires_compatibilities=["FARGATE"],
    cpu="256",
    memory="512",
    execution_role_arn=role.arn,
    container_definitions=json.dumps([{
        "name": "quotes",
        "image": "public.ecr.aws/docker/library/python@sha256:2a7871f428bd90dfe1fa561067c2fe2de0e73e834f8886f862ba28685e772272",
        "essential": True,
        "portMappings": [{"containerPort": 8000}],
        "secrets": [{"name": "API_TOKEN", "valueFrom": parameter_arn}],
        "logConfiguration": {"logDriver": "awslogs", "options": {
            "awslogs-group": "/ecs/quotes", "awslogs-region": region, "awslogs-stream-prefix": "quotes"}},
    }]),
)
