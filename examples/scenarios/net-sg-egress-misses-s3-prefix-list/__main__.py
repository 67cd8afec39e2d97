"""rates: tight egress: the task group may only talk to the interface-endpoint group. Image layers come
from S3 through the gateway endpoint, whose addresses are not in that group."""

import json

import pulumi_aws as aws

region = aws.get_region().name
account = aws.get_caller_identity().account_id

vpc = aws.ec2.Vpc("rates", cidr_block="10.20.0.0/16", enable_dns_support=True, enable_dns_hostnames=True)
private_rt = aws.ec2.RouteTable("rates-private", vpc_id=vpc.id)
task_subnets = []
for i, zone in enumerate("ab"):
    subnet = aws.ec2.Subnet(
        f"rates-private-{zone}",
        vpc_id=vpc.id,
        cidr_block=f"10.20.{10 + i}.0/24",
        availability_zone=f"{region}{zone}",
    )
    aws.ec2.RouteTableAssociation(f"rates-private-{zone}", subnet_id=subnet.id, route_table_id=private_rt.id)
    task_subnets.append(subnet)

task_sg = aws.ec2.SecurityGroup("rates-task", vpc_id=vpc.id, description="rates tasks")
endpoint_sg = aws.ec2.SecurityGroup("rates-endpoints", vpc_id=vpc.id, description="interface endpoints")
for service in ["ecr.api", "ecr.dkr", "logs"]:
    aws.ec2.VpcEndpoint(
        f"rates-{service.replace('.', '-')}",
        vpc_id=vpc.id,
        service_name=f"com.amazonaws.{region}.{service}",
        vpc_endpoint_type="Interface",
        private_dns_enabled=True,
        subnet_ids=[s.id for s in task_subnets],
        security_group_ids=[endpoint_sg.id],
    )
s3 = aws.ec2.VpcEndpoint(
    "rates-s3",
    vpc_id=vpc.id,
    service_name=f"com.amazonaws.{region}.s3",
    vpc_endpoint_type="Gateway",
    route_table_ids=[private_rt.id],
)
aws.vpc.SecurityGroupEgressRule(
    "rates-task-to-endpoints",
    security_group_id=task_sg.id,
    ip_protocol="tcp",
    from_port=443,
    to_port=443,
    referenced_security_group_id=endpoint_sg.id,
)
aws.ec2.SecurityGroupRule(
    "rates-endpoints-from-task",
    type="ingress",
    security_group_id=endpoint_sg.id,
    protocol="tcp",
    from_port=443,
    to_port=443,
    source_security_group_id=task_sg.id,
)

repo = aws.ecr.Repository(
    "rates",
    name="rates",
    image_tag_mutability="IMMUTABLE",
    image_scanning_configuration={"scan_on_push": True},
)
aws.ecr.LifecyclePolicy(
    "rates",
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
aws.cloudwatch.LogGroup("rates", name="/ecs/rates", retention_in_days=30)

execution_role = aws.iam.Role(
    "rates-execution",
    name="rates-execution",
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
    "rates-execution",
    role=execution_role.name,
    policy_arn="arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy",
)

task = aws.ecs.TaskDefinition(
    "rates",
    family="rates",
    cpu="256",
    memory="512",
    network_mode="awsvpc",
    requires_compatibilities=["FARGATE"],
    execution_role_arn=execution_role.arn,
    container_definitions=json.dumps(
        [
            {
                "name": "rates",
                "image": f"{account}.dkr.ecr.{region}.amazonaws.com/rates:1.4.2",
                "essential": True,
                "portMappings": [{"containerPort": 8080}],
                "logConfiguration": {
                    "logDriver": "awslogs",
                    "options": {
                        "awslogs-group": "/ecs/rates",
                        "awslogs-region": region,
                        "awslogs-stream-prefix": "rates",
                    },
                },
            }
        ]
    ),
)

cluster = aws.ecs.Cluster("rates")
aws.ecs.Service(
    "rates",
    cluster=cluster.arn,
    task_definition=task.arn,
    desired_count=2,
    launch_type="FARGATE",
    deployment_minimum_healthy_percent=100,
    deployment_maximum_percent=200,
    deployment_circuit_breaker={"enable": True, "rollback": True},
    network_configuration={"subnets": [s.id for s in task_subnets], "security_groups": [task_sg.id]},
)
