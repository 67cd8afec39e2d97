"""Every way a stack starts ECS tasks, in one shape the task rules read.

A task is started by an ECS service or task set, by an EventBridge rule target with an
`ecsTarget`, by an EventBridge Scheduler schedule with `target.ecsParameters`, or by a
Step Functions state machine whose definition has a Task state calling
`arn:aws:states:::ecs:runTask` (`.sync`, `.waitForTaskToken`), also inside Parallel
branches and Map item processors. Each names a task definition, a cluster, a launch
type or capacity provider strategy and (for awsvpc tasks) subnets, security groups and
a public IP flag, each in its own casing; `TaskLaunch` holds them in the ECS service's
casing so a rule judges a scheduled task exactly as it judges a service's.

A launcher whose launch cannot be read yet (a state machine definition not known at
preview, an `ecsTarget` that is unknown) is returned by name beside the launches: the
rules make what needs it inconclusive, never a pass.

Sources: ECS RunTask (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_RunTask.html)
— with neither `launchType` nor `capacityProviderStrategy` the cluster's default capacity
provider strategy is used; with no default strategy the launch type is EC2 (the provider's
`launchType` "Defaults to EC2", https://www.pulumi.com/registry/packages/aws/api-docs/ecs/service/);
EventBridge ECS targets (https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_EcsParameters.html);
Scheduler (https://docs.aws.amazon.com/scheduler/latest/APIReference/API_EcsParameters.html);
Step Functions (https://docs.aws.amazon.com/step-functions/latest/dg/connect-ecs.html).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from model.aws_types import ECS_CLUSTER, ECS_SERVICE, ECS_TASK_DEFINITION, ECS_TASK_SET
from model.stack_index import Ref, StackIndex
from model.values import UNKNOWN, Malformed, Resource, get_path, is_unknown, parse_json

EVENT_TARGET = "aws:cloudwatch/eventTarget:EventTarget"
SCHEDULE = "aws:scheduler/schedule:Schedule"
STATE_MACHINE = "aws:sfn/stateMachine:StateMachine"
ECS_CLUSTER_CAPACITY_PROVIDERS = "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders"

# The two capacity providers that run tasks on Fargate; AWS does not allow them in one
# strategy with an Auto Scaling group capacity provider.
FARGATE_PROVIDERS = ("FARGATE", "FARGATE_SPOT")

# Step Functions' ECS integration: request-response, run a job (.sync) and wait for a callback.
_RUN_TASK = re.compile(r"^arn:[a-z-]+:states:::ecs:runTask(?P<pattern>\.sync|\.waitForTaskToken)?$")


@dataclass(frozen=True)
class TaskLaunch:
    """One way the stack starts tasks; values are raw (may be UNKNOWN) unless said otherwise."""

    launcher: Resource            # the Service, TaskSet, EventTarget, Schedule or StateMachine
    label: str                    # "Service 'api'", "EventTarget 'nightly'", "StateMachine 'etl'"
    task_definition: Any          # the value naming the task definition (ARN / family:rev / UNKNOWN)
    network_configuration: Any    # {"subnets", "securityGroups", "assignPublicIp": bool}; None = none set
    network_path: str             # where the network configuration is, for messages
    fargate: bool | None          # runs on Fargate; None when not known
    cluster: Any                  # the cluster ARN or name as the launcher gives it (None: "default")
    role: Any                     # the role the launcher starts tasks with; None for services/task sets
    task_definition_path: str = "taskDefinition"  # where the task definition is named, for messages
    # The launcher's top-level property whose dependencies name the task definition and
    # cluster when their values are not known yet.
    source_property: str = "taskDefinition"
    role_path: str | None = None  # where the role is named, for messages
    # Step Functions only: the state's name, its path in the definition and the integration
    # pattern ("runTask", "runTask.sync", "runTask.waitForTaskToken").
    state: str | None = None
    integration: str | None = None
    # The launcher's property naming the cluster (its dependencies name the cluster when unknown).
    cluster_property: str = "cluster"
    # What the RunTask request carries beside the task definition: tags (a dict, UNKNOWN or
    # None), whether ECS Exec is on, and task/execution role overrides as (path, value).
    tags: Any = None
    enable_execute_command: Any = None
    role_overrides: tuple[tuple[str, Any], ...] = ()

    @property
    def is_service(self) -> bool:
        return self.launcher.type in (ECS_SERVICE, ECS_TASK_SET)

    @property
    def where(self) -> str:
        """The launcher, and the state for a state machine: how messages name this launch."""
        return f"{self.label} state {self.state!r}" if self.state is not None else self.label


def task_launches(index: StackIndex) -> tuple[list[TaskLaunch], list[str]]:
    """Every task launch in the stack, and the launchers that cannot be read yet, named
    ("StateMachine 'etl' definition (not known yet)") — the rules turn those into inconclusive."""
    launches: list[TaskLaunch] = []
    unreadable: list[str] = []
    for runner in index.of_type(ECS_SERVICE, ECS_TASK_SET):
        launch = _service_launch(index, runner)
        if launch is not None:
            launches.append(launch)
    for target in index.of_type(EVENT_TARGET):
        _event_target_launch(index, target, launches, unreadable)
    for schedule in index.of_type(SCHEDULE):
        _schedule_launch(index, schedule, launches, unreadable)
    for machine in index.of_type(STATE_MACHINE):
        _state_machine_launches(index, machine, launches, unreadable)
    return launches, unreadable


def launchers_other_than_services(launches: list[TaskLaunch]) -> list[TaskLaunch]:
    return [launch for launch in launches if not launch.is_service]


# --- services and task sets -------------------------------------------------------------


def _service_launch(index: StackIndex, runner: Resource) -> TaskLaunch | None:
    task_definition = runner.props.get("taskDefinition")
    if task_definition is None:
        # An EXTERNAL-controller service names no task definition: its task sets start the tasks.
        return None
    cluster = runner.props.get("cluster")
    return TaskLaunch(
        launcher=runner,
        label=runner.label,
        task_definition=task_definition,
        network_configuration=_ecs_network(runner.props.get("networkConfiguration")),
        network_path="networkConfiguration",
        fargate=_fargate(index, runner, "cluster", cluster, runner.props.get("launchType"),
                         runner.props.get("capacityProviderStrategies"), "capacityProvider"),
        cluster=cluster,
        role=None,
    )


def _ecs_network(config: Any) -> Any:
    """The service/EventBridge/Scheduler network block (same casing) in the service's shape."""
    if config is None or is_unknown(config):
        return config
    if not isinstance(config, dict):
        return None
    return {
        "subnets": config.get("subnets"),
        "securityGroups": config.get("securityGroups"),
        "assignPublicIp": config.get("assignPublicIp"),
    }


