"""ecs-execution-role-trusted on stacks built from plain resources: one change per case, exact messages."""

from __future__ import annotations

import json

from model.values import UNKNOWN
from tests.policies.rules.execution_role_cases import (
    ECS_TRUST,
    IMAGE,
    OFF,
    ROLE,
    ROLE_ARN,
    TASK,
    TRUSTED,
    container,
    stack,
)
from tests.policies.test_ecs_harness import ACCOUNT, REGION, containers, run_stack, spec


def test_an_execution_role_that_does_not_exist_quotes_the_ecs_error(aws_credentials, moto):
    outcome = run_stack(TRUSTED, stack(drop=("exec", "exec-managed", "exec-secrets")),
                        {"liveLookups": "on", "awsEndpointUrl": moto.url})

    assert outcome.messages == [
        f"{TASK} executionRoleArn '{ROLE_ARN}' names a role that does not exist. ECS would stop the task with: "
        f"ECS was unable to assume the role '{ROLE_ARN}' that was provided for this task. Please verify that the role "
        "being passed has the proper trust relationship and permissions and that your IAM user has permissions to "
        "pass this role. Create the role with a trust policy for ecs-tasks.amazonaws.com and the AWS-managed policy "
        "AmazonECSTaskExecutionRolePolicy, or point executionRoleArn at an existing one."
    ]


def test_a_role_outside_the_stack_without_look_ups_is_inconclusive():
    outcome = run_stack(TRUSTED, stack(drop=("exec", "exec-managed", "exec-secrets")), OFF)

    assert (outcome.messages, outcome.unknowns) == ([], [
        f"{TASK} execution role {ROLE_ARN} (live look-ups are off (liveLookups: off))"])


def test_no_execution_role_with_a_private_ecr_image_quotes_the_registration_error():
    outcome = run_stack(TRUSTED, stack(task_props={"executionRoleArn": None}), OFF)

    assert outcome.messages == [
        f"{TASK} executionRoleArn is not set, but its containers need an execution role for the private ECR image "
        f"{IMAGE}, the awslogs log driver and secrets. AWS fails with: ClientException: Fargate requires task "
        "definition to have execution role ARN to support ECR images. Set executionRoleArn to a role that "
        "ecs-tasks.amazonaws.com can assume, with the AWS-managed policy AmazonECSTaskExecutionRolePolicy attached."
    ]


def test_no_execution_role_with_awslogs_only():
    task = container(image="nginx:1.25", secrets=[])
    outcome = run_stack(TRUSTED, stack(task_props={"executionRoleArn": None}, definitions=[task]), OFF)

    assert outcome.messages == [
        f"{TASK} executionRoleArn is not set, but its containers need an execution role for the awslogs log driver. "
        "AWS fails with: ClientException: Fargate requires task definition to have execution role ARN to support "
        "log driver awslogs. Set executionRoleArn to a role that ecs-tasks.amazonaws.com can assume, with the "
        "AWS-managed policy AmazonECSTaskExecutionRolePolicy attached."
    ]


def test_a_task_that_needs_no_execution_role_may_go_without():
    task = container(image="nginx:1.25", secrets=[], logConfiguration=None)
    outcome = run_stack(TRUSTED, stack(task_props={"executionRoleArn": None}, definitions=[task]), OFF)

    assert (outcome.messages, outcome.unknowns) == ([], [])


def test_a_role_trusted_by_another_service_is_a_violation():
    ec2_trust = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
    role = spec("aws:iam/role:Role", "exec", {"name": ROLE, "assumeRolePolicy": json.dumps(ec2_trust), "arn": ROLE_ARN})

    outcome = run_stack(TRUSTED, stack(exec=role), OFF)

    assert outcome.messages == [
        f"{TASK} execution role Role 'exec': its trust policy does not let ecs-tasks.amazonaws.com assume it (no "
        "statement of the trust policy (assumeRolePolicy) of Role 'exec' lets ecs-tasks.amazonaws.com calling "
        f"sts:AssumeRole). ECS would stop the task with: ECS was unable to assume the role '{ROLE_ARN}' that was "
        "provided for this task. Please verify that the role being passed has the proper trust relationship and "
        "permissions and that your IAM user has permissions to pass this role. Add this statement to the role's "
        'assumeRolePolicy: {"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, '
        '"Action": "sts:AssumeRole"}'
    ]


def test_a_trust_policy_with_a_source_account_condition_is_evaluated():
    trust = {"Version": "2012-10-17", "Statement": [{**ECS_TRUST["Statement"][0], "Condition": {
        "StringEquals": {"aws:SourceAccount": ACCOUNT},
        "ArnLike": {"aws:SourceArn": f"arn:aws:ecs:{REGION}:{ACCOUNT}:*"}}}]}
    role = spec("aws:iam/role:Role", "exec", {"name": ROLE, "assumeRolePolicy": json.dumps(trust), "arn": ROLE_ARN})

    outcome = run_stack(TRUSTED, stack(exec=role), OFF)

    assert (outcome.messages, outcome.unknowns) == ([], [])


def test_a_role_matched_by_name_while_its_arn_is_unknown():
    role = spec("aws:iam/role:Role", "exec", {"name": ROLE, "assumeRolePolicy": json.dumps(ECS_TRUST), "arn": UNKNOWN})

    outcome = run_stack(TRUSTED, stack(exec=role), OFF)

    assert (outcome.messages, outcome.unknowns) == ([], [])


def test_an_unknown_role_arn_is_followed_to_the_role_through_the_graph():
    ec2_trust = json.dumps({"Statement": [
        {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
    role = spec("aws:iam/role:Role", "exec", {"name": UNKNOWN, "assumeRolePolicy": ec2_trust, "arn": UNKNOWN})
    task = spec("aws:ecs/taskDefinition:TaskDefinition", "library-task", {
        "family": "library-task", "executionRoleArn": UNKNOWN, "containerDefinitions": containers(container())},
        deps={"executionRoleArn": ["exec"]})

    outcome = run_stack(TRUSTED, stack(exec=role, **{"library-task": task}), OFF)

    assert len(outcome.messages) == 1
    assert outcome.messages[0].startswith(f"{TASK} execution role Role 'exec': its trust policy does not let")


def test_an_unknown_role_arn_without_a_dependency_is_inconclusive():
    outcome = run_stack(TRUSTED, stack(task_props={"executionRoleArn": UNKNOWN}), OFF)

    assert (outcome.messages, outcome.unknowns) == ([], [
        f"{TASK} executionRoleArn (not known yet, and it depends on no aws:iam/role:Role of this stack)"])


def test_an_unknown_trust_policy_is_inconclusive():
    role = spec("aws:iam/role:Role", "exec", {"name": ROLE, "assumeRolePolicy": UNKNOWN, "arn": ROLE_ARN})

    outcome = run_stack(TRUSTED, stack(exec=role), OFF)

    assert (outcome.messages, outcome.unknowns) == ([], [
        f"{TASK} execution role Role 'exec': the trust policy (assumeRolePolicy) of Role 'exec' is not known yet"])


def test_unknown_container_definitions_without_a_role_are_inconclusive():
    outcome = run_stack(TRUSTED, stack(task_props={"executionRoleArn": None, "containerDefinitions": UNKNOWN}), OFF)

    assert (outcome.messages, outcome.unknowns) == ([], [f"{TASK} containerDefinitions (not known yet)"])
