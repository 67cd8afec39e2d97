"""A state machine runs the nightly export with runTask.sync. Its definition is built from the
revision the deployment registers, a number AWS assigns, so it is only known once the revision exists. The role grants
everything the .sync pattern needs.
"""

import json

import pulumi
import pulumi_aws as aws

account = aws.get_caller_identity().account_id
region = aws.get_region().region
vpc = aws.ec2.get_vpc(default=True)
subnets = aws.ec2.get_subnets(filters=[{"name": "vpc-id", "values": [vpc.id]}])

cluster = aws.ecs.Cluster("jobs", name="jobs")
aws.cloudwatch.LogGroup("export-logs", name="/ecs/nightly-export", retention_in_days=14)
sg = aws.ec2.SecurityGroup(
    "export-sg",
    vpc_id=vpc.id,
    description="nightly export: egress only",
    egress=[{"protocol": "-1", "from_port": 0, "to_port": 0, "cidr_blocks": ["0.0.0.0/0"]}],
)

tasks_trust = json.dumps(
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
)
execution = aws.iam.Role("export-execution", name="nightly-export-execution", assume_role_policy=tasks_trust)
aws.iam.RolePolicyAttachment(
    "export-execution-managed",
    role=execution.name,
    policy_arn="arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy",
)
task_role = aws.iam.Role("export-task", name="nightly-export-task", assume_role_policy=tasks_trust)

task = aws.ecs.TaskDefinition(
    "export",
    family="nightly-export",
    network_mode="awsvpc",
    requires_compatibilities=["FARGATE"],
    cpu="256",
    memory="512",
    execution_role_arn=execution.arn,
    task_role_arn=task_role.arn,
    container_definitions=json.dumps(
        [
            {
                "name": "export",
                "image": "public.ecr.aws/docker/library/python@sha256:2a7871f428bd90dfe1fa561067c2fe2de0e73e834f8886f862ba28685e772272",
                "essential": True,
                "command": ["python", "-m", "export.nightly"],
                "logConfiguration": {
                    "logDriver": "awslogs",
                    "options": {
                        "awslogs-group": "/ecs/nightly-export",
                        "awslogs-region": region,
                        "awslogs-stream-prefix": "export",
                    },
                },
            }
        ]
    ),
)


def launcher_role(service):
    return aws.iam.Role(
        "export-launcher",
        name="nightly-export-launcher",
        assume_role_policy=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}
                ],
            }
        ),
    )


launcher = launcher_role("states.amazonaws.com")
aws.iam.RolePolicy(
    "export-launcher-policy",
    role=launcher.id,
    policy=json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": "ecs:RunTask",
                    "Resource": f"arn:aws:ecs:{region}:{account}:task-definition/nightly-export:*",
                },
                {
                    "Effect": "Allow",
                    "Action": "iam:PassRole",
                    "Resource": [
                        f"arn:aws:iam::{account}:role/nightly-export-execution",
                        f"arn:aws:iam::{account}:role/nightly-export-task",
                    ],
                    "Condition": {"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}},
                },
                {"Effect": "Allow", "Action": ["ecs:StopTask", "ecs:DescribeTasks"], "Resource": "*"},
                {
                    "Effect": "Allow",
                    "Action": ["events:PutTargets", "events:PutRule", "events:DescribeRule"],
                    "Resource": f"arn:aws:events:{region}:{account}:rule/StepFunctionsGetEventsForECSTaskRule",
                },
            ],
        }
    ),
)
aws.sfn.StateMachine(
    "etl",
    name="nightly-etl",
    role_arn=launcher.arn,
    # The state pins the revision this deployment registers: a number AWS assigns at registration.
    definition=task.revision.apply(
        lambda revision: json.dumps(
            {
                "StartAt": "Export",
                "States": {
                    "Export": {
                        "Type": "Task",
                        "Resource": "arn:aws:states:::ecs:runTask.sync",
                        "Parameters": {
                            "LaunchType": "FARGATE",
                            "Cluster": "jobs",
                            "TaskDefinition": f"nightly-export:{revision}",
                            "NetworkConfiguration": {
                                "AwsvpcConfiguration": {"Subnets": subnets.ids, "AssignPublicIp": "ENABLED"}
                            },
                        },
                        "End": True,
                    }
                },
            }
        )
    ),
    opts=pulumi.ResourceOptions(depends_on=[cluster]),
)
