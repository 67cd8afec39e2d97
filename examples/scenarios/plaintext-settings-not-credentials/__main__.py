"""identity: the login service's settings. Several names contain PASSWORD, TOKEN or SECRET, but the
values are a boolean, a number, a duration, an algorithm name, a file path and a header name."""

import json

import pulumi_aws as aws

region = aws.get_region().name
account = aws.get_caller_identity().account_id

vpc = aws.ec2.Vpc("identity", cidr_block="10.20.0.0/16", enable_dns_support=True, enable_dns_hostnames=True)
igw = aws.ec2.InternetGateway("identity", vpc_id=vpc.id)
public_rt = aws.ec2.RouteTable(
    "identity-public", vpc_id=vpc.id, routes=[{"cidr_block": "0.0.0.0/0", "gateway_id": igw.id}]
)
public_subnets = []
for i, zone in enumerate("ab"):
    subnet = aws.ec2.Subnet(
        f"identity-public-{zone}",
        vpc_id=vpc.id,
        cidr_block=f"10.20.{i}.0/24",
        availability_zone=f"{region}{zone}",
        map_public_ip_on_launch=True,
    )
    aws.ec2.RouteTableAssociation(f"identity-public-{zone}", subnet_id=subnet.id, route_table_id=public_rt.id)
    public_subnets.append(subnet)

nat = aws.ec2.NatGateway(
    "identity", subnet_id=public_subnets[0].id, allocation_id=aws.ec2.Eip("identity-nat", domain="vpc").id
)
private_rt = aws.ec2.RouteTable(
    "identity-private", vpc_id=vpc.id, routes=[{"cidr_block": "0.0.0.0/0", "nat_gateway_id": nat.id}]
)
task_subnets = []
for i, zone in enumerate("ab"):
    subnet = aws.ec2.Subnet(
        f"identity-private-{zone}",
        vpc_id=vpc.id,
        cidr_block=f"10.20.{10 + i}.0/24",
        availability_zone=f"{region}{zone}",
    )
    aws.ec2.RouteTableAssociation(
        f"identity-private-{zone}", subnet_id=subnet.id, route_table_id=private_rt.id
    )
    task_subnets.append(subnet)

task_sg = aws.ec2.SecurityGroup(
    "identity-task",
    vpc_id=vpc.id,
    description="identity tasks",
    egress=[{"protocol": "tcp", "from_port": 443, "to_port": 443, "cidr_blocks": ["0.0.0.0/0"]}],
)

repo = aws.ecr.Repository(
    "identity",
    name="identity",
    image_tag_mutability="IMMUTABLE",
    image_scanning_configuration={"scan_on_push": True},
)
aws.ecr.LifecyclePolicy(
    "identity",
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
aws.cloudwatch.LogGroup("identity", name="/ecs/identity", retention_in_days=30)

execution_role = aws.iam.Role(
    "identity-execution",
    name="identity-execution",
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
    "identity-execution",
    role=execution_role.name,
    policy_arn="arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy",
)

task = aws.ecs.TaskDefinition(
    "identity",
    family="identity",
    cpu="256",
    memory="512",
    network_mode="awsvpc",
    requires_compatibilities=["FARGATE"],
    execution_role_arn=execution_role.arn,
    container_definitions=json.dumps(
        [
            {
                "name": "identity",
                "image": f"{account}.dkr.ecr.{region}.amazonaws.com/identity:1.4.2",
                "essential": True,
                "portMappings": [{"containerPort": 8080}],
                "environment": [
                    {"name": "ENABLE_PASSWORD_LOGIN", "value": "true"},
                    {"name": "PASSWORD_MIN_LENGTH", "value": "12"},
                    {"name": "TOKEN_TTL", "value": "15m"},
                    {"name": "JWT_ALGORITHM", "value": "RS256"},
                    {"name": "SECRET_FILE", "value": "/run/secrets/db"},
                    {"name": "AUTH_TOKEN_HEADER", "value": "X-Auth-Token"},
                ],
                "logConfiguration": {
                    "logDriver": "awslogs",
                    "options": {
                        "awslogs-group": "/ecs/identity",
                        "awslogs-region": region,
                        "awslogs-stream-prefix": "identity",
                    },
                },
            }
        ]
    ),
)

cluster = aws.ecs.Cluster("identity")
aws.ecs.Service(
    "identity",
    cluster=cluster.arn,
    task_definition=task.arn,
    desired_count=2,
    launch_type="FARGATE",
    deployment_minimum_healthy_percent=100,
    deployment_maximum_percent=200,
    deployment_circuit_breaker={"enable": True, "rollback": True},
    network_configuration={"subnets": [s.id for s in task_subnets], "security_groups": [task_sg.id]},
)
