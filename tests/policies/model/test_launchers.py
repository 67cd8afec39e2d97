"""model.launchers: every launcher of ECS tasks read into one shape, each launcher's own casing."""

from __future__ import annotations

import json

from model.launchers import TaskLaunch, default_strategy, task_definition_ref, task_launches
from model.stack_index import StackIndex
from model.values import UNKNOWN, Resource

ACCOUNT = "123456789012"
REGION = "us-east-1"
CLUSTER_ARN = f"arn:aws:ecs:{REGION}:{ACCOUNT}:cluster/jobs"
TASK_ARN = f"arn:aws:ecs:{REGION}:{ACCOUNT}:task-definition/report:3"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/launcher"

TYPES = {
    "cluster": "aws:ecs/cluster:Cluster",
    "ccp": "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders",
    "service": "aws:ecs/service:Service",
    "taskset": "aws:ecs/taskSet:TaskSet",
    "task": "aws:ecs/taskDefinition:TaskDefinition",
    "target": "aws:cloudwatch/eventTarget:EventTarget",
    "schedule": "aws:scheduler/schedule:Schedule",
    "sfn": "aws:sfn/stateMachine:StateMachine",
}


def res(kind: str, logical: str, deps: dict[str, list[str]] | None = None, /, **props) -> Resource:
    urn = f"urn:pulumi:dev::p::{TYPES[kind]}::{logical}"
    return Resource(TYPES[kind], logical, urn, props, property_dependencies=deps or {})


def cluster(**props) -> Resource:
    return res("cluster", "jobs", name="jobs", arn=CLUSTER_ARN, **props)


def task() -> Resource:
    return res("task", "report", family="report", arn=TASK_ARN)


NETWORK = {"subnets": ["subnet-1"], "securityGroups": ["sg-1"], "assignPublicIp": False}


def launches_of(*resources: Resource) -> tuple[list[TaskLaunch], list[str]]:
    return task_launches(StackIndex(resources))


def one(*resources: Resource) -> TaskLaunch:
    launches, unreadable = launches_of(*resources)
    assert unreadable == []
    assert len(launches) == 1
    return launches[0]


def state_machine(states: dict, **extra) -> Resource:
    return res("sfn", "etl", roleArn=ROLE_ARN,
               definition=json.dumps({"StartAt": next(iter(states)), "States": states, **extra}))


def run_task(resource: str = "arn:aws:states:::ecs:runTask.sync", **parameters) -> dict:
    return {"Type": "Task", "Resource": resource, "End": True,
            "Parameters": {"Cluster": CLUSTER_ARN, "TaskDefinition": TASK_ARN, **parameters}}


# --- services and task sets -------------------------------------------------------------


def test_service_with_fargate_launch_type():
    launch = one(cluster(), task(), res("service", "api", cluster=CLUSTER_ARN, taskDefinition=TASK_ARN,
                                        launchType="FARGATE", networkConfiguration=NETWORK))
    assert launch.label == "Service 'api'"
    assert launch.task_definition == TASK_ARN
    assert launch.network_configuration == NETWORK
    assert launch.network_path == "networkConfiguration"
    assert launch.fargate is True
    assert launch.cluster == CLUSTER_ARN
    assert launch.role is None
    assert launch.is_service


def test_task_set_with_fargate_spot_strategy():
    launch = one(cluster(), res("taskset", "blue", cluster=CLUSTER_ARN, taskDefinition=TASK_ARN,
                                capacityProviderStrategies=[{"capacityProvider": "FARGATE_SPOT", "weight": 1}]))
    assert launch.label == "TaskSet 'blue'"
    assert launch.fargate is True
    assert launch.network_configuration is None


def test_service_on_an_auto_scaling_capacity_provider_is_not_fargate():
    launch = one(cluster(), res("service", "api", cluster=CLUSTER_ARN, taskDefinition=TASK_ARN,
                                capacityProviderStrategies=[{"capacityProvider": "FARGATE"},
                                                            {"capacityProvider": "asg-large"}]))
    assert launch.fargate is False


