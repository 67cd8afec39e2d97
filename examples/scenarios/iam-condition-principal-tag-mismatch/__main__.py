"""Access is attribute-based: the role may read parameters only while it carries the payments
team tag; the role was created from the billing team's template and is tagged billing.
"""

import json

import pulumi_aws as aws

account = aws.get_caller_identity().account_id
region = aws.get_region().region
parameter_arn = f"arn:aws:ssm:{region}:{account}:parameter/payments/settlement-key"

aws.ssm.Parameter("settlement-secret", name="/payments/settlement-key", type="SecureString", value="rotate-me")
aws.cloudwatch.LogGroup("settlement-logs", name="/ecs/settlement", retention_in_days=14)

role = aws.iam.Role("settlement-execution", name="settlement-execution", tags={"team": "billing"}, assume_role_policy=json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"},
                   "Action": "sts:AssumeRole"}],
}))
aws.iam.RolePolicyAttachment("settlement-execution-managed", role=role.name,
                             policy_arn="arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy")
aws.iam.RolePolicy("settlement-execution-policy", role=role.id, policy=json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "ssm:GetParameters", "Resource": parameter_arn,
                   "Condition": {"StringEquals": {"aws:PrincipalTag/team": "payments"}}}],
}))

aws.ecs.TaskDefinition(
    "settlement",
    family="settlement",
    network_mode="awsvpc",
    requires_compatibilities=["FARGATE"],
    cpu="256",
    memory="512",
    execution_role_arn=role.arn,
    container_definitions=json.dumps([{
        "name": "settlement",
        "image": "public.ecr.aws/docker/library/python@sha256:2a7871f428bd90dfe1fa561067c2fe2de0e73e834f8886f862ba28685e772272",
        "essential": True,
        "portMappings": [{"containerPort": 8000}],
        "secrets": [{"name": "APP_SECRET", "valueFrom": parameter_arn}],
        "logConfiguration": {"logDriver": "awslogs", "options": {
            "awslogs-group": "/ecs/settlement", "awslogs-region": region, "awslogs-stream-prefix": "settlement"}},
    }]),
)
