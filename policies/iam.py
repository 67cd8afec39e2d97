"""Rules of the iam area (see ../shared/policy-catalog.md): the execution role can start the task.

Field notes §1: a first deploy lost hours to an execution role that did not exist, could
not call `ssm:GetParameters`, then could not decrypt SecureString parameters. These rules
evaluate the role's effective policies (iam_model) with the identity-policy evaluator
(iam_eval) for exactly the calls ECS makes with it when a task starts.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pulumi_policy import Severity

from kit import Findings, stack_policy
from model import ecs as ecs_model
from model.aws_types import CLOUDWATCH_LOG_GROUP, ECR_REPOSITORY, ECS_TASK_DEFINITION
from model.iam_eval import (
    ABSENT,
    UNKNOWN_PART,
    Decision,
    Policy,
    Request,
    Verdict,
    evaluate,
    evaluate_trust,
    partly_known,
    shown,
)
from model.iam_roles import Place, RoleReader, RoleView, arn_of, aws_managed_name, partition_of
from model.live_aws import LIVE_LOOKUP_SCHEMA, LiveAws
from model.secret_refs import NotASecret, SecretRef, key_of, parse_value_from, request_arn
from model.stack_index import StackIndex
from model.values import Resource, is_unknown

ECS_TASKS = "ecs-tasks.amazonaws.com"
PULL_ACTIONS = ("ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage")
LOG_ACTIONS = ("logs:CreateLogStream", "logs:PutLogEvents")
EXECUTION_ROLE_DOC = "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_execution_IAM_role.html"


# ---------------------------------------------------------------- what every rule reads


@dataclass
class Task:
    """A task definition with its parsed containers and where it runs."""

    resource: Resource
    containers: Any  # list[Container] | UNKNOWN | Malformed
    place: Place

    @property
    def label(self) -> str:
        return self.resource.label

    def known_containers(self) -> list[ecs_model.Container]:
        return self.containers if isinstance(self.containers, list) else []


class Stack:
    """The stack's task definitions and a role reader shared by one rule run."""

    def __init__(self, index: StackIndex, config: dict):
        self.index = index
        self.config = config
        self.tasks = [self._task(r) for r in index.of_type(ECS_TASK_DEFINITION)]
        provider_region = next((t.place.region for t in self.tasks if t.place.region), "")
        self.live = LiveAws.from_config(config, provider_region)
        self._readers: dict[Place, RoleReader] = {}

    def _task(self, resource: Resource) -> Task:
        containers = ecs_model.containers_of(resource)
        region = _first_str(resource.provider_props.get("region"), self.config.get("awsRegion"),
                            os.environ.get("AWS_REGION"), os.environ.get("AWS_DEFAULT_REGION"))
        account = _account_hint(resource, containers if isinstance(containers, list) else [], region)
        return Task(resource, containers, Place(partition_of(region), region, account))

    def reader(self, place: Place) -> RoleReader:
        if place not in self._readers:
            self._readers[place] = RoleReader(self.index, self.live, place)
        return self._readers[place]

    def execution_role(self, task: Task, findings: Findings) -> RoleView | None:
        """The task's execution role, or None (after reporting why it cannot be judged here)."""
        ref = ecs_model.role_of(self.index, task.resource, "executionRoleArn")
        if ref is None:
            return None
        if not ref.resolved:
            findings.inconclusive(f"{task.label} executionRoleArn (not known yet, and it depends on no "
                                  "aws:iam/role:Role of this stack)")
            return None
        view = self.reader(task.place).view(ref)
        if view.exists is None:
            findings.inconclusive(f"{task.label} execution role {view.label} ({view.why})")
            return None
        return view if view.exists else None


def _first_str(*values: Any) -> str | None:
    return next((v for v in values if isinstance(v, str) and v and not is_unknown(v)), None)


def _account_hint(task: Resource, containers: list[ecs_model.Container], region: str | None) -> str | None:
    """The task's account, from ARNs the program wrote out (known at preview by design)."""
    candidates = [task.props.get("executionRoleArn"), task.props.get("taskRoleArn")]
    candidates += [value for c in containers for _, value in c.secrets]
    for value in candidates:
        if isinstance(value, str) and value.startswith("arn:") and len(value.split(":")) > 4:
            account = value.split(":")[4]
            if account.isdigit():
                return account
    for container in containers:
        image = ecs_model.parse_image(container.image)
        if image is not None and image.is_private_ecr and image.region == region:
            return image.account
    allowed = task.provider_props.get("allowedAccountIds")
    if isinstance(allowed, list) and len(allowed) == 1 and isinstance(allowed[0], str):
        return allowed[0]
    return None