def test_unknown_capacity_provider_leaves_fargate_unknown():
    launch = one(cluster(), res("service", "api", cluster=CLUSTER_ARN, taskDefinition=TASK_ARN,
                                capacityProviderStrategies=[{"capacityProvider": UNKNOWN}]))
    assert launch.fargate is None


def test_no_strategy_reads_the_cluster_default_from_cluster_capacity_providers():
    attachment = res("ccp", "jobs", clusterName="jobs", capacityProviders=["FARGATE", "FARGATE_SPOT"],
                     defaultCapacityProviderStrategies=[{"capacityProvider": "FARGATE_SPOT", "weight": 4},
                                                        {"capacityProvider": "FARGATE", "weight": 1}])
    launch = one(cluster(), attachment, res("service", "api", cluster=CLUSTER_ARN, taskDefinition=TASK_ARN))
    assert launch.fargate is True


def test_cluster_default_strategy_matched_through_the_graph_when_the_name_is_unknown():
    stack_cluster = cluster()
    attachment = res("ccp", "jobs", {"clusterName": [stack_cluster.urn]}, clusterName=UNKNOWN,
                     defaultCapacityProviderStrategies=[{"capacityProvider": "asg"}])
    index = StackIndex([stack_cluster, attachment])
    assert default_strategy(index, stack_cluster) == [{"capacityProvider": "asg"}]
    launch = one(stack_cluster, attachment,
                 res("service", "api", {"cluster": [stack_cluster.urn]}, cluster=UNKNOWN,
                     taskDefinition=TASK_ARN))
    assert launch.fargate is False


def test_cluster_default_strategy_of_a_pulumi_aws_5_cluster():
    launch = one(cluster(defaultCapacityProviderStrategies=[{"capacityProvider": "FARGATE"}]),
                 res("service", "api", cluster="jobs", taskDefinition=TASK_ARN))
    assert launch.fargate is True


def test_cluster_without_default_strategy_means_ec2():
    launch = one(cluster(), res("service", "api", cluster=CLUSTER_ARN, taskDefinition=TASK_ARN))
    assert launch.fargate is False


def test_cluster_outside_the_stack_leaves_fargate_unknown():
    launch = one(res("service", "api", cluster="arn:aws:ecs:us-east-1:123456789012:cluster/shared",
                     taskDefinition=TASK_ARN))
    assert launch.fargate is None


def test_unknown_launch_type_leaves_fargate_unknown():
    launch = one(cluster(), res("service", "api", cluster=CLUSTER_ARN, taskDefinition=TASK_ARN, launchType=UNKNOWN))
    assert launch.fargate is None


def test_external_controller_service_without_task_definition_starts_nothing():
    launches, unreadable = launches_of(cluster(), res("service", "api", cluster=CLUSTER_ARN,
                                                      deploymentController={"type": "EXTERNAL"}))
    assert (launches, unreadable) == ([], [])


# --- EventBridge targets ----------------------------------------------------------------


def test_event_target_with_ecs_target():
    target = res("target", "nightly", arn=CLUSTER_ARN, roleArn=ROLE_ARN, rule="nightly",
                 ecsTarget={"taskDefinitionArn": TASK_ARN, "launchType": "FARGATE", "taskCount": 1,
                            "networkConfiguration": {"subnets": ["subnet-1"], "securityGroups": ["sg-1"],
                                                     "assignPublicIp": True}})
    launch = one(cluster(), target)
    assert launch.label == "EventTarget 'nightly'"
    assert launch.task_definition == TASK_ARN
    assert launch.task_definition_path == "ecsTarget.taskDefinitionArn"
    assert launch.network_configuration == {"subnets": ["subnet-1"], "securityGroups": ["sg-1"],
                                            "assignPublicIp": True}
    assert launch.network_path == "ecsTarget.networkConfiguration"
    assert launch.fargate is True
    assert launch.cluster == CLUSTER_ARN
    assert launch.role == ROLE_ARN
    assert launch.role_path == "roleArn"
    assert not launch.is_service


def test_event_target_without_ecs_target_starts_no_task():
    assert launches_of(res("target", "to-lambda", arn="arn:aws:lambda:us-east-1:123456789012:function:f")) == ([], [])


