"""shipping: spoke VPC of a hub-and-spoke network. The default route goes to the network team's transit
gateway; internet egress happens in an egress VPC this stack cannot see."""

import json

import pulumi_aws as aws

region = aws.get_region().name
account = aws.get_caller_identity().account_id

vpc = aws.ec2.Vpc("shipping", cidr_block="10.20.0.0/16", enable_dns_support=True, enable_dns_hostnames=True)
private_rt = aws.ec2.RouteTable("shipping-private", vpc_id=vpc.id)
task_subnets = []
for i, zone in enumerate("ab"):
    subnet = aws.ec2.Subnet(
        f"shipping-private-{zone}",
        vpc_id=vpc.id,
        cidr_block=f"10.20.{10 + i}.0/24",
        availability_zone=f"{region}{zone}",
    )
    aws.ec2.RouteTableAssociation(
        f"shipping-private-{zone}", subnet_id=subnet.id, route_table_id=private_rt.id
    )
    task_subnets.append(subnet)

# Centralised egress: the network team's transit gateway (shared from the network account).
TRANSIT_GATEWAY_ID = "tgw-0c1d2e3f4a5b6c7d8"
aws.ec2transitgateway.VpcAttachment(
    "shipping", transit_gateway_id=TRANSIT_GATEWAY_ID, vpc_id=vpc.id, subnet_ids=[s.id for s in task_subnets]
)
aws.ec2.Route(
    "shipping-default-tgw",
    route_table_id=private_rt.id,
    destination_cidr_block="0.0.0.0/0",
    transit_gateway_id=TRANSIT_GATEWAY_ID,
)

task_sg = aws.ec2.SecurityGroup(
    "shipping-task",
    vpc_id=vpc.id,
    description="shipping tasks",
    egress=[{"protocol": "tcp", "from_port": 443, "to_port": 443, "cidr_blocks": ["0.0.0.0/0"]}],
)

repo = aws.ecr.Repository(
    "shipping",
    name="shipping",
    image_tag_mutability="IMMUTABLE",
    image_scanning_configuration={"scan_on_push": True},
)
aws.ecr.LifecyclePolicy(
    "shipping",
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
aws.cloudwatch.LogGroup("shipping", name="/ecs/shipping", retention_in_days=30)

execution_role = aws.iam.Role(
    "shipping-execution",
    name="shipping-execution",
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
    "shipping-execution",
    role=execution_role.name,
    policy_arn="arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy",
)

task = aws.ecs.TaskDefinition(
    "shipping",
    family="shipping",
    cpu="256",
    memory="512",
    network_mode="awsvpc",
    requires_compatibilities=["FARGATE"],
    execution_role_arn=execution_role.arn,
    container_definitions=json.dumps(
        [
            {
                "name": "shipping",
                "image": f"{account}.dkr.ecr.{region}.amazonaws.com/shipping:1.4.2",
                "essential": True,
                "portMappings": [{"containerPort": 8080}],
                "logConfiguration": {
                    "logDriver": "awslogs",
                    "options": {
                        "awslogs-group": "/ecs/shipping",
                        "awslogs-region": region,
                        "awslogs-stream-prefix": "shipping",
                    },
                },
            }
        ]
    ),
)

cluster = aws.ecs.Cluster("shipping")
aws.ecs.Service(
    "shipping",
    cluster=cluster.arn,
    task_definition=task.arn,
    desired_count=2,
    launch_type="FARGATE",
    deployment_minimum_healthy_percent=100,
    deployment_maximum_percent=200,
    deployment_circuit_breaker={"enable": True, "rollback": True},
    network_configuration={"subnets": [s.id for s in task_subnets], "security_groups": [task_sg.id]},
)
