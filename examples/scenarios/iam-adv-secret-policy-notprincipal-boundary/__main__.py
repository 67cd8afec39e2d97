"""The payments secret's resource policy keeps everyone out but the payments execution role and the
account, with a Deny and NotPrincipal. The platform team gives every role a permissions boundary;
this one allows everything the execution role does.
"""

import json

import pulumi_aws as aws

account = aws.get_caller_identity().account_id
region = aws.get_region().region

boundary = aws.iam.Policy("workload-boundary", name="workload-boundary", policy=json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": [
        "secretsmanager:GetSecretValue", "ssm:GetParameters", "kms:Decrypt",
        "ecr:GetAuthorizationToken", "ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer",
        "ecr:BatchGetImage", "logs:CreateLogStream", "logs:PutLogEvents"], "Resource": "*"}],
}))

api_key = aws.secretsmanager.Secret("psp-api-key", name="payments/psp-api-key")
aws.secretsmanager.SecretPolicy("psp-api-key-policy", secret_arn=api_key.arn, policy=json.dumps({
    "Version": "2012-10-17",
    "Statement": [{
        "Sid": "OnlyPayments",
        "Effect": "Deny",
        "NotPrincipal": {"AWS": [f"arn:aws:iam::{account}:role/payments-execution",
                                 f"arn:aws:iam::{account}:root"]},
        "Action": "secretsmanager:GetSecretValue",
        "Resource": "*",
    }],
}))
aws.cloudwatch.LogGroup("payments-logs", name="/ecs/payments", retention_in_days=30)

execution = aws.iam.Role("payments-execution", name="payments-execution", permissions_boundary=boundary.arn,
                         assume_role_policy=json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"},
                   "Action": "sts:AssumeRole"}],
}))
aws.iam.RolePolicyAttachment("payments-execution-managed", role=execution.name,
                             policy_arn="arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy")
aws.iam.RolePolicy("payments-execution-secret", role=execution.id, policy=json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "secretsmanager:GetSecretValue",
                   "Resource": f"arn:aws:secretsmanager:{region}:{account}:secret:payments/psp-api-key-??????"}],
}))

aws.ecs.TaskDefinition(
    "payments",
    family="payments",
    network_mode="awsvpc",
    requires_compatibilities=["FARGATE"],
    cpu="256",
    memory="512",
    execution_role_arn=execution.arn,
    container_definitions=api_key.arn.apply(lambda arn: json.dumps([{
        "name": "payments",
        "image": "public.ecr.aws/docker/library/python@sha256:2a7871f428bd90dfe1fa561067c2fe2de0e73e834f8886f862ba28685e772272",
        "essential": True,
        "portMappings": [{"containerPort": 8000}],
        "secrets": [{"name": "PSP_API_KEY", "valueFrom": arn}],
        "logConfiguration": {"logDriver": "awslogs", "options": {
            "awslogs-group": "/ecs/payments", "awslogs-region": region, "awslogs-stream-prefix": "payments"}},
    }])),
)
