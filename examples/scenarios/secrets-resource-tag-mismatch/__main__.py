"""Access is attribute-based on the secret: the execution role may read secrets tagged team=payments,
but the secret was tagged for the billing team when it was copied from their stack.
"""

import json

import pulumi
import pulumi_aws as aws

account = aws.get_caller_identity().account_id
region = aws.get_region().region

aws.cloudwatch.LogGroup("settle-logs", name="/ecs/settle", retention_in_days=14)
role = aws.iam.Role("settle-execution", name="settle-execution", assume_role_policy=json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"},
                   "Action": "sts:AssumeRole"}],
}))
aws.iam.RolePolicyAttachment("settle-execution-managed", role=role.name,
                             policy_arn="arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy")

secret = aws.secretsmanager.Secret("settle-db", name="settle/db-password", tags={"team": "billing"})
aws.iam.RolePolicy("settle-execution-secret", role=role.id, policy=json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "secretsmanager:GetSecretValue",
                   "Resource": f"arn:aws:secretsmanager:{region}:{account}:secret:*",
                   "Condition": {"StringEquals": {"secretsmanager:ResourceTag/team": "payments"}}}],
}))

aws.ecs.TaskDefinition(
    "settle",
    family="settle",
    network_mode="awsvpc",
    requires_compatibilities=["FARGATE"],
    cpu="256",
    memory="512",
    execution_role_arn=role.arn,
    container_definitions=pulumi.Output.all(secret.arn).apply(lambda args: json.dumps([{
        "name": "settle",
        "image": "public.ecr.aws/docker/library/python@sha256:2a7871f428bd90dfe1fa561067c2fe2de0e73e834f8886f862ba28685e772272",
        "essential": True,
        "portMappings": [{"containerPort": 8000}],
        "secrets": [{"name": "DB_PASSWORD", "valueFrom": args[0]}],
        "logConfiguration": {"logDriver": "awslogs", "options": {
            "awslogs-group": "/ecs/settle", "awslogs-region": region, "awslogs-stream-prefix": "settle"}},
    }])),
)
