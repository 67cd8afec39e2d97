"""invoice-api: Spring Boot reads SERVER_PORT; the health check names it in the exec form, without a shell."""

import json

import pulumi
import pulumi_aws as aws

region = aws.get_region().name
account = aws.get_caller_identity().account_id

vpc = aws.ec2.Vpc(
    "invoice-api", cidr_block="10.50.0.0/16", enable_dns_support=True, enable_dns_hostnames=True
)
igw = aws.ec2.InternetGateway("invoice-api", vpc_id=vpc.id)
public_rt = aws.ec2.RouteTable(
    "invoice-api-public", vpc_id=vpc.id, routes=[{"cidr_block": "0.0.0.0/0", "gateway_id": igw.id}]
)
public_subnets = []
for i, zone in enumerate("ab"):
    subnet = aws.ec2.Subnet(
        f"invoice-api-public-{zone}",
        vpc_id=vpc.id,
        cidr_block=f"10.50.{i}.0/24",
        availability_zone=f"{region}{zone}",
        map_public_ip_on_launch=True,
    )
    aws.ec2.RouteTableAssociation(
        f"invoice-api-public-{zone}", subnet_id=subnet.id, route_table_id=public_rt.id
    )
    public_subnets.append(subnet)

nat = aws.ec2.NatGateway(
    "invoice-api",
    subnet_id=public_subnets[0].id,
    allocation_id=aws.ec2.Eip("invoice-api-nat", domain="vpc").id,
)
private_rt = aws.ec2.RouteTable(
    "invoice-api-private", vpc_id=vpc.id, routes=[{"cidr_block": "0.0.0.0/0", "nat_gateway_id": nat.id}]
)
task_subnets = []
for i, zone in enumerate("ab"):
    subnet = aws.ec2.Subnet(
        f"invoice-api-private-{zone}",
        vpc_id=vpc.id,
        cidr_block=f"10.50.{10 + i}.0/24",
        availability_zone=f"{region}{zone}",
    )
    aws.ec2.RouteTableAssociation(
        f"invoice-api-private-{zone}", subnet_id=subnet.id, route_table_id=private_rt.id
    )
    task_subnets.append(subnet)

alb_sg = aws.ec2.SecurityGroup(
    "invoice-api-alb",
    vpc_id=vpc.id,
    description="invoice-api load balancer",
    ingress=[{"protocol": "tcp", "from_port": 80, "to_port": 80, "cidr_blocks": ["0.0.0.0/0"]}],
    egress=[{"protocol": "tcp", "from_port": 0, "to_port": 65535, "cidr_blocks": ["10.50.0.0/16"]}],
)

task_sg = aws.ec2.SecurityGroup(
    "invoice-api-task",
    vpc_id=vpc.id,
    description="invoice-api tasks",
    ingress=[
        {"protocol": "tcp", "from_port": 8080, "to_port": 8080, "security_groups": [alb_sg.id]},
    ],
    egress=[{"protocol": "tcp", "from_port": 443, "to_port": 443, "cidr_blocks": ["0.0.0.0/0"]}],
)
alb = aws.lb.LoadBalancer(
    "invoice-api",
    load_balancer_type="application",
    security_groups=[alb_sg.id],
    subnets=[s.id for s in public_subnets],
)
web_tg = aws.lb.TargetGroup(
    "invoice-api-web",
    port=8080,
    protocol="HTTP",
    target_type="ip",
    vpc_id=vpc.id,
    health_check={
        "path": "/actuator/health",
        "matcher": "200",
        "interval": 15,
        "healthy_threshold": 2,
        "unhealthy_threshold": 3,
        "timeout": 5,
    },
)
listener = aws.lb.Listener(
    "invoice-api-http",
    load_balancer_arn=alb.arn,
    port=80,
    protocol="HTTP",
    default_actions=[{"type": "forward", "target_group_arn": web_tg.arn}],
)

repo = aws.ecr.Repository(
    "invoice-api",
    name="invoice-api",
    image_tag_mutability="IMMUTABLE",
    image_scanning_configuration={"scan_on_push": True},
)
aws.ecr.LifecyclePolicy(
    "invoice-api",
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
aws.cloudwatch.LogGroup("invoice-api", name="/ecs/invoice-api", retention_in_days=30)

execution_role = aws.iam.Role(
    "invoice-api-execution",
    name="invoice-api-execution",
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
    "invoice-api-execution",
    role=execution_role.name,
    policy_arn="arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy",
)

task = aws.ecs.TaskDefinition(
    "invoice-api",
    family="invoice-api",
    cpu="256",
    memory="512",
    network_mode="awsvpc",
    requires_compatibilities=["FARGATE"],
    execution_role_arn=execution_role.arn,
    container_definitions=json.dumps(
        [
            {
                "name": "invoice-api",
                "image": f"{account}.dkr.ecr.{region}.amazonaws.com/invoice-api:3.0.1",
                "essential": True,
                "portMappings": [{"containerPort": 8080}],
                "environment": [
                    {"name": "SERVER_PORT", "value": "8080"},
                    {"name": "SPRING_PROFILES_ACTIVE", "value": "prod"},
                ],
                "healthCheck": {
                    "command": [
                        "CMD",
                        "wget",
                        "-q",
                        "-O",
                        "/dev/null",
                        "http://127.0.0.1:${SERVER_PORT}/actuator/health",
                    ],
                    "interval": 30,
                    "timeout": 5,
                    "retries": 3,
                    "startPeriod": 60,
                },
                "logConfiguration": {
                    "logDriver": "awslogs",
                    "options": {
                        "awslogs-group": "/ecs/invoice-api",
                        "awslogs-region": region,
                        "awslogs-stream-prefix": "invoice-api",
                    },
                },
            }
        ]
    ),
)

cluster = aws.ecs.Cluster("invoice-api")
aws.ecs.Service(
    "invoice-api",
    cluster=cluster.arn,
    task_definition=task.arn,
    desired_count=2,
    launch_type="FARGATE",
    deployment_minimum_healthy_percent=100,
    deployment_maximum_percent=200,
    deployment_circuit_breaker={"enable": True, "rollback": True},
    network_configuration={"subnets": [s.id for s in task_subnets], "security_groups": [task_sg.id]},
    load_balancers=[
        {"target_group_arn": web_tg.arn, "container_name": "invoice-api", "container_port": 8080}
    ],
    health_check_grace_period_seconds=120,
    opts=pulumi.ResourceOptions(depends_on=[listener]),
)
