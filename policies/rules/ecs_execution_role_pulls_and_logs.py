"""ecs-execution-role-pulls-and-logs: the execution role can pull the task's private ECR images and
write its awslogs streams.
"""

from __future__ import annotations

from pulumi_policy import Severity

from kit import Findings, stack_policy
from model import ecs as ecs_model
from model.aws_types import CLOUDWATCH_LOG_GROUP, ECR_REPOSITORY
from model.iam_conditions import partly_known
from model.iam_eval import Request, shown
from model.iam_roles import Place, RoleView, arn_of
from model.stack_index import StackIndex
from rules._execution_roles import (
    EXECUTION_ROLE_DOC,
    Task,
    access_denied,
    and_joined,
    each_task,
    execution_role_schema,
    fix_with,
    judge_requests,
    request_context,
    statement_json,
)

PULL_ACTIONS = ("ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage")


LOG_ACTIONS = ("logs:CreateLogStream", "logs:PutLogEvents")


def _validate_pulls_and_logs(index: StackIndex, findings: Findings, config: dict) -> None:
    stack, tasks = each_task(index, config, findings)
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
    context = request_context(task.place, role)
    token = Request("ecr:GetAuthorizationToken", "*", context)

    def describe_token(failed):
        [(_, verdict)] = failed
        return (f"{task.label} container '{images[0][0].name}' image {images[0][0].image}: execution role {role.label} "
                f"cannot call ecr:GetAuthorizationToken: {verdict.reason}. ECS would stop the task with: "
                f"{access_denied(role, task.place, 'ecr:GetAuthorizationToken', '*', verdict)}. "
                f"{fix_with(verdict, statement_json('ecr:GetAuthorizationToken', '*'))}")

    judge_requests(findings, task, role, [token], describe_token)
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
                    f"CannotPullContainerError: {access_denied(role, place, actions[0], arn, failed[0][1])}. "
                    f"{fix_with(failed[0][1], statement_json(list(PULL_ACTIONS), arn))}")

        judge_requests(findings, task, role, [Request(action, arn, context) for action in PULL_ACTIONS], describe)


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
    context = request_context(place, role)
    requests = [Request(a, group_arn + ":log-stream:" if a == "logs:CreateLogGroup" else stream_arn, context)
                for a in actions]

    def describe(failed):
        missing = [request.action for request, _ in failed]
        reasons = "; ".join(verdict.reason for _, verdict in failed)
        first_request, first_verdict = failed[0]
        return (f"{task.label} container '{container.name}' logConfiguration awslogs-group {group!r}: execution role "
                f"{role.label} cannot call {and_joined(missing)} on {shown(group_arn)}: {reasons}. ECS would stop the task "
                f"with: ResourceInitializationError: failed to validate logger args: "
                f"{access_denied(role, place, first_request.action, first_request.resource, first_verdict)}. "
                f"{fix_with(first_verdict, statement_json(actions, group_arn + ':*'))}")

    judge_requests(findings, task, role, requests, describe)


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
    config_schema=execution_role_schema(),
)
