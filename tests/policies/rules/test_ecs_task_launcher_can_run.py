"""ecs-task-launcher-can-run: a happy-path stack per launcher, one change per case, exact messages."""

from __future__ import annotations

import json

from model.values import UNKNOWN
from rules.ecs_task_launcher_can_run import NOTHING_TO_JUDGE, ecs_task_launcher_can_run
from tests.policies.test_ecs_harness import ACCOUNT, REGION, run_stack, spec

RULE = ecs_task_launcher_can_run
OFF = {"liveLookups": "off"}

CLUSTER_ARN = f"arn:aws:ecs:{REGION}:{ACCOUNT}:cluster/jobs"
OTHER_CLUSTER_ARN = f"arn:aws:ecs:{REGION}:{ACCOUNT}:cluster/batch"
TASK_ARN = f"arn:aws:ecs:{REGION}:{ACCOUNT}:task-definition/report:3"
FAMILY_ARN = f"arn:aws:ecs:{REGION}:{ACCOUNT}:task-definition/report:*"
EXEC_ARN = f"arn:aws:iam::{ACCOUNT}:role/report-execution"
TASK_ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/report-task"
LAUNCHER = "report-launcher"
LAUNCHER_ARN = f"arn:aws:iam::{ACCOUNT}:role/{LAUNCHER}"
SYNC_RULE_ARN = f"arn:aws:events:{REGION}:{ACCOUNT}:rule/StepFunctionsGetEventsForECSTaskRule"
PRINCIPAL = f"arn:aws:sts::{ACCOUNT}:assumed-role/{LAUNCHER}/<session>"
NAMED = f"Role '{LAUNCHER}' ({LAUNCHER_ARN})"

ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
TARGET = "aws:cloudwatch/eventTarget:EventTarget"
SCHEDULE = "aws:scheduler/schedule:Schedule"
MACHINE = "aws:sfn/stateMachine:StateMachine"

NETWORK = {"subnets": ["subnet-0a1b2c3d"], "securityGroups": ["sg-0a1b2c3d"], "assignPublicIp": False}
PASSED_TO_ECS = {"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}}
RUN_TASK = {"Effect": "Allow", "Action": "ecs:RunTask", "Resource": FAMILY_ARN,
            "Condition": {"ArnEquals": {"ecs:cluster": CLUSTER_ARN}}}
PASS_ROLE = {"Effect": "Allow", "Action": "iam:PassRole", "Resource": [EXEC_ARN, TASK_ROLE_ARN],
             "Condition": PASSED_TO_ECS}
SYNC = [{"Effect": "Allow", "Action": ["ecs:StopTask", "ecs:DescribeTasks"], "Resource": "*"},
        {"Effect": "Allow", "Action": ["events:PutTargets", "events:PutRule", "events:DescribeRule"],
         "Resource": SYNC_RULE_ARN}]


def trust(service: str) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}]})


def task_stack(service: str, statements: list[dict], launcher_role: dict | None = None) -> list:
    role_props = {"name": LAUNCHER, "arn": LAUNCHER_ARN, "assumeRolePolicy": trust(service)}
    role_props.update(launcher_role or {})
    return [
        spec("aws:ecs/cluster:Cluster", "jobs", {"name": "jobs", "arn": CLUSTER_ARN}),
        spec(ROLE, "report-execution", {"name": "report-execution", "arn": EXEC_ARN,
                                        "assumeRolePolicy": trust("ecs-tasks.amazonaws.com")}),
        spec(ROLE, "report-task", {"name": "report-task", "arn": TASK_ROLE_ARN,
                                   "assumeRolePolicy": trust("ecs-tasks.amazonaws.com")}),
        spec("aws:ecs/taskDefinition:TaskDefinition", "report", {
            "family": "report", "arn": TASK_ARN, "networkMode": "awsvpc", "requiresCompatibilities": ["FARGATE"],
            "cpu": "256", "memory": "512", "executionRoleArn": EXEC_ARN, "taskRoleArn": TASK_ROLE_ARN,
            "containerDefinitions": json.dumps([{"name": "report", "image": "public.ecr.aws/acme/report:1.4.2"}])}),
        spec(ROLE, LAUNCHER, role_props),
        spec(ROLE_POLICY, f"{LAUNCHER}-run", {"role": LAUNCHER, "policy": json.dumps(
            {"Version": "2012-10-17", "Statement": statements})}),
    ]


