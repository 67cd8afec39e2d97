"""settle: the interface endpoints sit in endpoint subnets with their own network ACL: inbound HTTPS
from the VPC, and the replies out to the VPC on the ephemeral ports."""

import json

import pulumi_aws as aws

region = aws.get_region().name
account = aws.get_caller_identity().account_id

vpc = aws.ec2.Vpc("settle", cidr_block="10.20.0.0/16", enable_dns_support=True, enable_dns_hostnames=True)
private_rt = aws.ec2.RouteTable("settle-private", vpc_id=vpc.id)
task_subnets = []
for i, zone in enumerate("ab"):
    subnet = aws.ec2.Subnet(
        f"settle-private-{zone}",
        vpc_id=vpc.id,
        cidr_block=f"10.20.{10 + i}.0/24",
        availability_zone=f"{region}{zone}",
    )
    aws.ec2.RouteTableAssociation(f"settle-private-{zone}", subnet_id=subnet.id, route_table_id=private_rt.id)
    task_subnets.append(subnet)
endpoint_subnets = []
for i, zone in enumerate("ab"):
    subnet = aws.ec2.Subnet(
        f"settle-endpoints-{zone}",
        vpc_id=vpc.id,
        cidr_block=f"10.20.{20 + i}.0/24",
        availability_zone=f"{region}{zone}",
    )
    aws.ec2.RouteTableAssociation(
        f"settle-endpoints-{zone}", subnet_id=subnet.id, route_table_id=private_rt.id
    )
    endpoint_subnets.append(subnet)

aws.ec2.NetworkAcl(
    "settle-endpoint-acl",
    vpc_id=vpc.id,
    subnet_ids=[s.id for s in endpoint_subnets],
    ingress=[
        {
            "rule_no": 100,
            "protocol": "tcp",
            "action": "allow",
            "cidr_block": "10.20.0.0/16",
            "from_port": 443,
            "to_port": 443,
        }
    ],
    egress=[
        {
            "rule_no": 100,
            "protocol": "tcp",
            "action": "allow",
            "cidr_block": "10.20.0.0/16",
            "from_port": 1024,
            "to_port": 65535,
        }
    ],
)

task_sg = aws.ec2.SecurityGroup(
    "settle-task",
    vpc_id=vpc.id,
    description="settle tasks",
    egress=[{"protocol": "tcp", "from_port": 443, "to_port": 443, "cidr_blocks": ["0.0.0.0/0"]}],
)
endpoint_sg = aws.ec2.SecurityGroup(
    "settle-endpoints",
    vpc_id=vpc.id,
    description="interface endpoints",
    ingress=[{"protocol": "tcp", "from_port": 443, "to_port": 443, "security_groups": [task_sg.id]}],
)
for service in ["ecr.api", "ecr.dkr", "logs"]:
    aws.ec2.VpcEndpoint(
        f"settle-{service.replace('.', '-')}",
        vpc_id=vpc.id,
        service_name=f"com.amazonaws.{region}.{service}",
        vpc_endpoint_type="Interface",
        private_dns_enabled=True,
        subnet_ids=[s.id for s in endpoint_subnets],
        security_group_ids=[endpoint_sg.id],
    )
aws.ec2.VpcEndpoint(
    "settle-s3",
    vpc_id=vpc.id,
    service_name=f"com.amazonaws.{region}.s3",
    vpc_endpoint_type="Gateway",
    route_table_ids=[private_rt.id],
)

repo = aws.ecr.Repository(
    "settle",
    name="settle",
    image_tag_mutability="IMMUTABLE",
    image_scanning_configuration={"scan_on_push": True},
)
aws.ecr.LifecyclePolicy(
    "settle",
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
aws.cloudwatch.LogGroup("settle", name="/ecs/settle", retention_in_days=30)

execution_role = aws.iam.Role(
    "settle-execution",
    name="settle-execution",
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
    "settle-execution",
    role=execution_role.name,
    policy_arn="arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy",
)

task = aws.ecs.TaskDefinition(
    "settle",
    family="settle",
    cpu="256",
    memory="512",
    network_mode="awsvpc",
    requires_compatibilities=["FARGATE"],
    execution_role_arn=execution_role.arn,
    container_definitions=json.dumps(
        [
            {
                "name": "settle",
                "image": f"{account}.dkr.ecr.{region}.amazonaws.com/settle:1.4.2",
                "essential": True,
                "portMappings": [{"containerPort": 8080}],
                "logConfiguration": {
                    "logDriver": "awslogs",
                    "options": {
                        "awslogs-group": "/ecs/settle",
                        "awslogs-region": region,
                        "awslogs-stream-prefix": "settle",
                    },
                },
            }
        ]
    ),
)

cluster = aws.ecs.Cluster("settle")
aws.ecs.Service(
    "settle",
    cluster=cluster.arn,
    task_definition=task.arn,
    desired_count=2,
    launch_type="FARGATE",
    deployment_minimum_healthy_percent=100,
    deployment_maximum_percent=200,
    deployment_circuit_breaker={"enable": True, "rollback": True},
    network_configuration={"subnets": [s.id for s in task_subnets], "security_groups": [task_sg.id]},
)