def needs_execution_role(containers: list[ecs_model.Container]) -> list[str]:
    """What in the containers makes ECS use the execution role, in the order AWS checks them."""
    needs = []
    images = [c.image for c in containers if (i := ecs_model.parse_image(c.image)) is not None and i.is_private_ecr]
    if images:
        needs.append(f"the private ECR image {images[0]}")
    if any(c.uses_awslogs for c in containers):
        needs.append("the awslogs log driver")
    if any(c.secrets for c in containers):
        needs.append("secrets")
    return needs


def _request_context(place: Place, role: RoleView, extra: dict | None = None) -> dict[str, Any]:
    """The condition keys ECS's calls with the execution role carry, as far as they are known."""
    context: dict[str, Any] = {
        "aws:SecureTransport": "true",
        "aws:RequestedRegion": partly_known(place.region),
        "aws:PrincipalArn": role.arn,
        "aws:PrincipalAccount": partly_known(place.account),
        "aws:PrincipalType": "AssumedRole",
        "aws:ViaAWSService": "false",
        "kms:ViaService": ABSENT,
    }
    context.update(extra or {})
    return context


def _access_denied(role: RoleView, place: Place, action: str, resource: str, verdict: Verdict) -> str:
    """The error the call would fail with, as AWS prints it."""
    because = ("with an explicit deny in an identity-based policy" if verdict.decision is Decision.DENIED
               else f"because no identity-based policy allows the {action} action")
    name = role.name or "<role>"
    principal = f"arn:{place.partition}:sts::{place.account or '<account>'}:assumed-role/{name}/<task-id>"
    return (f"AccessDeniedException: User: {principal} is not authorized to perform: {action} "
            f"on resource: {shown(resource)} {because}")


def statement_json(actions: list[str] | str, resource: str, condition: dict | None = None) -> str:
    statement: dict[str, Any] = {"Effect": "Allow", "Action": actions, "Resource": shown(resource)}
    if condition:
        statement["Condition"] = condition
    return json.dumps(statement)


def _fix(verdict: Verdict, statement: str) -> str:
    if verdict.decision is Decision.DENIED:
        return f"Remove or narrow the Deny in {verdict.source}; then the role needs {statement}"
    return f"Add this statement to the execution role: {statement}"


def _judge(findings: Findings, task: Task, role: RoleView, requests: list[Request],
           describe: Callable[[list[tuple[Request, Verdict]]], str]) -> None:
    """Evaluate requests; report the failed ones in one violation (`describe` writes it) and the
    undecided ones as inconclusive."""
    failed = []
    for request in requests:
        verdict = evaluate(role.policies, request)
        if verdict.decision is Decision.INCONCLUSIVE:
            findings.inconclusive(f"{task.label} execution role {role.label}: {verdict.reason}")
        elif not verdict.allowed:
            failed.append((request, verdict))
    if failed:
        findings.violation(describe(failed), task.resource.urn)


def _schema(extra: dict | None = None) -> dict:
    return {**(extra or {}), **LIVE_LOOKUP_SCHEMA}


def _each_task(index: StackIndex, config: dict, findings: Findings) -> tuple[Stack, list[Task]]:
    stack = Stack(index, config)
    if not stack.tasks:
        findings.not_applicable("the stack has no ECS task definition")
    for task in stack.tasks:
        if is_unknown(task.containers):
            findings.inconclusive(f"{task.label} containerDefinitions (not known yet)")
    return stack, stack.tasks


# ---------------------------------------------------------------- ecs-execution-role-trusted