def event_target(statements: list[dict] | None = None, ecs: dict | None = None, **props) -> list:
    target = {"rule": "nightly", "arn": CLUSTER_ARN, "roleArn": LAUNCHER_ARN,
              "ecsTarget": {"taskDefinitionArn": TASK_ARN, "launchType": "FARGATE", "taskCount": 1,
                            "networkConfiguration": NETWORK, **(ecs or {})}}
    target.update(props)
    stack = task_stack("events.amazonaws.com", [RUN_TASK, PASS_ROLE] if statements is None else statements)
    return [*stack, spec(TARGET, "nightly", {k: v for k, v in target.items() if v is not None})]


def schedule(statements: list[dict] | None = None, service: str = "scheduler.amazonaws.com") -> list:
    stack = task_stack(service, [RUN_TASK, PASS_ROLE] if statements is None else statements)
    return [*stack, spec(SCHEDULE, "nightly", {"scheduleExpression": "cron(0 3 * * ? *)", "target": {
        "arn": CLUSTER_ARN, "roleArn": LAUNCHER_ARN,
        "ecsParameters": {"taskDefinitionArn": TASK_ARN, "launchType": "FARGATE", "networkConfiguration": NETWORK}}})]


def state_machine(statements: list[dict] | None = None, resource: str = "arn:aws:states:::ecs:runTask.sync",
                  parameters: dict | None = None, service: str = "states.amazonaws.com", **props) -> list:
    stack = task_stack(service, [RUN_TASK, PASS_ROLE, *SYNC] if statements is None else statements)
    request = {"Cluster": CLUSTER_ARN, "TaskDefinition": TASK_ARN, "LaunchType": "FARGATE",
               "NetworkConfiguration": {"AwsvpcConfiguration": {"Subnets": ["subnet-0a1b2c3d"],
                                                                "AssignPublicIp": "DISABLED"}}}
    request.update(parameters or {})
    definition = json.dumps({"StartAt": "Report", "States": {
        "Report": {"Type": "Task", "Resource": resource, "Parameters": request, "End": True}}})
    machine = {"name": "etl", "roleArn": LAUNCHER_ARN, "definition": definition}
    machine.update(props)
    return [*stack, spec(MACHINE, "etl", machine)]


def denied(action: str, resource: str) -> str:
    return (f"User: {PRINCIPAL} is not authorized to perform: {action} on resource: {resource} because no "
            f"identity-based policy allows the {action} action")


EVENTS_OUTCOME = "Every run of the rule fails to start the task (the rule's FailedInvocations metric counts them)"
PASS_ROLE_FIX = ('{"Effect": "Allow", "Action": "iam:PassRole", "Resource": "%s", "Condition": {"StringEquals": '
                 '{"iam:PassedToService": "ecs-tasks.amazonaws.com"}}}')


# --- the happy paths --------------------------------------------------------------------


def test_an_event_target_whose_role_may_run_the_task_passes():
    outcome = run_stack(RULE, event_target(), OFF)

    assert (outcome.messages, outcome.unknowns, outcome.not_applicable) == ([], [], None)


def test_a_schedule_whose_role_may_run_the_task_passes():
    outcome = run_stack(RULE, schedule(), OFF)

    assert (outcome.messages, outcome.unknowns, outcome.not_applicable) == ([], [], None)


def test_a_state_machine_run_task_sync_with_its_events_permissions_passes():
    outcome = run_stack(RULE, state_machine(), OFF)

    assert (outcome.messages, outcome.unknowns, outcome.not_applicable) == ([], [], None)


def test_a_stack_whose_tasks_only_services_start_is_not_applicable():
    stack = [*task_stack("events.amazonaws.com", [RUN_TASK]),
             spec("aws:ecs/service:Service", "api", {"cluster": CLUSTER_ARN, "taskDefinition": TASK_ARN,
                                                     "launchType": "FARGATE", "networkConfiguration": NETWORK})]
    outcome = run_stack(RULE, stack, OFF)

    assert (outcome.messages, outcome.unknowns, outcome.not_applicable) == ([], [], NOTHING_TO_JUDGE)


# --- iam:PassRole -----------------------------------------------------------------------


