"""Every non-production role carries the organisation's deny-prod-data guardrail. The staging
search task reads a parameter under /prod/ (copied from the production task definition), which
the role's own policy allows and the guardrail denies.
"""

import json

import pulumi_aws as aws

account = aws.get_caller_identity().account_id
region = aws.get_region().region
parameter_arn = f"arn:aws:ssm:{region}:{account}:parameter/prod/search/index-token"

aws.ssm.Parameter("index-token", name="/prod/search/index-token", type="SecureString", value="rotate-me")
aws.cloudwatch.LogGroup("search-logs", name="/ecs/staging-search", retention_in_days=7)

guardrail = aws.iam.Policy("deny-prod-data", name="deny-prod-data", policy=json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Sid": "NoProductionParameters", "Effect": "Deny",
                   "Action": ["ssm:GetParameter", "ssm:GetParameters", "ssm:GetParametersByPath"],
                   "Resource": f"arn:aws:ssm:*:{account}:parameter/prod/*"}],
}))
role = aws.iam.Role("search-execution", name="staging-search-execution", assume_role_policy=json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"},
                   "Action": "sts:AssumeRole"}],
}))
aws.iam.RolePolicyAttachment("search-execution-managed", role=role.name,
                             policy_arn="arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy")
aws.iam.RolePolicyAttachment("search-execution-guardrail", role=role.name, policy_arn=guardrail.arn)
aws.iam.RolePolicy("search-execution-ssm", role=role.id, policy=json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "ssm:GetParameters", "Resource": parameter_arn}],
}))

aws.ecs.TaskDefinition(
    "search",
    family="staging-search",
    network_mode="awsvpc",
    requires_compatibilities=["FARGATE"],
    cpu="256",
    memory="512",
    execution_role_arn=role.arn,
    container_definitions=json.dumps([{
        "name": "search",
        "image": "public.ecr.aws/docker/library/python@sha256:2a7871f428bd90dfe1fa561067c2fe2de0e73e834f8886f862ba28685e772272",
        "essential": True,
        "portMappings": [{"containerPort": 9200}],
        "secrets": [{"name": "INDEX_TOKEN", "valueFrom": parameter_arn}],
        "logConfiguration": {"logDriver": "awslogs", "options": {
            "awslogs-group": "/ecs/staging-search", "awslogs-region": region, "awslogs-stream-prefix": "search"}},
    }]),
)