# --- EventBridge rule targets -----------------------------------------------------------


def _event_target_launch(index: StackIndex, target: Resource, launches: list[TaskLaunch],
                         unreadable: list[str]) -> None:
    ecs = target.props.get("ecsTarget")
    if ecs is None:
        return
    if is_unknown(ecs):
        unreadable.append(f"{target.label} ecsTarget (not known yet)")
        return
    if not isinstance(ecs, dict):
        return
    cluster = target.props.get("arn")
    launches.append(TaskLaunch(
        launcher=target,
        label=target.label,
        task_definition=ecs.get("taskDefinitionArn"),
        network_configuration=_ecs_network(ecs.get("networkConfiguration")),
        network_path="ecsTarget.networkConfiguration",
        fargate=_fargate(index, target, "arn", cluster, ecs.get("launchType"),
                         ecs.get("capacityProviderStrategies"), "capacityProvider"),
        cluster=cluster,
        role=target.props.get("roleArn"),
        task_definition_path="ecsTarget.taskDefinitionArn",
        source_property="ecsTarget",
        role_path="roleArn",
        cluster_property="arn",
        tags=_tag_map(ecs.get("tags")),
        enable_execute_command=ecs.get("enableExecuteCommand"),
        role_overrides=_input_overrides("input", target.props.get("input"))
        + _template_overrides(target),
    ))


# --- EventBridge Scheduler schedules ----------------------------------------------------


