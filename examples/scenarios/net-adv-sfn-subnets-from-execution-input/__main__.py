"""The weekly report workflow is reused by several teams: each execution passes the subnets to run
in, and the state reads them with a JsonPath ("Subnets.$": "$.subnets").
"""


import json

import pulumi
import pulumi_aws as aws

account = aws.get_caller_identity().account_id
region = aws.get_region().region

vpc = aws.ec2.Vpc("reports", cidr_block="10.40.0.0/16", enable_dns_support=True, enable_dns_hostnames=True)
igw = aws.ec2.InternetGateway("reports", vpc_id=vpc.id)
public_rt = aws.ec2.RouteTable("reports-public", vpc_id=vpc.id,
                               routes=[{"cidr_block": "0.0.0.0/0", "gateway_id": igw.id}])
public_subnets = []
for i, zone in enumerate("ab"):
    subnet = aws.ec2.Subnet(f"reports-public-{zone}", vpc_id=vpc.id, cidr_block=f"10.40.{i}.0/24",
                            availability_zone=f"{region}{zone}", map_public_ip_on_launch=True)
    aws.ec2.RouteTableAssociation(f"reports-public-{zone}", subnet_id=subnet.id, route_table_id=public_rt.id)
    public_subnets.append(subnet)
sg = aws.ec2.SecurityGroup("report-sg", vpc_id=vpc.id, description="weekly report: egress only",
                           egress=[{"protocol": "tcp", "from_port": 443, "to_port": 443, "cidr_blocks": ["0.0.0.0/0"]}])

repo = aws.ecr.Repository("reports", name="reports", image_tag_mutability="IMMUTABLE",
                          image_scanning_configuration={"scan_on_push": True})
aws.ecr.LifecyclePolicy("reports", repository=repo.name, policy=json.dumps({
    "rules": [{"rulePriority": 1, "description": "keep 20 images",
               "selection": {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": 20},
               "action": {"type": "expire"}}],
}))
cluster = aws.ecs.Cluster("jobs", name="jobs")
aws.cloudwatch.LogGroup("report-logs", name="/ecs/weekly-report", retention_in_days=14)

tasks_trust = json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}],
})
execution = aws.iam.Role("report-execution", name="weekly-report-execution", assume_role_policy=tasks_trust)
aws.iam.RolePolicyAttachment("report-execution-managed", role=execution.name,
                             policy_arn="arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy")

task = aws.ecs.TaskDefinition(
    "report",
    family="weekly-report",
    network_mode="awsvpc",
    requires_compatibilities=["FARGATE"],
    cpu="256",
    memory="512",
    execution_role_arn=execution.arn,
    container_definitions=json.dumps([{
        "name": "report",
        "image": f"{account}.dkr.ecr.{region}.amazonaws.com/reports:2.3.0",
        "essential": True,
        "command": ["report", "--weekly"],
        "logConfiguration": {"logDriver": "awslogs", "options": {
            "awslogs-group": "/ecs/weekly-report", "awslogs-region": region, "awslogs-stream-prefix": "report"}},
    }]),
)
launcher = aws.iam.Role("report-workflow-role", name="weekly-report-workflow",
                        assume_role_policy=json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "states.amazonaws.com"}, "Action": "sts:AssumeRole"}],
}))
aws.iam.RolePolicy("report-workflow-policy", role=launcher.id, policy=json.dumps({
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Action": "ecs:RunTask",
         "Resource": f"arn:aws:ecs:{region}:{account}:task-definition/weekly-report:*"},
        {"Effect": "Allow", "Action": "iam:PassRole",
         "Resource": f"arn:aws:iam::{account}:role/weekly-report-execution"},
    ],
}))
aws.sfn.StateMachine(
    "weekly-workflow",
    name="weekly-report",
    role_arn=launcher.arn,
    definition=pulumi.Output.all(cluster.arn, task.arn, sg.id).apply(lambda args: json.dumps({
        "StartAt": "Report",
        "States": {"Report": {
            "Type": "Task",
            "Resource": "arn:aws:states:::ecs:runTask",
            "Parameters": {
                "LaunchType": "FARGATE",
                "Cluster": args[0],
                "TaskDefinition": args[1],
                "NetworkConfiguration": {"AwsvpcConfiguration": {
                    "Subnets.$": "$.subnets", "SecurityGroups": [args[2]], "AssignPublicIp": "ENABLED"}},
            },
            "End": True,
        }},
    })),
)
