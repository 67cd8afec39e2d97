"""The security baseline adds one statement to every trust policy: deny sts:AssumeRole to any
principal whose aws:PrincipalOrgID is not the organization's. The orders execution role got it.
"""

import json

import pulumi_aws as aws

account = aws.get_caller_identity().account_id
region = aws.get_region().region
parameter_arn = f"arn:aws:ssm:{region}:{account}:parameter/orders/db-url"

aws.ssm.Parameter("db-url", name="/orders/db-url", type="String", value="postgres://orders@db.internal:5432/orders")
aws.cloudwatch.LogGroup("orders-logs", name="/ecs/orders", retention_in_days=30)

execution = aws.iam.Role("orders-execution", name="orders-execution", assume_role_policy=json.dumps({
    "Version": "2012-10-17",
    "Statement": [
        {"Sid": "EcsTasks", "Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"},
         "Action": "sts:AssumeRole"},
        {"Sid": "OrganizationOnly", "Effect": "Deny", "Principal": "*", "Action": "sts:AssumeRole",
         "Condition": {"StringNotEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}},
    ],
}))
aws.iam.RolePolicyAttachment("orders-execution-managed", role=execution.name,
                             policy_arn="arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy")
aws.iam.RolePolicy("orders-execution-ssm", role=execution.id, policy=json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "ssm:GetParameters", "Resource": parameter_arn}],
}))

aws.ecs.TaskDefinition(
    "orders",
    family="orders",
    network_mode="awsvpc",
    requires_compatibilities=["FARGATE"],
    cpu="256",
    memory="512",
    execution_role_arn=execution.arn,
    container_definitions=json.dumps([{
        "name": "orders",
        "image": "public.ecr.aws/docker/library/python@sha256:2a7871f428bd90dfe1fa561067c2fe2de0e73e834f8886f862ba28685e772272",
        "essential": True,
        "portMappings": [{"containerPort": 8000}],
        "secrets": [{"name": "DATABASE_URL", "valueFrom": parameter_arn}],
        "logConfiguration": {"logDriver": "awslogs", "options": {
            "awslogs-group": "/ecs/orders", "awslogs-region": region, "awslogs-stream-prefix": "orders"}},
    }]),
)
