"""ecs-task-launcher-can-run: every EventBridge target, Scheduler schedule and Step Functions state that
starts ECS tasks uses a role its service can assume and that may start that task.

Mechanisms (what AWS evaluates to decide this):
- **The launcher role's trust policy** (`assumeRolePolicy`) — modelled: `events.amazonaws.com`,
  `scheduler.amazonaws.com` or `states.amazonaws.com` (or its regional form) must be allowed `sts:AssumeRole`;
  `aws:SourceAccount` is the launcher's account and `aws:SourceArn` the rule's, the schedule group's or the state
  machine's ARN.
  [EventBridge](https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-identity-based.html),
  [Scheduler](https://docs.aws.amazon.com/scheduler/latest/UserGuide/setting-up.html#setting-up-execution-role),
  [Step Functions](https://docs.aws.amazon.com/step-functions/latest/dg/procedure-create-iam-role.html)
- **Identity policies** (`RolePolicy`, `inlinePolicies`, `RolePolicyAttachment`, `PolicyAttachment`,
  `managedPolicyArns`, AWS-managed documents such as `AmazonEC2ContainerServiceEventsRole`, policies of a role
  outside the stack read from IAM) — modelled: explicit deny, then allow, else implicit deny.
  [IAM policy evaluation logic](https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html)
- **`ecs:RunTask` on the task definition** — modelled: the revision ARN (a family, or a revision assigned at
  creation, is matched by `family:*`), with `ecs:cluster` the cluster's ARN and `ecs:enable-execute-command`.
  [ECS actions and condition keys](https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonelasticcontainerservice.html)
- **`iam:PassRole`** on the task definition's execution role and task role, and on roles an override names
  (Step Functions `Overrides`, a target `input`'s `taskRoleArn`) — modelled, with `iam:PassedToService` =
  `ecs-tasks.amazonaws.com`. [ECS CloudWatch Events role](https://docs.aws.amazon.com/AmazonECS/latest/developerguide/CWE_IAM_role.html)
- **Tags on the RunTask request** (`tags`, Step Functions `Tags`) — modelled: ECS also authorizes
  `ecs:TagResource` with `ecs:CreateAction` = `RunTask`; managed and propagated tags are not in the request.
  [Tag on create](https://docs.aws.amazon.com/AmazonECS/latest/developerguide/supported-iam-actions-tagging.html)
- **Step Functions `.sync`** — modelled: also `ecs:StopTask`, `ecs:DescribeTasks`, and `events:PutTargets`,
  `events:PutRule`, `events:DescribeRule` on `rule/StepFunctionsGetEventsForECSTaskRule`.
  [Step Functions ECS policies](https://docs.aws.amazon.com/step-functions/latest/dg/ecs-iam.html)
- **Permissions boundary** of the launcher role (`permissionsBoundary`, read from the stack, AWS's managed
  documents or IAM) — modelled: an action the boundary does not allow is denied whatever the role's policies say.
  [Permissions boundaries](https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html)
- **Organization SCPs and RCPs** — inconclusive, named, when the pack config `organizationPolicies` is `unknown`
  (a verdict that would pass names them); not visible from a stack, so `absent` by default.
  [SCPs](https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps.html)
- **Resource-based policies** — not applicable: task definitions, clusters and roles (as `iam:PassRole` targets)
  have none; a role's trust policy is modelled above.
  [Services that work with IAM](https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_aws-services-that-work-with-iam.html)
- **Task definitions and roles outside the stack** — modelled: read with read-only calls when `liveLookups`
  allows; otherwise inconclusive, named. [DescribeTaskDefinition](https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_DescribeTaskDefinition.html)

Inconclusive by design: a state machine definition or ECS target not known at preview; values a state or input
transformer chooses at run time (`Key.$`, JSONata `{% %}`, templates naming roles); condition keys the request
does not define (such as `aws:ResourceTag`).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any

from pulumi_policy import Severity

from kit import Findings, stack_policy
from kit.shown import shown as shown_value
from model import ecs as ecs_model
from model.aws_types import IAM_ROLE
from model.iam_access import ORGANIZATION_ABSENT, Access, Caller, authorize
from model.iam_conditions import partly_known, unknown_token
from model.iam_eval import Decision, Request, Verdict, evaluate_trust, shown
from model.iam_roles import Place, RoleReader, RoleView, arn_of, partition_of
from model.launchers import (
    EVENT_TARGET,
    SCHEDULE,
    STATE_MACHINE,
    TaskLaunch,
    cluster_of,
    launchers_other_than_services,
    task_launches,
)
from model.live_aws import LiveAws
from model.stack_index import Ref, StackIndex
from model.values import UNKNOWN, Resource, is_unknown
from rules._ecs_services import LiveByRegion, task_definition_of_launch
from rules._execution_roles import and_joined, execution_role_schema, request_context, statement_json

ECS_TASKS = "ecs-tasks.amazonaws.com"
SERVICE_OF = {EVENT_TARGET: "events.amazonaws.com", SCHEDULE: "scheduler.amazonaws.com",
              STATE_MACHINE: "states.amazonaws.com"}
SYNC_RULE = "rule/StepFunctionsGetEventsForECSTaskRule"
NOTHING_TO_JUDGE = "no EventBridge target, Scheduler schedule or Step Functions state starts tasks: nothing to judge"


@dataclass(frozen=True)
class Need:
    """One call the launcher makes with its role, what it is for, and the statement that grants it."""

    request: Request
    what: str
    statement: str


def _validate(index: StackIndex, findings: Findings, config: dict) -> None:
    launches, unreadable = task_launches(index)
    launches = launchers_other_than_services(launches)
    for what in unreadable:
        findings.inconclusive(what)
    if not launches and not unreadable:
        findings.not_applicable(NOTHING_TO_JUDGE)
        return
    judge = _Judge(index, findings, config)
    for launch in launches:
        judge.launch(launch)


class _Judge:
    """Judges each launch of one stack; role readers and live look-ups are shared per place."""

    def __init__(self, index: StackIndex, findings: Findings, config: dict):
        self.index = index
        self.findings = findings
        self.config = config
        self.live = LiveByRegion(config)
        self._readers: dict[Place, RoleReader] = {}

    def reader(self, place: Place) -> RoleReader:
        if place not in self._readers:
            self._readers[place] = RoleReader(self.index, LiveAws.from_config(self.config, place.region or ""), place)
        return self._readers[place]

    def launch(self, launch: TaskLaunch) -> None:
        place = _place(launch, self.config)
        role = self._role(launch, place)
        if role is None:
            return
        self._trust(launch, role, place)
        needs = self._needs(launch, place)
        if needs is not None:
            self._judge_needs(launch, role, place, needs)

    # -- the launcher's role
    def _role(self, launch: TaskLaunch, place: Place) -> RoleView | None:
        where = launch.where
        if launch.role in (None, "", [], {}):
            self.findings.violation(
                f"{where} sets no {launch.role_path}: {_service_name(launch)} starts ECS tasks only with a role it "
                f"can assume that may call ecs:RunTask and iam:PassRole. Set {launch.role_path} to such a role.",
                launch.launcher.urn)
            return None
        if not isinstance(launch.role, str) and not is_unknown(launch.role):
            self.findings.violation(
                f"{where} {launch.role_path} {shown_value(launch.role)} is not a role ARN: {_service_name(launch)} cannot "
                f"assume it. Set {launch.role_path} to the ARN of a role it can assume.", launch.launcher.urn)
            return None
        ref = _role_ref(self.index, launch)
        if not ref.resolved:
            self.findings.inconclusive(f"{where} {launch.role_path} (not known yet, and it depends on no "
                                       "aws:iam/role:Role of this stack)")
            return None
        view = self.reader(place).view(ref)
        if view.exists is None:
            self.findings.inconclusive(f"{where} role {view.label} outside the stack ({view.why})")
            return None
        if not view.exists:
            self.findings.violation(
                f"{where} {launch.role_path} {shown_value(ref.value)} names a role that does not exist: "
                f"{_service_name(launch)} cannot assume it, so {_outcome(launch)}. Create the role or point "
                f"{launch.role_path} at an existing one.", launch.launcher.urn)
            return None
        return view

    def _trust(self, launch: TaskLaunch, role: RoleView, place: Place) -> None:
        service = SERVICE_OF[launch.launcher.type]
        context = {"aws:SourceAccount": partly_known(place.account), "aws:SourceArn": _source_arn(launch, place)}
        verdict = evaluate_trust(role.trust, service, context)
        if not verdict.allowed and launch.launcher.type == STATE_MACHINE and place.region:
            # Step Functions also accepts its regional principal (it names both in its error).
            regional = evaluate_trust(role.trust, f"states.{place.region}.amazonaws.com", context)
            verdict = regional if regional.allowed else verdict
        if verdict.decision is Decision.INCONCLUSIVE:
            self.findings.inconclusive(f"{launch.where} role {role.label}: {verdict.reason}")
            return
        if verdict.allowed:
            return
        trust = json.dumps({"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"})
        self.findings.violation(
            f"{launch.where} role {_named(role)}: its trust policy does not let {service} assume it "
            f"({verdict.reason}), so {_trust_outcome(launch)} Add this statement to the role's assumeRolePolicy: "
            f"{trust}", launch.launcher.urn)

    # -- what the launcher calls with the role
    def _needs(self, launch: TaskLaunch, place: Place) -> list[Need] | None:
        task = task_definition_of_launch(self.index, launch, self.findings, self.live)
        if task is None:
            return None
        cluster = _cluster_arn(self.index, launch, place)
        family_arn = _task_definition_arn(launch, task, place)
        run_context: dict[str, Any] = {"ecs:cluster": cluster}
        if isinstance(launch.enable_execute_command, bool) or launch.enable_execute_command is None:
            run_context["ecs:enable-execute-command"] = "true" if launch.enable_execute_command else "false"
        grant = shown(place.arn("ecs", f"task-definition/{_family(task) or '<family>'}:*"))
        needs = [Need(Request("ecs:RunTask", family_arn, run_context), f"{task.label}",
                      _statement("ecs:RunTask", grant, {"ArnEquals": {"ecs:cluster": shown(cluster)}}))]
        needs += self._pass_roles(launch, task, place)
        task_arn = place.arn("ecs", partly_known(f"task/{cluster.rsplit('/', 1)[-1]}/", None))
        if is_unknown(launch.tags):
            self.findings.inconclusive(f"{launch.where} tags (not known yet: tags on RunTask need ecs:TagResource)")
        elif launch.tags:
            needs.append(Need(Request("ecs:TagResource", task_arn, {"ecs:CreateAction": "RunTask",
                                                                    "aws:TagKeys": sorted(launch.tags)}),
                              "the tags it puts on the task",
                              _statement("ecs:TagResource", "*", {"StringEquals": {"ecs:CreateAction": "RunTask"}})))
        if launch.integration == "runTask.sync":
            needs += _sync_needs(place, task_arn, cluster)
        return needs

    def _pass_roles(self, launch: TaskLaunch, task: Resource, place: Place) -> list[Need]:
        needs = []
        for prop, what in (("executionRoleArn", "execution role"), ("taskRoleArn", "task role")):
            ref = ecs_model.role_of(self.index, task, prop)
            if ref is None or ref.value == "":
                continue
            if ref.resource is None and ref.resolved and not isinstance(ref.value, str):
                self.findings.violation(
                    f"{task.label} {prop} {shown_value(ref.value)} is not a role ARN: ECS rejects the task definition, so "
                    f"{launch.where} has no task to start. Set {prop} to the ARN of a role.", task.urn)
                continue
            if not ref.resolved:
                self.findings.inconclusive(f"{task.label} {prop} (not known yet, and it depends on no "
                                           "aws:iam/role:Role of this stack)")
                continue
            needs.append(_pass_role(_role_arn(ref, place), f"the {what} {_role_label(ref)} of {task.label}"))
        for path, value in launch.role_overrides:
            if not isinstance(value, str) or is_unknown(value):
                self.findings.inconclusive(f"{launch.where} {path} (not known until it runs: it may name a role "
                                           "the launcher must pass)")
                continue
            needs.append(_pass_role(_role_arn(Ref(value, None), place), f"the role {value} that {path} names"))
        return needs

    def _judge_needs(self, launch: TaskLaunch, role: RoleView, place: Place, needs: list[Need]) -> None:
        failed: list[tuple[Need, Verdict]] = []
        access = Access(Caller(role.arn, partly_known(place.account), place.partition, role.boundary is not None),
                        role.policies, role.boundary,
                        organization=self.config.get("organizationPolicies", ORGANIZATION_ABSENT))
        for need in needs:
            request = Request(need.request.action, need.request.resource,
                              request_context(place, role, dict(need.request.context)))
            verdict = authorize(access, request)
            if verdict.decision is Decision.INCONCLUSIVE:
                self.findings.inconclusive(f"{launch.where} role {role.label}: {verdict.reason}")
            elif not verdict.allowed:
                failed.append((need, verdict))
        if failed:
            self.findings.violation(_denied_message(launch, role, place, failed), launch.launcher.urn)


# ---------------------------------------------------------------- requests


def _statement(actions: list[str] | str, resource: str, condition: dict | None = None) -> str:
    return statement_json(actions, resource, condition)


def _pass_role(role_arn: str, what: str) -> Need:
    condition = {"StringEquals": {"iam:PassedToService": ECS_TASKS}}
    return Need(Request("iam:PassRole", role_arn, {"iam:PassedToService": ECS_TASKS}), what,
                _statement("iam:PassRole", shown(role_arn), condition))


def _sync_needs(place: Place, task_arn: str, cluster: str) -> list[Need]:
    rule = place.arn("events", SYNC_RULE)
    context = {"ecs:cluster": cluster}
    needs = [Need(Request(action, task_arn, context), "waiting for the task (.sync)",
                  _statement(["ecs:StopTask", "ecs:DescribeTasks"], "*")) for action in
             ("ecs:StopTask", "ecs:DescribeTasks")]
    needs += [Need(Request(action, rule), "the events rule .sync waits with",
                   _statement(["events:PutTargets", "events:PutRule", "events:DescribeRule"], shown(rule)))
              for action in ("events:PutTargets", "events:PutRule", "events:DescribeRule")]
    return needs


def _denied_message(launch: TaskLaunch, role: RoleView, place: Place, failed: list[tuple[Need, Verdict]]) -> str:
    clauses = [f"{need.request.action} on {shown(need.request.resource)} ({need.what}: {verdict.reason})"
               for need, verdict in failed]
    first_need, first = failed[0]
    because = _because(first, first_need.request.action)
    principal = f"arn:{place.partition}:sts::{place.account or '<account>'}:assumed-role/{role.name or '<role>'}/<session>"
    error = (f"User: {principal} is not authorized to perform: {first_need.request.action} on resource: "
             f"{shown(first_need.request.resource)} {because}")
    statements: list[str] = []
    for need, _ in failed:
        if need.statement not in statements:
            statements.append(need.statement)
    denies = sorted({verdict.source for _, verdict in failed if verdict.decision is Decision.DENIED and verdict.source})
    bounds = sorted({verdict.source for _, verdict in failed if verdict.layer == "boundary"
                     and verdict.decision is not Decision.DENIED and verdict.source})
    if denies:
        fix = f"Remove or narrow the Deny in {and_joined(denies)}; then the role needs "
    elif bounds:
        fix = f"Allow the actions in {and_joined(bounds)} as well; the role's policy and its boundary both need "
    else:
        fix = "Add to the role's policy "
    if launch.launcher.type == STATE_MACHINE and any(n.request.action.startswith("events:") for n, _ in failed):
        # Step Functions creates the .sync managed rule with the role when the state machine is created.
        result = (f"CreateStateMachine fails with: AccessDeniedException: '{shown(role.arn)}' is not authorized to "
                  "create managed-rule.")
    else:
        result = f"{_sentence(_outcome(launch))}: AWS answers {error}."
    return (f"{launch.where} role {_named(role)} may not call {and_joined(clauses)}. {result} "
            f"{fix}{'the statements ' if len(statements) > 1 else 'the statement '}{' '.join(statements)}")


_POLICY_KIND = {"boundary": "permissions boundary", "resource": "resource-based policy"}


def _because(verdict: Verdict, action: str) -> str:
    """AWS's wording of why a call is refused (IAM User Guide, "Access denied error messages")."""
    kind = _POLICY_KIND.get(verdict.layer, "identity-based policy")
    if verdict.decision is Decision.DENIED:
        return f"with an explicit deny in {'an' if kind[0] in 'aeiou' else 'a'} {kind}"
    return f"because no {kind} allows the {action} action"


