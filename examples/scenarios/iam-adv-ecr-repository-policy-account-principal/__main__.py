"""Pull access to the catalog repository is managed on the repository: its policy lets "our account"
pull. The execution role's own IAM policy only gets the registry token and writes logs.
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
aws.ecr.RepositoryPolicy("catalog-repo-policy", repository=repo.name, policy=json.dumps({
    "Version": "2012-10-17",
    "Statement": [{
        "Sid": "OurAccountPulls",
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
        "Action": ["ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"],
    }],
}))
aws.cloudwatch.LogGroup("catalog-logs", name="/ecs/catalog", retention_in_days=14)

role = aws.iam.Role("catalog-execution", name="catalog-execution", assume_role_policy=json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"},
                   "Action": "sts:AssumeRole"}],
}))
aws.iam.RolePolicy("catalog-execution-policy", role=role.id, policy=json.dumps({
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Action": "ecr:GetAuthorizationToken", "Resource": "*"},
        {"Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
         "Resource": f"arn:aws:logs:{region}:{account}:log-group:/ecs/catalog:*"},
    ],
}))

aws.ecs.TaskDefinition(
    "catalog",
    family="catalog",
    network_mode="awsvpc",
    requires_compatibilities=["FARGATE"],
    cpu="256",
    memory="512",
    execution_role_arn=role.arn,
    container_definitions=json.dumps([{
        "name": "catalog",
        "image": f"{account}.dkr.ecr.{region}.amazonaws.com/catalog@sha256:2a7871f428bd90dfe1fa561067c2fe2de0e73e834f8886f862ba28685e772272",
        "essential": True,
        "portMappings": [{"containerPort": 8080}],
        "logConfiguration": {"logDriver": "awslogs", "options": {
            "awslogs-group": "/ecs/catalog", "awslogs-region": region, "awslogs-stream-prefix": "catalog"}},
    }]),
)
