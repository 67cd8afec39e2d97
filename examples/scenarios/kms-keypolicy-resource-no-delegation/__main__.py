"""The key is created bare, and its policy is managed as a separate KeyPolicy resource by the
security team's module, which names only the key administrators.
"""

import json

import pulumi
import pulumi_aws as aws

account = aws.get_caller_identity().account_id
region = aws.get_region().region
parameter_arn = f"arn:aws:ssm:{region}:{account}:parameter/archive/db-url"

role = aws.iam.Role("archive-execution", name="archive-execution", assume_role_policy=json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"},
                   "Action": "sts:AssumeRole"}],
}))
aws.iam.RolePolicyAttachment("archive-execution-managed", role=role.name,
                             policy_arn="arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy")
aws.cloudwatch.LogGroup("archive-logs", name="/ecs/archive", retention_in_days=14)

# KMS checks that every principal in a key policy exists, so the policy waits for the role.
key = aws.kms.Key("archive-key", description="archive secrets", deletion_window_in_days=7)
aws.kms.KeyPolicy("archive-key-policy", key_id=key.id, policy=json.dumps({
    "Version": "2012-10-17",
    "Statement": [
        {"Sid": "KeyAdministrators", "Effect": "Allow",
         "Principal": {"AWS": f"arn:aws:iam::{account}:role/platform-admin"}, "Action": "kms:*", "Resource": "*"},
    ],
}), opts=pulumi.ResourceOptions(depends_on=[role]))
aws.iam.RolePolicy("archive-execution-secrets", role=role.id, policy=key.arn.apply(lambda key_arn: json.dumps({
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Action": "ssm:GetParameters", "Resource": parameter_arn},
        {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": key_arn,
         "Condition": {"StringEquals": {"kms:ViaService": f"ssm.{region}.amazonaws.com"}}},
    ],
})))
aws.ssm.Parameter("db-url", name="/archive/db-url", type="SecureString", key_id=key.arn,
                  value="postgres://archive@db.internal:5432/archive")

aws.ecs.TaskDefinition(
    "archive",
    family="archive",
    network_mode="awsvpc",
    requires_compatibilities=["FARGATE"],
    cpu="256",
    memory="512",
    execution_role_arn=role.arn,
    container_definitions=json.dumps([{
        "name": "archive",
        "image": "public.ecr.aws/docker/library/python@sha256:2a7871f428bd90dfe1fa561067c2fe2de0e73e834f8886f862ba28685e772272",
        "essential": True,
        "portMappings": [{"containerPort": 8000}],
        "secrets": [{"name": "DATABASE_URL", "valueFrom": parameter_arn}],
        "logConfiguration": {"logDriver": "awslogs", "options": {
            "awslogs-group": "/ecs/archive", "awslogs-region": region, "awslogs-stream-prefix": "archive"}},
    }]),
)
