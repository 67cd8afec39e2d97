"""reports: the team routed 0.0.0.0/0 to the peering connection with the shared-services VPC, which has
the NAT gateway. VPC peering does not carry traffic on to the peer's NAT or internet gateway."""

import json

import pulumi_aws as aws

region = aws.get_region().name
account = aws.get_caller_identity().account_id

vpc = aws.ec2.Vpc("reports", cidr_block="10.20.0.0/16", enable_dns_support=True, enable_dns_hostnames=True)
private_rt = aws.ec2.RouteTable("reports-private", vpc_id=vpc.id)
task_subnets = []
for i, zone in enumerate("ab"):
    subnet = aws.ec2.Subnet(
        f"reports-private-{zone}",
        vpc_id=vpc.id,
        cidr_block=f"10.20.{10 + i}.0/24",
        availability_zone=f"{region}{zone}",
    )
    aws.ec2.RouteTableAssociation(
        f"reports-private-{zone}", subnet_id=subnet.id, route_table_id=private_rt.id
    )
    task_subnets.append(subnet)

peering = aws.ec2.VpcPeeringConnection(
    "reports-shared",
    vpc_id=vpc.id,
    peer_vpc_id="vpc-0a9b8c7d6e5f40312",
    peer_owner_id=account,
    auto_accept=True,
)
aws.ec2.Route(
    "reports-default-peering",
    route_table_id=private_rt.id,
    destination_cidr_block="0.0.0.0/0",
    vpc_peering_connection_id=peering.id,
)

task_sg = aws.ec2.SecurityGroup(
    "reports-task",
    vpc_id=vpc.id,
    description="reports tasks",
    egress=[{"protocol": "tcp", "from_port": 443, "to_port": 443, "cidr_blocks": ["0.0.0.0/0"]}],
)

repo = aws.ecr.Repository(
    "reports",
    name="reports",
    image_tag_mutability="IMMUTABLE",
    image_scanning_configuration={"scan_on_push": True},
)
aws.ecr.LifecyclePolicy(
    "reports",
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
aws.cloudwatch.LogGroup("reports", name="/ecs/reports", retention_in_days=30)

execution_role = aws.iam.Role(
    "reports-execution",
    name="reports-execution",
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
    "reports-execution",
    role=execution_role.name,
    policy_arn="arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy",
)

task = aws.ecs.TaskDefinition(
    "reports",
    family="reports",
    cpu="256",
    memory="512",
    network_mode="awsvpc",
    requires_compatibilities=["FARGATE"],
    execution_role_arn=execution_role.arn,
    container_definitions=json.dumps(
        [
            {
                "name": "reports",
                "image": f"{account}.dkr.ecr.{region}.amazonaws.com/reports:1.4.2",
                "essential": True,
                "portMappings": [{"containerPort": 8080}],
                "logConfiguration": {
                    "logDriver": "awslogs",
                    "options": {
                        "awslogs-group": "/ecs/reports",
                        "awslogs-region": region,
                        "awslogs-stream-prefix": "reports",
                    },
                },
            }
        ]
    ),
)

cluster = aws.ecs.Cluster("reports")
aws.ecs.Service(
    "reports",
    cluster=cluster.arn,
    task_definition=task.arn,
    desired_count=2,
    launch_type="FARGATE",
    deployment_minimum_healthy_percent=100,
    deployment_maximum_percent=200,
    deployment_circuit_breaker={"enable": True, "rollback": True},
    network_configuration={"subnets": [s.id for s in task_subnets], "security_groups": [task_sg.id]},
)
