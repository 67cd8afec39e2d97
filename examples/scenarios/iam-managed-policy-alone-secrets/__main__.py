"""The console's default: an execution role with the AWS-managed AmazonECSTaskExecutionRolePolicy
and nothing else, and a task that reads its database password from Secrets Manager.
"""

import json

import pulumi
import pulumi_aws as aws

region = aws.get_region().region

db_secret = aws.secretsmanager.Secret("orders-db", name="orders/db-password")
aws.secretsmanager.SecretVersion("orders-db-value", secret_id=db_secret.id, secret_string="initial-value")
aws.cloudwatch.LogGroup("orders-logs", name="/ecs/orders", retention_in_days=14)

role = aws.iam.Role("orders-execution", name="orders-execution", assume_role_policy=json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"},
                   "Action": "sts:AssumeRole"}],
}))
aws.iam.RolePolicyAttachment("orders-execution-managed", role=role.name,
                             policy_arn="arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy")

aws.ecs.TaskDefinition(
    "orders",
    family="orders",
    network_mode="awsvpc",
    requires_compatibilities=["FARGATE"],
    cpu="512",
    memory="1024",
    execution_role_arn=role.arn,
    container_definitions=pulumi.Output.all(db_secret.arn).apply(lambda args: json.dumps([{
        "name": "orders",
        "image": "public.ecr.aws/docker/library/python@sha256:2a7871f428bd90dfe1fa561067c2fe2de0e73e834f8886f862ba28685e772272",
        "essential": True,
        "portMappings": [{"containerPort": 8000}],
        "secrets": [{"name": "DB_PASSWORD", "valueFrom": args[0]}],
        "logConfiguration": {"logDriver": "awslogs", "options": {
            "awslogs-group": "/ecs/orders", "awslogs-region": region, "awslogs-stream-prefix": "orders"}},
    }])),
)
