"""The billing worker's execution role was written from the application's SDK calls, which use
ssm:GetParameter. ECS itself fetches `secrets` with ssm:GetParameters, a different action.
"""

import json

import pulumi_aws as aws

account = aws.get_caller_identity().account_id
region = aws.get_region().region
parameter_arn = f"arn:aws:ssm:{region}:{account}:parameter/billing/stripe-key"

aws.ssm.Parameter("stripe-key", name="/billing/stripe-key", type="SecureString", value="rotate-me")
aws.cloudwatch.LogGroup("worker-logs", name="/ecs/billing-worker", retention_in_days=30)

role = aws.iam.Role("worker-execution", name="billing-worker-execution", assume_role_policy=json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"},
                   "Action": "sts:AssumeRole"}],
}))
aws.iam.RolePolicyAttachment("worker-execution-managed", role=role.name,
                             policy_arn="arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy")
aws.iam.RolePolicy("worker-execution-ssm", role=role.id, policy=json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "ssm:GetParameter", "Resource": parameter_arn}],
}))

aws.ecs.TaskDefinition(
    "worker",
    family="billing-worker",
    network_mode="awsvpc",
    requires_compatibilities=["FARGATE"],
    cpu="256",
    memory="512",
    execution_role_arn=role.arn,
    container_definitions=json.dumps([{
        "name": "worker",
        "image": "public.ecr.aws/docker/library/python@sha256:2a7871f428bd90dfe1fa561067c2fe2de0e73e834f8886f862ba28685e772272",
        "essential": True,
        "command": ["python", "-m", "billing.worker"],
        "secrets": [{"name": "STRIPE_KEY", "valueFrom": parameter_arn}],
        "logConfiguration": {"logDriver": "awslogs", "options": {
            "awslogs-group": "/ecs/billing-worker", "awslogs-region": region, "awslogs-stream-prefix": "worker"}},
    }]),
)
