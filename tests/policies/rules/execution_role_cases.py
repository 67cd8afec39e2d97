"""Stacks, roles and helpers the execution-role rule tests share."""

from __future__ import annotations

import json

from rules.ecs_execution_role_pulls_and_logs import ecs_execution_role_pulls_and_logs
from rules.ecs_execution_role_reads_secrets import ecs_execution_role_reads_secrets
from rules.ecs_execution_role_trusted import ecs_execution_role_trusted
from rules.ecs_roles_least_privilege import ecs_roles_least_privilege
from tests.policies.test_ecs_harness import ACCOUNT, REGION, containers, spec

EXECUTION_ROLE_RULES = [ecs_execution_role_trusted, ecs_execution_role_reads_secrets, ecs_execution_role_pulls_and_logs, ecs_roles_least_privilege]


TRUSTED, READS, PULLS, LEAST = EXECUTION_ROLE_RULES


OFF = {"liveLookups": "off"}


ROLE = "ecsTaskExecutionRole"


ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/{ROLE}"


KEY_ID = "1234abcd-12ab-34cd-56ef-1234567890ab"


KEY_ARN = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/{KEY_ID}"


NAMES = ("url", "username", "password")


PARAMS = [f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/library/db/{n}" for n in NAMES]


IMAGE = f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/library:1.0"


GROUP = "/ecs/library-management-task"


EXEC_MANAGED = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"


ECS_TRUST = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}]}


VIA_SSM = {"StringEquals": {"kms:ViaService": f"ssm.{REGION}.amazonaws.com"}}


DENIED_BY_NOTHING = "because no identity-based policy allows the {0} action"


PRINCIPAL = f"arn:aws:sts::{ACCOUNT}:assumed-role/{ROLE}/<task-id>"


TASK = "TaskDefinition 'library-task'"


def secrets_policy(*statements):
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements) or [
        {"Effect": "Allow", "Action": "ssm:GetParameters", "Resource": PARAMS},
        {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": KEY_ARN, "Condition": VIA_SSM},
    ]})


def container(**changes):
    base = {
        "name": "web", "image": IMAGE, "portMappings": [{"containerPort": 8081}],
        "environment": [{"name": "SPRING_PROFILES_ACTIVE", "value": "prod"}],
        "secrets": [{"name": f"DB_{n.upper()}", "valueFrom": p} for n, p in zip(NAMES, PARAMS, strict=True)],
        "logConfiguration": {"logDriver": "awslogs", "options": {
            "awslogs-group": GROUP, "awslogs-region": REGION, "awslogs-stream-prefix": "web"}},
    }
    base.update(changes)
    return base


def stack(task_props=None, definitions=None, drop=(), **replace):
    """The compliant stack; `replace` swaps a resource by logical name, `drop` removes some."""
    resources = {
        "exec": spec("aws:iam/role:Role", "exec", {"name": ROLE, "assumeRolePolicy": json.dumps(ECS_TRUST),
                                                   "arn": ROLE_ARN}),
        "exec-managed": spec("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "exec-managed",
                             {"role": ROLE, "policyArn": EXEC_MANAGED}),
        "exec-secrets": spec("aws:iam/rolePolicy:RolePolicy", "exec-secrets",
                             {"role": ROLE, "policy": secrets_policy()}),
        "secrets-key": spec("aws:kms/key:Key", "secrets-key", {"arn": KEY_ARN, "keyId": KEY_ID}),
        **{f"db-{n}": spec("aws:ssm/parameter:Parameter", f"db-{n}",
                           {"name": f"/library/db/{n}", "type": "SecureString", "keyId": KEY_ARN}) for n in NAMES},
        "logs": spec("aws:cloudwatch/logGroup:LogGroup", "logs", {"name": GROUP}),
        "library-task": spec("aws:ecs/taskDefinition:TaskDefinition", "library-task", {
            "family": "library-task", "executionRoleArn": ROLE_ARN,
            "containerDefinitions": containers(*(definitions or [container()])), **(task_props or {})}),
    }
    for name in drop:
        del resources[name]
    resources.update(replace)
    return list(resources.values())


def access_denied(action, resource):
    return (f"AccessDeniedException: User: {PRINCIPAL} is not authorized to perform: {action} on resource: {resource} "
            + DENIED_BY_NOTHING.format(action))