def _named(role: RoleView) -> str:
    """A role as messages name it: its label, and its ARN when that says more (a physical name)."""
    return role.label if role.label == role.arn else f"{role.label} ({shown(role.arn)})"


# ---------------------------------------------------------------- names and ARNs


def _service_name(launch: TaskLaunch) -> str:
    return {EVENT_TARGET: "EventBridge", SCHEDULE: "EventBridge Scheduler",
            STATE_MACHINE: "Step Functions"}[launch.launcher.type]


def _outcome(launch: TaskLaunch) -> str:
    if launch.launcher.type == EVENT_TARGET:
        return "every run of the rule fails to start the task (the rule's FailedInvocations metric counts them)"
    if launch.launcher.type == SCHEDULE:
        return ("every run of the schedule fails to start the task (the schedule's TargetErrorCount metric counts "
                "them, and a dead-letter queue, when set, receives the event with ERROR_CODE AccessDeniedException)")
    return f"every execution fails in state '{launch.state}' with States.TaskFailed"


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def _trust_outcome(launch: TaskLaunch) -> str:
    if launch.launcher.type == STATE_MACHINE:
        return ("CreateStateMachine fails with: AccessDeniedException: Neither the global service principal "
                "states.amazonaws.com, nor the regional one is authorized to assume the provided role.")
    if launch.launcher.type == SCHEDULE:
        return ("CreateSchedule fails with: ValidationException: The execution role you provide must allow AWS "
                "EventBridge Scheduler to assume the role.")
    return f"{_outcome(launch)}."


