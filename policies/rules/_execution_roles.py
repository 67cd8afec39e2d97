"""What the four execution-role rules share: tasks, their roles, one call judged.

Field notes §1: a first deploy lost hours to an execution role that did not exist, could
not call `ssm:GetParameters`, then could not decrypt SecureString parameters. These rules
evaluate the role's effective policies (model.iam_roles) with the identity-policy evaluator
(model.iam_eval) for exactly the calls ECS makes with it when a task starts.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from kit import Findings
from model import ecs as ecs_model
from model.aws_types import ECS_TASK_DEFINITION
from model.iam_access import ORGANIZATION_ABSENT, ORGANIZATION_UNKNOWN, Access, Caller, authorize
from model.iam_conditions import ABSENT, UNKNOWN_PART, partly_known
from model.iam_eval import Decision, Policy, Request, Verdict, shown
from model.iam_roles import Place, RoleReader, RoleView, partition_of
from model.live_aws import LIVE_LOOKUP_SCHEMA, LiveAws
from model.stack_index import StackIndex
from model.values import Resource, is_unknown

EXECUTION_ROLE_DOC = "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_execution_IAM_role.html"


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
        if ref is None or (ref.resource is None and not is_unknown(ref.value) and not isinstance(ref.value, str)):
            return None  # ecs-execution-role-trusted reports a value that is not a role ARN
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


def request_context(place: Place, role: RoleView, extra: dict | None = None) -> dict[str, Any]:
    """The condition keys ECS's calls with the execution role carry, as far as they are known."""
    context: dict[str, Any] = {
        "aws:SecureTransport": "true",
        "aws:RequestedRegion": partly_known(place.region),
        "aws:PrincipalArn": role.arn,
        "aws:PrincipalAccount": partly_known(place.account),
        "aws:PrincipalType": "AssumedRole",
        "aws:PrincipalIsAWSService": "false",
        "aws:ViaAWSService": "false",
        "kms:ViaService": ABSENT,
    }
    context.update(tag_context("aws:PrincipalTag", role.tags))
    context.update(extra or {})
    return context


def tag_context(prefix: str, tags: Any) -> dict[str, Any]:
    """`<prefix>/<key>` for each tag; when the tags are known, every other key is absent."""
    if is_unknown(tags) or (tags is not None and not isinstance(tags, dict)):
        return {}
    context: dict[str, Any] = {f"{prefix}/*": ABSENT}
    for key, value in (tags or {}).items():
        if isinstance(key, str) and isinstance(value, str) and not is_unknown(value):
            context[f"{prefix}/{key}"] = value
        elif isinstance(key, str):
            context.pop(f"{prefix}/*", None)
    return context


def role_access(stack: Stack, task: Task, role: RoleView, place: Place | None = None,
                resource_policies: list[Policy] | None = None, key_policy: Policy | None = None) -> Access:
    """What AWS evaluates when ECS calls with the role: its policies, its boundary, the resource's own."""
    where = place or task.place
    caller = Caller(role.arn, partly_known(where.account or task.place.account), where.partition,
                    role.boundary is not None)
    organization = stack.config.get("organizationPolicies", ORGANIZATION_ABSENT)
    return Access(caller, role.policies, role.boundary, tuple(resource_policies or ()), key_policy, organization)


def access_denied(role: RoleView, place: Place, action: str, resource: str, verdict: Verdict) -> str:
    """The error the call would fail with, as AWS prints it."""
    name = role.name or "<role>"
    principal = f"arn:{place.partition}:sts::{place.account or '<account>'}:assumed-role/{name}/<task-id>"
    return (f"AccessDeniedException: User: {principal} is not authorized to perform: {action} "
            f"on resource: {shown(resource)} {_because(verdict, action)}")


_DENY_WORDS = {"identity": "an identity-based policy", "boundary": "a permissions boundary",
               "resource": "a resource-based policy"}


def _because(verdict: Verdict, action: str) -> str:
    """AWS's wording of why ("Access denied error messages", IAM User Guide)."""
    if verdict.decision is Decision.DENIED:
        return f"with an explicit deny in {_DENY_WORDS.get(verdict.layer, 'an identity-based policy')}"
    kind = {"boundary": "permissions boundary", "resource": "resource-based policy"}.get(verdict.layer,
                                                                                       "identity-based policy")
    return f"because no {kind} allows the {action} action"


def statement_json(actions: list[str] | str, resource: str, condition: dict | None = None) -> str:
    statement: dict[str, Any] = {"Effect": "Allow", "Action": actions, "Resource": shown(resource)}
    if condition:
        statement["Condition"] = condition
    return json.dumps(statement)


def fix_with(verdict: Verdict, statement: str) -> str:
    if verdict.decision is Decision.DENIED:
        return f"Remove or narrow the Deny in {verdict.source}; then the role needs {statement}"
    if verdict.layer == "boundary":
        return f"Allow the action in {verdict.source} as well: the role needs {statement} in both"
    return f"Add this statement to the execution role: {statement}"


def judge_requests(findings: Findings, task: Task, role: RoleView, requests: list[Request],
                   describe: Callable[[list[tuple[Request, Verdict]]], str], access: Access | None = None) -> None:
    """Evaluate requests; report the failed ones in one violation (`describe` writes it) and the
    undecided ones as inconclusive. Without `access`, only the role's own policies and boundary count."""
    access = access or Access(Caller(role.arn, partly_known(task.place.account), task.place.partition,
                                     role.boundary is not None), role.policies, role.boundary)
    failed = []
    for request in requests:
        verdict = authorize(access, request)
        if verdict.decision is Decision.INCONCLUSIVE:
            findings.inconclusive(f"{task.label} execution role {role.label}: {verdict.reason}")
        elif not verdict.allowed:
            failed.append((request, verdict))
    if failed:
        findings.violation(describe(failed), task.resource.urn)


ORGANIZATION_POLICIES_SCHEMA: dict[str, dict[str, Any]] = {
    "organizationPolicies": {
        "type": "string",
        "enum": [ORGANIZATION_ABSENT, ORGANIZATION_UNKNOWN],
        "default": ORGANIZATION_ABSENT,
        "description": (
            "Organization service control policies (SCPs) and resource control policies (RCPs) cannot be seen "
            "from a stack. `absent` (the account is in no organization, or its policies deny none of these calls) "
            "judges the stack's policies alone; `unknown` makes a verdict that would pass inconclusive, naming "
            "organization SCPs/RCPs."
        ),
    },
}


def execution_role_schema(extra: dict | None = None, organization: bool = True) -> dict:
    base = ORGANIZATION_POLICIES_SCHEMA if organization else {}
    return {**base, **(extra or {}), **LIVE_LOOKUP_SCHEMA}


def organization_unknown(config: dict) -> bool:
    return config.get("organizationPolicies") == ORGANIZATION_UNKNOWN


def each_task(index: StackIndex, config: dict, findings: Findings) -> tuple[Stack, list[Task]]:
    stack = Stack(index, config)
    if not stack.tasks:
        findings.not_applicable("the stack has no ECS task definition")
    for task in stack.tasks:
        if is_unknown(task.containers):
            findings.inconclusive(f"{task.label} containerDefinitions (not known yet)")
    return stack, stack.tasks


def and_joined(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def grantable(arn: str) -> str:
    """A resource a statement can name: a partial secret ARN gets the six-character suffix as `??????`."""
    if arn.endswith("-" + UNKNOWN_PART) and arn.count(UNKNOWN_PART) == 1:
        return arn[:-1] + "??????"
    return shown(arn)
