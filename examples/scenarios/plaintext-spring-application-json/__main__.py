"""orders-api: the Spring Boot datasource is configured in one SPRING_APPLICATION_JSON variable,
password included."""

import json

import pulumi_aws as aws

region = aws.get_region().name
account = aws.get_caller_identity().account_id

vpc = aws.ec2.Vpc("orders-api", cidr_block="10.20.0.0/16", enable_dns_support=True, enable_dns_hostnames=True)
igw = aws.ec2.InternetGateway("orders-api", vpc_id=vpc.id)
public_rt = aws.ec2.RouteTable(
    "orders-api-public", vpc_id=vpc.id, routes=[{"cidr_block": "0.0.0.0/0", "gateway_id": igw.id}]
)
public_subnets = []
for i, zone in enumerate("ab"):
    subnet = aws.ec2.Subnet(
        f"orders-api-public-{zone}",
        vpc_id=vpc.id,
        cidr_block=f"10.20.{i}.0/24",
        availability_zone=f"{region}{zone}",
        map_public_ip_on_launch=True,
    )
    aws.ec2.RouteTableAssociation(
        f"orders-api-public-{zone}", subnet_id=subnet.id, route_table_id=public_rt.id
    )
    public_subnets.append(subnet)

nat = aws.ec2.NatGateway(
    "orders-api", subnet_id=public_subnets[0].id, allocation_id=aws.ec2.Eip("orders-api-nat", domain="vpc").id
)
private_rt = aws.ec2.RouteTable(
    "orders-api-private", vpc_id=vpc.id, routes=[{"cidr_block": "0.0.0.0/0", "nat_gateway_id": nat.id}]
)
task_subnets = []
for i, zone in enumerate("ab"):
    subnet = aws.ec2.Subnet(
        f"orders-api-private-{zone}",
        vpc_id=vpc.id,
        cidr_block=f"10.20.{10 + i}.0/24",
        availability_zone=f"{region}{zone}",
    )
    aws.ec2.RouteTableAssociation(
        f"orders-api-private-{zone}", subnet_id=subnet.id, route_table_id=private_rt.id
    )
    task_subnets.append(subnet)

task_sg = aws.ec2.SecurityGroup(
    "orders-api-task",
    vpc_id=vpc.id,
    description="orders-api tasks",
    egress=[{"protocol": "tcp", "from_port": 443, "to_port": 443, "cidr_blocks": ["0.0.0.0/0"]}],
)

repo = aws.ecr.Repository(
    "orders-api",
    name="orders-api",
    image_tag_mutability="IMMUTABLE",
    image_scanning_configuration={"scan_on_push": True},
)
aws.ecr.LifecyclePolicy(
    "orders-api",
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
aws.cloudwatch.LogGroup("orders-api", name="/ecs/orders-api", retention_in_days=30)

execution_role = aws.iam.Role(
    "orders-api-execution",
    name="orders-api-execution",
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
    "orders-api-execution",
    role=execution_role.name,
    policy_arn="arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy",
)

task = aws.ecs.TaskDefinition(
    "orders-api",
    family="orders-api",
    cpu="256",
    memory="512",
    network_mode="awsvpc",
    requires_compatibilities=["FARGATE"],
    execution_role_arn=execution_role.arn,
    container_definitions=json.dumps(
        [
            {
                "name": "orders-api",
                "image": f"{account}.dkr.ecr.{region}.amazonaws.com/orders-api:1.4.2",
                "essential": True,
                "portMappings": [{"containerPort": 8080}],
                "environment": [
                    {"name": "SPRING_PROFILES_ACTIVE", "value": "prod"},
                    {
                        "name": "SPRING_APPLICATION_JSON",
                        "value": json.dumps(
                            {
                                "spring": {
                                    "datasource": {
                                        "url": "jdbc:postgresql://orders-db.internal:5432/orders",
                                        "username": "orders",
                                        "password": "Q7v!kP2m#Lx9",
                                    }
                                }
                            }
                        ),
                    },
                ],
                "logConfiguration": {
                    "logDriver": "awslogs",
                    "options": {
                        "awslogs-group": "/ecs/orders-api",
                        "awslogs-region": region,
                        "awslogs-stream-prefix": "orders-api",
                    },
                },
            }
        ]
    ),
)

cluster = aws.ecs.Cluster("orders-api")
aws.ecs.Service(
    "orders-api",
    cluster=cluster.arn,
    task_definition=task.arn,
    desired_count=2,
    launch_type="FARGATE",
    deployment_minimum_healthy_percent=100,
    deployment_maximum_percent=200,
    deployment_circuit_breaker={"enable": True, "rollback": True},
    network_configuration={"subnets": [s.id for s in task_subnets], "security_groups": [task_sg.id]},
)
