"""carts: Spring Boot settings in SPRING_APPLICATION_JSON; the datasource password comes from secrets."""

import json

import pulumi_aws as aws

region = aws.get_region().name
account = aws.get_caller_identity().account_id

vpc = aws.ec2.Vpc("carts", cidr_block="10.20.0.0/16", enable_dns_support=True, enable_dns_hostnames=True)
igw = aws.ec2.InternetGateway("carts", vpc_id=vpc.id)
public_rt = aws.ec2.RouteTable(
    "carts-public", vpc_id=vpc.id, routes=[{"cidr_block": "0.0.0.0/0", "gateway_id": igw.id}]
)
public_subnets = []
for i, zone in enumerate("ab"):
    subnet = aws.ec2.Subnet(
        f"carts-public-{zone}",
        vpc_id=vpc.id,
        cidr_block=f"10.20.{i}.0/24",
        availability_zone=f"{region}{zone}",
        map_public_ip_on_launch=True,
    )
    aws.ec2.RouteTableAssociation(f"carts-public-{zone}", subnet_id=subnet.id, route_table_id=public_rt.id)
    public_subnets.append(subnet)

nat = aws.ec2.NatGateway(
    "carts", subnet_id=public_subnets[0].id, allocation_id=aws.ec2.Eip("carts-nat", domain="vpc").id
)
private_rt = aws.ec2.RouteTable(
    "carts-private", vpc_id=vpc.id, routes=[{"cidr_block": "0.0.0.0/0", "nat_gateway_id": nat.id}]
)
task_subnets = []
for i, zone in enumerate("ab"):
    subnet = aws.ec2.Subnet(
        f"carts-private-{zone}",
        vpc_id=vpc.id,
        cidr_block=f"10.20.{10 + i}.0/24",
        availability_zone=f"{region}{zone}",
    )
    aws.ec2.RouteTableAssociation(f"carts-private-{zone}", subnet_id=subnet.id, route_table_id=private_rt.id)
    task_subnets.append(subnet)

task_sg = aws.ec2.SecurityGroup(
    "carts-task",
    vpc_id=vpc.id,
    description="carts tasks",
    egress=[{"protocol": "tcp", "from_port": 443, "to_port": 443, "cidr_blocks": ["0.0.0.0/0"]}],
)

repo = aws.ecr.Repository(
    "carts",
    name="carts",
    image_tag_mutability="IMMUTABLE",
    image_scanning_configuration={"scan_on_push": True},
)
aws.ecr.LifecyclePolicy(
    "carts",
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
aws.cloudwatch.LogGroup("carts", name="/ecs/carts", retention_in_days=30)

execution_role = aws.iam.Role(
    "carts-execution",
    name="carts-execution",
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
    "carts-execution",
    role=execution_role.name,
    policy_arn="arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy",
)

db_password_arn = f"arn:aws:ssm:{region}:{account}:parameter/carts/db-password"
aws.iam.RolePolicy(
    "carts-execution-secrets",
    role=execution_role.id,
    policy=json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "ssm:GetParameters", "Resource": db_password_arn}],
        }
    ),
)

task = aws.ecs.TaskDefinition(
    "carts",
    family="carts",
    cpu="256",
    memory="512",
    network_mode="awsvpc",
    requires_compatibilities=["FARGATE"],
    execution_role_arn=execution_role.arn,
    container_definitions=json.dumps(
        [
            {
                "name": "carts",
                "image": f"{account}.dkr.ecr.{region}.amazonaws.com/carts:1.4.2",
                "essential": True,
                "portMappings": [{"containerPort": 8080}],
                "environment": [
                    {
                        "name": "SPRING_APPLICATION_JSON",
                        "value": json.dumps(
                            {
                                "server": {"port": 8080, "shutdown": "graceful"},
                                "spring": {
                                    "datasource": {
                                        "url": "jdbc:postgresql://carts-db.internal:5432/carts",
                                        "hikari": {"maximum-pool-size": 10},
                                    }
                                },
                            }
                        ),
                    },
                ],
                "secrets": [
                    {"name": "SPRING_DATASOURCE_PASSWORD", "valueFrom": db_password_arn},
                ],
                "logConfiguration": {
                    "logDriver": "awslogs",
                    "options": {
                        "awslogs-group": "/ecs/carts",
                        "awslogs-region": region,
                        "awslogs-stream-prefix": "carts",
                    },
                },
            }
        ]
    ),
)

cluster = aws.ecs.Cluster("carts")
aws.ecs.Service(
    "carts",
    cluster=cluster.arn,
    task_definition=task.arn,
    desired_count=2,
    launch_type="FARGATE",
    deployment_minimum_healthy_percent=100,
    deployment_maximum_percent=200,
    deployment_circuit_breaker={"enable": True, "rollback": True},
    network_configuration={"subnets": [s.id for s in task_subnets], "security_groups": [task_sg.id]},
)