def _schedule_launch(index: StackIndex, schedule: Resource, launches: list[TaskLaunch],
                     unreadable: list[str]) -> None:
    target = schedule.props.get("target")
    if is_unknown(target):
        unreadable.append(f"{schedule.label} target (not known yet)")
        return
    ecs = get_path(target, "ecsParameters")
    if ecs is None:
        return
    if is_unknown(ecs):
        unreadable.append(f"{schedule.label} target.ecsParameters (not known yet)")
        return
    if not isinstance(ecs, dict):
        return
    cluster = get_path(target, "arn")
    launches.append(TaskLaunch(
        launcher=schedule,
        label=schedule.label,
        task_definition=ecs.get("taskDefinitionArn"),
        network_configuration=_ecs_network(ecs.get("networkConfiguration")),
        network_path="target.ecsParameters.networkConfiguration",
        fargate=_fargate(index, schedule, "target", cluster, ecs.get("launchType"),
                         ecs.get("capacityProviderStrategies"), "capacityProvider"),
        cluster=cluster,
        role=get_path(target, "roleArn"),
        task_definition_path="target.ecsParameters.taskDefinitionArn",
        source_property="target",
        role_path="target.roleArn",
        cluster_property="target",
        tags=_tag_map(ecs.get("tags")),
        enable_execute_command=ecs.get("enableExecuteCommand"),
        role_overrides=_input_overrides("target.input", get_path(target, "input")),
    ))


# --- Step Functions state machines ------------------------------------------------------


def _state_machine_launches(index: StackIndex, machine: Resource, launches: list[TaskLaunch],
                            unreadable: list[str]) -> None:
    definition = parse_json(machine.props.get("definition"))
    if definition is None:
        return
    if is_unknown(definition):
        unreadable.append(f"{machine.label} definition (not known yet)")
        return
    if isinstance(definition, Malformed):
        unreadable.append(f"{machine.label} definition (not valid JSON: {definition.error})")
        return
    language = definition.get("QueryLanguage") if isinstance(definition, dict) else None
    _walk_states(index, machine, definition, "definition", language, launches, unreadable)


def _walk_states(index: StackIndex, machine: Resource, machine_part: Any, path: str, language: Any,
                 launches: list[TaskLaunch], unreadable: list[str]) -> None:
    """The Task states of one state-machine body (the definition, a branch or an item processor)."""
    states = get_path(machine_part, "States")
    if is_unknown(states):
        unreadable.append(f"{machine.label} {path}.States (not known yet)")
        return
    if not isinstance(states, dict):
        return
    for name, state in states.items():
        where = f"{path}.States.{name}"
        if not isinstance(state, dict):
            continue
        state_language = state.get("QueryLanguage", language)
        kind = state.get("Type")
        if kind == "Parallel":
            for number, branch in enumerate(state.get("Branches") or []):
                _walk_states(index, machine, branch, f"{where}.Branches[{number}]", state_language,
                             launches, unreadable)
        elif kind == "Map":
            # ItemProcessor since 2022; Iterator is the older name AWS still accepts.
            for key in ("ItemProcessor", "Iterator"):
                if state.get(key) is not None:
                    _walk_states(index, machine, state.get(key), f"{where}.{key}", state_language,
                                 launches, unreadable)
        elif kind == "Task":
            _task_state(index, machine, name, state, where, state_language, launches, unreadable)


