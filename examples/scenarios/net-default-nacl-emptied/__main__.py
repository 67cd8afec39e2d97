"""ledger-batch: a hardening change ("restrict the default network ACL") adopted the default network ACL
with aws.ec2.DefaultNetworkAcl and declared no rules. Managing the default ACL removes the rules it
does not declare, leaving only the final deny-all entries, and every subnet without a custom ACL,
including the task subnets, uses it."""

import json

import pulumi_aws as aws

region = aws.get_region().name
account = aws.get_caller_identity().account_id

vpc = aws.ec2.Vpc(
    "ledger-batch", cidr_block="10.20.0.0/16", enable_dns_support=True, enable_dns_hostnames=True
)
igw = aws.ec2.InternetGateway("ledger-batch", vpc_id=vpc.id)
public_rt = aws.ec2.RouteTable(
    "ledger-batch-public", vpc_id=vpc.id, routes=[{"cidr_block": "0.0.0.0/0", "gateway_id": igw.id}]
)
public_subnets = []
for i, zone in enumerate("ab"):
    subnet = aws.ec2.Subnet(
        f"ledger-batch-public-{zone}",
        vpc_id=vpc.id,
        cidr_block=f"10.20.{i}.0/24",
        availability_zone=f"{region}{zone}",
        map_public_ip_on_launch=True,
    )
    aws.ec2.RouteTableAssociation(
        f"ledger-batch-public-{zone}", subnet_id=subnet.id, route_table_id=public_rt.id
    )
    public_subnets.append(subnet)

nat = aws.ec2.NatGateway(
    "ledger-batch",
    subnet_id=public_subnets[0].id,
    allocation_id=aws.ec2.Eip("ledger-batch-nat", domain="vpc").id,
)
private_rt = aws.ec2.RouteTable(
    "ledger-batch-private", vpc_id=vpc.id, routes=[{"cidr_block": "0.0.0.0/0", "nat_gateway_id": nat.id}]
)
task_subnets = []
for i, zone in enumerate("ab"):
    subnet = aws.ec2.Subnet(
        f"ledger-batch-private-{zone}",
        vpc_id=vpc.id,
        cidr_block=f"10.20.{10 + i}.0/24",
        availability_zone=f"{region}{zone}",
    )
    aws.ec2.RouteTableAssociation(
        f"ledger-batch-private-{zone}", subnet_id=subnet.id, route_table_id=private_rt.id
    )
    task_subnets.append(subnet)

task_sg = aws.ec2.SecurityGroup(
    "ledger-batch-task",
    vpc_id=vpc.id,
    description="ledger-batch tasks",
    egress=[{"protocol": "tcp", "from_port": 443, "to_port": 443, "cidr_blocks": ["0.0.0.0/0"]}],
)

aws.ec2.DefaultNetworkAcl("ledger-batch-default", default_network_acl_id=vpc.default_network_acl_id)

repo = aws.ecr.Repository(
    "ledger-batch",
    name="ledger-batch",
    image_tag_mutability="IMMUTABLE",
    image_scanning_configuration={"scan_on_push": True},
)
aws.ecr.LifecyclePolicy(
    "ledger-batch",
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
aws.cloudwatch.LogGroup("ledger-batch", name="/ecs/ledger-batch", retention_in_days=30)

execution_role = aws.iam.Role(
    "ledger-batch-execution",
    name="ledger-batch-execution",
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
    "ledger-batch-execution",
    role=execution_role.name,
    policy_arn="arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy",
)

task = aws.ecs.TaskDefinition(
    "ledger-batch",
    family="ledger-batch",
    cpu="256",
    memory="512",
    network_mode="awsvpc",
    requires_compatibilities=["FARGATE"],
    execution_role_arn=execution_role.arn,
    container_definitions=json.dumps(
        [
            {
                "name": "ledger-batch",
                "image": f"{account}.dkr.ecr.{region}.amazonaws.com/ledger-batch:1.4.2",
                "essential": True,
                "portMappings": [{"containerPort": 8080}],
                "logConfiguration": {
                    "logDriver": "awslogs",
                    "options": {
                        "awslogs-group": "/ecs/ledger-batch",
                        "awslogs-region": region,
                        "awslogs-stream-prefix": "ledger-batch",
                    },
                },
            }
        ]
    ),
)

cluster = aws.ecs.Cluster("ledger-batch")
aws.ecs.Service(
    "ledger-batch",
    cluster=cluster.arn,
    task_definition=task.arn,
    desired_count=2,
    launch_type="FARGATE",
    deployment_minimum_healthy_percent=100,
    deployment_maximum_percent=200,
    deployment_circuit_breaker={"enable": True, "rollback": True},
    network_configuration={"subnets": [s.id for s in task_subnets], "security_groups": [task_sg.id]},
)
