"""ecs-roles-least-privilege: execution and task roles carry no broad grants (advisory).

Mechanisms (what AWS evaluates to decide this):
- **AWS-managed policies attached to the roles** (by ARN, in the stack or read from IAM) — modelled against a
  list of policies far broader than a task needs. [AWS managed policies](https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_managed-vs-inline.html)
- **Allow statements of the roles' own policies** (`*`, service-wide `<service>:*`, data reads on `*`,
  `NotAction`, `NotResource`) — modelled. [Grant least privilege](https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#grant-least-privilege)
- **Permissions boundaries and SCPs** — not applicable: they cap a grant but do not make a broad statement
  narrow to whoever reads the role. [Permissions boundaries](https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html)

Inconclusive by design: a role outside the stack without look-ups (its policies cannot be read).
"""

from __future__ import annotations

from pulumi_policy import Severity

from kit import Findings, stack_policy
from model import ecs as ecs_model
from model.iam_eval import Policy, shown
from model.iam_roles import Place, RoleView, aws_managed_name
from model.secret_refs import NotASecret, key_of, parse_value_from, request_arn
from model.stack_index import StackIndex
from model.values import is_unknown
from rules._execution_roles import Stack, Task, and_joined, each_task, execution_role_schema, grantable

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
    stack, tasks = each_task(index, config, findings)
    roles: dict[str, tuple[RoleView, str, list[Task]]] = {}
    for task in tasks:
        for prop, kind in (("executionRoleArn", "execution role"), ("taskRoleArn", "task role")):
            ref = ecs_model.role_of(index, task.resource, prop)
            if ref is None or not ref.resolved or (ref.resource is None and not isinstance(ref.value, str)):
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
                    f"{kind} {view.label} (used by {and_joined([t.label for t in users])}) has the AWS-managed policy "
                    f"{name} attached, which grants {BROAD_MANAGED[name]}. {_narrow_text(name, kind, narrow)}",
                    _urn(view, users),
                )
        for policy in view.policies:
            if policy.source.startswith("AWS-managed policy") or not isinstance(policy.document, dict):
                continue
            for number, grant in _broad_statements(policy):
                service = grant.split(":", 1)[0] if ":" in grant else ""
                findings.violation(
                    f"{kind} {view.label} (used by {and_joined([t.label for t in users])}): statement {number} of "
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
        if "NotResource" in statement:
            listed = statement.get("Action")
            listed = [listed] if isinstance(listed, str) else listed if isinstance(listed, list) else []
            named = ", ".join(a for a in listed if isinstance(a, str) and not is_unknown(a)) or "its actions"
            found.append((number, f"{named} on every resource except those in NotResource"))
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
                _add(grants, ref.service, shown(grantable(request_arn(index, ref, place))))
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
    config_schema=execution_role_schema(organization=False),
)
