"""The weekly report's policies were pasted from old snippets that write one statement as an object
rather than a list ("Statement": {...}), as the IAM policy grammar allows.
"""

import json

import pulumi_aws as aws

account = aws.get_caller_identity().account_id
region = aws.get_region().region
vpc = aws.ec2.get_vpc(default=True)
subnets = aws.ec2.get_subnets(filters=[{"name": "vpc-id", "values": [vpc.id]}])

cluster = aws.ecs.Cluster("jobs", name="jobs")
aws.cloudwatch.LogGroup("report-logs", name="/ecs/weekly-report", retention_in_days=14)
sg = aws.ec2.SecurityGroup("report-sg", vpc_id=vpc.id, description="weekly report: egress only",
                           egress=[{"protocol": "-1", "from_port": 0, "to_port": 0, "cidr_blocks": ["0.0.0.0/0"]}])

tasks_trust = json.dumps({
    "Version": "2012-10-17",
    "Statement": {"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"},
})
execution = aws.iam.Role("report-execution", name="weekly-report-execution", assume_role_policy=tasks_trust)
aws.iam.RolePolicyAttachment("report-execution-managed", role=execution.name,
                             policy_arn="arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy")
task_role = aws.iam.Role("report-task", name="weekly-report-task", assume_role_policy=tasks_trust)

task = aws.ecs.TaskDefinition(
    "report",
    family="weekly-report",
    network_mode="awsvpc",
    requires_compatibilities=["FARGATE"],
    cpu="256",
    memory="512",
    execution_role_arn=execution.arn,
    task_role_arn=task_role.arn,
    container_definitions=json.dumps([{
        "name": "report",
        "image": "public.ecr.aws/docker/library/python@sha256:2a7871f428bd90dfe1fa561067c2fe2de0e73e834f8886f862ba28685e772272",
        "essential": True,
        "command": ["python", "-m", "report.weekly"],
        "secrets": [{"name": "SMTP_PASSWORD", "valueFrom": f"arn:aws:ssm:{region}:{account}:parameter/reports/smtp-password"}],
        "logConfiguration": {"logDriver": "awslogs", "options": {
            "awslogs-group": "/ecs/weekly-report", "awslogs-region": region, "awslogs-stream-prefix": "report"}},
    }]),
)

aws.ssm.Parameter("smtp-password", name="/reports/smtp-password", type="String", value="set-by-the-ops-runbook")
aws.iam.RolePolicy("report-execution-ssm", role=execution.id, policy=json.dumps({
    "Version": "2012-10-17",
    "Statement": {"Effect": "Allow", "Action": "ssm:GetParameters",
                  "Resource": f"arn:aws:ssm:{region}:{account}:parameter/reports/smtp-password"},
}))

launcher = aws.iam.Role("report-launcher", name="weekly-report-launcher",
                        assume_role_policy=json.dumps({
    "Version": "2012-10-17",
    "Statement": {"Effect": "Allow", "Principal": {"Service": "events.amazonaws.com"}, "Action": "sts:AssumeRole"},
}))
aws.iam.RolePolicy("report-launcher-policy", role=launcher.id, policy=json.dumps({
    "Version": "2012-10-17",
    "Statement": {"Effect": "Allow", "Action": ["ecs:RunTask", "iam:PassRole"], "Resource": "*"},
}))
rule = aws.cloudwatch.EventRule("weekly", name="weekly-report", schedule_expression="cron(0 6 ? * MON *)")
aws.cloudwatch.EventTarget(
    "weekly-target",
    rule=rule.name,
    arn=cluster.arn,
    role_arn=launcher.arn,
    ecs_target={
        "task_definition_arn": task.arn,
        "launch_type": "FARGATE",
        "task_count": 1,
        "network_configuration": {"subnets": subnets.ids, "security_groups": [sg.id], "assign_public_ip": True},
    },
)
