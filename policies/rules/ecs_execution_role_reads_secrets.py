"""ecs-execution-role-reads-secrets: the execution role can read every secret a container references,
and decrypt it with its KMS key.
"""

from __future__ import annotations

from pulumi_policy import Severity

from kit import Findings, stack_policy
from model.iam_conditions import UNKNOWN_PART, partly_known
from model.iam_eval import Decision, Request, Verdict, evaluate, shown
from model.iam_roles import Place, RoleView
from model.secret_refs import NotASecret, SecretRef, key_of, parse_value_from, request_arn
from model.stack_index import StackIndex
from rules._execution_roles import (
    Task,
    access_denied,
    each_task,
    execution_role_schema,
    fix_with,
    grantable,
    judge_requests,
    request_context,
    statement_json,
)


def _validate_reads_secrets(index: StackIndex, findings: Findings, config: dict) -> None:
    stack, tasks = each_task(index, config, findings)
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
    request = Request(ref.action, arn, request_context(place, role))

    def describe(failed: list[tuple[Request, Verdict]]) -> str:
        [(_, verdict)] = failed
        grant = statement_json(ref.action, grantable(arn))
        return (f"{where}: execution role {role.label} cannot call {ref.action} on {shown(arn)}: {verdict.reason}. "
                f"ECS would stop the task with: {access_denied(role, place, ref.action, arn, verdict)}. "
                f"{fix_with(verdict, grant)}")

    judge_requests(findings, task, role, [request], describe)


def _judge_decrypt(findings, task: Task, role: RoleView, place: Place, ref: SecretRef, arn: str, key, where: str) -> None:
    via = f"{ref.service}.{place.region or '<region>'}.amazonaws.com"
    context_key = "kms:EncryptionContext:PARAMETER_ARN" if ref.service == "ssm" else "kms:EncryptionContext:SecretARN"
    context = request_context(place, role, {
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
        f"{access_denied(role, place, 'kms:Decrypt', key.arn, verdict)}. {fix_with(verdict, grant)}",
        task.resource.urn,
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
    config_schema=execution_role_schema(),
)