def _task_state(index: StackIndex, machine: Resource, name: str, state: dict, where: str, language: Any,
                launches: list[TaskLaunch], unreadable: list[str]) -> None:
    resource = state.get("Resource")
    if is_unknown(resource):
        unreadable.append(f"{machine.label} {where}.Resource (not known yet)")
        return
    match = _RUN_TASK.match(resource) if isinstance(resource, str) else None
    if match is None:
        return
    # JSONPath states pass the request in Parameters, JSONata states in Arguments.
    key = "Arguments" if language == "JSONata" else "Parameters"
    parameters = state.get(key)
    if is_unknown(parameters):
        unreadable.append(f"{machine.label} {where}.{key} (not known yet)")
        return
    parameters = parameters if isinstance(parameters, dict) else {}
    cluster = _parameter(parameters, "Cluster")
    network = _parameter(parameters, "NetworkConfiguration")
    awsvpc = _parameter(network, "AwsvpcConfiguration") if isinstance(network, dict) else network
    launches.append(TaskLaunch(
        launcher=machine,
        label=machine.label,
        task_definition=_parameter(parameters, "TaskDefinition"),
        network_configuration=_states_network(awsvpc),
        network_path=f"{where}.{key}.NetworkConfiguration.AwsvpcConfiguration",
        fargate=_fargate(index, machine, "definition", cluster, _parameter(parameters, "LaunchType"),
                         _parameter(parameters, "CapacityProviderStrategy"), "CapacityProvider"),
        cluster=cluster,
        role=machine.props.get("roleArn"),
        task_definition_path=f"{where}.{key}.TaskDefinition",
        source_property="definition",
        role_path="roleArn",
        state=name,
        integration="runTask" + (match.group("pattern") or ""),
        cluster_property="definition",
        tags=_state_tags(_parameter(parameters, "Tags")),
        enable_execute_command=_parameter(parameters, "EnableExecuteCommand"),
        role_overrides=_state_overrides(_parameter(parameters, "Overrides"), f"{where}.{key}.Overrides"),
    ))


def _parameter(parameters: Any, key: str) -> Any:
    """A request field of a Task state; one chosen at run time ("Key.$", JSONata "{% %}") is UNKNOWN."""
    if not isinstance(parameters, dict):
        return UNKNOWN if is_unknown(parameters) else None
    if f"{key}.$" in parameters:
        return UNKNOWN
    value = parameters.get(key)
    if isinstance(value, str) and value.strip().startswith("{%") and value.strip().endswith("%}"):
        return UNKNOWN
    return value


def _state_tags(tags: Any) -> Any:
    """Step Functions passes RunTask's tags as [{"Key", "Value"}]."""
    if tags is None or is_unknown(tags):
        return tags
    if not isinstance(tags, list):
        return None
    found: dict[str, Any] = {}
    for item in tags:
        key = _parameter(item, "Key")
        if not isinstance(key, str):
            return UNKNOWN
        found[key] = _parameter(item, "Value")
    return found


def _state_overrides(overrides: Any, path: str) -> tuple[tuple[str, Any], ...]:
    if is_unknown(overrides):
        return ((path, UNKNOWN),)
    found = []
    for key in ("TaskRoleArn", "ExecutionRoleArn"):
        value = _parameter(overrides, key)
        if value is not None:
            found.append((f"{path}.{key}", value))
    return tuple(found)


_PUBLIC_IP = {"ENABLED": True, "DISABLED": False}


def _states_network(awsvpc: Any) -> Any:
    if awsvpc is None or is_unknown(awsvpc):
        return awsvpc
    if not isinstance(awsvpc, dict):
        return None
    public_ip = _parameter(awsvpc, "AssignPublicIp")
    if isinstance(public_ip, str):
        public_ip = _PUBLIC_IP.get(public_ip.upper(), public_ip)
    return {
        "subnets": _parameter(awsvpc, "Subnets"),
        "securityGroups": _parameter(awsvpc, "SecurityGroups"),
        "assignPublicIp": public_ip,
    }


# --- what EventBridge and Scheduler targets add to the request ---------------------------


def _tag_map(tags: Any) -> Any:
    if tags is None or is_unknown(tags):
        return tags
    return dict(tags) if isinstance(tags, dict) else None


def _input_overrides(path: str, value: Any) -> tuple[tuple[str, Any], ...]:
    """Role overrides in a target's `input`: for an ECS target it is RunTask's `overrides` JSON
    (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_TaskOverride.html)."""
    if value is None:
        return ()
    document = parse_json(value)
    if is_unknown(document):
        return ((path, UNKNOWN),)
    if not isinstance(document, dict):
        return ()
    return tuple((f"{path} {key}", document[key]) for key in ("taskRoleArn", "executionRoleArn")
                 if document.get(key) is not None)


def _template_overrides(target: Resource) -> tuple[tuple[str, Any], ...]:
    """An input transformer's template is filled from the event at run time: a role named there
    is not known before it runs."""
    template = get_path(target.props, "inputTransformer", "inputTemplate")
    if is_unknown(template):
        return (("inputTransformer.inputTemplate", UNKNOWN),)
    if isinstance(template, str) and ("taskRoleArn" in template or "executionRoleArn" in template):
        return (("inputTransformer.inputTemplate", UNKNOWN),)
    return ()


