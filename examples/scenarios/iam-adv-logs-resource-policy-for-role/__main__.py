"""The billing team manages who may write to its log group with a CloudWatch Logs resource policy,
naming the execution role, the way S3 bucket policies are used. The execution role's own IAM policy
only reads its SSM parameter.
"""

import json

import pulumi_aws as aws

account = aws.get_caller_identity().account_id
region = aws.get_region().region
parameter_arn = f"arn:aws:ssm:{region}:{account}:parameter/billing/api-url"

aws.cloudwatch.LogGroup("billing-logs", name="/ecs/billing", retention_in_days=30)
aws.cloudwatch.LogResourcePolicy("billing-log-writers", policy_name="billing-log-writers", policy_document=json.dumps({
    "Version": "2012-10-17",
    "Statement": [{
        "Sid": "BillingTasksWriteLogs",
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{account}:role/billing-execution"},
        "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
        "Resource": f"arn:aws:logs:{region}:{account}:log-group:/ecs/billing:*",
    }],
}))
aws.ssm.Parameter("api-url", name="/billing/api-url", type="String", value="https://psp.example.com/v2")

execution = aws.iam.Role("billing-execution", name="billing-execution", assume_role_policy=json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"},
                   "Action": "sts:AssumeRole"}],
}))
aws.iam.RolePolicy("billing-execution-ssm", role=execution.id, policy=json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "ssm:GetParameters", "Resource": parameter_arn}],
}))

aws.ecs.TaskDefinition(
    "billing",
    family="billing",
    network_mode="awsvpc",
    requires_compatibilities=["FARGATE"],
    cpu="256",
    memory="512",
    execution_role_arn=execution.arn,
    container_definitions=json.dumps([{
        "name": "billing",
        "image": "public.ecr.aws/docker/library/python@sha256:2a7871f428bd90dfe1fa561067c2fe2de0e73e834f8886f862ba28685e772272",
        "essential": True,
        "portMappings": [{"containerPort": 8000}],
        "secrets": [{"name": "PSP_API_URL", "valueFrom": parameter_arn}],
        "logConfiguration": {"logDriver": "awslogs", "options": {
            "awslogs-group": "/ecs/billing", "awslogs-region": region, "awslogs-stream-prefix": "billing"}},
    }]),
)