def test_a_schedule_without_pass_role_quotes_the_access_denied_error():
    outcome = run_stack(RULE, schedule([RUN_TASK]), OFF)

    assert outcome.messages == [
        f"Schedule 'nightly' role {NAMED} may not call iam:PassRole on {EXEC_ARN} (the execution role "
        f"Role 'report-execution' of TaskDefinition 'report': no statement allows iam:PassRole on {EXEC_ARN}) and "
        f"iam:PassRole on {TASK_ROLE_ARN} (the task role Role 'report-task' of TaskDefinition 'report': no statement "
        f"allows iam:PassRole on {TASK_ROLE_ARN}). Every run of the schedule fails to start the task (the schedule's "
        f"TargetErrorCount metric counts them, and a dead-letter queue, when set, receives the event with ERROR_CODE "
        f"AccessDeniedException): AWS answers {denied('iam:PassRole', EXEC_ARN)}. Add to the role's "
        f"policy the statements {PASS_ROLE_FIX % EXEC_ARN} {PASS_ROLE_FIX % TASK_ROLE_ARN}"
    ]


def test_pass_role_to_another_service_does_not_let_ecs_tasks_receive_the_role():
    wrong = {**PASS_ROLE, "Condition": {"StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}}}
    outcome = run_stack(RULE, event_target([RUN_TASK, wrong]), OFF)

    assert len(outcome.messages) == 1
    assert outcome.messages[0].startswith(
        f"EventTarget 'nightly' role {NAMED} may not call iam:PassRole on {EXEC_ARN} (the execution role "
        f"Role 'report-execution' of TaskDefinition 'report': no statement allows iam:PassRole on {EXEC_ARN} "
        f"(statement 2 of RolePolicy '{LAUNCHER}-run' would allow it, but its condition {{\"StringEquals\": "
        '{"iam:PassedToService": "lambda.amazonaws.com"}} does not hold))')
    assert f"{EVENTS_OUTCOME}: AWS answers {denied('iam:PassRole', EXEC_ARN)}." in outcome.messages[0]


def test_a_task_role_override_must_be_passable_too():
    override = f"arn:aws:iam::{ACCOUNT}:role/report-admin"
    outcome = run_stack(RULE, state_machine(parameters={"Overrides": {"TaskRoleArn": override}}), OFF)

    assert len(outcome.messages) == 1
    assert outcome.messages[0].startswith(
        f"StateMachine 'etl' state 'Report' role {NAMED} may not call iam:PassRole on {override} (the role "
        f"{override} that definition.States.Report.Parameters.Overrides.TaskRoleArn names: no statement allows "
        f"iam:PassRole on {override}). Every execution fails in state 'Report' with "
        f"States.TaskFailed: AWS answers {denied('iam:PassRole', override)}.")


def test_an_explicit_deny_is_named_as_the_way_out():
    deny = {"Effect": "Deny", "Action": "iam:PassRole", "Resource": TASK_ROLE_ARN}
    outcome = run_stack(RULE, event_target([RUN_TASK, PASS_ROLE, deny]), OFF)

    assert outcome.messages == [
        f"EventTarget 'nightly' role {NAMED} may not call iam:PassRole on {TASK_ROLE_ARN} (the task role "
        f"Role 'report-task' of TaskDefinition 'report': iam:PassRole on {TASK_ROLE_ARN} is denied by statement 3 of "
        f"RolePolicy '{LAUNCHER}-run'). {EVENTS_OUTCOME}: AWS answers User: {PRINCIPAL} is not authorized to "
        f"perform: iam:PassRole on resource: {TASK_ROLE_ARN} with an explicit deny in an identity-based policy. "
        f"Remove or narrow the Deny in RolePolicy '{LAUNCHER}-run'; then the role needs the statement "
        f"{PASS_ROLE_FIX % TASK_ROLE_ARN}"
    ]


# --- ecs:RunTask ------------------------------------------------------------------------


def test_run_task_conditioned_on_another_cluster_is_refused():
    other = {**RUN_TASK, "Condition": {"ArnEquals": {"ecs:cluster": OTHER_CLUSTER_ARN}}}
    outcome = run_stack(RULE, event_target([other, PASS_ROLE]), OFF)

    assert outcome.messages == [
        f"EventTarget 'nightly' role {NAMED} may not call ecs:RunTask on {TASK_ARN} (TaskDefinition "
        f"'report': no statement allows ecs:RunTask on {TASK_ARN} (statement 1 of RolePolicy '{LAUNCHER}-run' would "
        f'allow it, but its condition {{"ArnEquals": {{"ecs:cluster": "{OTHER_CLUSTER_ARN}"}}}} does not hold)). '
        f"{EVENTS_OUTCOME}: AWS answers "
        f"{denied('ecs:RunTask', TASK_ARN)}. Add to the role's policy the statement "
        f'{{"Effect": "Allow", "Action": "ecs:RunTask", "Resource": "{FAMILY_ARN}", "Condition": {{"ArnEquals": '
        f'{{"ecs:cluster": "{CLUSTER_ARN}"}}}}}}'
    ]


def test_run_task_on_another_revision_is_refused_and_the_family_wildcard_allows_every_revision():
    pinned = {**RUN_TASK, "Resource": f"arn:aws:ecs:{REGION}:{ACCOUNT}:task-definition/report:2"}

    assert run_stack(RULE, schedule([pinned, PASS_ROLE]), OFF).messages[0].startswith(
        f"Schedule 'nightly' role {NAMED} may not call ecs:RunTask on {TASK_ARN}")
    assert run_stack(RULE, schedule([RUN_TASK, PASS_ROLE]), OFF).messages == []


def test_a_family_without_revision_is_allowed_by_the_family_wildcard_only():
    latest = {"taskDefinitionArn": "report"}
    exact = {**RUN_TASK, "Resource": TASK_ARN}

    assert run_stack(RULE, event_target(ecs=latest), OFF).messages == []
    outcome = run_stack(RULE, event_target([exact, PASS_ROLE], ecs=latest), OFF)
    assert (outcome.messages, outcome.unknowns) == ([], [
        f"EventTarget 'nightly' role Role '{LAUNCHER}': ecs:RunTask on arn:aws:ecs:{REGION}:{ACCOUNT}:"
        f"task-definition/report:<unknown> may be allowed by statement 1 of RolePolicy '{LAUNCHER}-run' (its "
        "Resource cannot be matched until its values are known)"])


def test_tags_on_the_request_need_tag_resource_for_run_task():
    outcome = run_stack(RULE, event_target(ecs={"tags": {"team": "reports"}}), OFF)

    assert len(outcome.messages) == 1
    assert outcome.messages[0].startswith(
        f"EventTarget 'nightly' role {NAMED} may not call ecs:TagResource on arn:aws:ecs:{REGION}:"
        f"{ACCOUNT}:task/jobs/<unknown> (the tags it puts on the task: no statement allows ecs:TagResource")
    assert outcome.messages[0].endswith(
        '{"Effect": "Allow", "Action": "ecs:TagResource", "Resource": "*", "Condition": {"StringEquals": '
        '{"ecs:CreateAction": "RunTask"}}}')


# --- Step Functions integration patterns ------------------------------------------------


def test_run_task_sync_without_the_events_rule_permissions_is_refused():
    outcome = run_stack(RULE, state_machine([RUN_TASK, PASS_ROLE, SYNC[0]]), OFF)

    assert outcome.messages == [
        f"StateMachine 'etl' state 'Report' role {NAMED} may not call events:PutTargets on {SYNC_RULE_ARN} "
        f"(the events rule .sync waits with: no statement allows events:PutTargets on {SYNC_RULE_ARN}), "
        f"events:PutRule on {SYNC_RULE_ARN} (the events rule .sync waits with: no statement allows events:PutRule on "
        f"{SYNC_RULE_ARN}) and events:DescribeRule on {SYNC_RULE_ARN} (the events rule .sync waits with: no "
        f"statement allows events:DescribeRule on {SYNC_RULE_ARN}). CreateStateMachine fails with: "
        f"AccessDeniedException: '{LAUNCHER_ARN}' is not authorized to create managed-rule. Add to the role's policy the statement "
        f'{{"Effect": "Allow", "Action": ["events:PutTargets", "events:PutRule", "events:DescribeRule"], '
        f'"Resource": "{SYNC_RULE_ARN}"}}'
    ]


def test_wait_for_task_token_needs_no_events_rule_permissions():
    outcome = run_stack(RULE, state_machine([RUN_TASK, PASS_ROLE],
                                            resource="arn:aws:states:::ecs:runTask.waitForTaskToken"), OFF)

    assert (outcome.messages, outcome.unknowns) == ([], [])


def test_a_state_machine_definition_not_known_yet_is_inconclusive_naming_it():
    outcome = run_stack(RULE, state_machine(definition=UNKNOWN), OFF)

    assert (outcome.messages, outcome.unknowns) == ([], ["StateMachine 'etl' definition (not known yet)"])


def test_a_cluster_chosen_at_run_time_makes_a_cluster_condition_inconclusive():
    outcome = run_stack(RULE, state_machine(parameters={"Cluster.$": "$.cluster"}), OFF)

    assert outcome.messages == []
    assert outcome.unknowns[0] == (
        f"StateMachine 'etl' state 'Report' role Role '{LAUNCHER}': ecs:RunTask on {TASK_ARN} may be allowed by "
        f"statement 1 of RolePolicy '{LAUNCHER}-run' (condition {{\"ArnEquals\": {{\"ecs:cluster\": \"{CLUSTER_ARN}\"}}}}: "
        "the request's value of ecs:cluster is only partly known)")


# --- the role and its trust -------------------------------------------------------------


def test_a_schedule_role_that_trusts_events_instead_of_scheduler_is_refused():
    outcome = run_stack(RULE, schedule(service="events.amazonaws.com"), OFF)

    assert outcome.messages == [
        f"Schedule 'nightly' role {NAMED}: its trust policy does not let scheduler.amazonaws.com assume it "
        f"(no statement of the trust policy (assumeRolePolicy) of Role '{LAUNCHER}' lets scheduler.amazonaws.com "
        "calling sts:AssumeRole), so CreateSchedule fails with: ValidationException: The execution role you provide "
        "must allow AWS EventBridge Scheduler to assume the role. Add this statement to the role's assumeRolePolicy: "
        '{"Effect": "Allow", "Principal": {"Service": "scheduler.amazonaws.com"}, "Action": "sts:AssumeRole"}'
    ]


def test_a_state_machine_role_without_states_trust_quotes_create_state_machine():
    outcome = run_stack(RULE, state_machine(service="events.amazonaws.com"), OFF)

    assert outcome.messages == [
        f"StateMachine 'etl' state 'Report' role {NAMED}: its trust policy does not let "
        f"states.amazonaws.com assume it (no statement of the trust policy (assumeRolePolicy) of Role '{LAUNCHER}' "
        "lets states.amazonaws.com calling sts:AssumeRole), so CreateStateMachine fails with: "
        "AccessDeniedException: Neither the global service principal states.amazonaws.com, nor the regional one is "
        "authorized to assume the provided role. Add this statement to the role's assumeRolePolicy: "
        '{"Effect": "Allow", "Principal": {"Service": "states.amazonaws.com"}, "Action": "sts:AssumeRole"}'
    ]


def test_the_regional_step_functions_principal_is_trusted_too():
    outcome = run_stack(RULE, state_machine(service=f"states.{REGION}.amazonaws.com"), OFF)

    assert (outcome.messages, outcome.unknowns) == ([], [])


def test_a_trust_condition_on_another_source_account_is_refused():
    stack = event_target()
    role = next(s for s in stack if s.name == LAUNCHER)
    role.props["assumeRolePolicy"] = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "events.amazonaws.com"}, "Action": "sts:AssumeRole",
         "Condition": {"StringEquals": {"aws:SourceAccount": "210987654321"}}}]})
    outcome = run_stack(RULE, stack, OFF)

    assert len(outcome.messages) == 1
    assert outcome.messages[0].startswith(
        f"EventTarget 'nightly' role {NAMED}: its trust policy does not let events.amazonaws.com assume it")


