"""The billing team fences its database secret with one Deny: only roles named billing-* may read
it. ECS reads it with billing-execution, which the pattern covers.
"""

import json

import pulumi
import pulumi_aws as aws

account = aws.get_caller_identity().account_id
region = aws.get_region().region

aws.cloudwatch.LogGroup("billing-logs", name="/ecs/billing", retention_in_days=14)
role = aws.iam.Role("billing-execution", name="billing-execution", assume_role_policy=json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"},
                   "Action": "sts:AssumeRole"}],
}))
aws.iam.RolePolicyAttachment("billing-execution-managed", role=role.name,
                             policy_arn="arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy")

secret = aws.secretsmanager.Secret("billing-db", name="billing/db-password")
aws.secretsmanager.SecretPolicy("billing-db-policy", secret_arn=secret.arn, policy=json.dumps({
    "Version": "2012-10-17",
    "Statement": [{
        "Sid": "OnlyBillingRoles",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "secretsmanager:GetSecretValue",
        "Resource": "*",
        "Condition": {"StringNotLike": {"aws:PrincipalArn": f"arn:aws:iam::{account}:role/billing-*"}},
    }],
}))
aws.iam.RolePolicy("billing-execution-secret", role=role.id, policy=json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "secretsmanager:GetSecretValue",
                   "Resource": f"arn:aws:secretsmanager:{region}:{account}:secret:billing/*"}],
}))

aws.ecs.TaskDefinition(
    "billing",
    family="billing",
    network_mode="awsvpc",
    requires_compatibilities=["FARGATE"],
    cpu="256",
    memory="512",
    execution_role_arn=role.arn,
    container_definitions=pulumi.Output.all(secret.arn).apply(lambda args: json.dumps([{
        "name": "billing",
        "image": "public.ecr.aws/docker/library/python@sha256:2a7871f428bd90dfe1fa561067c2fe2de0e73e834f8886f862ba28685e772272",
        "essential": True,
        "portMappings": [{"containerPort": 8000}],
        "secrets": [{"name": "DB_PASSWORD", "valueFrom": args[0]}],
        "logConfiguration": {"logDriver": "awslogs", "options": {
            "awslogs-group": "/ecs/billing", "awslogs-region": region, "awslogs-stream-prefix": "billing"}},
    }])),
)
