"""FargateTask: the task definition with its execution role, task role and log group.

The execution role is granted exactly what the container definition references: pull
from its repositories, write to its log group, read its SSM parameters and Secrets
Manager secrets, and decrypt with the configured customer-managed keys only through
those services (`kms:ViaService`). The task role has no permissions unless configured.
The container definitions and the policy are `json.dumps` of plain strings computed from
names and invokes, so the engine and the policy pack see them in full at preview.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from components.naming import Account, ServiceNames
from components.settings import SecretRef

CPU_ARCHITECTURE = {"linux/amd64": "X86_64", "linux/arm64": "ARM64"}
ECR_PULL_ACTIONS = ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]


def trust_policy(principal: str) -> str:
    return json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": principal}, "Action": "sts:AssumeRole"}],
    })


@dataclass(frozen=True)
class FargateTaskArgs:
    account: Account
    """Partition, region and account, from invokes."""
    names: ServiceNames
    """Physical names of the service's resources (family, roles, log group). Required."""
    image_ref: str
    """Image reference known at preview (`<repositoryUrl>:<content hash>` or `...@sha256:`). Required."""
    pull_repository_arns: tuple[str, ...] = ()
    """Private ECR repositories the execution role may pull from. Default ()."""
    cpu: int = 256
    """Task CPU units (validated against Fargate's table in settings). Default 256."""
    memory: int = 512
    """Task memory in MiB. Default 512."""
    port: int = 8080
    """Container port, also passed to the container as PORT. Default 8080."""
    base_path: str = ""
    """The path prefix the load balancer routes to this service (e.g. "/api"), passed as BASE_PATH: the
    load balancer forwards the full path. Default "": no prefix, BASE_PATH unset."""
    platform: str = "linux/amd64"
    """Image platform; sets the task's CPU architecture. Default linux/amd64."""
    environment: dict[str, str] = field(default_factory=dict)
    """Plain environment variables (never credentials). Default {}."""
    secrets: tuple[SecretRef, ...] = ()
    """Variables read from SSM Parameter Store or Secrets Manager at start. Default ()."""
    kms_key_arns: tuple[str, ...] = ()
    """Customer-managed keys that encrypt those secrets. Default ()."""
    task_policy_arns: tuple[str, ...] = ()
    """Managed policies attached to the task role (what the app calls). Default (): no permissions."""
    health_check_command: tuple[str, ...] | None = None
    """Container health check command ("CMD", ...) or ("CMD-SHELL", "..."); default None: no container check."""
    health_check_interval: int = 30
    """Seconds between container health checks. Default 30."""
    health_check_timeout: int = 5
    """Seconds before a container health check fails. Default 5."""
    health_check_retries: int = 3
    """Failed checks before the container is unhealthy. Default 3."""
    health_check_start_period: int = 60
    """Seconds after start during which failed checks do not count. Default 60."""
    log_retention_days: int = 30
    """Retention of the log group. Default 30."""
    depends_on: Sequence[pulumi.Resource] = ()
    """Resources that must exist before the task definition is registered (the pushed image). Default ()."""