def test_a_launcher_role_outside_the_stack_without_look_ups_is_inconclusive_naming_it():
    outside = f"arn:aws:iam::{ACCOUNT}:role/shared-events-launcher"
    outcome = run_stack(RULE, event_target(roleArn=outside), OFF)

    assert (outcome.messages, outcome.unknowns) == ([], [
        f"EventTarget 'nightly' role {outside} outside the stack (live look-ups are off (liveLookups: off))"])


def test_a_launcher_role_not_known_yet_is_followed_through_the_graph():
    stack = event_target(roleArn=UNKNOWN)
    stack[-1].deps = {"roleArn": [LAUNCHER]}

    assert run_stack(RULE, stack, OFF).messages == []
    stack[-1].deps = {}
    assert run_stack(RULE, stack, OFF).unknowns == [
        "EventTarget 'nightly' roleArn (not known yet, and it depends on no aws:iam/role:Role of this stack)"]


def test_an_event_target_without_a_role_is_refused():
    outcome = run_stack(RULE, event_target(roleArn=None), OFF)

    assert outcome.messages == [
        "EventTarget 'nightly' sets no roleArn: EventBridge starts ECS tasks only with a role it can assume that may "
        "call ecs:RunTask and iam:PassRole. Set roleArn to such a role."
    ]


