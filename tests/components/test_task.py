"""FargateTask: the task definition, its execution role's exact grants, the task role and the log group."""

from __future__ import annotations

import json

from components.naming import Account, StackNames
from components.settings import secret_ref
from components.task import FargateTask, FargateTaskArgs
from tests.components.harness import run_pulumi

ACCOUNT = Account(partition="aws", region="eu-west-1", account_id="123456789012")
NAMES = StackNames("berth", "dev").service("web")
IMAGE = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/berth-dev-web:0123456789abcdef0123"
REPOSITORY_ARN = "arn:aws:ecr:eu-west-1:123456789012:repository/berth-dev-web"
LOG_GROUP_ARN = "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/ecs/berth-dev/web"
PARAMETER = "arn:aws:ssm:eu-west-1:123456789012:parameter/berth/dev/db-password"
SECRET = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:berth/dev/stripe-Ab12Cd:api_key::"
PARTIAL_SECRET = "arn:aws:secretsmanager:us-east-1:123456789012:secret:berth/dev/mail"
KEY = "arn:aws:kms:eu-west-1:123456789012:key/0c6a8f3e-1d2b-4e5f-8a9b-0c1d2e3f4a5b"
TASKS_TRUST = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}]}


def build(**changes):
    args = FargateTaskArgs(**{"account": ACCOUNT, "names": NAMES, "image_ref": IMAGE,
                              "pull_repository_arns": (REPOSITORY_ARN,), **changes})
    run = run_pulumi(lambda: FargateTask("task", args))
    assert run.error is None, run.error
    return run


def container(run) -> dict:
    [definition] = json.loads(run.one("aws:ecs/taskDefinition:TaskDefinition").inputs["containerDefinitions"])
    return definition


def execution_statements(run) -> dict:
    document = json.loads(run.one("aws:iam/rolePolicy:RolePolicy").inputs["policy"])
    assert document["Version"] == "2012-10-17"
    return {statement.pop("Sid"): statement for statement in document["Statement"]}


def test_task_definition_is_fargate_awsvpc_with_roles_named_from_the_stack():
    run = build()
    inputs = dict(run.one("aws:ecs/taskDefinition:TaskDefinition").inputs)
    inputs.pop("containerDefinitions")

    assert inputs == {
        "family": "berth-dev-web",
        "cpu": "256",
        "memory": "512",
        "networkMode": "awsvpc",
        "requiresCompatibilities": ["FARGATE"],
        "runtimePlatform": {"operatingSystemFamily": "LINUX", "cpuArchitecture": "X86_64"},
        "executionRoleArn": "arn:aws:iam::123456789012:role/berth-dev-web-execution",
        "taskRoleArn": "arn:aws:iam::123456789012:role/berth-dev-web-task",
    }
    assert run.counts() == {
        "aws:cloudwatch/logGroup:LogGroup": 1,
        "aws:ecs/taskDefinition:TaskDefinition": 1,
        "aws:iam/role:Role": 2,
        "aws:iam/rolePolicy:RolePolicy": 1,
        "berth:index:FargateTask": 1,
    }


def test_container_maps_its_port_and_logs_to_its_own_group_with_no_health_check_by_default():
    assert container(build()) == {
        "name": "web",
        "image": IMAGE,
        "essential": True,
        "portMappings": [{"containerPort": 8080, "hostPort": 8080, "protocol": "tcp", "name": "http"}],
        # The container learns its port from the task: the sample app listens on PORT.
        "environment": [{"name": "PORT", "value": "8080"}],
        "secrets": [],
        "logConfiguration": {"logDriver": "awslogs", "options": {
            "awslogs-group": "/aws/ecs/berth-dev/web", "awslogs-region": "eu-west-1",
            "awslogs-stream-prefix": "web"}},
    }


def test_log_group_is_named_per_project_stack_and_service_with_retention():
    run = build(log_retention_days=90)

    assert run.one("aws:cloudwatch/logGroup:LogGroup").inputs == {
        "name": "/aws/ecs/berth-dev/web", "retentionInDays": 90}