# --- launch type, capacity providers and the cluster's default strategy ------------------


def _fargate(index: StackIndex, launcher: Resource, prop: str, cluster: Any, launch_type: Any,
             strategy: Any, provider_key: str) -> bool | None:
    """Whether the launch runs on Fargate: its launch type, its strategy or the cluster's default one."""
    if is_unknown(launch_type):
        return None
    if isinstance(launch_type, str) and launch_type:
        return launch_type.upper() == "FARGATE"
    if is_unknown(strategy):
        return None
    if isinstance(strategy, list) and strategy:
        return _strategy_is_fargate(strategy, provider_key)
    cluster_resource = cluster_of(index, launcher, prop, cluster)
    if cluster_resource is None:
        return None
    default = default_strategy(index, cluster_resource)
    if is_unknown(default):
        return None
    if not default:
        # No default strategy: RunTask and CreateService use the EC2 launch type.
        return False
    return _strategy_is_fargate(default, "capacityProvider")


def _strategy_is_fargate(strategy: list, provider_key: str) -> bool | None:
    providers = [get_path(item, provider_key) for item in strategy]
    if any(isinstance(p, str) and p.upper() not in FARGATE_PROVIDERS for p in providers):
        return False
    if any(not isinstance(p, str) for p in providers):
        return None
    return True


def cluster_of(index: StackIndex, launcher: Resource, prop: str, cluster: Any) -> Resource | None:
    """The stack's Cluster that `cluster` (an ARN or name, read from `prop`) names; None if not here.

    No cluster at all means the account's cluster named "default".
    """
    clusters = index.of_type(ECS_CLUSTER)
    if cluster is None:
        return next((c for c in clusters if c.props.get("name") == "default"), None)
    refs = index.refs(launcher, prop, cluster, ECS_CLUSTER, keys=("arn", "id", "name"))
    if refs and refs[0].resource is not None:
        return refs[0].resource
    if isinstance(cluster, str):
        name = cluster.rsplit("/", 1)[-1]
        return next((c for c in clusters if c.props.get("name") == name), None)
    return None


def default_strategy(index: StackIndex, cluster: Resource) -> Any:
    """The cluster's default capacity provider strategy: a list (empty: none), or UNKNOWN.

    Set by an `aws.ecs.ClusterCapacityProviders` for the cluster, or (pulumi-aws 5.x) by
    the Cluster's own `defaultCapacityProviderStrategies`.
    """
    for attachment in index.of_type(ECS_CLUSTER_CAPACITY_PROVIDERS):
        name = attachment.props.get("clusterName")
        refs = index.refs(attachment, "clusterName", name, ECS_CLUSTER, keys=("name", "arn", "id"))
        if not any(ref.resource is cluster for ref in refs):
            continue
        strategy = attachment.props.get("defaultCapacityProviderStrategies")
        return strategy if is_unknown(strategy) or isinstance(strategy, list) else []
    strategy = cluster.props.get("defaultCapacityProviderStrategies")
    return strategy if is_unknown(strategy) or isinstance(strategy, list) else []


# --- references a rule follows ----------------------------------------------------------


def task_definition_ref(index: StackIndex, launch: TaskLaunch) -> Ref | None:
    """The task definition a launch runs: in the stack (by ARN, family[:revision] or the graph),
    outside it, or unresolved; None when the launcher names none."""
    value = launch.task_definition
    if value is None:
        return None
    refs = index.refs(launch.launcher, launch.source_property, value, ECS_TASK_DEFINITION, keys=("arn", "id"))
    ref = refs[0] if refs else Ref(UNKNOWN, None)
    if ref.resource is None and isinstance(value, str):
        # "family", "family:revision" or an ARN ending in them name a family registered here.
        family = value.rsplit("/", 1)[-1].split(":", 1)[0]
        matches = [t for t in index.of_type(ECS_TASK_DEFINITION) if t.props.get("family") == family]
        if matches:
            return Ref(value, matches[0])
    return ref
