"""claims: private subnets routed to a NAT gateway, and the security team's rule that traffic to two of
AWS's address blocks goes through the inspection VPC over the transit gateway."""

import json

import pulumi
import pulumi_aws as aws

region = aws.get_region().name
account = aws.get_caller_identity().account_id

vpc = aws.ec2.Vpc("claims", cidr_block="10.20.0.0/16", enable_dns_support=True, enable_dns_hostnames=True)
igw = aws.ec2.InternetGateway("claims", vpc_id=vpc.id)
public_rt = aws.ec2.RouteTable(
    "claims-public", vpc_id=vpc.id, routes=[{"cidr_block": "0.0.0.0/0", "gateway_id": igw.id}]
)
public_subnets = []
for i, zone in enumerate("ab"):
    subnet = aws.ec2.Subnet(
        f"claims-public-{zone}",
        vpc_id=vpc.id,
        cidr_block=f"10.20.{i}.0/24",
        availability_zone=f"{region}{zone}",
        map_public_ip_on_launch=True,
    )
    aws.ec2.RouteTableAssociation(f"claims-public-{zone}", subnet_id=subnet.id, route_table_id=public_rt.id)
    public_subnets.append(subnet)

nat = aws.ec2.NatGateway(
    "claims", subnet_id=public_subnets[0].id, allocation_id=aws.ec2.Eip("claims-nat", domain="vpc").id
)
private_rt = aws.ec2.RouteTable(
    "claims-private", vpc_id=vpc.id, routes=[{"cidr_block": "0.0.0.0/0", "nat_gateway_id": nat.id}]
)
task_subnets = []
for i, zone in enumerate("ab"):
    subnet = aws.ec2.Subnet(
        f"claims-private-{zone}",
        vpc_id=vpc.id,
        cidr_block=f"10.20.{10 + i}.0/24",
        availability_zone=f"{region}{zone}",
    )
    aws.ec2.RouteTableAssociation(f"claims-private-{zone}", subnet_id=subnet.id, route_table_id=private_rt.id)
    task_subnets.append(subnet)

# Inspection: the security account's transit gateway, shared with this account.
INSPECTION_TGW = "tgw-0d4c3b2a190817263"
attachment = aws.ec2transitgateway.VpcAttachment(
    "claims", transit_gateway_id=INSPECTION_TGW, vpc_id=vpc.id, subnet_ids=[s.id for s in task_subnets]
)
for name, cidr in [("aws-3", "3.0.0.0/8"), ("aws-52", "52.0.0.0/8")]:
    aws.ec2.Route(
        f"claims-inspect-{name}",
        route_table_id=private_rt.id,
        destination_cidr_block=cidr,
        transit_gateway_id=INSPECTION_TGW,
        opts=pulumi.ResourceOptions(depends_on=[attachment]),
    )

task_sg = aws.ec2.SecurityGroup(
    "claims-task",
    vpc_id=vpc.id,
    description="claims tasks",
    egress=[{"protocol": "tcp", "from_port": 443, "to_port": 443, "cidr_blocks": ["0.0.0.0/0"]}],
)

repo = aws.ecr.Repository(
    "claims",
    name="claims",
    image_tag_mutability="IMMUTABLE",
    image_scanning_configuration={"scan_on_push": True},
)
aws.ecr.LifecyclePolicy(
    "claims",
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
aws.cloudwatch.LogGroup("claims", name="/ecs/claims", retention_in_days=30)

execution_role = aws.iam.Role(
    "claims-execution",
    name="claims-execution",
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
    "claims-execution",
    role=execution_role.name,
    policy_arn="arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy",
)

task = aws.ecs.TaskDefinition(
    "claims",
    family="claims",
    cpu="256",
    memory="512",
    network_mode="awsvpc",
    requires_compatibilities=["FARGATE"],
    execution_role_arn=execution_role.arn,
    container_definitions=json.dumps(
        [
            {
                "name": "claims",
                "image": f"{account}.dkr.ecr.{region}.amazonaws.com/claims:1.4.2",
                "essential": True,
                "portMappings": [{"containerPort": 8080}],
                "logConfiguration": {
                    "logDriver": "awslogs",
                    "options": {
                        "awslogs-group": "/ecs/claims",
                        "awslogs-region": region,
                        "awslogs-stream-prefix": "claims",
                    },
                },
            }
        ]
    ),
)

cluster = aws.ecs.Cluster("claims")
aws.ecs.Service(
    "claims",
    cluster=cluster.arn,
    task_definition=task.arn,
    desired_count=2,
    launch_type="FARGATE",
    deployment_minimum_healthy_percent=100,
    deployment_maximum_percent=200,
    deployment_circuit_breaker={"enable": True, "rollback": True},
    network_configuration={"subnets": [s.id for s in task_subnets], "security_groups": [task_sg.id]},
)
