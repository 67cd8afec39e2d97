"""Access to the ledger database secret is granted on the secret: its resource policy names the
roles that may read it. The ledger execution role has only the AWS-managed execution policy.
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
        "Sid": "LedgerTasksRead",
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{account}:role/ledger-execution"},
        "Action": "secretsmanager:GetSecretValue",
        "Resource": "*",
    }],
}))
aws.cloudwatch.LogGroup("ledger-logs", name="/ecs/ledger", retention_in_days=30)

execution = aws.iam.Role("ledger-execution", name="ledger-execution", assume_role_policy=json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"},
                   "Action": "sts:AssumeRole"}],
}))
aws.iam.RolePolicyAttachment("ledger-execution-managed", role=execution.name,
                             policy_arn="arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy")

aws.ecs.TaskDefinition(
    "ledger",
    family="ledger",
    network_mode="awsvpc",
    requires_compatibilities=["FARGATE"],
    cpu="512",
    memory="1024",
    execution_role_arn=execution.arn,
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
