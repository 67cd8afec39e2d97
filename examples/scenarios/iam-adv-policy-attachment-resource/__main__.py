"""An older codebase: the managed execution policy is attached with aws.iam.PolicyAttachment, which
attaches one policy to a list of roles, here the catalog and search execution roles.
"""

import json

import pulumi_aws as aws

account = aws.get_caller_identity().account_id
region = aws.get_region().region

repo = aws.ecr.Repository("catalog-repo", name="catalog", image_tag_mutability="IMMUTABLE",
                          image_scanning_configuration={"scan_on_push": True})
aws.ecr.LifecyclePolicy("catalog-repo-lifecycle", repository=repo.name, policy=json.dumps({"rules": [{
    "rulePriority": 1, "description": "keep 30 images",
    "selection": {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": 30},
    "action": {"type": "expire"}}]}))
aws.cloudwatch.LogGroup("catalog-logs", name="/ecs/catalog", retention_in_days=14)

trust = json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"},
                   "Action": "sts:AssumeRole"}],
})
catalog_execution = aws.iam.Role("catalog-execution", name="catalog-execution", assume_role_policy=trust)
search_execution = aws.iam.Role("search-execution", name="search-execution", assume_role_policy=trust)
aws.iam.PolicyAttachment("ecs-task-execution", name="ecs-task-execution",
                         roles=[catalog_execution.name, search_execution.name],
                         policy_arn="arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy")

aws.ecs.TaskDefinition(
    "catalog",
    family="catalog",
    network_mode="awsvpc",
    requires_compatibilities=["FARGATE"],
    cpu="256",
    memory="512",
    execution_role_arn=catalog_execution.arn,
    container_definitions=json.dumps([{
        "name": "catalog",
        "image": f"{account}.dkr.ecr.{region}.amazonaws.com/catalog@sha256:2a7871f428bd90dfe1fa561067c2fe2de0e73e834f8886f862ba28685e772272",
        "essential": True,
        "portMappings": [{"containerPort": 8080}],
        "logConfiguration": {"logDriver": "awslogs", "options": {
            "awslogs-group": "/ecs/catalog", "awslogs-region": region, "awslogs-stream-prefix": "catalog"}},
    }]),
)