def _validate_trusted(index: StackIndex, findings: Findings, config: dict) -> None:
    stack, tasks = _each_task(index, config, findings)
    for task in tasks:
        value = task.resource.props.get("executionRoleArn")
        if value is None or value == "":
            needs = needs_execution_role(task.known_containers())
            if needs:
                findings.violation(_missing_role_message(task, needs), task.resource.urn)
            continue
        ref = ecs_model.role_of(index, task.resource, "executionRoleArn")
        if ref is None or not ref.resolved:
            findings.inconclusive(f"{task.label} executionRoleArn (not known yet, and it depends on no "
                                  "aws:iam/role:Role of this stack)")
            continue
        view = stack.reader(task.place).view(ref)
        if view.exists is None:
            findings.inconclusive(f"{task.label} execution role {view.label} ({view.why})")
            continue
        if not view.exists:
            findings.violation(
                f"{task.label} executionRoleArn {ref.value!r} names a role that does not exist. ECS would stop the "
                f"task with: {_unable_to_assume(view)} Create the role with a trust policy for {ECS_TASKS} and the "
                "AWS-managed policy AmazonECSTaskExecutionRolePolicy, or point executionRoleArn at an existing one.",
                task.resource.urn,
            )
            continue
        _judge_trust(findings, task, view)


def _judge_trust(findings: Findings, task: Task, view: RoleView) -> None:
    context = {
        "aws:SourceAccount": partly_known(task.place.account),
        "aws:SourceArn": task.place.arn("ecs", partly_known("task/", None)),
    }
    verdict = evaluate_trust(view.trust, ECS_TASKS, context)
    if verdict.decision is Decision.INCONCLUSIVE:
        findings.inconclusive(f"{task.label} execution role {view.label}: {verdict.reason}")
    elif not verdict.allowed:
        trust = json.dumps({"Effect": "Allow", "Principal": {"Service": ECS_TASKS}, "Action": "sts:AssumeRole"})
        findings.violation(
            f"{task.label} execution role {view.label}: its trust policy does not let {ECS_TASKS} assume it "
            f"({verdict.reason}). ECS would stop the task with: {_unable_to_assume(view)} "
            f"Add this statement to the role's assumeRolePolicy: {trust}",
            task.resource.urn,
        )


def _unable_to_assume(view: RoleView) -> str:
    return (f"ECS was unable to assume the role '{shown(view.arn)}' that was provided for this task. Please verify "
            "that the role being passed has the proper trust relationship and permissions and that your IAM user "
            "has permissions to pass this role.")


def _missing_role_message(task: Task, needs: list[str]) -> str:
    if needs[0].startswith("the private ECR image"):
        error = "ClientException: Fargate requires task definition to have execution role ARN to support ECR images."
    elif needs[0] == "the awslogs log driver":
        error = ("ClientException: Fargate requires task definition to have execution role ARN to support log "
                 "driver awslogs.")
    else:
        error = "ResourceInitializationError: unable to pull secrets or registry auth"
    return (f"{task.label} executionRoleArn is not set, but its containers need an execution role for "
            f"{_join(needs)}. AWS fails with: {error} Set executionRoleArn to a role that {ECS_TASKS} can "
            "assume, with the AWS-managed policy AmazonECSTaskExecutionRolePolicy attached.")


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


# ---------------------------------------------------------------- ecs-execution-role-reads-secrets


def _validate_reads_secrets(index: StackIndex, findings: Findings, config: dict) -> None:
    stack, tasks = _each_task(index, config, findings)
    for task in tasks:
        secrets = [(c, name, value) for c in task.known_containers() for name, value in c.secrets]
        if not secrets:
            continue
        role = stack.execution_role(task, findings)
        if role is None:
            continue  # no role, or one that does not exist: ecs-execution-role-trusted reports it
        seen: set[tuple[str, str]] = set()
        for container, name, value in secrets:
            where = f"{task.label} container '{container.name}' secret '{name}' (valueFrom {value!r})"
            ref = parse_value_from(value, task.place)
            if isinstance(ref, NotASecret):
                findings.violation(f"{where}: {ref.why}.", task.resource.urn)
                continue
            place = Place(task.place.partition, ref.region or task.place.region, ref.account or task.place.account)
            arn = request_arn(index, ref, place)
            if (ref.action, arn) not in seen:
                seen.add((ref.action, arn))
                _judge_secret_read(findings, task, role, place, ref, arn, where)
            key = key_of(index, ref, stack.live, place)
            if key.kind == "unknown":
                findings.inconclusive(f"{where}: the KMS key that encrypts it ({key.why})")
            elif key.kind == "customer" and ("kms:Decrypt", key.arn) not in seen:
                seen.add(("kms:Decrypt", key.arn))
                _judge_decrypt(findings, task, role, place, ref, arn, key, where)


