"""The key was made for Secrets Manager, and its policy says so with a Deny on every other path.
Someone later put an SSM SecureString under the same key.
"""

import json

import pulumi_aws as aws

account = aws.get_caller_identity().account_id
region = aws.get_region().region
parameter_arn = f"arn:aws:ssm:{region}:{account}:parameter/pricing/db-url"

role = aws.iam.Role("pricing-execution", name="pricing-execution", assume_role_policy=json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"},
                   "Action": "sts:AssumeRole"}],
}))
aws.iam.RolePolicyAttachment("pricing-execution-managed", role=role.name,
                             policy_arn="arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy")
aws.cloudwatch.LogGroup("pricing-logs", name="/ecs/pricing", retention_in_days=14)

key = aws.kms.Key("pricing-key", description="pricing secrets", deletion_window_in_days=7, policy=json.dumps({
    "Version": "2012-10-17",
    "Statement": [
        {"Sid": "Enable IAM User Permissions", "Effect": "Allow",
         "Principal": {"AWS": f"arn:aws:iam::{account}:root"}, "Action": "kms:*", "Resource": "*"},
        {"Sid": "OnlyThroughSecretsManager", "Effect": "Deny", "Principal": "*", "Action": "kms:Decrypt",
         "Resource": "*",
         "Condition": {"StringNotEquals": {"kms:ViaService": f"secretsmanager.{region}.amazonaws.com"}}},
    ],
}))
aws.iam.RolePolicy("pricing-execution-secrets", role=role.id, policy=key.arn.apply(lambda key_arn: json.dumps({
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Action": "ssm:GetParameters", "Resource": parameter_arn},
        {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": key_arn,
         "Condition": {"StringEquals": {"kms:ViaService": f"ssm.{region}.amazonaws.com"}}},
    ],
})))
aws.ssm.Parameter("db-url", name="/pricing/db-url", type="SecureString", key_id=key.arn,
                  value="postgres://pricing@db.internal:5432/pricing")

aws.ecs.TaskDefinition(
    "pricing",
    family="pricing",
    network_mode="awsvpc",
    requires_compatibilities=["FARGATE"],
    cpu="256",
    memory="512",
    execution_role_arn=role.arn,
    container_definitions=json.dumps([{
        "name": "pricing",
        "image": "public.ecr.aws/docker/library/python@sha256:2a7871f428bd90dfe1fa561067c2fe2de0e73e834f8886f862ba28685e772272",
        "essential": True,
        "portMappings": [{"containerPort": 8000}],
        "secrets": [{"name": "DATABASE_URL", "valueFrom": parameter_arn}],
        "logConfiguration": {"logDriver": "awslogs", "options": {
            "awslogs-group": "/ecs/pricing", "awslogs-region": region, "awslogs-stream-prefix": "pricing"}},
    }]),
)
