"""The payments secrets key copies the policy of the AWS-managed aws/secretsmanager key: any principal
of this account may decrypt with it through Secrets Manager (kms:CallerAccount, kms:ViaService).
The execution role has no IAM grant for the key.
"""

import json

import pulumi
import pulumi_aws as aws

account = aws.get_caller_identity().account_id
region = aws.get_region().region

key = aws.kms.Key("payments-secrets-key", description="payments secrets", deletion_window_in_days=7,
                  policy=json.dumps({
    "Version": "2012-10-17",
    "Statement": [
        {"Sid": "Enable IAM User Permissions", "Effect": "Allow",
         "Principal": {"AWS": f"arn:aws:iam::{account}:root"}, "Action": "kms:*", "Resource": "*"},
        {"Sid": "AllowThroughSecretsManagerForTheAccount", "Effect": "Allow", "Principal": {"AWS": "*"},
         "Action": ["kms:Decrypt", "kms:DescribeKey"], "Resource": "*",
         "Condition": {"StringEquals": {"kms:CallerAccount": account,
                                        "kms:ViaService": f"secretsmanager.{region}.amazonaws.com"}}},
    ],
}))
api_key = aws.secretsmanager.Secret("psp-api-key", name="payments/psp-api-key", kms_key_id=key.arn)
aws.cloudwatch.LogGroup("payments-logs", name="/ecs/payments", retention_in_days=30)

execution = aws.iam.Role("payments-execution", name="payments-execution", assume_role_policy=json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"},
                   "Action": "sts:AssumeRole"}],
}))
aws.iam.RolePolicyAttachment("payments-execution-managed", role=execution.name,
                             policy_arn="arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy")
aws.iam.RolePolicy("payments-execution-secret", role=execution.id,
                   policy=pulumi.Output.all(api_key.arn).apply(lambda args: json.dumps({
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": args[0]},
    ],
})))

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