def test_event_target_with_unknown_ecs_target_is_named():
    assert launches_of(res("target", "nightly", arn=CLUSTER_ARN, ecsTarget=UNKNOWN)) == (
        [], ["EventTarget 'nightly' ecsTarget (not known yet)"])


def test_event_target_strategy_absent_reads_the_cluster_default():
    attachment = res("ccp", "jobs", clusterName="jobs",
                     defaultCapacityProviderStrategies=[{"capacityProvider": "FARGATE"}])
    stack_cluster = cluster()
    target = res("target", "nightly", {"arn": [stack_cluster.urn]}, arn=UNKNOWN, roleArn=ROLE_ARN,
                 ecsTarget={"taskDefinitionArn": TASK_ARN})
    assert one(stack_cluster, attachment, target).fargate is True


# --- Scheduler schedules ----------------------------------------------------------------


def test_schedule_with_ecs_parameters():
    schedule = res("schedule", "nightly", scheduleExpression="cron(0 3 * * ? *)",
                   target={"arn": CLUSTER_ARN, "roleArn": ROLE_ARN,
                           "ecsParameters": {"taskDefinitionArn": TASK_ARN,
                                             "capacityProviderStrategies": [{"capacityProvider": "FARGATE"}],
                                             "networkConfiguration": {"subnets": ["subnet-1"],
                                                                      "assignPublicIp": False}}})
    launch = one(cluster(), schedule)
    assert launch.label == "Schedule 'nightly'"
    assert launch.task_definition_path == "target.ecsParameters.taskDefinitionArn"
    assert launch.network_configuration == {"subnets": ["subnet-1"], "securityGroups": None,
                                            "assignPublicIp": False}
    assert launch.network_path == "target.ecsParameters.networkConfiguration"
    assert launch.fargate is True
    assert launch.role == ROLE_ARN
    assert launch.role_path == "target.roleArn"
    assert launch.source_property == "target"


def test_schedule_of_another_target_starts_no_task():
    schedule = res("schedule", "ping", target={"arn": "arn:aws:sqs:us-east-1:123456789012:q", "roleArn": ROLE_ARN})
    assert launches_of(schedule) == ([], [])


def test_schedule_with_unknown_target_is_named():
    assert launches_of(res("schedule", "nightly", target=UNKNOWN)) == ([], ["Schedule 'nightly' target (not known yet)"])


# --- Step Functions state machines ------------------------------------------------------


def test_state_machine_run_task_sync():
    machine = state_machine({"Transform": run_task(
        LaunchType="FARGATE",
        NetworkConfiguration={"AwsvpcConfiguration": {"Subnets": ["subnet-1"], "SecurityGroups": ["sg-1"],
                                                      "AssignPublicIp": "ENABLED"}})})
    launch = one(cluster(), machine)
    assert launch.label == "StateMachine 'etl'"
    assert launch.where == "StateMachine 'etl' state 'Transform'"
    assert launch.state == "Transform"
    assert launch.integration == "runTask.sync"
    assert launch.task_definition == TASK_ARN
    assert launch.task_definition_path == "definition.States.Transform.Parameters.TaskDefinition"
    assert launch.network_configuration == {"subnets": ["subnet-1"], "securityGroups": ["sg-1"],
                                            "assignPublicIp": True}
    assert launch.network_path == "definition.States.Transform.Parameters.NetworkConfiguration.AwsvpcConfiguration"
    assert launch.fargate is True
    assert launch.cluster == CLUSTER_ARN
    assert launch.role == ROLE_ARN


