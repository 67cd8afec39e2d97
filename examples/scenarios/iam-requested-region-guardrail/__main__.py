"""The organisation's data-residency guardrail, attached to every workload role, denies every call
outside the EU regions. This service was deployed to us-east-1.
"""

import json

import pulumi_aws as aws

account = aws.get_caller_identity().account_id
region = aws.get_region().region
parameter_arn = f"arn:aws:ssm:{region}:{account}:parameter/profiles/db-password"

aws.ssm.Parameter("profiles-secret", name="/profiles/db-password", type="SecureString", value="rotate-me")
aws.cloudwatch.LogGroup("profiles-logs", name="/ecs/profiles", retention_in_days=14)
guardrail = aws.iam.Policy("region-guardrail", name="profiles-region-guardrail", policy=json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Sid": "DenyOtherRegions", "Effect": "Deny", "NotAction": ["iam:*", "sts:*", "organizations:*"],
                   "Resource": "*", "Condition": {"StringNotEquals": {"aws:RequestedRegion": ["eu-west-1", "eu-central-1"]}}}],
}))

role = aws.iam.Role("profiles-execution", name="profiles-execution", assume_role_policy=json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"},
                   "Action": "sts:AssumeRole"}],
}))
aws.iam.RolePolicyAttachment("profiles-execution-managed", role=role.name,
                             policy_arn="arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy")
aws.iam.RolePolicyAttachment("profiles-execution-guardrail", role=role.name, policy_arn=guardrail.arn)
aws.iam.RolePolicy("profiles-execution-policy", role=role.id, policy=json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "ssm:GetParameters", "Resource": parameter_arn}],
}))

aws.ecs.TaskDefinition(
    "profiles",
    family="profiles",
    network_mode="awsvpc",
    requires_compatibilities=["FARGATE"],
    cpu="256",
    memory="512",
    execution_role_arn=role.arn,
    container_definitions=json.dumps([{
        "name": "profiles",
        "image": "public.ecr.aws/docker/library/python@sha256:2a7871f428bd90dfe1fa561067c2fe2de0e73e834f8886f862ba28685e772272",
        "essential": True,
        "portMappings": [{"containerPort": 8000}],
        "secrets": [{"name": "APP_SECRET", "valueFrom": parameter_arn}],
        "logConfiguration": {"logDriver": "awslogs", "options": {
            "awslogs-group": "/ecs/profiles", "awslogs-region": region, "awslogs-stream-prefix": "profiles"}},
    }]),
)