def test_execution_role_trusts_ecs_tasks_and_may_only_pull_its_repository_and_write_its_log_group():
    run = build()
    roles = {r.name: r.inputs for r in run.of_type("aws:iam/role:Role")}

    assert roles["task-execution"]["name"] == "berth-dev-web-execution"
    assert json.loads(roles["task-execution"]["assumeRolePolicy"]) == TASKS_TRUST
    assert execution_statements(run) == {
        "EcrAuthorization": {"Effect": "Allow", "Action": "ecr:GetAuthorizationToken", "Resource": "*"},
        "EcrPull": {"Effect": "Allow", "Action": [
            "ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
            "Resource": [REPOSITORY_ARN]},
        "Logs": {"Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                 "Resource": [LOG_GROUP_ARN, f"{LOG_GROUP_ARN}:log-stream:*"]},
    }
    assert run.one("aws:iam/rolePolicy:RolePolicy").inputs["role"] == "berth-dev-web-execution"


def test_secrets_are_granted_on_exactly_the_referenced_parameter_and_secrets_and_keys_only_via_those_services():
    refs = tuple(secret_ref(name, value) for name, value in (
        ("DB_PASSWORD", PARAMETER), ("STRIPE_KEY", SECRET), ("MAIL_PASSWORD", PARTIAL_SECRET)))
    run = build(secrets=refs, kms_key_arns=(KEY,))
    statements = execution_statements(run)

    assert container(run)["secrets"] == [
        {"name": "DB_PASSWORD", "valueFrom": PARAMETER},
        {"name": "MAIL_PASSWORD", "valueFrom": PARTIAL_SECRET},
        {"name": "STRIPE_KEY", "valueFrom": SECRET},
    ]
    assert statements["SsmParameters"] == {"Effect": "Allow", "Action": "ssm:GetParameters", "Resource": [PARAMETER]}
    assert statements["Secrets"] == {"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": [
        "arn:aws:secretsmanager:eu-west-1:123456789012:secret:berth/dev/stripe-Ab12Cd",
        # Without the random suffix the grant matches it by wildcard.
        "arn:aws:secretsmanager:us-east-1:123456789012:secret:berth/dev/mail-??????",
    ]}
    assert statements["DecryptSecrets"] == {
        "Effect": "Allow", "Action": "kms:Decrypt", "Resource": [KEY],
        "Condition": {"StringEquals": {"kms:ViaService": [
            "secretsmanager.eu-west-1.amazonaws.com", "secretsmanager.us-east-1.amazonaws.com",
            "ssm.eu-west-1.amazonaws.com"]}},
    }


def test_task_role_trusts_ecs_tasks_and_has_no_permissions_unless_policies_are_configured():
    plain = build()
    configured = build(task_policy_arns=("arn:aws:iam::123456789012:policy/web-app",
                                         "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"))
    task_role = {r.name: r.inputs for r in plain.of_type("aws:iam/role:Role")}["task-task"]

    assert json.loads(task_role["assumeRolePolicy"]) == TASKS_TRUST
    assert plain.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment") == []
    assert sorted((r.inputs["role"], r.inputs["policyArn"])
                  for r in configured.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment")) == [
        ("berth-dev-web-task", "arn:aws:iam::123456789012:policy/web-app"),
        ("berth-dev-web-task", "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"),
    ]


def test_container_health_check_environment_size_and_architecture_come_from_the_args():
    run = build(health_check_command=("CMD", "python3", "/app/healthcheck.py"), health_check_interval=15,
                health_check_timeout=3, health_check_retries=4, health_check_start_period=45,
                environment={"LOG_LEVEL": "info", "A_FIRST": "1"}, cpu=1024, memory=2048, port=9000,
                platform="linux/arm64")
    definition = container(run)
    task = run.one("aws:ecs/taskDefinition:TaskDefinition").inputs

    assert definition["healthCheck"] == {"command": ["CMD", "python3", "/app/healthcheck.py"], "interval": 15,
                                         "timeout": 3, "retries": 4, "startPeriod": 45}
    assert definition["environment"] == [{"name": "A_FIRST", "value": "1"}, {"name": "LOG_LEVEL", "value": "info"},
                                         {"name": "PORT", "value": "9000"}]
    assert definition["portMappings"] == [{"containerPort": 9000, "hostPort": 9000, "protocol": "tcp",
                                           "name": "http"}]
    assert (task["cpu"], task["memory"], task["runtimePlatform"]["cpuArchitecture"]) == ("1024", "2048", "ARM64")


def test_image_from_outside_ecr_gets_no_ecr_grants():
    run = build(image_ref="public.example.com/library/nginx@sha256:" + "0" * 64, pull_repository_arns=())

    assert sorted(execution_statements(run)) == ["Logs"]