def test_state_machine_integrations_and_nested_states():
    machine = state_machine({
        "Fan": {"Type": "Parallel", "Next": "Each", "Branches": [
            {"StartAt": "A", "States": {"A": run_task("arn:aws:states:::ecs:runTask")}},
            {"StartAt": "B", "States": {"B": run_task("arn:aws:states:::ecs:runTask.waitForTaskToken")}},
        ]},
        "Each": {"Type": "Map", "End": True, "ItemProcessor": {
            "StartAt": "C", "States": {"C": run_task(), "Skip": {"Type": "Pass", "End": True}}}},
        "Old": {"Type": "Map", "End": True, "Iterator": {"StartAt": "D", "States": {"D": run_task()}}},
        "Notify": {"Type": "Task", "Resource": "arn:aws:states:::sns:publish", "End": True},
    })
    launches, unreadable = launches_of(cluster(), machine)
    assert unreadable == []
    assert [(launch.state, launch.integration, launch.task_definition_path) for launch in launches] == [
        ("A", "runTask", "definition.States.Fan.Branches[0].States.A.Parameters.TaskDefinition"),
        ("B", "runTask.waitForTaskToken", "definition.States.Fan.Branches[1].States.B.Parameters.TaskDefinition"),
        ("C", "runTask.sync", "definition.States.Each.ItemProcessor.States.C.Parameters.TaskDefinition"),
        ("D", "runTask.sync", "definition.States.Old.Iterator.States.D.Parameters.TaskDefinition"),
    ]


def test_state_machine_definition_not_known_is_named():
    machine = res("sfn", "etl", roleArn=ROLE_ARN, definition=UNKNOWN)
    assert launches_of(machine) == ([], ["StateMachine 'etl' definition (not known yet)"])


def test_state_machine_definition_not_json_is_named():
    machine = res("sfn", "etl", roleArn=ROLE_ARN, definition="{not json")
    launches, unreadable = launches_of(machine)
    assert launches == []
    assert len(unreadable) == 1
    assert unreadable[0].startswith("StateMachine 'etl' definition (not valid JSON: ")


def test_state_machine_unknown_resource_is_named():
    machine = res("sfn", "etl", roleArn=ROLE_ARN, definition={
        "StartAt": "T", "States": {"T": {"Type": "Task", "Resource": UNKNOWN, "End": True}}})
    assert launches_of(machine) == ([], ["StateMachine 'etl' definition.States.T.Resource (not known yet)"])


def test_state_machine_values_chosen_at_run_time_are_unknown():
    machine = state_machine({"T": {"Type": "Task", "Resource": "arn:aws:states:::ecs:runTask.sync", "End": True,
                                   "Parameters": {"Cluster.$": "$.cluster", "TaskDefinition": TASK_ARN,
                                                  "LaunchType.$": "$.launchType",
                                                  "NetworkConfiguration": {"AwsvpcConfiguration": {
                                                      "Subnets.$": "$.subnets", "AssignPublicIp": "DISABLED"}}}}})
    launch = one(machine)
    assert launch.cluster is UNKNOWN
    assert launch.fargate is None
    assert launch.network_configuration == {"subnets": UNKNOWN, "securityGroups": None, "assignPublicIp": False}


def test_state_machine_jsonata_arguments():
    machine = state_machine({"T": {"Type": "Task", "Resource": "arn:aws:states:::ecs:runTask", "End": True,
                                   "Arguments": {"Cluster": "jobs", "TaskDefinition": "{% $states.input.task %}",
                                                 "LaunchType": "FARGATE"}}}, QueryLanguage="JSONata")
    launch = one(cluster(), machine)
    assert launch.task_definition is UNKNOWN
    assert launch.task_definition_path == "definition.States.T.Arguments.TaskDefinition"
    assert launch.cluster == "jobs"
    assert launch.fargate is True
    assert launch.network_configuration is None


def test_state_machine_without_cluster_uses_the_default_cluster():
    machine = state_machine({"T": {"Type": "Task", "Resource": "arn:aws:states:::ecs:runTask", "End": True,
                                   "Parameters": {"TaskDefinition": "report"}}})
    default = res("cluster", "default", name="default", arn=f"arn:aws:ecs:{REGION}:{ACCOUNT}:cluster/default")
    assert one(default, machine).fargate is False
    assert one(machine).fargate is None


# --- the task definition a launch names -------------------------------------------------