def _judge_secret_read(findings, task: Task, role: RoleView, place: Place, ref: SecretRef, arn: str, where: str) -> None:
    request = Request(ref.action, arn, _request_context(place, role))

    def describe(failed: list[tuple[Request, Verdict]]) -> str:
        [(_, verdict)] = failed
        grant = statement_json(ref.action, _grantable(arn))
        return (f"{where}: execution role {role.label} cannot call {ref.action} on {shown(arn)}: {verdict.reason}. "
                f"ECS would stop the task with: {_access_denied(role, place, ref.action, arn, verdict)}. "
                f"{_fix(verdict, grant)}")

    _judge(findings, task, role, [request], describe)


def _judge_decrypt(findings, task: Task, role: RoleView, place: Place, ref: SecretRef, arn: str, key, where: str) -> None:
    via = f"{ref.service}.{place.region or '<region>'}.amazonaws.com"
    context_key = "kms:EncryptionContext:PARAMETER_ARN" if ref.service == "ssm" else "kms:EncryptionContext:SecretARN"
    context = _request_context(place, role, {
        "kms:ViaService": partly_known(via.replace("<region>", UNKNOWN_PART)),
        "kms:CallerAccount": partly_known(place.account),
        context_key: arn,
        "aws:ViaAWSService": "true",
    })
    request = Request("kms:Decrypt", key.arn, context)
    verdict = evaluate(role.policies, request)
    if verdict.decision is Decision.INCONCLUSIVE:
        findings.inconclusive(f"{task.label} execution role {role.label}: {verdict.reason}")
        return
    if verdict.allowed:
        return
    grant = statement_json("kms:Decrypt", key.arn, {"StringEquals": {"kms:ViaService": via}})
    kind = "parameter" if ref.service == "ssm" else "secret"
    findings.violation(
        f"{where}: the {kind} is encrypted with the customer-managed KMS key {key.label}, and execution role "
        f"{role.label} cannot call kms:Decrypt on {shown(key.arn)}: {verdict.reason}. ECS would stop the task with: "
        f"{_access_denied(role, place, 'kms:Decrypt', key.arn, verdict)}. {_fix(verdict, grant)}",
        task.resource.urn,
    )


def _grantable(arn: str) -> str:
    """A resource a statement can name: a partial secret ARN gets the six-character suffix as `??????`."""
    if arn.endswith("-" + UNKNOWN_PART) and arn.count(UNKNOWN_PART) == 1:
        return arn[:-1] + "??????"
    return shown(arn)


# ---------------------------------------------------------------- ecs-execution-role-pulls-and-logs


def _validate_pulls_and_logs(index: StackIndex, findings: Findings, config: dict) -> None:
    stack, tasks = _each_task(index, config, findings)
    for task in tasks:
        containers = task.known_containers()
        images = [(c, i) for c in containers if (i := ecs_model.parse_image(c.image)) is not None and i.is_private_ecr]
        logged = [c for c in containers if c.uses_awslogs]
        if not images and not logged:
            continue
        role = stack.execution_role(task, findings)
        if role is None:
            continue
        if images:
            _judge_pull(findings, index, task, role, images)
        done: set[str] = set()
        for container in logged:
            _judge_logs(findings, index, task, role, container, done)


def _judge_pull(findings, index: StackIndex, task: Task, role: RoleView, images) -> None:
    context = _request_context(task.place, role)
    token = Request("ecr:GetAuthorizationToken", "*", context)

    def describe_token(failed):
        [(_, verdict)] = failed
        return (f"{task.label} container '{images[0][0].name}' image {images[0][0].image}: execution role {role.label} "
                f"cannot call ecr:GetAuthorizationToken: {verdict.reason}. ECS would stop the task with: "
                f"{_access_denied(role, task.place, 'ecr:GetAuthorizationToken', '*', verdict)}. "
                f"{_fix(verdict, statement_json('ecr:GetAuthorizationToken', '*'))}")

    _judge(findings, task, role, [token], describe_token)
    done: set[str] = set()
    for container, image in images:
        place = Place(task.place.partition, image.region, image.account)
        repositories = [r for r in index.of_type(ECR_REPOSITORY) if r.props.get("name") == image.repository]
        arn = arn_of(repositories[0], place) if repositories else place.arn("ecr", f"repository/{image.repository}")
        if arn in done:
            continue
        done.add(arn)

        def describe(failed, container=container, arn=arn, place=place):
            actions = [request.action for request, _ in failed]
            reasons = "; ".join(verdict.reason for _, verdict in failed)
            return (f"{task.label} container '{container.name}' image {container.image}: execution role {role.label} "
                    f"cannot pull from the repository {shown(arn)}: {reasons}. ECS would stop the task with: "
                    f"CannotPullContainerError: {_access_denied(role, place, actions[0], arn, failed[0][1])}. "
                    f"{_fix(failed[0][1], statement_json(list(PULL_ACTIONS), arn))}")

        _judge(findings, task, role, [Request(action, arn, context) for action in PULL_ACTIONS], describe)


