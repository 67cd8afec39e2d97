"""tracking: tasks in public subnets with public IPs. The internet gateway was created without vpc_id
(the team expected the route to attach it) and no InternetGatewayAttachment exists, so the
default route's target is not available: a blackhole route."""

import json

import pulumi_aws as aws

region = aws.get_region().name
account = aws.get_caller_identity().account_id

vpc = aws.ec2.Vpc("tracking", cidr_block="10.20.0.0/16", enable_dns_support=True, enable_dns_hostnames=True)
igw = aws.ec2.InternetGateway("tracking-igw")  # no vpc_id and no attachment
public_rt = aws.ec2.RouteTable("tracking-public", vpc_id=vpc.id)
aws.ec2.Route(
    "tracking-public-default",
    route_table_id=public_rt.id,
    destination_cidr_block="0.0.0.0/0",
    gateway_id=igw.id,
)
task_subnets = []
for i, zone in enumerate("ab"):
    subnet = aws.ec2.Subnet(
        f"tracking-public-{zone}",
        vpc_id=vpc.id,
        cidr_block=f"10.20.{i}.0/24",
        availability_zone=f"{region}{zone}",
        map_public_ip_on_launch=True,
    )
    aws.ec2.RouteTableAssociation(f"tracking-public-{zone}", subnet_id=subnet.id, route_table_id=public_rt.id)
    task_subnets.append(subnet)

task_sg = aws.ec2.SecurityGroup(
    "tracking-task",
    vpc_id=vpc.id,
    description="tracking tasks",
    egress=[{"protocol": "tcp", "from_port": 443, "to_port": 443, "cidr_blocks": ["0.0.0.0/0"]}],
)

repo = aws.ecr.Repository(
    "tracking",
    name="tracking",
    image_tag_mutability="IMMUTABLE",
    image_scanning_configuration={"scan_on_push": True},
)
aws.ecr.LifecyclePolicy(
    "tracking",
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
aws.cloudwatch.LogGroup("tracking", name="/ecs/tracking", retention_in_days=30)

execution_role = aws.iam.Role(
    "tracking-execution",
    name="tracking-execution",
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
    "tracking-execution",
    role=execution_role.name,
    policy_arn="arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy",
)

task = aws.ecs.TaskDefinition(
    "tracking",
    family="tracking",
    cpu="256",
    memory="512",
    network_mode="awsvpc",
    requires_compatibilities=["FARGATE"],
    execution_role_arn=execution_role.arn,
    container_definitions=json.dumps(
        [
            {
                "name": "tracking",
                "image": f"{account}.dkr.ecr.{region}.amazonaws.com/tracking:1.4.2",
                "essential": True,
                "portMappings": [{"containerPort": 8080}],
                "logConfiguration": {
                    "logDriver": "awslogs",
                    "options": {
                        "awslogs-group": "/ecs/tracking",
                        "awslogs-region": region,
                        "awslogs-stream-prefix": "tracking",
                    },
                },
            }
        ]
    ),
)

cluster = aws.ecs.Cluster("tracking")
aws.ecs.Service(
    "tracking",
    cluster=cluster.arn,
    task_definition=task.arn,
    desired_count=2,
    launch_type="FARGATE",
    deployment_minimum_healthy_percent=100,
    deployment_maximum_percent=200,
    deployment_circuit_breaker={"enable": True, "rollback": True},
    network_configuration={
        "subnets": [s.id for s in task_subnets],
        "security_groups": [task_sg.id],
        "assign_public_ip": True,
    },
)