def test_task_definition_ref_by_arn_family_and_graph():
    definition = task()
    by_arn = one(definition, res("target", "a", arn=CLUSTER_ARN, ecsTarget={"taskDefinitionArn": TASK_ARN}))
    index = StackIndex([definition])
    assert task_definition_ref(index, by_arn).resource is definition
    by_family = one(state_machine({"T": run_task(TaskDefinition="report")}))
    assert task_definition_ref(index, by_family).resource is definition
    through_graph = res("schedule", "s", {"target": [definition.urn]},
                        target={"arn": CLUSTER_ARN, "roleArn": ROLE_ARN,
                                "ecsParameters": {"taskDefinitionArn": UNKNOWN}})
    launch = one(definition, through_graph)
    assert task_definition_ref(StackIndex([definition, through_graph]), launch).resource is definition
    outside = one(res("target", "b", arn=CLUSTER_ARN,
                      ecsTarget={"taskDefinitionArn": f"arn:aws:ecs:{REGION}:{ACCOUNT}:task-definition/other:1"}))
    ref = task_definition_ref(index, outside)
    assert (ref.resource, ref.resolved) == (None, True)


# --- what the RunTask request carries beside the task definition -------------------------


def test_event_target_tags_exec_and_input_overrides():
    override = f"arn:aws:iam::{ACCOUNT}:role/report-admin"
    target = res("target", "nightly", arn=CLUSTER_ARN, roleArn=ROLE_ARN,
                 input=json.dumps({"taskRoleArn": override, "containerOverrides": []}),
                 ecsTarget={"taskDefinitionArn": TASK_ARN, "tags": {"team": "data"}, "enableExecuteCommand": True})
    launch = one(cluster(), target)
    assert (launch.tags, launch.enable_execute_command, launch.role_overrides) == (
        {"team": "data"}, True, (("input taskRoleArn", override),))
    assert launch.cluster_property == "arn"


def test_event_target_input_not_known_or_templated_may_override_a_role():
    unknown_input = res("target", "a", arn=CLUSTER_ARN, input=UNKNOWN, ecsTarget={"taskDefinitionArn": TASK_ARN})
    templated = res("target", "b", arn=CLUSTER_ARN, ecsTarget={"taskDefinitionArn": TASK_ARN},
                    inputTransformer={"inputPaths": {"role": "$.detail.role"},
                                      "inputTemplate": '{"taskRoleArn": <role>}'})
    plain_template = res("target", "c", arn=CLUSTER_ARN, ecsTarget={"taskDefinitionArn": TASK_ARN},
                         inputTransformer={"inputTemplate": '{"containerOverrides": []}'})
    assert one(unknown_input).role_overrides == (("input", UNKNOWN),)
    assert one(templated).role_overrides == (("inputTransformer.inputTemplate", UNKNOWN),)
    assert one(plain_template).role_overrides == ()


def test_schedule_input_overrides_and_tags():
    schedule = res("schedule", "nightly", target={
        "arn": CLUSTER_ARN, "roleArn": ROLE_ARN, "input": json.dumps({"executionRoleArn": ROLE_ARN}),
        "ecsParameters": {"taskDefinitionArn": TASK_ARN, "tags": UNKNOWN}})
    launch = one(schedule)
    assert (launch.tags, launch.role_overrides, launch.cluster_property) == (
        UNKNOWN, (("target.input executionRoleArn", ROLE_ARN),), "target")


def test_state_machine_tags_exec_and_overrides():
    machine = state_machine({"T": run_task(
        Tags=[{"Key": "team", "Value": "data"}], EnableExecuteCommand=False,
        Overrides={"TaskRoleArn": ROLE_ARN, "ExecutionRoleArn.$": "$.role", "ContainerOverrides": []})})
    launch = one(machine)
    assert launch.tags == {"team": "data"}
    assert launch.enable_execute_command is False
    assert launch.role_overrides == (
        ("definition.States.T.Parameters.Overrides.TaskRoleArn", ROLE_ARN),
        ("definition.States.T.Parameters.Overrides.ExecutionRoleArn", UNKNOWN))
    dynamic = one(state_machine({"T": run_task(**{"Tags.$": "$.tags", "Overrides.$": "$.overrides"})}))
    assert (dynamic.tags, dynamic.role_overrides) == (
        UNKNOWN, (("definition.States.T.Parameters.Overrides", UNKNOWN),))