BOUNDARY_ARN = f"arn:aws:iam::{ACCOUNT}:policy/launcher-boundary"


def with_boundary(stack: list, *actions: str) -> list:
    role = next(s for s in stack if s.name == LAUNCHER)
    role.props["permissionsBoundary"] = BOUNDARY_ARN
    boundary = spec("aws:iam/policy:Policy", "launcher-boundary", {"name": "launcher-boundary", "arn": BOUNDARY_ARN,
                                                                  "policy": json.dumps({"Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": list(actions), "Resource": "*"}]})})
    return [*stack, boundary]


def test_a_permissions_boundary_that_omits_pass_role_refuses_it_whatever_the_policy_allows():
    outcome = run_stack(RULE, with_boundary(schedule(), "ecs:*"), OFF)

    assert len(outcome.messages) == 1
    assert outcome.messages[0].startswith(
        f"Schedule 'nightly' role {NAMED} may not call iam:PassRole on {EXEC_ARN} (the execution role Role "
        f"'report-execution' of TaskDefinition 'report': iam:PassRole on {EXEC_ARN} is allowed by statement 2 of "
        f"RolePolicy '{LAUNCHER}-run', but no permissions boundary allows the iam:PassRole action")
    assert (f"is not authorized to perform: iam:PassRole on resource: {EXEC_ARN} because no permissions boundary "
            "allows the iam:PassRole action. Allow the actions in the permissions boundary Policy 'launcher-boundary' "
            "as well; the role's policy and its boundary both need the statements ") in outcome.messages[0]