def _judge_logs(findings, index: StackIndex, task: Task, role: RoleView, container, done: set[str]) -> None:
    group = container.log_options.get("awslogs-group")
    if not isinstance(group, str) or not group:
        return  # ECS rejects the definition itself; not an IAM matter
    region = container.log_options.get("awslogs-region")
    place = Place(task.place.partition, region if isinstance(region, str) and region else task.place.region,
                  task.place.account)
    group_arn = place.arn("logs", f"log-group:{group}")
    if group_arn in done:
        return
    done.add(group_arn)
    # CloudWatch Logs authorizes both calls on the log stream's ARN; its name is chosen at task start.
    stream_arn = partly_known(group_arn, ":log-stream:", None)
    actions = list(LOG_ACTIONS)
    in_stack = any(g.props.get("name") == group for g in index.of_type(CLOUDWATCH_LOG_GROUP))
    create = str(container.log_options.get("awslogs-create-group", "")).lower() == "true"
    if create and not in_stack:
        actions.append("logs:CreateLogGroup")
    context = _request_context(place, role)
    requests = [Request(a, group_arn + ":log-stream:" if a == "logs:CreateLogGroup" else stream_arn, context)
                for a in actions]

    def describe(failed):
        missing = [request.action for request, _ in failed]
        reasons = "; ".join(verdict.reason for _, verdict in failed)
        first_request, first_verdict = failed[0]
        return (f"{task.label} container '{container.name}' logConfiguration awslogs-group {group!r}: execution role "
                f"{role.label} cannot call {_join(missing)} on {shown(group_arn)}: {reasons}. ECS would stop the task "
                f"with: ResourceInitializationError: failed to validate logger args: "
                f"{_access_denied(role, place, first_request.action, first_request.resource, first_verdict)}. "
                f"{_fix(first_verdict, statement_json(actions, group_arn + ':*'))}")

    _judge(findings, task, role, requests, describe)


# ---------------------------------------------------------------- ecs-roles-least-privilege

# AWS-managed policies far broader than any ECS task needs, and what would do instead.
BROAD_MANAGED = {
    "AdministratorAccess": "every action on every resource",
    "PowerUserAccess": "every action except IAM and Organizations management",
    "AmazonSSMReadOnlyAccess": "ssm:Get*, ssm:Describe* and ssm:List* on every parameter",
    "AmazonSSMFullAccess": "every SSM action on every resource",
    "SecretsManagerReadWrite": "read and write on every secret",
    "AmazonS3ReadOnlyAccess": "s3:Get* and s3:List* on every bucket",
    "AmazonS3FullAccess": "every S3 action on every bucket",
    "CloudWatchLogsFullAccess": "every CloudWatch Logs action on every log group",
    "AmazonEC2ContainerRegistryFullAccess": "every ECR action on every repository",
}
BROAD_SERVICES = ("ssm", "secretsmanager", "kms", "s3", "iam", "ecr", "logs", "sts", "dynamodb", "sqs", "sns")
DATA_READS = ("ssm:GetParameter", "ssm:GetParameters", "ssm:GetParametersByPath", "secretsmanager:GetSecretValue",
              "kms:Decrypt", "s3:GetObject", "dynamodb:GetItem", "dynamodb:Query", "dynamodb:Scan")


