"""payroll: the network team owns the VPC and its internet gateway; this stack adds the team's own
public and private subnets, a NAT gateway and the routes, and runs the service in the private
subnets. The VPC's default network ACL, which the new subnets use, is not in this stack."""

import json

import pulumi_aws as aws

region = aws.get_region().name
account = aws.get_caller_identity().account_id

# From the network team's hand-over document.
VPC_ID = "vpc-0a1b2c3d4e5f60718"
INTERNET_GATEWAY_ID = "igw-0f1e2d3c4b5a69788"

public_rt = aws.ec2.RouteTable(
    "payroll-public", vpc_id=VPC_ID, routes=[{"cidr_block": "0.0.0.0/0", "gateway_id": INTERNET_GATEWAY_ID}]
)
public_subnets = []
for i, zone in enumerate("ab"):
    subnet = aws.ec2.Subnet(
        f"payroll-public-{zone}",
        vpc_id=VPC_ID,
        cidr_block=f"10.20.{i}.0/24",
        availability_zone=f"{region}{zone}",
        map_public_ip_on_launch=True,
    )
    aws.ec2.RouteTableAssociation(f"payroll-public-{zone}", subnet_id=subnet.id, route_table_id=public_rt.id)
    public_subnets.append(subnet)

nat = aws.ec2.NatGateway(
    "payroll", subnet_id=public_subnets[0].id, allocation_id=aws.ec2.Eip("payroll-nat", domain="vpc").id
)
private_rt = aws.ec2.RouteTable(
    "payroll-private", vpc_id=VPC_ID, routes=[{"cidr_block": "0.0.0.0/0", "nat_gateway_id": nat.id}]
)
task_subnets = []
for i, zone in enumerate("ab"):
    subnet = aws.ec2.Subnet(
        f"payroll-private-{zone}",
        vpc_id=VPC_ID,
        cidr_block=f"10.20.{10 + i}.0/24",
        availability_zone=f"{region}{zone}",
    )
    aws.ec2.RouteTableAssociation(
        f"payroll-private-{zone}", subnet_id=subnet.id, route_table_id=private_rt.id
    )
    task_subnets.append(subnet)
task_sg = aws.ec2.SecurityGroup(
    "payroll-task",
    vpc_id=VPC_ID,
    description="payroll tasks",
    egress=[{"protocol": "tcp", "from_port": 443, "to_port": 443, "cidr_blocks": ["0.0.0.0/0"]}],
)

repo = aws.ecr.Repository(
    "payroll",
    name="payroll",
    image_tag_mutability="IMMUTABLE",
    image_scanning_configuration={"scan_on_push": True},
)
aws.ecr.LifecyclePolicy(
    "payroll",
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
aws.cloudwatch.LogGroup("payroll", name="/ecs/payroll", retention_in_days=30)

execution_role = aws.iam.Role(
    "payroll-execution",
    name="payroll-execution",
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
    "payroll-execution",
    role=execution_role.name,
    policy_arn="arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy",
)

task = aws.ecs.TaskDefinition(
    "payroll",
    family="payroll",
    cpu="256",
    memory="512",
    network_mode="awsvpc",
    requires_compatibilities=["FARGATE"],
    execution_role_arn=execution_role.arn,
    container_definitions=json.dumps(
        [
            {
                "name": "payroll",
                "image": f"{account}.dkr.ecr.{region}.amazonaws.com/payroll:1.4.2",
                "essential": True,
                "portMappings": [{"containerPort": 8080}],
                "logConfiguration": {
                    "logDriver": "awslogs",
                    "options": {
                        "awslogs-group": "/ecs/payroll",
                        "awslogs-region": region,
                        "awslogs-stream-prefix": "payroll",
                    },
                },
            }
        ]
    ),
)

cluster = aws.ecs.Cluster("payroll")
aws.ecs.Service(
    "payroll",
    cluster=cluster.arn,
    task_definition=task.arn,
    desired_count=2,
    launch_type="FARGATE",
    deployment_minimum_healthy_percent=100,
    deployment_maximum_percent=200,
    deployment_circuit_breaker={"enable": True, "rollback": True},
    network_configuration={"subnets": [s.id for s in task_subnets], "security_groups": [task_sg.id]},
)