def _role_ref(index: StackIndex, launch: TaskLaunch) -> Ref:
    prop = (launch.role_path or "roleArn").split(".", 1)[0]
    refs = index.refs(launch.launcher, prop, launch.role, IAM_ROLE, keys=("arn", "id", "name"))
    ref = refs[0] if refs else Ref(UNKNOWN, None)
    if ref.resource is None and isinstance(launch.role, str) and ":role/" in launch.role:
        name = launch.role.rsplit("/", 1)[-1]
        match = next((r for r in index.of_type(IAM_ROLE) if r.props.get("name") == name), None)
        if match is not None:
            return Ref(launch.role, match)
    return ref


def _role_arn(ref: Ref, place: Place) -> str:
    if ref.resource is not None:
        return arn_of(ref.resource, place)
    value = str(ref.value)
    return value if value.startswith("arn:") else place.arn("iam", f"role/{value}", region="")


def _role_label(ref: Ref) -> str:
    return ref.resource.label if ref.resource is not None else str(ref.value)


def _family(task: Resource) -> str | None:
    family = task.props.get("family")
    return family if isinstance(family, str) and family and not is_unknown(family) else None


def _task_definition_arn(launch: TaskLaunch, task: Resource, place: Place) -> str:
    """The revision ARN RunTask is authorized on; a revision not named or not assigned yet is unknown."""
    value = launch.task_definition
    if not isinstance(value, str) or is_unknown(value) or not value:
        known = task.props.get("arn")
        if isinstance(known, str) and not is_unknown(known) and known:
            return known
        family = _family(task)
        return place.arn("ecs", partly_known(f"task-definition/{family}:" if family else "task-definition/", None))
    if value.startswith("arn:"):
        return value if ":" in value.rsplit("/", 1)[-1] else partly_known(value, ":", None)
    if ":" in value:
        return place.arn("ecs", f"task-definition/{value}")
    return place.arn("ecs", partly_known(f"task-definition/{value}:", None))