def test_a_permissions_boundary_that_allows_both_calls_passes():
    outcome = run_stack(RULE, with_boundary(schedule(), "ecs:RunTask", "iam:PassRole"), OFF)

    assert (outcome.messages, outcome.unknowns) == ([], [])


def test_organization_policies_declared_unknown_make_the_verdict_inconclusive():
    outcome = run_stack(RULE, event_target(), {**OFF, "organizationPolicies": "unknown"})

    assert outcome.messages == []
    assert outcome.unknowns == [
        f"EventTarget 'nightly' role Role '{LAUNCHER}': {call} is allowed by the stack's policies, but organization "
        "SCPs/RCPs (service control policies and resource control policies) may deny it (organizationPolicies: "
        "unknown)" for call in (f"ecs:RunTask on {TASK_ARN}", f"iam:PassRole on {EXEC_ARN}",
                                f"iam:PassRole on {TASK_ROLE_ARN}")]


# --- every shape of value a stack can hold reads as prose ---------------------------------

SHAPES = [None, True, False, [], {}, UNKNOWN, 0, 8443, "", "x"]


def _leaves(value, path=()):
    """Every (path, leaf) of a property value, and every container itself."""
    yield path
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _leaves(item, (*path, key))
    elif isinstance(value, list):
        for number, item in enumerate(value):
            yield from _leaves(item, (*path, number))


def _replaced(value, path, shape):
    if not path:
        return shape
    copy = json.loads(json.dumps(value))
    target = copy
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = shape
    return copy


def _variants():
    for stack in (event_target(ecs={"tags": {"team": "reports"}}), schedule(), state_machine()):
        launcher = stack[-1]
        for name in ("report", LAUNCHER):
            yield stack, next(s for s in stack if s.name == name)
        yield stack, launcher


def test_messages_never_print_python_literals_whatever_the_launcher_holds():
    from tests.policies.test_messages import offences

    bad = []
    for stack, resource in _variants():
        original = dict(resource.props)
        for prop, value in original.items():
            for path in _leaves(value):
                for shape in SHAPES:
                    resource.props = {**original, prop: _replaced(value, path, shape)}
                    outcome = run_stack(RULE, stack, OFF)
                    for message in [*outcome.messages, *outcome.unknowns, outcome.not_applicable or ""]:
                        if offences(message):
                            bad.append(f"{resource.name}.{prop}{list(path)} = {shape!r}: {message}")
        resource.props = original

    assert bad == []


