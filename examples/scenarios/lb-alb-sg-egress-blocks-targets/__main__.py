"""checkout: the load balancer's security group was written from a "HTTPS out only" template; its
outbound rules do not allow the target port 8080."""

import json

import pulumi
import pulumi_aws as aws

region = aws.get_region().name
account = aws.get_caller_identity().account_id

vpc = aws.ec2.Vpc("checkout", cidr_block="10.20.0.0/16", enable_dns_support=True, enable_dns_hostnames=True)
igw = aws.ec2.InternetGateway("checkout", vpc_id=vpc.id)
public_rt = aws.ec2.RouteTable(
    "checkout-public", vpc_id=vpc.id, routes=[{"cidr_block": "0.0.0.0/0", "gateway_id": igw.id}]
)
public_subnets = []
for i, zone in enumerate("ab"):
    subnet = aws.ec2.Subnet(
        f"checkout-public-{zone}",
        vpc_id=vpc.id,
        cidr_block=f"10.20.{i}.0/24",
        availability_zone=f"{region}{zone}",
        map_public_ip_on_launch=True,
    )
    aws.ec2.RouteTableAssociation(f"checkout-public-{zone}", subnet_id=subnet.id, route_table_id=public_rt.id)
    public_subnets.append(subnet)

nat = aws.ec2.NatGateway(
    "checkout", subnet_id=public_subnets[0].id, allocation_id=aws.ec2.Eip("checkout-nat", domain="vpc").id
)
private_rt = aws.ec2.RouteTable(
    "checkout-private", vpc_id=vpc.id, routes=[{"cidr_block": "0.0.0.0/0", "nat_gateway_id": nat.id}]
)
task_subnets = []
for i, zone in enumerate("ab"):
    subnet = aws.ec2.Subnet(
        f"checkout-private-{zone}",
        vpc_id=vpc.id,
        cidr_block=f"10.20.{10 + i}.0/24",
        availability_zone=f"{region}{zone}",
    )
    aws.ec2.RouteTableAssociation(
        f"checkout-private-{zone}", subnet_id=subnet.id, route_table_id=private_rt.id
    )
    task_subnets.append(subnet)

alb_sg = aws.ec2.SecurityGroup(
    "checkout-alb",
    vpc_id=vpc.id,
    description="checkout load balancer",
    ingress=[{"protocol": "tcp", "from_port": 80, "to_port": 80, "cidr_blocks": ["0.0.0.0/0"]}],
    egress=[{"protocol": "tcp", "from_port": 443, "to_port": 443, "cidr_blocks": ["0.0.0.0/0"]}],
)

task_sg = aws.ec2.SecurityGroup(
    "checkout-task",
    vpc_id=vpc.id,
    description="checkout tasks",
    ingress=[
        {"protocol": "tcp", "from_port": 8080, "to_port": 8080, "security_groups": [alb_sg.id]},
    ],
    egress=[{"protocol": "tcp", "from_port": 443, "to_port": 443, "cidr_blocks": ["0.0.0.0/0"]}],
)
alb = aws.lb.LoadBalancer(
    "checkout",
    load_balancer_type="application",
    security_groups=[alb_sg.id],
    subnets=[s.id for s in public_subnets],
)
web_tg = aws.lb.TargetGroup(
    "checkout-web",
    port=8080,
    protocol="HTTP",
    target_type="ip",
    vpc_id=vpc.id,
    health_check={
        "path": "/health",
        "matcher": "200",
        "interval": 15,
        "healthy_threshold": 2,
        "unhealthy_threshold": 3,
        "timeout": 5,
    },
)
listener = aws.lb.Listener(
    "checkout-http",
    load_balancer_arn=alb.arn,
    port=80,
    protocol="HTTP",
    default_actions=[{"type": "forward", "target_group_arn": web_tg.arn}],
)

repo = aws.ecr.Repository(
    "checkout",
    name="checkout",
    image_tag_mutability="IMMUTABLE",
    image_scanning_configuration={"scan_on_push": True},
)
aws.ecr.LifecyclePolicy(
    "checkout",
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
aws.cloudwatch.LogGroup("checkout", name="/ecs/checkout", retention_in_days=30)

execution_role = aws.iam.Role(
    "checkout-execution",
    name="checkout-execution",
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
    "checkout-execution",
    role=execution_role.name,
    policy_arn="arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy",
)

task = aws.ecs.TaskDefinition(
    "checkout",
    family="checkout",
    cpu="256",
    memory="512",
    network_mode="awsvpc",
    requires_compatibilities=["FARGATE"],
    execution_role_arn=execution_role.arn,
    container_definitions=json.dumps(
        [
            {
                "name": "checkout",
                "image": f"{account}.dkr.ecr.{region}.amazonaws.com/checkout:1.4.2",
                "essential": True,
                "portMappings": [{"containerPort": 8080}],
                "logConfiguration": {
                    "logDriver": "awslogs",
                    "options": {
                        "awslogs-group": "/ecs/checkout",
                        "awslogs-region": region,
                        "awslogs-stream-prefix": "checkout",
                    },
                },
            }
        ]
    ),
)

cluster = aws.ecs.Cluster("checkout")
aws.ecs.Service(
    "checkout",
    cluster=cluster.arn,
    task_definition=task.arn,
    desired_count=2,
    launch_type="FARGATE",
    deployment_minimum_healthy_percent=100,
    deployment_maximum_percent=200,
    deployment_circuit_breaker={"enable": True, "rollback": True},
    network_configuration={"subnets": [s.id for s in task_subnets], "security_groups": [task_sg.id]},
    load_balancers=[{"target_group_arn": web_tg.arn, "container_name": "checkout", "container_port": 8080}],
    health_check_grace_period_seconds=120,
    opts=pulumi.ResourceOptions(depends_on=[listener]),
)
