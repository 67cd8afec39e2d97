"""dispatch: private subnets with no route out and interface endpoints for ECR and CloudWatch Logs
plus an S3 gateway endpoint. The endpoints' security group admits 443 from the API service's
security group. The nightly export, started by EventBridge Scheduler in the same subnets, was
given its own security group "so it can be locked down later".
"""

import json

import pulumi_aws as aws

region = aws.get_region().region
account = aws.get_caller_identity().account_id

vpc = aws.ec2.Vpc("dispatch", cidr_block="10.20.0.0/16", enable_dns_support=True, enable_dns_hostnames=True)
private_rt = aws.ec2.RouteTable("dispatch-private", vpc_id=vpc.id)
task_subnets = []
for i, zone in enumerate("ab"):
    subnet = aws.ec2.Subnet(f"dispatch-private-{zone}", vpc_id=vpc.id, cidr_block=f"10.20.{10 + i}.0/24",
                            availability_zone=f"{region}{zone}")
    aws.ec2.RouteTableAssociation(f"dispatch-private-{zone}", subnet_id=subnet.id, route_table_id=private_rt.id)
    task_subnets.append(subnet)

https_out = [{"protocol": "tcp", "from_port": 443, "to_port": 443, "cidr_blocks": ["0.0.0.0/0"]}]
api_sg = aws.ec2.SecurityGroup("api-task", vpc_id=vpc.id, description="dispatch API tasks", egress=https_out)
export_sg = aws.ec2.SecurityGroup("export-task", vpc_id=vpc.id, description="dispatch nightly export",
                                  egress=https_out)
endpoint_sg = aws.ec2.SecurityGroup("dispatch-endpoints", vpc_id=vpc.id, description="interface endpoints",
                                    ingress=[{"protocol": "tcp", "from_port": 443, "to_port": 443,
                                              "security_groups": [api_sg.id]}])
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
aws.ec2.VpcEndpoint("dispatch-s3", vpc_id=vpc.id, service_name=f"com.amazonaws.{region}.s3",
                    vpc_endpoint_type="Gateway", route_table_ids=[private_rt.id])

repo = aws.ecr.Repository("dispatch", name="dispatch", image_tag_mutability="IMMUTABLE",
                          image_scanning_configuration={"scan_on_push": True})
aws.ecr.LifecyclePolicy("dispatch", repository=repo.name, policy=json.dumps({
    "rules": [{"rulePriority": 1, "description": "keep 20 images",
               "selection": {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": 20},
               "action": {"type": "expire"}}],
}))
aws.cloudwatch.LogGroup("dispatch", name="/ecs/dispatch", retention_in_days=30)

tasks_trust = json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}],
})
execution = aws.iam.Role("dispatch-execution", name="dispatch-execution", assume_role_policy=tasks_trust)
aws.iam.RolePolicyAttachment("dispatch-execution", role=execution.name,
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
            "image": f"{account}.dkr.ecr.{region}.amazonaws.com/dispatch:1.4.2",
            "essential": True,
            "command": command,
            "logConfiguration": {"logDriver": "awslogs", "options": {
                "awslogs-group": "/ecs/dispatch", "awslogs-region": region, "awslogs-stream-prefix": name}},
        }]),
    )


api = task_definition("dispatch-api", ["serve"])
export = task_definition("dispatch-export", ["export", "--nightly"])

cluster = aws.ecs.Cluster("dispatch", name="dispatch")
aws.ecs.Service(
    "dispatch-api",
    cluster=cluster.arn,
    task_definition=api.arn,
    desired_count=2,
    launch_type="FARGATE",
    deployment_minimum_healthy_percent=100,
    deployment_maximum_percent=200,
    deployment_circuit_breaker={"enable": True, "rollback": True},
    network_configuration={"subnets": [s.id for s in task_subnets], "security_groups": [api_sg.id]},
)

launcher = aws.iam.Role("export-launcher", name="dispatch-export-launcher", assume_role_policy=json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "scheduler.amazonaws.com"}, "Action": "sts:AssumeRole"}],
}))
aws.iam.RolePolicy("export-launcher", role=launcher.id, policy=json.dumps({
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Action": "ecs:RunTask",
         "Resource": f"arn:aws:ecs:{region}:{account}:task-definition/dispatch-export:*"},
        {"Effect": "Allow", "Action": "iam:PassRole", "Resource": f"arn:aws:iam::{account}:role/dispatch-execution"},
    ],
}))
aws.scheduler.Schedule(
    "nightly-export",
    name="dispatch-nightly-export",
    schedule_expression="cron(30 2 * * ? *)",
    flexible_time_window={"mode": "OFF"},
    target={
        "arn": cluster.arn,
        "role_arn": launcher.arn,
        "ecs_parameters": {
            "task_definition_arn": export.arn,
            "launch_type": "FARGATE",
            "network_configuration": {"subnets": [s.id for s in task_subnets], "security_groups": [export_sg.id]},
        },
    },
)
