"""The secret's policy denies everyone but the ledger service's two roles: the execution role,
which ECS uses to inject `secrets`, and the task role, which the application uses.
"""

import json

import pulumi
import pulumi_aws as aws

account = aws.get_caller_identity().account_id
region = aws.get_region().region

db_secret = aws.secretsmanager.Secret("ledger-db", name="ledger/db-credentials")
aws.secretsmanager.SecretPolicy("ledger-db-policy", secret_arn=db_secret.arn, policy=json.dumps({
    "Version": "2012-10-17",
    "Statement": [{
        "Sid": "OnlyTheLedgerService",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "secretsmanager:GetSecretValue",
        "Resource": "*",
        "Condition": {"StringNotEquals": {"aws:PrincipalArn": [f"arn:aws:iam::{account}:role/ledger-execution",
                                                    f"arn:aws:iam::{account}:role/ledger-task"]}},
    }],
}))
aws.cloudwatch.LogGroup("ledger-logs", name="/ecs/ledger", retention_in_days=30)

trust = json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"},
                   "Action": "sts:AssumeRole"}],
})
execution = aws.iam.Role("ledger-execution", name="ledger-execution", assume_role_policy=trust)
task_role = aws.iam.Role("ledger-task", name="ledger-task", assume_role_policy=trust)
aws.iam.RolePolicyAttachment("ledger-execution-managed", role=execution.name,
                             policy_arn="arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy")
aws.iam.RolePolicy("ledger-execution-secret", role=execution.id, policy=db_secret.arn.apply(lambda arn: json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": arn}],
})))

aws.ecs.TaskDefinition(
    "ledger",
    family="ledger",
    network_mode="awsvpc",
    requires_compatibilities=["FARGATE"],
    cpu="512",
    memory="1024",
    execution_role_arn=execution.arn,
    task_role_arn=task_role.arn,
    container_definitions=pulumi.Output.all(db_secret.arn).apply(lambda args: json.dumps([{
        "name": "ledger",
        "image": "public.ecr.aws/docker/library/python@sha256:2a7871f428bd90dfe1fa561067c2fe2de0e73e834f8886f862ba28685e772272",
        "essential": True,
        "portMappings": [{"containerPort": 8000}],
        "secrets": [{"name": "DB_PASSWORD", "valueFrom": f"{args[0]}:password::"}],
        "logConfiguration": {"logDriver": "awslogs", "options": {
            "awslogs-group": "/ecs/ledger", "awslogs-region": region, "awslogs-stream-prefix": "ledger"}},
    }])),
)
