"""The security team's key policies name only the key administrators (no IAM delegation); workloads
get access through KMS grants, which the platform-admin role that deploys this stack creates.
The reports execution role gets a grant for Decrypt on the key of its SecureString.
"""

import json

import pulumi_aws as aws

account = aws.get_caller_identity().account_id
region = aws.get_region().region
parameter_arn = f"arn:aws:ssm:{region}:{account}:parameter/reports/db-url"

key = aws.kms.Key("reports-key", description="reports secrets", deletion_window_in_days=7, policy=json.dumps({
    "Version": "2012-10-17",
    "Statement": [{
        "Sid": "KeyAdministrators",
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{account}:role/platform-admin"},
        "Action": "kms:*",
        "Resource": "*",
    }],
}))
aws.ssm.Parameter("db-url", name="/reports/db-url", type="SecureString", key_id=key.arn,
                  value="postgres://reports@db.internal:5432/reports")
aws.cloudwatch.LogGroup("reports-logs", name="/ecs/reports", retention_in_days=14)

role = aws.iam.Role("reports-execution", name="reports-execution", assume_role_policy=json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"},
                   "Action": "sts:AssumeRole"}],
}))
aws.iam.RolePolicyAttachment("reports-execution-managed", role=role.name,
                             policy_arn="arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy")
aws.iam.RolePolicy("reports-execution-ssm", role=role.id, policy=json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "ssm:GetParameters", "Resource": parameter_arn}],
}))
aws.kms.Grant("reports-execution-decrypt", name="reports-execution-decrypt", key_id=key.key_id,
              grantee_principal=role.arn, operations=["Decrypt"])

aws.ecs.TaskDefinition(
    "reports",
    family="reports",
    network_mode="awsvpc",
    requires_compatibilities=["FARGATE"],
    cpu="256",
    memory="512",
    execution_role_arn=role.arn,
    container_definitions=json.dumps([{
        "name": "reports",
        "image": "public.ecr.aws/docker/library/python@sha256:2a7871f428bd90dfe1fa561067c2fe2de0e73e834f8886f862ba28685e772272",
        "essential": True,
        "portMappings": [{"containerPort": 8000}],
        "secrets": [{"name": "DATABASE_URL", "valueFrom": parameter_arn}],
        "logConfiguration": {"logDriver": "awslogs", "options": {
            "awslogs-group": "/ecs/reports", "awslogs-region": region, "awslogs-stream-prefix": "reports"}},
    }]),
)
