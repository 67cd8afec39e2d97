"""nginx comes through the registry's pull-through cache rule for ECR Public; the execution role
may import upstream images into, and create, repositories under ecr-public/.
"""

import json

import pulumi_aws as aws

account = aws.get_caller_identity().account_id
region = aws.get_region().region

# Images from ECR Public are cached under ecr-public/ in this account's registry on first pull.
aws.ecr.PullThroughCacheRule("ecr-public-cache", ecr_repository_prefix="ecr-public",
                             upstream_registry_url="public.ecr.aws")
aws.cloudwatch.LogGroup("edge-logs", name="/ecs/edge", retention_in_days=14)

role = aws.iam.Role("edge-execution", name="edge-execution", assume_role_policy=json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"},
                   "Action": "sts:AssumeRole"}],
}))
aws.iam.RolePolicyAttachment("edge-execution-managed", role=role.name,
                             policy_arn="arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy")
aws.iam.RolePolicy("edge-execution-cache", role=role.id, policy=json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": ["ecr:BatchImportUpstreamImage", "ecr:CreateRepository"],
                   "Resource": f"arn:aws:ecr:{region}:{account}:repository/ecr-public/*"}],
}))
aws.ecs.TaskDefinition(
    "edge",
    family="edge",
    network_mode="awsvpc",
    requires_compatibilities=["FARGATE"],
    cpu="256",
    memory="512",
    execution_role_arn=role.arn,
    container_definitions=json.dumps([{
        "name": "nginx",
        "image": f"{account}.dkr.ecr.{region}.amazonaws.com/ecr-public/nginx/nginx@sha256:6515f83e7ba5810842059cf6b2b7279a3073b9d141623e62cc825050025113e0",
        "essential": True,
        "portMappings": [{"containerPort": 80}],
        "logConfiguration": {"logDriver": "awslogs", "options": {
            "awslogs-group": "/ecs/edge", "awslogs-region": region, "awslogs-stream-prefix": "edge"}},
    }]),
)
