"""The registry team grants pulls in each repository's policy instead of in every role: the
execution role's own policy covers only the registry token and its log group.
"""

import json

import pulumi
import pulumi_aws as aws

account = aws.get_caller_identity().account_id
region = aws.get_region().region

role = aws.iam.Role("search-execution", name="search-execution", assume_role_policy=json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"},
                   "Action": "sts:AssumeRole"}],
}))
aws.iam.RolePolicy("search-execution-basics", role=role.id, policy=json.dumps({
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Action": "ecr:GetAuthorizationToken", "Resource": "*"},
        {"Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
         "Resource": f"arn:aws:logs:{region}:{account}:log-group:/ecs/search:*"},
    ],
}))

repo = aws.ecr.Repository("search-repo", name="search", image_tag_mutability="IMMUTABLE",
                          image_scanning_configuration={"scan_on_push": True})
aws.ecr.LifecyclePolicy("search-repo-lifecycle", repository=repo.name, policy=json.dumps({"rules": [{
    "rulePriority": 1, "description": "keep 30 images",
    "selection": {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": 30},
    "action": {"type": "expire"}}]}))
# ECR checks that the principal exists, so the policy waits for the role.
aws.ecr.RepositoryPolicy("search-repo-policy", repository=repo.name, policy=json.dumps({
    "Version": "2012-10-17",
    "Statement": [{
        "Sid": "TaskPulls",
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{account}:role/search-execution"},
        "Action": ["ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"],
    }],
}), opts=pulumi.ResourceOptions(depends_on=[role]))
aws.cloudwatch.LogGroup("search-logs", name="/ecs/search", retention_in_days=14)

aws.ecs.TaskDefinition(
    "search",
    family="search",
    network_mode="awsvpc",
    requires_compatibilities=["FARGATE"],
    cpu="256",
    memory="512",
    execution_role_arn=role.arn,
    container_definitions=json.dumps([{
        "name": "search",
        "image": f"{account}.dkr.ecr.{region}.amazonaws.com/search@sha256:2a7871f428bd90dfe1fa561067c2fe2de0e73e834f8886f862ba28685e772272",
        "essential": True,
        "portMappings": [{"containerPort": 8080}],
        "logConfiguration": {"logDriver": "awslogs", "options": {
            "awslogs-group": "/ecs/search", "awslogs-region": region, "awslogs-stream-prefix": "search"}},
    }]),
)
