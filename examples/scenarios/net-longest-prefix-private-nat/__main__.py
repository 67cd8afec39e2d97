"""partners: the private route table has the usual 0.0.0.0/0 route to a public NAT gateway, and a
partner-network change added 0.0.0.0/1 and 128.0.0.0/1 routes to a private NAT gateway "for the
partner ranges". The /1 routes are more specific than /0, so all internet-bound traffic goes to
the private NAT gateway, which cannot reach the internet."""

import json

import pulumi_aws as aws

region = aws.get_region().name
account = aws.get_caller_identity().account_id

vpc = aws.ec2.Vpc("partners", cidr_block="10.20.0.0/16", enable_dns_support=True, enable_dns_hostnames=True)
igw = aws.ec2.InternetGateway("partners", vpc_id=vpc.id)
public_rt = aws.ec2.RouteTable(
    "partners-public", vpc_id=vpc.id, routes=[{"cidr_block": "0.0.0.0/0", "gateway_id": igw.id}]
)
public_subnets = []
for i, zone in enumerate("ab"):
    subnet = aws.ec2.Subnet(
        f"partners-public-{zone}",
        vpc_id=vpc.id,
        cidr_block=f"10.20.{i}.0/24",
        availability_zone=f"{region}{zone}",
        map_public_ip_on_launch=True,
    )
    aws.ec2.RouteTableAssociation(f"partners-public-{zone}", subnet_id=subnet.id, route_table_id=public_rt.id)
    public_subnets.append(subnet)

nat = aws.ec2.NatGateway(
    "partners", subnet_id=public_subnets[0].id, allocation_id=aws.ec2.Eip("partners-nat", domain="vpc").id
)
private_rt = aws.ec2.RouteTable(
    "partners-private", vpc_id=vpc.id, routes=[{"cidr_block": "0.0.0.0/0", "nat_gateway_id": nat.id}]
)
task_subnets = []
for i, zone in enumerate("ab"):
    subnet = aws.ec2.Subnet(
        f"partners-private-{zone}",
        vpc_id=vpc.id,
        cidr_block=f"10.20.{10 + i}.0/24",
        availability_zone=f"{region}{zone}",
    )
    aws.ec2.RouteTableAssociation(
        f"partners-private-{zone}", subnet_id=subnet.id, route_table_id=private_rt.id
    )
    task_subnets.append(subnet)

partner_nat = aws.ec2.NatGateway(
    "partners-partner", connectivity_type="private", subnet_id=task_subnets[1].id
)
for name, cidr in [("low", "0.0.0.0/1"), ("high", "128.0.0.0/1")]:
    aws.ec2.Route(
        f"partners-partner-{name}",
        route_table_id=private_rt.id,
        destination_cidr_block=cidr,
        nat_gateway_id=partner_nat.id,
    )

task_sg = aws.ec2.SecurityGroup(
    "partners-task",
    vpc_id=vpc.id,
    description="partners tasks",
    egress=[{"protocol": "tcp", "from_port": 443, "to_port": 443, "cidr_blocks": ["0.0.0.0/0"]}],
)

repo = aws.ecr.Repository(
    "partners",
    name="partners",
    image_tag_mutability="IMMUTABLE",
    image_scanning_configuration={"scan_on_push": True},
)
aws.ecr.LifecyclePolicy(
    "partners",
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
aws.cloudwatch.LogGroup("partners", name="/ecs/partners", retention_in_days=30)

execution_role = aws.iam.Role(
    "partners-execution",
    name="partners-execution",
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
    "partners-execution",
    role=execution_role.name,
    policy_arn="arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy",
)

task = aws.ecs.TaskDefinition(
    "partners",
    family="partners",
    cpu="256",
    memory="512",
    network_mode="awsvpc",
    requires_compatibilities=["FARGATE"],
    execution_role_arn=execution_role.arn,
    container_definitions=json.dumps(
        [
            {
                "name": "partners",
                "image": f"{account}.dkr.ecr.{region}.amazonaws.com/partners:1.4.2",
                "essential": True,
                "portMappings": [{"containerPort": 8080}],
                "logConfiguration": {
                    "logDriver": "awslogs",
                    "options": {
                        "awslogs-group": "/ecs/partners",
                        "awslogs-region": region,
                        "awslogs-stream-prefix": "partners",
                    },
                },
            }
        ]
    ),
)

cluster = aws.ecs.Cluster("partners")
aws.ecs.Service(
    "partners",
    cluster=cluster.arn,
    task_definition=task.arn,
    desired_count=2,
    launch_type="FARGATE",
    deployment_minimum_healthy_percent=100,
    deployment_maximum_percent=200,
    deployment_circuit_breaker={"enable": True, "rollback": True},
    network_configuration={"subnets": [s.id for s in task_subnets], "security_groups": [task_sg.id]},
)
