"""One inline policy: the application's parameters are readable, the admin ones are not. The
task's bootstrap token was later moved under /app/admin/.
"""

import json

import pulumi_aws as aws

account = aws.get_caller_identity().account_id
region = aws.get_region().region
parameter_arn = f"arn:aws:ssm:{region}:{account}:parameter/app/admin/bootstrap-token"

aws.ssm.Parameter("portal-secret", name="/app/admin/bootstrap-token", type="SecureString", value="rotate-me")
aws.cloudwatch.LogGroup("portal-logs", name="/ecs/portal", retention_in_days=14)

role = aws.iam.Role("portal-execution", name="portal-execution", assume_role_policy=json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"},
                   "Action": "sts:AssumeRole"}],
}))
aws.iam.RolePolicyAttachment("portal-execution-managed", role=role.name,
                             policy_arn="arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy")
aws.iam.RolePolicy("portal-execution-policy", role=role.id, policy=json.dumps({
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Action": "ssm:GetParameters", "Resource": f"arn:aws:ssm:{region}:{account}:parameter/app/*"},
        {"Effect": "Deny", "Action": "ssm:GetParameters",
         "Resource": f"arn:aws:ssm:{region}:{account}:parameter/app/admin/*"},
    ],
}))

aws.ecs.TaskDefinition(
    "portal",
    family="portal",
    network_mode="awsvpc",
    requires_compatibilities=["FARGATE"],
    cpu="256",
    memory="512",
    execution_role_arn=role.arn,
    container_definitions=json.dumps([{
        "name": "portal",
        "image": "public.ecr.aws/docker/library/python@sha256:2a7871f428bd90dfe1fa561067c2fe2de0e73e834f8886f862ba28685e772272",
        "essential": True,
        "portMappings": [{"containerPort": 8000}],
        "secrets": [{"name": "APP_SECRET", "valueFrom": parameter_arn}],
        "logConfiguration": {"logDriver": "awslogs", "options": {
            "awslogs-group": "/ecs/portal", "awslogs-region": region, "awslogs-stream-prefix": "portal"}},
    }]),
)
