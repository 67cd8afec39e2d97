"""The key's policy is managed as a separate KeyPolicy resource that keeps the "Enable IAM User
Permissions" statement beside the administrators, so the execution role's IAM grant counts.
"""

import json

import pulumi_aws as aws

account = aws.get_caller_identity().account_id
region = aws.get_region().region
parameter_arn = f"arn:aws:ssm:{region}:{account}:parameter/journal/db-url"

role = aws.iam.Role("journal-execution", name="journal-execution", assume_role_policy=json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"},
                   "Action": "sts:AssumeRole"}],
}))
aws.iam.RolePolicyAttachment("journal-execution-managed", role=role.name,
                             policy_arn="arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy")
aws.cloudwatch.LogGroup("journal-logs", name="/ecs/journal", retention_in_days=14)

key = aws.kms.Key("journal-key", description="journal secrets", deletion_window_in_days=7)
aws.kms.KeyPolicy("journal-key-policy", key_id=key.id, policy=json.dumps({
    "Version": "2012-10-17",
    "Statement": [
        {"Sid": "Enable IAM User Permissions", "Effect": "Allow",
         "Principal": {"AWS": f"arn:aws:iam::{account}:root"}, "Action": "kms:*", "Resource": "*"},
        {"Sid": "KeyAdministrators", "Effect": "Allow",
         "Principal": {"AWS": f"arn:aws:iam::{account}:role/platform-admin"}, "Action": "kms:*", "Resource": "*"},
    ],
}))
aws.iam.RolePolicy("journal-execution-secrets", role=role.id, policy=key.arn.apply(lambda key_arn: json.dumps({
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Action": "ssm:GetParameters", "Resource": parameter_arn},
        {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": key_arn,
         "Condition": {"StringEquals": {"kms:ViaService": f"ssm.{region}.amazonaws.com"}}},
    ],
})))
aws.ssm.Parameter("db-url", name="/journal/db-url", type="SecureString", key_id=key.arn,
                  value="postgres://journal@db.internal:5432/journal")

aws.ecs.TaskDefinition(
    "journal",
    family="journal",
    network_mode="awsvpc",
    requires_compatibilities=["FARGATE"],
    cpu="256",
    memory="512",
    execution_role_arn=role.arn,
    container_definitions=json.dumps([{
        "name": "journal",
        "image": "public.ecr.aws/docker/library/python@sha256:2a7871f428bd90dfe1fa561067c2fe2de0e73e834f8886f862ba28685e772272",
        "essential": True,
        "portMappings": [{"containerPort": 8000}],
        "secrets": [{"name": "DATABASE_URL", "valueFrom": parameter_arn}],
        "logConfiguration": {"logDriver": "awslogs", "options": {
            "awslogs-group": "/ecs/journal", "awslogs-region": region, "awslogs-stream-prefix": "journal"}},
    }]),
)
