"""Compliance asked for customer-managed keys on every secret. The key has KMS's default policy,
and the execution role was given secretsmanager:GetSecretValue only.
"""

import json

import pulumi
import pulumi_aws as aws

region = aws.get_region().region

key = aws.kms.Key("payments-key", description="payments secrets", deletion_window_in_days=7)
api_key = aws.secretsmanager.Secret("psp-api-key", name="payments/psp-api-key", kms_key_id=key.arn)
aws.cloudwatch.LogGroup("payments-logs", name="/ecs/payments", retention_in_days=30)

role = aws.iam.Role("payments-execution", name="payments-execution", assume_role_policy=json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"},
                   "Action": "sts:AssumeRole"}],
}))
aws.iam.RolePolicyAttachment("payments-execution-managed", role=role.name,
                             policy_arn="arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy")
aws.iam.RolePolicy("payments-execution-secret", role=role.id, policy=api_key.arn.apply(lambda arn: json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": arn}],
})))

aws.ecs.TaskDefinition(
    "payments",
    family="payments",
    network_mode="awsvpc",
    requires_compatibilities=["FARGATE"],
    cpu="512",
    memory="1024",
    execution_role_arn=role.arn,
    container_definitions=pulumi.Output.all(api_key.arn).apply(lambda args: json.dumps([{
        "name": "payments",
        "image": "public.ecr.aws/docker/library/python@sha256:2a7871f428bd90dfe1fa561067c2fe2de0e73e834f8886f862ba28685e772272",
        "essential": True,
        "portMappings": [{"containerPort": 8000}],
        "secrets": [{"name": "PSP_API_KEY", "valueFrom": args[0]}],
        "logConfiguration": {"logDriver": "awslogs", "options": {
            "awslogs-group": "/ecs/payments", "awslogs-region": region, "awslogs-stream-prefix": "payments"}},
    }])),
)