def _cluster_arn(index: StackIndex, launch: TaskLaunch, place: Place) -> str:
    cluster = cluster_of(index, launch.launcher, launch.cluster_property, launch.cluster)
    if cluster is not None:
        known = cluster.props.get("arn")
        if isinstance(known, str) and not is_unknown(known) and known:
            return known
        name = cluster.props.get("name")
        if isinstance(name, str) and not is_unknown(name) and name:
            return place.arn("ecs", f"cluster/{name}")
        return place.arn("ecs", "cluster/" + unknown_token(cluster.urn))
    value = launch.cluster
    if value is None:
        return place.arn("ecs", "cluster/default")
    if not isinstance(value, str) or is_unknown(value):
        return place.arn("ecs", partly_known("cluster/", None))
    return value if value.startswith("arn:") else place.arn("ecs", f"cluster/{value}")


def _source_arn(launch: TaskLaunch, place: Place) -> str:
    """The ARN a launching service sets as aws:SourceArn when it assumes the role."""
    launcher = launch.launcher
    if launcher.type == EVENT_TARGET:
        rule, bus = launcher.props.get("rule"), launcher.props.get("eventBusName")
        bus_part = "" if bus in (None, "default") else partly_known(bus, "/")
        return place.arn("events", partly_known("rule/", bus_part, rule))
    if launcher.type == STATE_MACHINE:
        return place.arn("states", partly_known("stateMachine:", launcher.props.get("name")))
    # Scheduler sets the ARN of the schedule's group ("default" when the schedule names none):
    # https://docs.aws.amazon.com/scheduler/latest/UserGuide/cross-service-confused-deputy-prevention.html
    group = launcher.props.get("groupName")
    return place.arn("scheduler", partly_known("schedule-group/", "default" if group in (None, "") else group))


