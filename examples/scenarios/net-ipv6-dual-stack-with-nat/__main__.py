"""notify-v2: dual-stack VPC; IPv6 egress through an egress-only internet gateway, IPv4 egress through a
NAT gateway, so the IPv4-only ECR endpoints are still reachable."""

import ipaddress
import json

import pulumi_aws as aws

region = aws.get_region().name
account = aws.get_caller_identity().account_id

vpc = aws.ec2.Vpc(
    "notify-v2",
    cidr_block="10.20.0.0/16",
    assign_generated_ipv6_cidr_block=True,
    enable_dns_support=True,
    enable_dns_hostnames=True,
)
igw = aws.ec2.InternetGateway("notify-v2", vpc_id=vpc.id)
public_rt = aws.ec2.RouteTable(
    "notify-v2-public", vpc_id=vpc.id, routes=[{"cidr_block": "0.0.0.0/0", "gateway_id": igw.id}]
)
public_a = aws.ec2.Subnet(
    "notify-v2-public-a",
    vpc_id=vpc.id,
    cidr_block="10.20.0.0/24",
    availability_zone=f"{region}a",
    map_public_ip_on_launch=True,
)
aws.ec2.RouteTableAssociation("notify-v2-public-a", subnet_id=public_a.id, route_table_id=public_rt.id)
nat = aws.ec2.NatGateway(
    "notify-v2", subnet_id=public_a.id, allocation_id=aws.ec2.Eip("notify-v2-nat", domain="vpc").id
)

eigw = aws.ec2.EgressOnlyInternetGateway("notify-v2", vpc_id=vpc.id)
private_rt = aws.ec2.RouteTable(
    "notify-v2-private",
    vpc_id=vpc.id,
    routes=[
        {"cidr_block": "0.0.0.0/0", "nat_gateway_id": nat.id},
        {"ipv6_cidr_block": "::/0", "egress_only_gateway_id": eigw.id},
    ],
)
task_subnets = []
for i, zone in enumerate("ab"):
    subnet = aws.ec2.Subnet(
        f"notify-v2-private-{zone}",
        vpc_id=vpc.id,
        cidr_block=f"10.20.{10 + i}.0/24",
        ipv6_cidr_block=vpc.ipv6_cidr_block.apply(
            lambda block, i=i: str(list(ipaddress.ip_network(block).subnets(new_prefix=64))[i + 1])
        ),
        assign_ipv6_address_on_creation=True,
        availability_zone=f"{region}{zone}",
    )
    aws.ec2.RouteTableAssociation(
        f"notify-v2-private-{zone}", subnet_id=subnet.id, route_table_id=private_rt.id
    )
    task_subnets.append(subnet)

task_sg = aws.ec2.SecurityGroup(
    "notify-v2-task",
    vpc_id=vpc.id,
    description="notify-v2 tasks",
    egress=[
        {
            "protocol": "tcp",
            "from_port": 443,
            "to_port": 443,
            "cidr_blocks": ["0.0.0.0/0"],
            "ipv6_cidr_blocks": ["::/0"],
        }
    ],
)

repo = aws.ecr.Repository(
    "notify-v2",
    name="notify-v2",
    image_tag_mutability="IMMUTABLE",
    image_scanning_configuration={"scan_on_push": True},
)
aws.ecr.LifecyclePolicy(
    "notify-v2",
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
aws.cloudwatch.LogGroup("notify-v2", name="/ecs/notify-v2", retention_in_days=30)

execution_role = aws.iam.Role(
    "notify-v2-execution",
    name="notify-v2-execution",
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
    "notify-v2-execution",
    role=execution_role.name,
    policy_arn="arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy",
)

task = aws.ecs.TaskDefinition(
    "notify-v2",
    family="notify-v2",
    cpu="256",
    memory="512",
    network_mode="awsvpc",
    requires_compatibilities=["FARGATE"],
    execution_role_arn=execution_role.arn,
    container_definitions=json.dumps(
        [
            {
                "name": "notify-v2",
                "image": f"{account}.dkr.ecr.{region}.amazonaws.com/notify-v2:1.4.2",
                "essential": True,
                "portMappings": [{"containerPort": 8080}],
                "logConfiguration": {
                    "logDriver": "awslogs",
                    "options": {
                        "awslogs-group": "/ecs/notify-v2",
                        "awslogs-region": region,
                        "awslogs-stream-prefix": "notify-v2",
                    },
                },
            }
        ]
    ),
)

cluster = aws.ecs.Cluster("notify-v2")
aws.ecs.Service(
    "notify-v2",
    cluster=cluster.arn,
    task_definition=task.arn,
    desired_count=2,
    launch_type="FARGATE",
    deployment_minimum_healthy_percent=100,
    deployment_maximum_percent=200,
    deployment_circuit_breaker={"enable": True, "rollback": True},
    network_configuration={"subnets": [s.id for s in task_subnets], "security_groups": [task_sg.id]},
)