class FargateTask(pulumi.ComponentResource):
    task_definition: aws.ecs.TaskDefinition
    execution_role_arn: str
    task_role_arn: str
    log_group_name: str
    container_name: str

    def __init__(self, name: str, args: FargateTaskArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("berth:index:FargateTask", name, None, opts)
        names, account = args.names, args.account
        child = pulumi.ResourceOptions(parent=self)
        tasks_principal = account.service_principal("ecs-tasks")
        self.execution_role_arn = names.role_arn(account, names.execution_role)
        self.task_role_arn = names.role_arn(account, names.task_role)
        self.log_group_name = names.log_group
        self.container_name = names.container

        log_group = aws.cloudwatch.LogGroup(f"{name}-logs", name=names.log_group,
                                            retention_in_days=args.log_retention_days, opts=child)
        execution_role = aws.iam.Role(
            f"{name}-execution", name=names.execution_role, assume_role_policy=trust_policy(tasks_principal),
            description=f"ECS pulls the image, writes logs and reads secrets for {names.base}", opts=child)
        execution_policy = aws.iam.RolePolicy(
            f"{name}-execution", role=execution_role.name, name="pull-log-read-secrets",
            policy=execution_policy_document(args), opts=child)
        task_role = aws.iam.Role(
            f"{name}-task", name=names.task_role, assume_role_policy=trust_policy(tasks_principal),
            description=f"What the {names.base} application itself may call", opts=child)
        attachments = [
            aws.iam.RolePolicyAttachment(f"{name}-task-{index}", role=task_role.name, policy_arn=policy_arn,
                                         opts=child)
            for index, policy_arn in enumerate(args.task_policy_arns)
        ]

        # Role ARNs are computed from their names (known at preview); depends_on keeps the order
        # the data flow no longer gives: roles and grants exist before ECS is told to use them.
        self.task_definition = aws.ecs.TaskDefinition(
            f"{name}-definition",
            family=names.task_family,
            cpu=str(args.cpu),
            memory=str(args.memory),
            network_mode="awsvpc",
            requires_compatibilities=["FARGATE"],
            runtime_platform={"operating_system_family": "LINUX",
                              "cpu_architecture": CPU_ARCHITECTURE[args.platform]},
            execution_role_arn=self.execution_role_arn,
            task_role_arn=self.task_role_arn,
            container_definitions=container_definitions(args),
            opts=pulumi.ResourceOptions(
                parent=self,
                depends_on=[log_group, execution_role, execution_policy, task_role, *attachments,
                            *args.depends_on]),
        )
        self.register_outputs({
            "taskDefinitionArn": self.task_definition.arn,
            "executionRoleArn": self.execution_role_arn,
            "taskRoleArn": self.task_role_arn,
            "logGroupName": self.log_group_name,
        })


def container_definitions(args: FargateTaskArgs) -> str:
    names, account = args.names, args.account
    container = {
        "name": names.container,
        "image": args.image_ref,
        "essential": True,
        "portMappings": [{"containerPort": args.port, "hostPort": args.port, "protocol": "tcp", "name": "http"}],
        "environment": [{"name": key, "value": value} for key, value in sorted(container_environment(args).items())],
        "secrets": [{"name": secret.name, "valueFrom": secret.value_from}
                    for secret in sorted(args.secrets, key=lambda s: s.name)],
        "logConfiguration": {
            "logDriver": "awslogs",
            "options": {
                "awslogs-group": names.log_group,
                "awslogs-region": account.region,
                "awslogs-stream-prefix": names.container,
            },
        },
    }
    if args.health_check_command:
        container["healthCheck"] = {
            "command": list(args.health_check_command),
            "interval": args.health_check_interval,
            "timeout": args.health_check_timeout,
            "retries": args.health_check_retries,
            "startPeriod": args.health_check_start_period,
        }
    return json.dumps([container], sort_keys=True)


def container_environment(args: FargateTaskArgs) -> dict[str, str]:
    """The configured variables plus what the container needs to serve: its port and its route's prefix."""
    environment = {**args.environment, "PORT": str(args.port)}
    if args.base_path:
        environment["BASE_PATH"] = args.base_path
    return environment


def execution_policy_document(args: FargateTaskArgs) -> str:
    names, account = args.names, args.account
    log_group_arn = names.log_group_arn(account)
    statements = []
    if args.pull_repository_arns:
        statements += [
            # GetAuthorizationToken has no resource-level permissions.
            {"Sid": "EcrAuthorization", "Effect": "Allow", "Action": "ecr:GetAuthorizationToken", "Resource": "*"},
            {"Sid": "EcrPull", "Effect": "Allow", "Action": ECR_PULL_ACTIONS,
             "Resource": sorted(args.pull_repository_arns)},
        ]
    statements.append({"Sid": "Logs", "Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                       "Resource": [log_group_arn, f"{log_group_arn}:log-stream:*"]})
    parameters = sorted({s.resource_arn for s in args.secrets if s.service == "ssm"})
    if parameters:
        statements.append({"Sid": "SsmParameters", "Effect": "Allow", "Action": "ssm:GetParameters",
                           "Resource": parameters})
    secrets = sorted({s.resource_arn for s in args.secrets if s.service == "secretsmanager"})
    if secrets:
        statements.append({"Sid": "Secrets", "Effect": "Allow", "Action": "secretsmanager:GetSecretValue",
                           "Resource": secrets})
    if args.kms_key_arns:
        via = sorted({f"{secret.service}.{secret.region}.{account.dns_suffix}" for secret in args.secrets})
        statements.append({"Sid": "DecryptSecrets", "Effect": "Allow", "Action": "kms:Decrypt",
                           "Resource": sorted(args.kms_key_arns),
                           "Condition": {"StringEquals": {"kms:ViaService": via}}})
    return json.dumps({"Version": "2012-10-17", "Statement": statements}, sort_keys=True)
