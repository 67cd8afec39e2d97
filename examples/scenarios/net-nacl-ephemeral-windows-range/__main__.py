"""rewards: the private subnets' network ACL was copied from the Windows fleet's runbook: outbound HTTPS,
and inbound replies on 49152-65535, the Windows ephemeral range. The Fargate tasks run Linux,
whose connections use 32768-60999."""

import json

import pulumi_aws as aws

region = aws.get_region().name
account = aws.get_caller_identity().account_id

vpc = aws.ec2.Vpc("rewards", cidr_block="10.20.0.0/16", enable_dns_support=True, enable_dns_hostnames=True)
igw = aws.ec2.InternetGateway("rewards", vpc_id=vpc.id)
public_rt = aws.ec2.RouteTable(
    "rewards-public", vpc_id=vpc.id, routes=[{"cidr_block": "0.0.0.0/0", "gateway_id": igw.id}]
)
public_subnets = []
for i, zone in enumerate("ab"):
    subnet = aws.ec2.Subnet(
        f"rewards-public-{zone}",
        vpc_id=vpc.id,
        cidr_block=f"10.20.{i}.0/24",
        availability_zone=f"{region}{zone}",
        map_public_ip_on_launch=True,
    )
    aws.ec2.RouteTableAssociation(f"rewards-public-{zone}", subnet_id=subnet.id, route_table_id=public_rt.id)
    public_subnets.append(subnet)

nat = aws.ec2.NatGateway(
    "rewards", subnet_id=public_subnets[0].id, allocation_id=aws.ec2.Eip("rewards-nat", domain="vpc").id
)
private_rt = aws.ec2.RouteTable(
    "rewards-private", vpc_id=vpc.id, routes=[{"cidr_block": "0.0.0.0/0", "nat_gateway_id": nat.id}]
)
task_subnets = []
for i, zone in enumerate("ab"):
    subnet = aws.ec2.Subnet(
        f"rewards-private-{zone}",
        vpc_id=vpc.id,
        cidr_block=f"10.20.{10 + i}.0/24",
        availability_zone=f"{region}{zone}",
    )
    aws.ec2.RouteTableAssociation(
        f"rewards-private-{zone}", subnet_id=subnet.id, route_table_id=private_rt.id
    )
    task_subnets.append(subnet)

aws.ec2.NetworkAcl(
    "rewards-private-acl",
    vpc_id=vpc.id,
    subnet_ids=[s.id for s in task_subnets],
    egress=[
        {
            "rule_no": 100,
            "protocol": "tcp",
            "action": "allow",
            "cidr_block": "0.0.0.0/0",
            "from_port": 443,
            "to_port": 443,
        }
    ],
    ingress=[
        {
            "rule_no": 100,
            "protocol": "tcp",
            "action": "allow",
            "cidr_block": "0.0.0.0/0",
            "from_port": 49152,
            "to_port": 65535,
        }
    ],
)

task_sg = aws.ec2.SecurityGroup(
    "rewards-task",
    vpc_id=vpc.id,
    description="rewards tasks",
    egress=[{"protocol": "tcp", "from_port": 443, "to_port": 443, "cidr_blocks": ["0.0.0.0/0"]}],
)

repo = aws.ecr.Repository(
    "rewards",
    name="rewards",
    image_tag_mutability="IMMUTABLE",
    image_scanning_configuration={"scan_on_push": True},
)
aws.ecr.LifecyclePolicy(
    "rewards",
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
aws.cloudwatch.LogGroup("rewards", name="/ecs/rewards", retention_in_days=30)

execution_role = aws.iam.Role(
    "rewards-execution",
    name="rewards-execution",
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
    "rewards-execution",
    role=execution_role.name,
    policy_arn="arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy",
)

task = aws.ecs.TaskDefinition(
    "rewards",
    family="rewards",
    cpu="256",
    memory="512",
    network_mode="awsvpc",
    requires_compatibilities=["FARGATE"],
    execution_role_arn=execution_role.arn,
    container_definitions=json.dumps(
        [
            {
                "name": "rewards",
                "image": f"{account}.dkr.ecr.{region}.amazonaws.com/rewards:1.4.2",
                "essential": True,
                "portMappings": [{"containerPort": 8080}],
                "logConfiguration": {
                    "logDriver": "awslogs",
                    "options": {
                        "awslogs-group": "/ecs/rewards",
                        "awslogs-region": region,
                        "awslogs-stream-prefix": "rewards",
                    },
                },
            }
        ]
    ),
)

cluster = aws.ecs.Cluster("rewards")
aws.ecs.Service(
    "rewards",
    cluster=cluster.arn,
    task_definition=task.arn,
    desired_count=2,
    launch_type="FARGATE",
    deployment_minimum_healthy_percent=100,
    deployment_maximum_percent=200,
    deployment_circuit_breaker={"enable": True, "rollback": True},
    network_configuration={"subnets": [s.id for s in task_subnets], "security_groups": [task_sg.id]},
)
