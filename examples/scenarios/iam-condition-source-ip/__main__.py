"""Security asked that secrets be readable only from the office network, so the grant carries an
aws:SourceIp condition with the office range.
"""

import json

import pulumi_aws as aws

account = aws.get_caller_identity().account_id
region = aws.get_region().region
parameter_arn = f"arn:aws:ssm:{region}:{account}:parameter/crm/api-key"

aws.ssm.Parameter("crm-secret", name="/crm/api-key", type="SecureString", value="rotate-me")
aws.cloudwatch.LogGroup("crm-logs", name="/ecs/crm", retention_in_days=14)

role = aws.iam.Role("crm-execution", name="crm-execution", assume_role_policy=json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"},
                   "Action": "sts:AssumeRole"}],
}))
aws.iam.RolePolicyAttachment("crm-execution-managed", role=role.name,
                             policy_arn="arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy")
aws.iam.RolePolicy("crm-execution-policy", role=role.id, policy=json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "ssm:GetParameters", "Resource": parameter_arn,
                   "Condition": {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}}],
}))

aws.ecs.TaskDefinition(
    "crm",
    family="crm",
    network_mode="awsvpc",
    requires_compatibilities=["FARGATE"],
    cpu="256",
    memory="512",
    execution_role_arn=role.arn,
    container_definitions=json.dumps([{
        "name": "crm",
        "image": "public.ecr.aws/docker/library/python@sha256:2a7871f428bd90dfe1fa561067c2fe2de0e73e834f8886f862ba28685e772272",
        "essential": True,
        "portMappings": [{"containerPort": 8000}],
        "secrets": [{"name": "APP_SECRET", "valueFrom": parameter_arn}],
        "logConfiguration": {"logDriver": "awslogs", "options": {
            "awslogs-group": "/ecs/crm", "awslogs-region": region, "awslogs-stream-prefix": "crm"}},
    }]),
)
