"""The secret policy names the execution role, and in one account that is enough: the role itself
carries only the AWS-managed execution policy.
"""

import json

import pulumi
import pulumi_aws as aws

account = aws.get_caller_identity().account_id
region = aws.get_region().region

aws.cloudwatch.LogGroup("invoices-logs", name="/ecs/invoices", retention_in_days=14)
role = aws.iam.Role("invoices-execution", name="invoices-execution", assume_role_policy=json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"},
                   "Action": "sts:AssumeRole"}],
}))
aws.iam.RolePolicyAttachment("invoices-execution-managed", role=role.name,
                             policy_arn="arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy")

secret = aws.secretsmanager.Secret("invoices-db", name="invoices/db-password")
# Secrets Manager checks that the principal exists, so the policy waits for the role.
aws.secretsmanager.SecretPolicy("invoices-db-policy", secret_arn=secret.arn, policy=json.dumps({
    "Version": "2012-10-17",
    "Statement": [{
        "Sid": "TaskReadsIt",
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{account}:role/invoices-execution"},
        "Action": "secretsmanager:GetSecretValue",
        "Resource": "*",
    }],
}), opts=pulumi.ResourceOptions(depends_on=[role]))

aws.ecs.TaskDefinition(
    "invoices",
    family="invoices",
    network_mode="awsvpc",
    requires_compatibilities=["FARGATE"],
    cpu="256",
    memory="512",
    execution_role_arn=role.arn,
    container_definitions=pulumi.Output.all(secret.arn).apply(lambda args: json.dumps([{
        "name": "invoices",
        "image": "public.ecr.aws/docker/library/python@sha256:2a7871f428bd90dfe1fa561067c2fe2de0e73e834f8886f862ba28685e772272",
        "essential": True,
        "portMappings": [{"containerPort": 8000}],
        "secrets": [{"name": "DB_PASSWORD", "valueFrom": args[0]}],
        "logConfiguration": {"logDriver": "awslogs", "options": {
            "awslogs-group": "/ecs/invoices", "awslogs-region": region, "awslogs-stream-prefix": "invoices"}},
    }])),
)
