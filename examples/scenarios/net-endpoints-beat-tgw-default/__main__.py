"""dispatch: spoke VPC with a transit-gateway default route, plus its own interface endpoints for ECR and
CloudWatch Logs and an S3 gateway endpoint. The endpoint traffic never takes the default route."""

import json

import pulumi_aws as aws

region = aws.get_region().name
account = aws.get_caller_identity().account_id

vpc = aws.ec2.Vpc("dispatch", cidr_block="10.20.0.0/16", enable_dns_support=True, enable_dns_hostnames=True)
private_rt = aws.ec2.RouteTable("dispatch-private", vpc_id=vpc.id)
task_subnets = []
for i, zone in enumerate("ab"):
    subnet = aws.ec2.Subnet(
        f"dispatch-private-{zone}",
        vpc_id=vpc.id,
        cidr_block=f"10.20.{10 + i}.0/24",
        availability_zone=f"{region}{zone}",
    )
    aws.ec2.RouteTableAssociation(
        f"dispatch-private-{zone}", subnet_id=subnet.id, route_table_id=private_rt.id
    )
    task_subnets.append(subnet)

task_sg = aws.ec2.SecurityGroup(
    "dispatch-task",
    vpc_id=vpc.id,
    description="dispatch tasks",
    egress=[{"protocol": "tcp", "from_port": 443, "to_port": 443, "cidr_blocks": ["0.0.0.0/0"]}],
)
endpoint_sg = aws.ec2.SecurityGroup(
    "dispatch-endpoints",
    vpc_id=vpc.id,
    description="interface endpoints",
    ingress=[{"protocol": "tcp", "from_port": 443, "to_port": 443, "security_groups": [task_sg.id]}],
)
for service in ["ecr.api", "ecr.dkr", "logs"]:
    aws.ec2.VpcEndpoint(
        f"dispatch-{service.replace('.', '-')}",
        vpc_id=vpc.id,
        service_name=f"com.amazonaws.{region}.{service}",
        vpc_endpoint_type="Interface",
        private_dns_enabled=True,
        subnet_ids=[s.id for s in task_subnets],
        security_group_ids=[endpoint_sg.id],
    )
s3 = aws.ec2.VpcEndpoint(
    "dispatch-s3",
    vpc_id=vpc.id,
    service_name=f"com.amazonaws.{region}.s3",
    vpc_endpoint_type="Gateway",
    route_table_ids=[private_rt.id],
)

# Centralised egress: the network team's transit gateway (shared from the network account).
TGW_ID = "tgw-0c1d2e3f4a5b6c7d8"
aws.ec2transitgateway.VpcAttachment(
    "dispatch", transit_gateway_id=TGW_ID, vpc_id=vpc.id, subnet_ids=[s.id for s in task_subnets]
)
aws.ec2.Route(
    "dispatch-default-tgw",
    route_table_id=private_rt.id,
    destination_cidr_block="0.0.0.0/0",
    transit_gateway_id=TGW_ID,
)

repo = aws.ecr.Repository(
    "dispatch",
    name="dispatch",
    image_tag_mutability="IMMUTABLE",
    image_scanning_configuration={"scan_on_push": True},
)
aws.ecr.LifecyclePolicy(
    "dispatch",
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
aws.cloudwatch.LogGroup("dispatch", name="/ecs/dispatch", retention_in_days=30)

execution_role = aws.iam.Role(
    "dispatch-execution",
    name="dispatch-execution",
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
    "dispatch-execution",
    role=execution_role.name,
    policy_arn="arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy",
)

task = aws.ecs.TaskDefinition(
    "dispatch",
    family="dispatch",
    cpu="256",
    memory="512",
    network_mode="awsvpc",
    requires_compatibilities=["FARGATE"],
    execution_role_arn=execution_role.arn,
    container_definitions=json.dumps(
        [
            {
                "name": "dispatch",
                "image": f"{account}.dkr.ecr.{region}.amazonaws.com/dispatch:1.4.2",
                "essential": True,
                "portMappings": [{"containerPort": 8080}],
                "logConfiguration": {
                    "logDriver": "awslogs",
                    "options": {
                        "awslogs-group": "/ecs/dispatch",
                        "awslogs-region": region,
                        "awslogs-stream-prefix": "dispatch",
                    },
                },
            }
        ]
    ),
)

cluster = aws.ecs.Cluster("dispatch")
aws.ecs.Service(
    "dispatch",
    cluster=cluster.arn,
    task_definition=task.arn,
    desired_count=2,
    launch_type="FARGATE",
    deployment_minimum_healthy_percent=100,
    deployment_maximum_percent=200,
    deployment_circuit_breaker={"enable": True, "rollback": True},
    network_configuration={"subnets": [s.id for s in task_subnets], "security_groups": [task_sg.id]},
)
