"""notify: to avoid NAT gateway charges the team made the VPC dual-stack and gave the private subnets only
an egress-only internet gateway route (::/0). The image URI is the usual
<account>.dkr.ecr.<region>.amazonaws.com one."""

import ipaddress
import json

import pulumi_aws as aws

region = aws.get_region().name
account = aws.get_caller_identity().account_id

vpc = aws.ec2.Vpc(
    "notify",
    cidr_block="10.20.0.0/16",
    assign_generated_ipv6_cidr_block=True,
    enable_dns_support=True,
    enable_dns_hostnames=True,
)
eigw = aws.ec2.EgressOnlyInternetGateway("notify", vpc_id=vpc.id)
private_rt = aws.ec2.RouteTable(
    "notify-private", vpc_id=vpc.id, routes=[{"ipv6_cidr_block": "::/0", "egress_only_gateway_id": eigw.id}]
)
task_subnets = []
for i, zone in enumerate("ab"):
    subnet = aws.ec2.Subnet(
        f"notify-private-{zone}",
        vpc_id=vpc.id,
        cidr_block=f"10.20.{10 + i}.0/24",
        ipv6_cidr_block=vpc.ipv6_cidr_block.apply(
            lambda block, i=i: str(list(ipaddress.ip_network(block).subnets(new_prefix=64))[i])
        ),
        assign_ipv6_address_on_creation=True,
        availability_zone=f"{region}{zone}",
    )
    aws.ec2.RouteTableAssociation(f"notify-private-{zone}", subnet_id=subnet.id, route_table_id=private_rt.id)
    task_subnets.append(subnet)

task_sg = aws.ec2.SecurityGroup(
    "notify-task",
    vpc_id=vpc.id,
    description="notify tasks",
    egress=[
        {
            "protocol": "tcp",
            "from_port": 443,
            "to_port": 443,
            "cidr_blocks": ["0.0.0.0/0"],
            "ipv6_cidr_blocks": ["::/0"],
        }
    ],
)

repo = aws.ecr.Repository(
    "notify",
    name="notify",
    image_tag_mutability="IMMUTABLE",
    image_scanning_configuration={"scan_on_push": True},
)
aws.ecr.LifecyclePolicy(
    "notify",
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
aws.cloudwatch.LogGroup("notify", name="/ecs/notify", retention_in_days=30)

execution_role = aws.iam.Role(
    "notify-execution",
    name="notify-execution",
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
    "notify-execution",
    role=execution_role.name,
    policy_arn="arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy",
)

task = aws.ecs.TaskDefinition(
    "notify",
    family="notify",
    cpu="256",
    memory="512",
    network_mode="awsvpc",
    requires_compatibilities=["FARGATE"],
    execution_role_arn=execution_role.arn,
    container_definitions=json.dumps(
        [
            {
                "name": "notify",
                "image": f"{account}.dkr.ecr.{region}.amazonaws.com/notify:1.4.2",
                "essential": True,
                "portMappings": [{"containerPort": 8080}],
                "logConfiguration": {
                    "logDriver": "awslogs",
                    "options": {
                        "awslogs-group": "/ecs/notify",
                        "awslogs-region": region,
                        "awslogs-stream-prefix": "notify",
                    },
                },
            }
        ]
    ),
)

cluster = aws.ecs.Cluster("notify")
aws.ecs.Service(
    "notify",
    cluster=cluster.arn,
    task_definition=task.arn,
    desired_count=2,
    launch_type="FARGATE",
    deployment_minimum_healthy_percent=100,
    deployment_maximum_percent=200,
    deployment_circuit_breaker={"enable": True, "rollback": True},
    network_configuration={"subnets": [s.id for s in task_subnets], "security_groups": [task_sg.id]},
)
