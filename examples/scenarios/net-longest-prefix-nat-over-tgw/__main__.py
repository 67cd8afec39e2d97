"""freight: spoke VPC whose 0.0.0.0/0 goes to the transit gateway, but internet egress is kept local:
0.0.0.0/1 and 128.0.0.0/1 go to the VPC's own NAT gateway. By longest prefix match every
internet address takes a /1 route."""

import json

import pulumi_aws as aws

region = aws.get_region().name
account = aws.get_caller_identity().account_id

vpc = aws.ec2.Vpc("freight", cidr_block="10.20.0.0/16", enable_dns_support=True, enable_dns_hostnames=True)
igw = aws.ec2.InternetGateway("freight", vpc_id=vpc.id)
public_rt = aws.ec2.RouteTable(
    "freight-public", vpc_id=vpc.id, routes=[{"cidr_block": "0.0.0.0/0", "gateway_id": igw.id}]
)
public_subnets = []
for i, zone in enumerate("ab"):
    subnet = aws.ec2.Subnet(
        f"freight-public-{zone}",
        vpc_id=vpc.id,
        cidr_block=f"10.20.{i}.0/24",
        availability_zone=f"{region}{zone}",
        map_public_ip_on_launch=True,
    )
    aws.ec2.RouteTableAssociation(f"freight-public-{zone}", subnet_id=subnet.id, route_table_id=public_rt.id)
    public_subnets.append(subnet)

nat = aws.ec2.NatGateway(
    "freight", subnet_id=public_subnets[0].id, allocation_id=aws.ec2.Eip("freight-nat", domain="vpc").id
)
private_rt = aws.ec2.RouteTable("freight-private", vpc_id=vpc.id)
for name, cidr in [("low", "0.0.0.0/1"), ("high", "128.0.0.0/1")]:
    aws.ec2.Route(
        f"freight-local-egress-{name}",
        route_table_id=private_rt.id,
        destination_cidr_block=cidr,
        nat_gateway_id=nat.id,
    )
task_subnets = []
for i, zone in enumerate("ab"):
    subnet = aws.ec2.Subnet(
        f"freight-private-{zone}",
        vpc_id=vpc.id,
        cidr_block=f"10.20.{10 + i}.0/24",
        availability_zone=f"{region}{zone}",
    )
    aws.ec2.RouteTableAssociation(
        f"freight-private-{zone}", subnet_id=subnet.id, route_table_id=private_rt.id
    )
    task_subnets.append(subnet)

# Centralised egress: the network team's transit gateway (shared from the network account).
TRANSIT_GATEWAY_ID = "tgw-0c1d2e3f4a5b6c7d8"
aws.ec2transitgateway.VpcAttachment(
    "freight", transit_gateway_id=TRANSIT_GATEWAY_ID, vpc_id=vpc.id, subnet_ids=[s.id for s in task_subnets]
)
aws.ec2.Route(
    "freight-default-tgw",
    route_table_id=private_rt.id,
    destination_cidr_block="0.0.0.0/0",
    transit_gateway_id=TRANSIT_GATEWAY_ID,
)

task_sg = aws.ec2.SecurityGroup(
    "freight-task",
    vpc_id=vpc.id,
    description="freight tasks",
    egress=[{"protocol": "tcp", "from_port": 443, "to_port": 443, "cidr_blocks": ["0.0.0.0/0"]}],
)

repo = aws.ecr.Repository(
    "freight",
    name="freight",
    image_tag_mutability="IMMUTABLE",
    image_scanning_configuration={"scan_on_push": True},
)
aws.ecr.LifecyclePolicy(
    "freight",
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
aws.cloudwatch.LogGroup("freight", name="/ecs/freight", retention_in_days=30)

execution_role = aws.iam.Role(
    "freight-execution",
    name="freight-execution",
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
    "freight-execution",
    role=execution_role.name,
    policy_arn="arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy",
)

task = aws.ecs.TaskDefinition(
    "freight",
    family="freight",
    cpu="256",
    memory="512",
    network_mode="awsvpc",
    requires_compatibilities=["FARGATE"],
    execution_role_arn=execution_role.arn,
    container_definitions=json.dumps(
        [
            {
                "name": "freight",
                "image": f"{account}.dkr.ecr.{region}.amazonaws.com/freight:1.4.2",
                "essential": True,
                "portMappings": [{"containerPort": 8080}],
                "logConfiguration": {
                    "logDriver": "awslogs",
                    "options": {
                        "awslogs-group": "/ecs/freight",
                        "awslogs-region": region,
                        "awslogs-stream-prefix": "freight",
                    },
                },
            }
        ]
    ),
)

cluster = aws.ecs.Cluster("freight")
aws.ecs.Service(
    "freight",
    cluster=cluster.arn,
    task_definition=task.arn,
    desired_count=2,
    launch_type="FARGATE",
    deployment_minimum_healthy_percent=100,
    deployment_maximum_percent=200,
    deployment_circuit_breaker={"enable": True, "rollback": True},
    network_configuration={"subnets": [s.id for s in task_subnets], "security_groups": [task_sg.id]},
)
