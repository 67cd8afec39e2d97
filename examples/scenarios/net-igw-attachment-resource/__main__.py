"""tracking-v2: tasks in public subnets with public IPs; the internet gateway is created on its own and
attached to the VPC with a separate aws.ec2.InternetGatewayAttachment resource."""

import json

import pulumi_aws as aws

region = aws.get_region().name
account = aws.get_caller_identity().account_id

vpc = aws.ec2.Vpc(
    "tracking-v2", cidr_block="10.20.0.0/16", enable_dns_support=True, enable_dns_hostnames=True
)
igw = aws.ec2.InternetGateway("tracking-v2")
attachment = aws.ec2.InternetGatewayAttachment("tracking-v2", internet_gateway_id=igw.id, vpc_id=vpc.id)
public_rt = aws.ec2.RouteTable("tracking-v2-public", vpc_id=vpc.id)
aws.ec2.Route(
    "tracking-v2-public-default",
    route_table_id=public_rt.id,
    destination_cidr_block="0.0.0.0/0",
    gateway_id=attachment.internet_gateway_id,
)
task_subnets = []
for i, zone in enumerate("ab"):
    subnet = aws.ec2.Subnet(
        f"tracking-v2-public-{zone}",
        vpc_id=vpc.id,
        cidr_block=f"10.20.{i}.0/24",
        availability_zone=f"{region}{zone}",
        map_public_ip_on_launch=True,
    )
    aws.ec2.RouteTableAssociation(
        f"tracking-v2-public-{zone}", subnet_id=subnet.id, route_table_id=public_rt.id
    )
    task_subnets.append(subnet)

task_sg = aws.ec2.SecurityGroup(
    "tracking-v2-task",
    vpc_id=vpc.id,
    description="tracking-v2 tasks",
    egress=[{"protocol": "tcp", "from_port": 443, "to_port": 443, "cidr_blocks": ["0.0.0.0/0"]}],
)

repo = aws.ecr.Repository(
    "tracking-v2",
    name="tracking-v2",
    image_tag_mutability="IMMUTABLE",
    image_scanning_configuration={"scan_on_push": True},
)
aws.ecr.LifecyclePolicy(
    "tracking-v2",
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
aws.cloudwatch.LogGroup("tracking-v2", name="/ecs/tracking-v2", retention_in_days=30)

execution_role = aws.iam.Role(
    "tracking-v2-execution",
    name="tracking-v2-execution",
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
    "tracking-v2-execution",
    role=execution_role.name,
    policy_arn="arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy",
)

task = aws.ecs.TaskDefinition(
    "tracking-v2",
    family="tracking-v2",
    cpu="256",
    memory="512",
    network_mode="awsvpc",
    requires_compatibilities=["FARGATE"],
    execution_role_arn=execution_role.arn,
    container_definitions=json.dumps(
        [
            {
                "name": "tracking-v2",
                "image": f"{account}.dkr.ecr.{region}.amazonaws.com/tracking-v2:1.4.2",
                "essential": True,
                "portMappings": [{"containerPort": 8080}],
                "logConfiguration": {
                    "logDriver": "awslogs",
                    "options": {
                        "awslogs-group": "/ecs/tracking-v2",
                        "awslogs-region": region,
                        "awslogs-stream-prefix": "tracking-v2",
                    },
                },
            }
        ]
    ),
)

cluster = aws.ecs.Cluster("tracking-v2")
aws.ecs.Service(
    "tracking-v2",
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