def test_a_role_that_is_not_an_arn_is_refused_in_words():
    outcome = run_stack(RULE, state_machine(roleArn=True), OFF)

    assert outcome.messages == [
        "StateMachine 'etl' state 'Report' roleArn true is not a role ARN: Step Functions cannot assume it. Set roleArn "
        "to the ARN of a role it can assume."
    ]


# --- a launcher role and a task definition outside the stack, read from moto_server -----------


def _live(url):
    return {"liveLookups": "on", "awsEndpointUrl": url, "lookupTimeoutSeconds": 10.0, "awsRegion": REGION}


def _iam(moto):
    import boto3

    return boto3.client("iam", region_name=REGION, endpoint_url=moto.url)


SHARED = "platform-events-launcher"
SHARED_ARN = f"arn:aws:iam::{ACCOUNT}:role/{SHARED}"
EVENTS_MANAGED = "arn:aws:iam::aws:policy/service-role/AmazonEC2ContainerServiceEventsRole"


def test_a_shared_role_with_the_aws_managed_events_policy_passes(aws_credentials, moto):
    iam = _iam(moto)
    iam.create_role(RoleName=SHARED, AssumeRolePolicyDocument=trust("events.amazonaws.com"))
    iam.attach_role_policy(RoleName=SHARED, PolicyArn=EVENTS_MANAGED)
    outcome = run_stack(RULE, event_target(roleArn=SHARED_ARN), _live(moto.url))

    assert (outcome.messages, outcome.unknowns) == ([], [])


def test_a_shared_role_trusting_another_service_is_refused(aws_credentials, moto):
    iam = _iam(moto)
    iam.create_role(RoleName=SHARED, AssumeRolePolicyDocument=trust("ecs-tasks.amazonaws.com"))
    iam.attach_role_policy(RoleName=SHARED, PolicyArn=EVENTS_MANAGED)
    outcome = run_stack(RULE, event_target(roleArn=SHARED_ARN), _live(moto.url))

    assert outcome.messages == [
        f"EventTarget 'nightly' role {SHARED_ARN}: its trust policy does not let events.amazonaws.com assume it (no "
        f"statement of the trust policy of role {SHARED_ARN} lets events.amazonaws.com calling sts:AssumeRole), so "
        "every run of the rule fails to start the task (the rule's FailedInvocations metric counts them). Add this "
        'statement to the role\'s assumeRolePolicy: {"Effect": "Allow", "Principal": {"Service": '
        '"events.amazonaws.com"}, "Action": "sts:AssumeRole"}'
    ]


def test_a_shared_role_that_does_not_exist_is_refused(aws_credentials, moto):
    outcome = run_stack(RULE, event_target(roleArn=SHARED_ARN), _live(moto.url))

    assert outcome.messages == [
        f"EventTarget 'nightly' roleArn '{SHARED_ARN}' names a role that does not exist: EventBridge cannot assume it, "
        "so every run of the rule fails to start the task (the rule's FailedInvocations metric counts them). Create "
        "the role or point roleArn at an existing one."
    ]


def test_a_task_definition_outside_the_stack_is_read_for_the_roles_to_pass(aws_credentials, moto):
    import boto3

    ecs = boto3.client("ecs", region_name=REGION, endpoint_url=moto.url)
    registered = ecs.register_task_definition(
        family="shared-report", executionRoleArn=EXEC_ARN, taskRoleArn=TASK_ROLE_ARN, networkMode="awsvpc",
        requiresCompatibilities=["FARGATE"], cpu="256", memory="512",
        containerDefinitions=[{"name": "report", "image": "public.ecr.aws/acme/report:1.4.2"}],
    )["taskDefinition"]["taskDefinitionArn"]
    family_grant = {**RUN_TASK, "Resource": f"arn:aws:ecs:{REGION}:{ACCOUNT}:task-definition/shared-report:*"}
    only_execution = {**PASS_ROLE, "Resource": EXEC_ARN}
    outcome = run_stack(RULE, event_target([family_grant, only_execution], ecs={"taskDefinitionArn": registered}),
                        _live(moto.url))

    assert len(outcome.messages) == 1
    assert outcome.messages[0].startswith(
        f"EventTarget 'nightly' role {NAMED} may not call iam:PassRole on {TASK_ROLE_ARN} (the task role Role "
        f"'report-task' of TaskDefinition 'shared-report:1': no statement allows iam:PassRole on {TASK_ROLE_ARN})")