def _validate_least_privilege(index: StackIndex, findings: Findings, config: dict) -> None:
    stack, tasks = _each_task(index, config, findings)
    roles: dict[str, tuple[RoleView, str, list[Task]]] = {}
    for task in tasks:
        for prop, kind in (("executionRoleArn", "execution role"), ("taskRoleArn", "task role")):
            ref = ecs_model.role_of(index, task.resource, prop)
            if ref is None or not ref.resolved:
                continue
            view = stack.reader(task.place).view(ref)
            key = view.resource.urn if view.resource is not None else view.arn
            if key not in roles:
                roles[key] = (view, kind, [])
            roles[key][2].append(task)
    for view, kind, users in roles.values():
        if view.exists is None and view.resource is None:
            findings.inconclusive(f"the policies of {kind} {view.label} ({view.why})")
            continue
        narrow = _narrow_grants(index, stack, users) if kind == "execution role" else {}
        for arn in view.attached_arns:
            name = aws_managed_name(arn)
            if name in BROAD_MANAGED:
                findings.violation(
                    f"{kind} {view.label} (used by {_join([t.label for t in users])}) has the AWS-managed policy "
                    f"{name} attached, which grants {BROAD_MANAGED[name]}. {_narrow_text(name, kind, narrow)}",
                    _urn(view, users),
                )
        for policy in view.policies:
            if policy.source.startswith("AWS-managed policy") or not isinstance(policy.document, dict):
                continue
            for number, grant in _broad_statements(policy):
                service = grant.split(":", 1)[0] if ":" in grant else ""
                findings.violation(
                    f"{kind} {view.label} (used by {_join([t.label for t in users])}): statement {number} of "
                    f"{policy.source} allows {grant}. {_narrow_text(service, kind, narrow)}",
                    _urn(view, users),
                )


def _urn(view: RoleView, users: list[Task]) -> str:
    return view.resource.urn if view.resource is not None else users[0].resource.urn


def _broad_statements(policy: Policy) -> list[tuple[int, str]]:
    statements = policy.document.get("Statement")
    statements = [statements] if isinstance(statements, dict) else statements
    found = []
    for number, statement in enumerate(statements if isinstance(statements, list) else [], start=1):
        if not isinstance(statement, dict) or statement.get("Effect") != "Allow":
            continue
        if "NotAction" in statement:
            found.append((number, "every action except those in NotAction"))
            continue
        actions = statement.get("Action")
        actions = [actions] if isinstance(actions, str) else actions if isinstance(actions, list) else []
        resources = statement.get("Resource")
        resources = [resources] if isinstance(resources, str) else resources if isinstance(resources, list) else []
        # A condition such as kms:ViaService narrows the caller, not the resources it reaches.
        everywhere = "*" in resources
        for action in actions:
            if not isinstance(action, str) or is_unknown(action):
                continue
            lowered = action.lower()
            if lowered == "*":
                found.append((number, '"*" (every action)'))
            elif any(lowered == f"{s}:*" for s in BROAD_SERVICES):
                found.append((number, f'"{action}" (every {action.split(":")[0]} action)'))
            elif everywhere and any(lowered == read.lower() for read in DATA_READS):
                found.append((number, f'{action} on "*" (every resource)'))
    return found


def _narrow_grants(index: StackIndex, stack: Stack, users: list[Task]) -> dict[str, list[str]]:
    """The resources the tasks' secrets actually name, per service: what the execution role needs."""
    grants: dict[str, list[str]] = {}
    for task in users:
        for container in task.known_containers():
            for _, value in container.secrets:
                ref = parse_value_from(value, task.place)
                if isinstance(ref, NotASecret):
                    continue
                place = Place(task.place.partition, ref.region or task.place.region, ref.account or task.place.account)
                _add(grants, ref.service, shown(_grantable(request_arn(index, ref, place))))
                key = key_of(index, ref, stack.live, place)
                if key.kind == "customer":
                    _add(grants, "kms", f"{shown(key.arn)} with kms:ViaService {ref.service}.{place.region}.amazonaws.com")
    return grants


def _add(grants: dict[str, list[str]], service: str, item: str) -> None:
    if item not in grants.setdefault(service, []):
        grants[service].append(item)


