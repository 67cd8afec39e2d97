"""The boundary scenario's working stack, unchanged. The account sits in an AWS Organization whose
service control policies a stack cannot see; the policy config says to treat them as unknown.
"""

import json

import pulumi_aws as aws

account = aws.get_caller_identity().account_id
region = aws.get_region().region

db_password = aws.ssm.Parameter("db-password", name="/shop/db-password", type="SecureString",
                                value="change-me-in-the-console")
logs = aws.cloudwatch.LogGroup("api-logs", name="/ecs/shop-api", retention_in_days=14)

boundary = aws.iam.Policy("workload-boundary", name="shop-workload-boundary", policy=json.dumps({
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Action": ["ecr:GetAuthorizationToken", "ecr:BatchCheckLayerAvailability",
                                       "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"], "Resource": "*"},
        {"Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"], "Resource": "*"},
        {"Effect": "Allow", "Action": ["ssm:GetParameter", "ssm:GetParameters"],
         "Resource": f"arn:aws:ssm:{region}:{account}:parameter/shop/*"},
    ],
}))

execution = aws.iam.Role(
    "api-execution",
    name="shop-api-execution",
    permissions_boundary=boundary.arn,
    assume_role_policy=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"},
                       "Action": "sts:AssumeRole"}],
    }),
)
aws.iam.RolePolicyAttachment("api-execution-managed", role=execution.name,
                             policy_arn="arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy")
aws.iam.RolePolicy("api-execution-secrets", role=execution.id, policy=json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "ssm:GetParameters",
                   "Resource": f"arn:aws:ssm:{region}:{account}:parameter/shop/db-password"}],
}))

aws.ecs.TaskDefinition(
    "api",
    family="shop-api",
    network_mode="awsvpc",
    requires_compatibilities=["FARGATE"],
    cpu="256",
    memory="512",
    execution_role_arn=execution.arn,
    container_definitions=json.dumps([{
        "name": "api",
        "image": "public.ecr.aws/nginx/nginx@sha256:6515f83e7ba5810842059cf6b2b7279a3073b9d141623e62cc825050025113e0",
        "essential": True,
        "portMappings": [{"containerPort": 8080}],
        "secrets": [{"name": "DB_PASSWORD",
                     "valueFrom": f"arn:aws:ssm:{region}:{account}:parameter/shop/db-password"}],
        "logConfiguration": {"logDriver": "awslogs", "options": {
            "awslogs-group": "/ecs/shop-api", "awslogs-region": region, "awslogs-stream-prefix": "api"}},
    }]),
)
