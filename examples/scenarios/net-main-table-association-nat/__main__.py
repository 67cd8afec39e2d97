"""billing: the private route table is made the VPC's main route table instead of being associated
with each subnet, so new private subnets pick it up without an association."""

import json

import pulumi_aws as aws

region = aws.get_region().name
account = aws.get_caller_identity().account_id

vpc = aws.ec2.Vpc("billing", cidr_block="10.20.0.0/16", enable_dns_support=True, enable_dns_hostnames=True)
igw = aws.ec2.InternetGateway("billing", vpc_id=vpc.id)
public_rt = aws.ec2.RouteTable(
    "billing-public", vpc_id=vpc.id, routes=[{"cidr_block": "0.0.0.0/0", "gateway_id": igw.id}]
)
public_a = aws.ec2.Subnet(
    "billing-public-a",
    vpc_id=vpc.id,
    cidr_block="10.20.0.0/24",
    availability_zone=f"{region}a",
    map_public_ip_on_launch=True,
)
aws.ec2.RouteTableAssociation("billing-public-a", subnet_id=public_a.id, route_table_id=public_rt.id)
nat = aws.ec2.NatGateway(
    "billing", subnet_id=public_a.id, allocation_id=aws.ec2.Eip("billing-nat", domain="vpc").id
)

# No RouteTableAssociation for the private subnets: they use the VPC's main route table.
task_subnets = [
    aws.ec2.Subnet(
        f"billing-private-{zone}",
        vpc_id=vpc.id,
        cidr_block=f"10.20.{10 + i}.0/24",
        availability_zone=f"{region}{zone}",
    )
    for i, zone in enumerate("ab")
]
private_rt = aws.ec2.RouteTable(
    "billing-private", vpc_id=vpc.id, routes=[{"cidr_block": "0.0.0.0/0", "nat_gateway_id": nat.id}]
)
aws.ec2.MainRouteTableAssociation("billing-main", vpc_id=vpc.id, route_table_id=private_rt.id)

task_sg = aws.ec2.SecurityGroup(
    "billing-task",
    vpc_id=vpc.id,
    description="billing tasks",
    egress=[{"protocol": "tcp", "from_port": 443, "to_port": 443, "cidr_blocks": ["0.0.0.0/0"]}],
)

repo = aws.ecr.Repository(
    "billing",
    name="billing",
    image_tag_mutability="IMMUTABLE",
    image_scanning_configuration={"scan_on_push": True},
)
aws.ecr.LifecyclePolicy(
    "billing",
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
aws.cloudwatch.LogGroup("billing", name="/ecs/billing", retention_in_days=30)

execution_role = aws.iam.Role(
    "billing-execution",
    name="billing-execution",
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
    "billing-execution",
    role=execution_role.name,
    policy_arn="arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy",
)

task = aws.ecs.TaskDefinition(
    "billing",
    family="billing",
    cpu="256",
    memory="512",
    network_mode="awsvpc",
    requires_compatibilities=["FARGATE"],
    execution_role_arn=execution_role.arn,
    container_definitions=json.dumps(
        [
            {
                "name": "billing",
                "image": f"{account}.dkr.ecr.{region}.amazonaws.com/billing:1.4.2",
                "essential": True,
                "portMappings": [{"containerPort": 8080}],
                "logConfiguration": {
                    "logDriver": "awslogs",
                    "options": {
                        "awslogs-group": "/ecs/billing",
                        "awslogs-region": region,
                        "awslogs-stream-prefix": "billing",
                    },
                },
            }
        ]
    ),
)

cluster = aws.ecs.Cluster("billing")
aws.ecs.Service(
    "billing",
    cluster=cluster.arn,
    task_definition=task.arn,
    desired_count=2,
    launch_type="FARGATE",
    deployment_minimum_healthy_percent=100,
    deployment_maximum_percent=200,
    deployment_circuit_breaker={"enable": True, "rollback": True},
    network_configuration={"subnets": [s.id for s in task_subnets], "security_groups": [task_sg.id]},
)