def _narrow_text(name_or_service: str, kind: str, narrow: dict[str, list[str]]) -> str:
    if kind != "execution role":
        return "Grant the task role only the actions the application calls, on the ARNs it uses."
    parts = []
    if narrow.get("ssm"):
        parts.append(f"ssm:GetParameters on {', '.join(narrow['ssm'])}")
    if narrow.get("secretsmanager"):
        parts.append(f"secretsmanager:GetSecretValue on {', '.join(narrow['secretsmanager'])}")
    if narrow.get("kms"):
        parts.append(f"kms:Decrypt on {', '.join(narrow['kms'])}")
    base = "AmazonECSTaskExecutionRolePolicy (image pull and logs)"
    if not parts:
        return f"The execution role needs only {base}."
    return f"The execution role needs only {base} plus {'; '.join(parts)}."


# ---------------------------------------------------------------- the rules

ecs_execution_role_trusted = stack_policy(
    name="ecs-execution-role-trusted",
    description=(
        "Every task definition that needs an execution role (private ECR image, awslogs, secrets) has one, and its "
        "trust policy lets ecs-tasks.amazonaws.com call sts:AssumeRole."
    ),
    validate=_validate_trusted,
    severity=Severity.HIGH,
    remediation_steps=(
        "Create an IAM role whose assumeRolePolicy allows the service principal ecs-tasks.amazonaws.com to call "
        "sts:AssumeRole, attach the AWS-managed policy AmazonECSTaskExecutionRolePolicy, and set the task "
        "definition's executionRoleArn to that role's ARN."
    ),
    url=EXECUTION_ROLE_DOC,
    config_schema=_schema(),
)

ecs_execution_role_reads_secrets = stack_policy(
    name="ecs-execution-role-reads-secrets",
    description=(
        "The execution role's effective permissions allow ssm:GetParameters or secretsmanager:GetSecretValue on "
        "every secret a container references, and kms:Decrypt on the customer-managed key that encrypts it."
    ),
    validate=_validate_reads_secrets,
    severity=Severity.HIGH,
    remediation_steps=(
        "Add an inline policy to the execution role that allows ssm:GetParameters (Parameter Store) or "
        "secretsmanager:GetSecretValue (Secrets Manager) on the exact ARNs in the containers' secrets, and "
        "kms:Decrypt on the customer-managed key that encrypts them with the condition kms:ViaService = "
        "ssm.<region>.amazonaws.com or secretsmanager.<region>.amazonaws.com; remove any Deny that covers them."
    ),
    url="https://docs.aws.amazon.com/AmazonECS/latest/developerguide/secrets-envvar-ssm-paramstore.html",
    config_schema=_schema(),
)

ecs_execution_role_pulls_and_logs = stack_policy(
    name="ecs-execution-role-pulls-and-logs",
    description=(
        "The execution role can call ecr:GetAuthorizationToken, pull from the private ECR repositories the "
        "containers use, and create log streams and put log events in their awslogs groups."
    ),
    validate=_validate_pulls_and_logs,
    severity=Severity.HIGH,
    remediation_steps=(
        "Attach the AWS-managed policy AmazonECSTaskExecutionRolePolicy to the execution role, or grant "
        "ecr:GetAuthorizationToken on *, ecr:BatchCheckLayerAvailability, ecr:GetDownloadUrlForLayer and "
        "ecr:BatchGetImage on the repository ARNs, and logs:CreateLogStream and logs:PutLogEvents on "
        "arn:aws:logs:<region>:<account>:log-group:<group>:* (plus logs:CreateLogGroup when awslogs-create-group "
        "is true and the group is not created by the stack)."
    ),
    url=EXECUTION_ROLE_DOC,
    config_schema=_schema(),
)

ecs_roles_least_privilege = stack_policy(
    name="ecs-roles-least-privilege",
    description=(
        "Execution and task roles carry no broad grants such as AmazonSSMReadOnlyAccess, AdministratorAccess, "
        "service-wide wildcards or data-plane reads on every resource."
    ),
    validate=_validate_least_privilege,
    severity=Severity.MEDIUM,
    remediation_steps=(
        "Detach broad AWS-managed policies from execution and task roles and replace wildcard statements with "
        "the exact actions on the exact ARNs the task uses (the message names them for execution roles)."
    ),
    url="https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#grant-least-privilege",
    config_schema=_schema(),
)

POLICIES: list = [
    ecs_execution_role_trusted,
    ecs_execution_role_reads_secrets,
    ecs_execution_role_pulls_and_logs,
    ecs_roles_least_privilege,
]
