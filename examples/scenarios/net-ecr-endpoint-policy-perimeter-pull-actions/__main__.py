"""keystore: the same data-perimeter idea, limited to the actions that take a repository ARN, so the
registry token call is not caught."""

import json

import pulumi_aws as aws

region = aws.get_region().name
account = aws.get_caller_identity().account_id

vpc = aws.ec2.Vpc("keystore", cidr_block="10.20.0.0/16", enable_dns_support=True, enable_dns_hostnames=True)
private_rt = aws.ec2.RouteTable("keystore-private", vpc_id=vpc.id)
task_subnets = []
for i, zone in enumerate("ab"):
    subnet = aws.ec2.Subnet(
        f"keystore-private-{zone}",
        vpc_id=vpc.id,
        cidr_block=f"10.20.{10 + i}.0/24",
        availability_zone=f"{region}{zone}",
    )
    aws.ec2.RouteTableAssociation(
        f"keystore-private-{zone}", subnet_id=subnet.id, route_table_id=private_rt.id
    )
    task_subnets.append(subnet)

task_sg = aws.ec2.SecurityGroup(
    "keystore-task",
    vpc_id=vpc.id,
    description="keystore tasks",
    egress=[{"protocol": "tcp", "from_port": 443, "to_port": 443, "cidr_blocks": ["0.0.0.0/0"]}],
)
endpoint_sg = aws.ec2.SecurityGroup(
    "keystore-endpoints",
    vpc_id=vpc.id,
    description="interface endpoints",
    ingress=[{"protocol": "tcp", "from_port": 443, "to_port": 443, "security_groups": [task_sg.id]}],
)
# Data perimeter: through these endpoints, only this account's repositories.
ECR_PERIMETER = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "AllowAll", "Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"},
            {
                "Sid": "OnlyOurRepositories",
                "Effect": "Deny",
                "Principal": "*",
                "Action": [
                    "ecr:BatchGetImage",
                    "ecr:GetDownloadUrlForLayer",
                    "ecr:BatchCheckLayerAvailability",
                ],
                "NotResource": f"arn:aws:ecr:{region}:{account}:repository/*",
            },
        ],
    }
)
ENDPOINT_POLICIES = {"ecr.api": ECR_PERIMETER, "ecr.dkr": ECR_PERIMETER}
for service in ["ecr.api", "ecr.dkr", "logs"]:
    aws.ec2.VpcEndpoint(
        f"keystore-{service.replace('.', '-')}",
        vpc_id=vpc.id,
        service_name=f"com.amazonaws.{region}.{service}",
        vpc_endpoint_type="Interface",
        private_dns_enabled=True,
        subnet_ids=[s.id for s in task_subnets],
        security_group_ids=[endpoint_sg.id],
        policy=ENDPOINT_POLICIES.get(service),
    )
s3 = aws.ec2.VpcEndpoint(
    "keystore-s3",
    vpc_id=vpc.id,
    service_name=f"com.amazonaws.{region}.s3",
    vpc_endpoint_type="Gateway",
    route_table_ids=[private_rt.id],
)

repo = aws.ecr.Repository(
    "keystore",
    name="keystore",
    image_tag_mutability="IMMUTABLE",
    image_scanning_configuration={"scan_on_push": True},
)
aws.ecr.LifecyclePolicy(
    "keystore",
    repository=repo.name,
    policy=json.dumps(
        {
            "rules": [
                {
                    "rulePriority": 1,
                    "description": "keep 20 images",
                    "selection": {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": 20},
                    "action": {"type": "expire"},
                }
            ]
        }
    ),
)
aws.cloudwatch.LogGroup("keystore", name="/ecs/keystore", retention_in_days=30)

execution_role = aws.iam.Role(
    "keystore-execution",
    name="keystore-execution",
    assume_role_policy=json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "ecs-tasks.amazonaws.com"},
                    "Action": "sts:AssumeRole",
                }
            ],
        }
    ),
)
aws.iam.RolePolicyAttachment(
    "keystore-execution",
    role=execution_role.name,
    policy_arn="arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy",
)

task = aws.ecs.TaskDefinition(
    "keystore",
    family="keystore",
    cpu="256",
    memory="512",
    network_mode="awsvpc",
    requires_compatibilities=["FARGATE"],
    execution_role_arn=execution_role.arn,
    container_definitions=json.dumps(
        [
            {
                "name": "keystore",
                "image": f"{account}.dkr.ecr.{region}.amazonaws.com/keystore:1.4.2",
                "essential": True,
                "portMappings": [{"containerPort": 8080}],
                "logConfiguration": {
                    "logDriver": "awslogs",
                    "options": {
                        "awslogs-group": "/ecs/keystore",
                        "awslogs-region": region,
                        "awslogs-stream-prefix": "keystore",
                    },
                },
            }
        ]
    ),
)

cluster = aws.ecs.Cluster("keystore")
aws.ecs.Service(
    "keystore",
    cluster=cluster.arn,
    task_definition=task.arn,
    desired_count=2,
    launch_type="FARGATE",
    deployment_minimum_healthy_percent=100,
    deployment_maximum_percent=200,
    deployment_circuit_breaker={"enable": True, "rollback": True},
    network_configuration={"subnets": [s.id for s in task_subnets], "security_groups": [task_sg.id]},
)
