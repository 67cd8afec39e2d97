"""invoice: a nightly invoicing job started by EventBridge Scheduler as a Fargate task in private
subnets routed to a NAT gateway in a public subnet."""

import json

import pulumi_aws as aws

region = aws.get_region().name
account = aws.get_caller_identity().account_id

vpc = aws.ec2.Vpc("invoice", cidr_block="10.20.0.0/16", enable_dns_support=True, enable_dns_hostnames=True)
igw = aws.ec2.InternetGateway("invoice", vpc_id=vpc.id)
public_rt = aws.ec2.RouteTable(
    "invoice-public", vpc_id=vpc.id, routes=[{"cidr_block": "0.0.0.0/0", "gateway_id": igw.id}]
)
public_subnets = []
for i, zone in enumerate("ab"):
    subnet = aws.ec2.Subnet(
        f"invoice-public-{zone}",
        vpc_id=vpc.id,
        cidr_block=f"10.20.{i}.0/24",
        availability_zone=f"{region}{zone}",
        map_public_ip_on_launch=True,
    )
    aws.ec2.RouteTableAssociation(f"invoice-public-{zone}", subnet_id=subnet.id, route_table_id=public_rt.id)
    public_subnets.append(subnet)

nat = aws.ec2.NatGateway(
    "invoice", subnet_id=public_subnets[0].id, allocation_id=aws.ec2.Eip("invoice-nat", domain="vpc").id
)
private_rt = aws.ec2.RouteTable(
    "invoice-private", vpc_id=vpc.id, routes=[{"cidr_block": "0.0.0.0/0", "nat_gateway_id": nat.id}]
)
task_subnets = []
for i, zone in enumerate("ab"):
    subnet = aws.ec2.Subnet(
        f"invoice-private-{zone}",
        vpc_id=vpc.id,
        cidr_block=f"10.20.{10 + i}.0/24",
        availability_zone=f"{region}{zone}",
    )
    aws.ec2.RouteTableAssociation(
        f"invoice-private-{zone}", subnet_id=subnet.id, route_table_id=private_rt.id
    )
    task_subnets.append(subnet)
task_sg = aws.ec2.SecurityGroup(
    "invoice-task",
    vpc_id=vpc.id,
    description="invoice tasks",
    egress=[{"protocol": "tcp", "from_port": 443, "to_port": 443, "cidr_blocks": ["0.0.0.0/0"]}],
)

repo = aws.ecr.Repository(
    "invoice",
    name="invoice",
    image_tag_mutability="IMMUTABLE",
    image_scanning_configuration={"scan_on_push": True},
)
aws.ecr.LifecyclePolicy(
    "invoice",
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
aws.cloudwatch.LogGroup("invoice", name="/ecs/invoice", retention_in_days=30)

execution_role = aws.iam.Role(
    "invoice-execution",
    name="invoice-execution",
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
    "invoice-execution",
    role=execution_role.name,
    policy_arn="arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy",
)

task = aws.ecs.TaskDefinition(
    "invoice",
    family="invoice",
    cpu="256",
    memory="512",
    network_mode="awsvpc",
    requires_compatibilities=["FARGATE"],
    execution_role_arn=execution_role.arn,
    container_definitions=json.dumps(
        [
            {
                "name": "invoice",
                "image": f"{account}.dkr.ecr.{region}.amazonaws.com/invoice:1.4.2",
                "essential": True,
                "portMappings": [{"containerPort": 8080}],
                "logConfiguration": {
                    "logDriver": "awslogs",
                    "options": {
                        "awslogs-group": "/ecs/invoice",
                        "awslogs-region": region,
                        "awslogs-stream-prefix": "invoice",
                    },
                },
            }
        ]
    ),
)

cluster = aws.ecs.Cluster("invoice")

scheduler_role = aws.iam.Role(
    "invoice-scheduler",
    name="invoice-scheduler",
    assume_role_policy=json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "scheduler.amazonaws.com"},
                    "Action": "sts:AssumeRole",
                }
            ],
        }
    ),
)
aws.iam.RolePolicy(
    "invoice-scheduler",
    role=scheduler_role.id,
    policy=json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": "ecs:RunTask",
                    "Resource": f"arn:aws:ecs:{region}:{account}:task-definition/invoice:*",
                },
                {
                    "Effect": "Allow",
                    "Action": "iam:PassRole",
                    "Resource": f"arn:aws:iam::{account}:role/invoice-execution",
                },
            ],
        }
    ),
)
aws.scheduler.Schedule(
    "invoice-nightly",
    name="invoice-nightly",
    schedule_expression="cron(0 2 * * ? *)",
    flexible_time_window={"mode": "OFF"},
    target={
        "arn": cluster.arn,
        "role_arn": scheduler_role.arn,
        "ecs_parameters": {
            "task_definition_arn": task.arn,
            "launch_type": "FARGATE",
            "network_configuration": {
                "subnets": [s.id for s in task_subnets],
                "security_groups": [task_sg.id],
                "assign_public_ip": False,
            },
        },
    },
)