def _place(launch: TaskLaunch, config: dict) -> Place:
    region = next((v for v in (launch.launcher.provider_props.get("region"), config.get("awsRegion"),
                               os.environ.get("AWS_REGION"), os.environ.get("AWS_DEFAULT_REGION"))
                   if isinstance(v, str) and v and not is_unknown(v)), None)
    account = None
    for value in (launch.role, launch.cluster, launch.task_definition):
        if isinstance(value, str) and value.startswith("arn:") and len(value.split(":")) > 4:
            if value.split(":")[4].isdigit():
                account = value.split(":")[4]
                break
    allowed = launch.launcher.provider_props.get("allowedAccountIds")
    if account is None and isinstance(allowed, list) and len(allowed) == 1 and isinstance(allowed[0], str):
        account = allowed[0]
    return Place(partition_of(region), region, account)


ecs_task_launcher_can_run = stack_policy(
    name="ecs-task-launcher-can-run",
    description=(
        "Every EventBridge target, EventBridge Scheduler schedule and Step Functions state that starts ECS tasks "
        "uses a role its service may assume and that may call ecs:RunTask on the task definition in that cluster "
        "and iam:PassRole on the task's execution and task roles."
    ),
    validate=_validate,
    severity=Severity.HIGH,
    remediation_steps=(
        "Give the launcher a role whose trust policy allows events.amazonaws.com (EventBridge rules), "
        "scheduler.amazonaws.com (EventBridge Scheduler) or states.amazonaws.com (Step Functions), and whose "
        "policy allows ecs:RunTask on the task definition family (arn:aws:ecs:<region>:<account>:"
        "task-definition/<family>:*, conditioned on ecs:cluster if you like) and iam:PassRole on the task's "
        "execution role and task role with iam:PassedToService ecs-tasks.amazonaws.com; for Step Functions "
        ".sync add ecs:StopTask, ecs:DescribeTasks and events:PutTargets, events:PutRule and events:DescribeRule "
        "on rule/StepFunctionsGetEventsForECSTaskRule."
    ),
    url="https://docs.aws.amazon.com/AmazonECS/latest/developerguide/CWE_IAM_role.html",
    config_schema=execution_role_schema(),
)
