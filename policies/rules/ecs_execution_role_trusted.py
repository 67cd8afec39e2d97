"""ecs-execution-role-trusted: a task that needs an execution role has one that ecs-tasks.amazonaws.com
can assume.

Mechanisms (what AWS evaluates to decide this):
- **Existence of the role** (in the stack, or read from IAM) — modelled; a role outside the stack without
  look-ups — inconclusive, named. [Task execution IAM role](https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_execution_IAM_role.html)
- **Trust policy** (`assume_role_policy`: Allow and Deny, `Principal`/`NotPrincipal`, `Action`/`NotAction`)
  — modelled. [Role trust policies](https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_terms-and-concepts.html)
- **Condition keys of the assume-role call** (`aws:SourceAccount`, `aws:SourceArn` of the ECS task) —
  modelled; any other key — inconclusive, named. [Confused deputy prevention](https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_execution_IAM_role.html#create-task-execution-role)
- **Organization SCPs/RCPs** — inconclusive, named, when the pack config `organizationPolicies` is `unknown`;
  absent by default (not visible from a stack) (RCPs apply to STS). [SCPs](https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps.html), [RCPs](https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps.html)

Inconclusive by design: a role outside the stack without look-ups; an executionRoleArn not known at preview that
depends on no role of the stack; organization SCPs/RCPs when `organizationPolicies` is `unknown`.
"""

from __future__ import annotations

import json

from pulumi_policy import Severity

from kit import Findings, stack_policy
from kit.shown import shown as in_words
from model import ecs as ecs_model
from model.iam_access import ORGANIZATION_NAMED
from model.iam_conditions import ABSENT, partly_known
from model.iam_eval import Decision, evaluate_trust, shown
from model.iam_roles import RoleView
from model.stack_index import StackIndex
from model.values import is_unknown
from rules._execution_roles import (
    EXECUTION_ROLE_DOC,
    Task,
    and_joined,
    each_task,
    execution_role_schema,
    needs_execution_role,
    organization_unknown,
)

ECS_TASKS = "ecs-tasks.amazonaws.com"


def _validate_trusted(index: StackIndex, findings: Findings, config: dict) -> None:
    stack, tasks = each_task(index, config, findings)
    needed = False
    for task in tasks:
        value = task.resource.props.get("executionRoleArn")
        if value is None or value == "":
            needs = needs_execution_role(task.known_containers())
            if needs:
                needed = True
                findings.violation(_missing_role_message(task, needs), task.resource.urn)
            continue
        if not is_unknown(value) and not isinstance(value, str):
            findings.violation(
                f"{task.label} executionRoleArn is {in_words(value)}, which is not a role ARN. Set executionRoleArn to "
                f"the ARN of a role that {ECS_TASKS} can assume.", task.resource.urn)
            needed = True
            continue
        needed = True
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
                f"{task.label} executionRoleArn {in_words(ref.value)} names a role that does not exist. ECS would stop the "
                f"task with: {_unable_to_assume(view)} Create the role with a trust policy for {ECS_TASKS} and the "
                "AWS-managed policy AmazonECSTaskExecutionRolePolicy, or point executionRoleArn at an existing one.",
                task.resource.urn,
            )
            continue
        _judge_trust(findings, task, view, organization_unknown(config))
    if tasks and not needed:
        findings.not_applicable("no task definition has or needs an execution role")


def _judge_trust(findings: Findings, task: Task, view: RoleView, organization: bool = False) -> None:
    # The caller is the service principal: it belongs to no organization, and it is an AWS service
    # (IAM User Guide, global condition keys aws:PrincipalOrgID, aws:PrincipalIsAWSService).
    context = {
        "aws:SourceAccount": partly_known(task.place.account),
        "aws:SourceArn": task.place.arn("ecs", partly_known("task/", None)),
        "aws:PrincipalIsAWSService": "true",
        "aws:PrincipalServiceName": ECS_TASKS,
        "aws:PrincipalOrgID": ABSENT,
        "aws:PrincipalOrgPaths": ABSENT,
    }
    verdict = evaluate_trust(view.trust, ECS_TASKS, context)
    if verdict.decision is Decision.INCONCLUSIVE:
        findings.inconclusive(f"{task.label} execution role {view.label}: {verdict.reason}")
    elif verdict.allowed and organization:
        findings.inconclusive(f"{task.label} execution role {view.label}: {verdict.reason}, but {ORGANIZATION_NAMED} "
                              "may deny sts:AssumeRole on the role (organizationPolicies: unknown)")
    elif not verdict.allowed:
        trust = json.dumps({"Effect": "Allow", "Principal": {"Service": ECS_TASKS}, "Action": "sts:AssumeRole"})
        fix = ("Exempt AWS services from that Deny (for example with the condition "
               '{"BoolIfExists": {"aws:PrincipalIsAWSService": "false"}}) or remove it'
               if verdict.decision is Decision.DENIED else
               f"Add this statement to the role's assumeRolePolicy: {trust}")
        findings.violation(
            f"{task.label} execution role {view.label}: its trust policy does not let {ECS_TASKS} assume it "
            f"({verdict.reason}). ECS would stop the task with: {_unable_to_assume(view)} {fix}",
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
            f"{and_joined(needs)}. AWS fails with: {error} Set executionRoleArn to a role that {ECS_TASKS} can "
            "assume, with the AWS-managed policy AmazonECSTaskExecutionRolePolicy attached.")


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
    config_schema=execution_role_schema(),
)
