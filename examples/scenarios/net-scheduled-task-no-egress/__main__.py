"""reconcile: a nightly reconciliation job started by EventBridge Scheduler as a Fargate task in
private subnets. The subnets' route table has only the local route: no NAT gateway, no endpoints."""

import json

import pulumi_aws as aws

region = aws.get_region().name
account = aws.get_caller_identity().account_id

vpc = aws.ec2.Vpc("reconcile", cidr_block="10.20.0.0/16", enable_dns_support=True, enable_dns_hostnames=True)
private_rt = aws.ec2.RouteTable("reconcile-private", vpc_id=vpc.id)
task_subnets = []
for i, zone in enumerate("ab"):
    subnet = aws.ec2.Subnet(
        f"reconcile-private-{zone}",
        vpc_id=vpc.id,
        cidr_block=f"10.20.{10 + i}.0/24",
        availability_zone=f"{region}{zone}",
    )
    aws.ec2.RouteTableAssociation(
        f"reconcile-private-{zone}", subnet_id=subnet.id, route_table_id=private_rt.id
    )
    task_subnets.append(subnet)
task_sg = aws.ec2.SecurityGroup(
    "reconcile-task",
    vpc_id=vpc.id,
    description="reconcile tasks",
    egress=[{"protocol": "tcp", "from_port": 443, "to_port": 443, "cidr_blocks": ["0.0.0.0/0"]}],
)

repo = aws.ecr.Repository(
    "reconcile",
    name="reconcile",
    image_tag_mutability="IMMUTABLE",
    image_scanning_configuration={"scan_on_push": True},
)
aws.ecr.LifecyclePolicy(
    "reconcile",
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
aws.cloudwatch.LogGroup("reconcile", name="/ecs/reconcile", retention_in_days=30)

execution_role = aws.iam.Role(
    "reconcile-execution",
    name="reconcile-execution",
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
    "reconcile-execution",
    role=execution_role.name,
    policy_arn="arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy",
)

task = aws.ecs.TaskDefinition(
    "reconcile",
    family="reconcile",
    cpu="256",
    memory="512",
    network_mode="awsvpc",
    requires_compatibilities=["FARGATE"],
    execution_role_arn=execution_role.arn,
    container_definitions=json.dumps(
        [
            {
                "name": "reconcile",
                "image": f"{account}.dkr.ecr.{region}.amazonaws.com/reconcile:1.4.2",
                "essential": True,
                "portMappings": [{"containerPort": 8080}],
                "logConfiguration": {
                    "logDriver": "awslogs",
                    "options": {
                        "awslogs-group": "/ecs/reconcile",
                        "awslogs-region": region,
                        "awslogs-stream-prefix": "reconcile",
                    },
                },
            }
        ]
    ),
)

cluster = aws.ecs.Cluster("reconcile")

scheduler_role = aws.iam.Role(
    "reconcile-scheduler",
    name="reconcile-scheduler",
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
    "reconcile-scheduler",
    role=scheduler_role.id,
    policy=json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": "ecs:RunTask",
                    "Resource": f"arn:aws:ecs:{region}:{account}:task-definition/reconcile:*",
                },
                {
                    "Effect": "Allow",
                    "Action": "iam:PassRole",
                    "Resource": f"arn:aws:iam::{account}:role/reconcile-execution",
                },
            ],
        }
    ),
)
aws.scheduler.Schedule(
    "reconcile-nightly",
    name="reconcile-nightly",
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
