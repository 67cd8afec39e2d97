"""search: the NAT gateway was created in the first private subnet instead of the public one, so its
own traffic follows the private route table (default route back to itself) and never reaches the
internet gateway."""

import json

import pulumi_aws as aws

region = aws.get_region().name
account = aws.get_caller_identity().account_id

vpc = aws.ec2.Vpc("search", cidr_block="10.20.0.0/16", enable_dns_support=True, enable_dns_hostnames=True)
igw = aws.ec2.InternetGateway("search", vpc_id=vpc.id)
public_rt = aws.ec2.RouteTable(
    "search-public", vpc_id=vpc.id, routes=[{"cidr_block": "0.0.0.0/0", "gateway_id": igw.id}]
)
for i, zone in enumerate("ab"):
    subnet = aws.ec2.Subnet(
        f"search-public-{zone}",
        vpc_id=vpc.id,
        cidr_block=f"10.20.{i}.0/24",
        availability_zone=f"{region}{zone}",
        map_public_ip_on_launch=True,
    )
    aws.ec2.RouteTableAssociation(f"search-public-{zone}", subnet_id=subnet.id, route_table_id=public_rt.id)

private_rt = aws.ec2.RouteTable("search-private", vpc_id=vpc.id)
task_subnets = []
for i, zone in enumerate("ab"):
    subnet = aws.ec2.Subnet(
        f"search-private-{zone}",
        vpc_id=vpc.id,
        cidr_block=f"10.20.{10 + i}.0/24",
        availability_zone=f"{region}{zone}",
    )
    aws.ec2.RouteTableAssociation(f"search-private-{zone}", subnet_id=subnet.id, route_table_id=private_rt.id)
    task_subnets.append(subnet)

# Wrong subnet: task_subnets[0] is private.
nat = aws.ec2.NatGateway(
    "search", subnet_id=task_subnets[0].id, allocation_id=aws.ec2.Eip("search-nat", domain="vpc").id
)
aws.ec2.Route(
    "search-private-default",
    route_table_id=private_rt.id,
    destination_cidr_block="0.0.0.0/0",
    nat_gateway_id=nat.id,
)

task_sg = aws.ec2.SecurityGroup(
    "search-task",
    vpc_id=vpc.id,
    description="search tasks",
    egress=[{"protocol": "tcp", "from_port": 443, "to_port": 443, "cidr_blocks": ["0.0.0.0/0"]}],
)

repo = aws.ecr.Repository(
    "search",
    name="search",
    image_tag_mutability="IMMUTABLE",
    image_scanning_configuration={"scan_on_push": True},
)
aws.ecr.LifecyclePolicy(
    "search",
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
aws.cloudwatch.LogGroup("search", name="/ecs/search", retention_in_days=30)

execution_role = aws.iam.Role(
    "search-execution",
    name="search-execution",
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
    "search-execution",
    role=execution_role.name,
    policy_arn="arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy",
)

task = aws.ecs.TaskDefinition(
    "search",
    family="search",
    cpu="256",
    memory="512",
    network_mode="awsvpc",
    requires_compatibilities=["FARGATE"],
    execution_role_arn=execution_role.arn,
    container_definitions=json.dumps(
        [
            {
                "name": "search",
                "image": f"{account}.dkr.ecr.{region}.amazonaws.com/search:1.4.2",
                "essential": True,
                "portMappings": [{"containerPort": 8080}],
                "logConfiguration": {
                    "logDriver": "awslogs",
                    "options": {
                        "awslogs-group": "/ecs/search",
                        "awslogs-region": region,
                        "awslogs-stream-prefix": "search",
                    },
                },
            }
        ]
    ),
)

cluster = aws.ecs.Cluster("search")
aws.ecs.Service(
    "search",
    cluster=cluster.arn,
    task_definition=task.arn,
    desired_count=2,
    launch_type="FARGATE",
    deployment_minimum_healthy_percent=100,
    deployment_maximum_percent=200,
    deployment_circuit_breaker={"enable": True, "rollback": True},
    network_configuration={"subnets": [s.id for s in task_subnets], "security_groups": [task_sg.id]},
)
