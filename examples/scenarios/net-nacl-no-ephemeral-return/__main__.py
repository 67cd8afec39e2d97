"""payments: the private subnets get a custom network ACL written like a security group: outbound
443 and inbound 443. Network ACLs are stateless, so the replies from ECR, S3 and CloudWatch Logs,
which come back to the task's ephemeral port, are dropped."""

import json

import pulumi_aws as aws

region = aws.get_region().name
account = aws.get_caller_identity().account_id

vpc = aws.ec2.Vpc("payments", cidr_block="10.20.0.0/16", enable_dns_support=True, enable_dns_hostnames=True)
igw = aws.ec2.InternetGateway("payments", vpc_id=vpc.id)
public_rt = aws.ec2.RouteTable(
    "payments-public", vpc_id=vpc.id, routes=[{"cidr_block": "0.0.0.0/0", "gateway_id": igw.id}]
)
public_subnets = []
for i, zone in enumerate("ab"):
    subnet = aws.ec2.Subnet(
        f"payments-public-{zone}",
        vpc_id=vpc.id,
        cidr_block=f"10.20.{i}.0/24",
        availability_zone=f"{region}{zone}",
        map_public_ip_on_launch=True,
    )
    aws.ec2.RouteTableAssociation(f"payments-public-{zone}", subnet_id=subnet.id, route_table_id=public_rt.id)
    public_subnets.append(subnet)

nat = aws.ec2.NatGateway(
    "payments", subnet_id=public_subnets[0].id, allocation_id=aws.ec2.Eip("payments-nat", domain="vpc").id
)
private_rt = aws.ec2.RouteTable(
    "payments-private", vpc_id=vpc.id, routes=[{"cidr_block": "0.0.0.0/0", "nat_gateway_id": nat.id}]
)
task_subnets = []
for i, zone in enumerate("ab"):
    subnet = aws.ec2.Subnet(
        f"payments-private-{zone}",
        vpc_id=vpc.id,
        cidr_block=f"10.20.{10 + i}.0/24",
        availability_zone=f"{region}{zone}",
    )
    aws.ec2.RouteTableAssociation(
        f"payments-private-{zone}", subnet_id=subnet.id, route_table_id=private_rt.id
    )
    task_subnets.append(subnet)

task_sg = aws.ec2.SecurityGroup(
    "payments-task",
    vpc_id=vpc.id,
    description="payments tasks",
    egress=[{"protocol": "tcp", "from_port": 443, "to_port": 443, "cidr_blocks": ["0.0.0.0/0"]}],
)

aws.ec2.NetworkAcl(
    "payments-private-acl",
    vpc_id=vpc.id,
    subnet_ids=[s.id for s in task_subnets],
    egress=[
        {
            "rule_no": 100,
            "protocol": "tcp",
            "action": "allow",
            "cidr_block": "0.0.0.0/0",
            "from_port": 443,
            "to_port": 443,
        }
    ],
    ingress=[
        {
            "rule_no": 100,
            "protocol": "tcp",
            "action": "allow",
            "cidr_block": "0.0.0.0/0",
            "from_port": 443,
            "to_port": 443,
        }
    ],
)

repo = aws.ecr.Repository(
    "payments",
    name="payments",
    image_tag_mutability="IMMUTABLE",
    image_scanning_configuration={"scan_on_push": True},
)
aws.ecr.LifecyclePolicy(
    "payments",
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
aws.cloudwatch.LogGroup("payments", name="/ecs/payments", retention_in_days=30)

execution_role = aws.iam.Role(
    "payments-execution",
    name="payments-execution",
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
    "payments-execution",
    role=execution_role.name,
    policy_arn="arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy",
)

task = aws.ecs.TaskDefinition(
    "payments",
    family="payments",
    cpu="256",
    memory="512",
    network_mode="awsvpc",
    requires_compatibilities=["FARGATE"],
    execution_role_arn=execution_role.arn,
    container_definitions=json.dumps(
        [
            {
                "name": "payments",
                "image": f"{account}.dkr.ecr.{region}.amazonaws.com/payments:1.4.2",
                "essential": True,
                "portMappings": [{"containerPort": 8080}],
                "logConfiguration": {
                    "logDriver": "awslogs",
                    "options": {
                        "awslogs-group": "/ecs/payments",
                        "awslogs-region": region,
                        "awslogs-stream-prefix": "payments",
                    },
                },
            }
        ]
    ),
)

cluster = aws.ecs.Cluster("payments")
aws.ecs.Service(
    "payments",
    cluster=cluster.arn,
    task_definition=task.arn,
    desired_count=2,
    launch_type="FARGATE",
    deployment_minimum_healthy_percent=100,
    deployment_maximum_percent=200,
    deployment_circuit_breaker={"enable": True, "rollback": True},
    network_configuration={"subnets": [s.id for s in task_subnets], "security_groups": [task_sg.id]},
)
