"""reports: the API service runs in the public subnets with public IPs. The nightly export, started
by EventBridge Scheduler, was put in the private subnets "because batch jobs need no inbound";
their route table has only the local route and the VPC has no endpoints.
"""

import json

import pulumi_aws as aws

region = aws.get_region().region
account = aws.get_caller_identity().account_id

vpc = aws.ec2.Vpc("reports", cidr_block="10.30.0.0/16", enable_dns_support=True, enable_dns_hostnames=True)
igw = aws.ec2.InternetGateway("reports", vpc_id=vpc.id)
public_rt = aws.ec2.RouteTable("reports-public", vpc_id=vpc.id,
                               routes=[{"cidr_block": "0.0.0.0/0", "gateway_id": igw.id}])
private_rt = aws.ec2.RouteTable("jobs-private", vpc_id=vpc.id)
public_subnets, private_subnets = [], []
for i, zone in enumerate("ab"):
    public = aws.ec2.Subnet(f"reports-public-{zone}", vpc_id=vpc.id, cidr_block=f"10.30.{i}.0/24",
                            availability_zone=f"{region}{zone}", map_public_ip_on_launch=True)
    aws.ec2.RouteTableAssociation(f"reports-public-{zone}", subnet_id=public.id, route_table_id=public_rt.id)
    public_subnets.append(public)
    private = aws.ec2.Subnet(f"jobs-private-{zone}", vpc_id=vpc.id, cidr_block=f"10.30.{10 + i}.0/24",
                             availability_zone=f"{region}{zone}")
    aws.ec2.RouteTableAssociation(f"jobs-private-{zone}", subnet_id=private.id, route_table_id=private_rt.id)
    private_subnets.append(private)

egress_only = aws.ec2.SecurityGroup("reports-tasks", vpc_id=vpc.id, description="reports tasks: egress only",
                                    egress=[{"protocol": "tcp", "from_port": 443, "to_port": 443,
                                             "cidr_blocks": ["0.0.0.0/0"]}])

repo = aws.ecr.Repository("reports", name="reports", image_tag_mutability="IMMUTABLE",
                          image_scanning_configuration={"scan_on_push": True})
aws.ecr.LifecyclePolicy("reports", repository=repo.name, policy=json.dumps({
    "rules": [{"rulePriority": 1, "description": "keep 20 images",
               "selection": {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": 20},
               "action": {"type": "expire"}}],
}))
aws.cloudwatch.LogGroup("reports", name="/ecs/reports", retention_in_days=30)

tasks_trust = json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}],
})
execution = aws.iam.Role("reports-execution", name="reports-execution", assume_role_policy=tasks_trust)
aws.iam.RolePolicyAttachment("reports-execution", role=execution.name,
                             policy_arn="arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy")


def task_definition(name: str, command: list[str]) -> aws.ecs.TaskDefinition:
    return aws.ecs.TaskDefinition(
        name,
        family=name,
        cpu="256",
        memory="512",
        network_mode="awsvpc",
        requires_compatibilities=["FARGATE"],
        execution_role_arn=execution.arn,
        container_definitions=json.dumps([{
            "name": name,
            "image": f"{account}.dkr.ecr.{region}.amazonaws.com/reports:2.3.0",
            "essential": True,
            "command": command,
            "logConfiguration": {"logDriver": "awslogs", "options": {
                "awslogs-group": "/ecs/reports", "awslogs-region": region, "awslogs-stream-prefix": name}},
        }]),
    )


api = task_definition("reports-api", ["serve"])
export = task_definition("reports-export", ["export", "--nightly"])

cluster = aws.ecs.Cluster("reports", name="reports")
aws.ecs.Service(
    "reports-api",
    cluster=cluster.arn,
    task_definition=api.arn,
    desired_count=2,
    launch_type="FARGATE",
    deployment_minimum_healthy_percent=100,
    deployment_maximum_percent=200,
    deployment_circuit_breaker={"enable": True, "rollback": True},
    network_configuration={"subnets": [s.id for s in public_subnets], "security_groups": [egress_only.id],
                           "assign_public_ip": True},
)

launcher = aws.iam.Role("export-launcher", name="reports-export-launcher", assume_role_policy=json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "scheduler.amazonaws.com"}, "Action": "sts:AssumeRole"}],
}))
aws.iam.RolePolicy("export-launcher", role=launcher.id, policy=json.dumps({
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Action": "ecs:RunTask",
         "Resource": f"arn:aws:ecs:{region}:{account}:task-definition/reports-export:*"},
        {"Effect": "Allow", "Action": "iam:PassRole", "Resource": f"arn:aws:iam::{account}:role/reports-execution"},
    ],
}))
aws.scheduler.Schedule(
    "nightly-export",
    name="reports-nightly-export",
    schedule_expression="cron(30 2 * * ? *)",
    flexible_time_window={"mode": "OFF"},
    target={
        "arn": cluster.arn,
        "role_arn": launcher.arn,
        "ecs_parameters": {
            "task_definition_arn": export.arn,
            "launch_type": "FARGATE",
            "network_configuration": {"subnets": [s.id for s in private_subnets],
                                      "security_groups": [egress_only.id], "assign_public_ip": False},
        },
    },
)
