"""A team copied the PowerUserAccess shape into the execution role: everything except IAM and
Organizations, on every resource.
"""

import json

import pulumi_aws as aws

account = aws.get_caller_identity().account_id
region = aws.get_region().region
parameter_arn = f"arn:aws:ssm:{region}:{account}:parameter/insights/warehouse-password"

aws.ssm.Parameter("insights-secret", name="/insights/warehouse-password", type="SecureString", value="rotate-me")
aws.cloudwatch.LogGroup("insights-logs", name="/ecs/insights", retention_in_days=14)

role = aws.iam.Role("insights-execution", name="insights-execution", assume_role_policy=json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"},
                   "Action": "sts:AssumeRole"}],
}))
aws.iam.RolePolicy("insights-execution-policy", role=role.id, policy=json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "NotAction": ["iam:*", "organizations:*", "account:*"], "Resource": "*"}],
}))

aws.ecs.TaskDefinition(
    "insights",
    family="insights",
    network_mode="awsvpc",
    requires_compatibilities=["FARGATE"],
    cpu="256",
    memory="512",
    execution_role_arn=role.arn,
    container_definitions=json.dumps([{
        "name": "insights",
        "image": "public.ecr.aws/docker/library/python@sha256:2a7871f428bd90dfe1fa561067c2fe2de0e73e834f8886f862ba28685e772272",
        "essential": True,
        "portMappings": [{"containerPort": 8000}],
        "secrets": [{"name": "APP_SECRET", "valueFrom": parameter_arn}],
        "logConfiguration": {"logDriver": "awslogs", "options": {
            "awslogs-group": "/ecs/insights", "awslogs-region": region, "awslogs-stream-prefix": "insights"}},
    }]),
)
