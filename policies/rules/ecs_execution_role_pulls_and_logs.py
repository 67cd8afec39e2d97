"""ecs-execution-role-pulls-and-logs: the execution role can pull the task's private ECR images and
write its awslogs streams.

Mechanisms (what AWS evaluates to decide this):
- **Identity policies** (inline `RolePolicy`, attached `RolePolicyAttachment`/`PolicyAttachment` of
  customer-managed and AWS-managed policies with their real documents, the Role's own `inline_policies` and
  `managed_policy_arns`; a role outside the stack read from IAM) — modelled. [IAM policy evaluation logic](https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html)
- **Permissions boundary** (`permissions_boundary`, a policy in the stack, AWS-managed, or read from IAM) —
  modelled: an action it does not allow is denied, a Deny in it denies; unreadable: inconclusive, named. [Permissions boundaries](https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html)
- **Explicit Deny, `NotAction`, `NotResource`, wildcards, policy variables** — modelled. [IAM policy evaluation logic](https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html)
- **Condition keys** (`aws:PrincipalArn`, `aws:PrincipalTag/*` from the role's tags, `aws:PrincipalAccount`,
  `aws:RequestedRegion`, `aws:ViaAWSService`, `aws:SecureTransport`, `aws:ResourceTag/*` of resources in the
  stack) — modelled; any other key (e.g. `aws:SourceIp`, `aws:SourceVpce`) — inconclusive, named. [Condition keys](https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html)
- **Organization SCPs/RCPs** — inconclusive, named, when the pack config `organizationPolicies` is `unknown`;
  absent by default (not visible from a stack). [SCPs](https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps.html), [RCPs](https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps.html)
- **ECR repository policies** (`aws.ecr.RepositoryPolicy`; read with a look-up for a repository outside the
  stack) — modelled: in one account an Allow in the identity or the repository policy suffices, a Deny in
  either denies (the policy has no Resource element: it covers its repository); a policy that cannot be read
  (a repository outside the stack without look-ups) is inconclusive, named. [Private repository policies](https://docs.aws.amazon.com/AmazonECR/latest/userguide/repository-policies.html)
- **ECR pull through cache** (`aws.ecr.PullThroughCacheRule` of the stack whose prefix the image's repository
  starts with) — modelled: the first pull also needs `ecr:BatchImportUpstreamImage` and `ecr:CreateRepository`.
  [Pull through cache](https://docs.aws.amazon.com/AmazonECR/latest/userguide/pull-through-cache.html)
- **awslogs `awslogs-create-group`** — modelled: `logs:CreateLogGroup` is needed when the group is not created
  by the stack. [awslogs driver](https://docs.aws.amazon.com/AmazonECS/latest/developerguide/using_awslogs.html)
- **CloudWatch Logs resource policies** — not applicable: they grant AWS services, not the role's log-stream
  writes. [CloudWatch Logs resource policies](https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/iam-access-control-overview-cwl.html)

Inconclusive by design: a role or boundary outside the stack without look-ups; condition keys the stack cannot
know (`aws:SourceIp`, `aws:SourceVpce`); the repository policy of a repository outside the stack without look-ups;
organization SCPs/RCPs when `organizationPolicies` is `unknown`.
"""

from __future__ import annotations

from pulumi_policy import Severity

from kit import Findings, stack_policy
from kit.shown import shown as in_words
from model import ecs as ecs_model
from model.aws_types import CLOUDWATCH_LOG_GROUP, ECR_REPOSITORY
from model.iam_access import authorize
from model.iam_conditions import partly_known
from model.iam_eval import Request, shown
from model.iam_resource_policies import PULL_THROUGH_CACHE_RULE, repository_policies
from model.iam_roles import Place, RoleView, arn_of
from model.stack_index import StackIndex
from model.values import Resource, is_unknown
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
    role_access,
    statement_json,
)

PULL_ACTIONS = ("ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage")


LOG_ACTIONS = ("logs:CreateLogStream", "logs:PutLogEvents")


# ECR User Guide, "Pull through cache": the first pull of an image through a cache rule creates
# the repository and imports the image with the puller's credentials.
CACHE_FIRST_PULL_ACTIONS = ("ecr:BatchImportUpstreamImage", "ecr:CreateRepository")


def _validate_pulls_and_logs(index: StackIndex, findings: Findings, config: dict) -> None:
    stack, tasks = each_task(index, config, findings)
    judged = False
    for task in tasks:
        containers = task.known_containers()
        images = [(c, i) for c in containers if (i := ecs_model.parse_image(c.image)) is not None and i.is_private_ecr]
        logged = [c for c in containers if c.uses_awslogs]
        if not images and not logged:
            continue
        judged = True
        role = stack.execution_role(task, findings)
        if role is None:
            continue
        if images:
            _judge_pull(findings, stack, task, role, images)
        done: set[str] = set()
        for container in logged:
            _judge_logs(findings, stack, task, role, container, done)
    if tasks and not judged:
        findings.not_applicable("no container uses a private ECR image or the awslogs log driver")


def _judge_pull(findings, stack, task: Task, role: RoleView, images) -> None:
    index = stack.index
    context = request_context(task.place, role)
    token = Request("ecr:GetAuthorizationToken", "*", context)
    first = images[0][0]

    def describe_token(failed):
        [(_, verdict)] = failed
        return (f"{task.label} container {in_words(first.name)} image {first.image}: execution role {role.label} "
                f"cannot call ecr:GetAuthorizationToken: {verdict.reason}. ECS would stop the task with: "
                f"{access_denied(role, task.place, 'ecr:GetAuthorizationToken', '*', verdict)}. "
                f"{fix_with(verdict, statement_json('ecr:GetAuthorizationToken', '*'))}")

    judge_requests(findings, task, role, [token], describe_token, role_access(stack, task, role))
    done: set[str] = set()
    for container, image in images:
        place = Place(task.place.partition, image.region, image.account)
        repositories = [r for r in index.of_type(ECR_REPOSITORY) if r.props.get("name") == image.repository]
        repository = repositories[0] if repositories else None
        arn = arn_of(repository, place) if repository else place.arn("ecr", f"repository/{image.repository}")
        if arn in done:
            continue
        done.add(arn)
        cache_rule = _pull_through_rule(index, image.repository) if repository is None else None
        actions = list(PULL_ACTIONS) + (list(CACHE_FIRST_PULL_ACTIONS) if cache_rule is not None else [])
        if cache_rule is not None:
            # The cached repository does not exist before its first pull, so it has no policy yet.
            policies = []
        else:
            policies = repository_policies(index, repository, image.repository, image.account, stack.live)
        access = role_access(stack, task, role, place, policies)
        requests = [Request(action, arn, context) for action in actions]
        unread = [p for p in policies if is_unknown(p.document)]
        if unread:
            # One line per repository: the pull hangs on a policy nobody could read.
            own = [authorize(role_access(stack, task, role, place), r) for r in requests]
            if all(v.allowed for v in own):
                findings.inconclusive(f"{task.label} execution role {role.label}: its policies allow the pull from "
                                      f"{shown(arn)}, but {unread[0].source} may deny it")
            else:
                findings.inconclusive(f"{task.label} execution role {role.label}: its own policies do not allow the "
                                      f"pull from {shown(arn)}, and only {unread[0].source} could grant it")
            continue

        def describe(failed, container=container, image=image, arn=arn, place=place, cache_rule=cache_rule,
                     actions=actions):
            names = [request.action for request, _ in failed]
            reasons = "; ".join(verdict.reason for _, verdict in failed)
            cache = ""
            if cache_rule is not None:
                cache = (f" The image comes through the pull through cache rule {cache_rule.label}: on the first pull "
                         f"ECR creates the repository {image.repository} and imports the image, which needs "
                         f"{and_joined(list(CACHE_FIRST_PULL_ACTIONS))} as well.")
            return (f"{task.label} container {in_words(container.name)} image {container.image}: execution role "
                    f"{role.label} cannot pull from the repository {shown(arn)}: {reasons}.{cache} "
                    f"ECS would stop the task with: CannotPullContainerError: "
                    f"{access_denied(role, place, names[0], arn, failed[0][1])}. "
                    f"{fix_with(failed[0][1], statement_json(actions, arn))}")

        judge_requests(findings, task, role, requests, describe, access)


def _pull_through_rule(index: StackIndex, repository: str) -> Resource | None:
    """The pull through cache rule of this stack whose prefix the repository name starts with."""
    for rule in index.of_type(PULL_THROUGH_CACHE_RULE):
        prefix = rule.props.get("ecrRepositoryPrefix")
        if isinstance(prefix, str) and prefix and not is_unknown(prefix) and repository.startswith(prefix + "/"):
            return rule
    return None


def _judge_logs(findings, stack, task: Task, role: RoleView, container, done: set[str]) -> None:
    index = stack.index
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
        return (f"{task.label} container {in_words(container.name)} logConfiguration awslogs-group {in_words(group)}: "
                f"execution role "
                f"{role.label} cannot call {and_joined(missing)} on {shown(group_arn)}: {reasons}. ECS would stop the task "
                f"with: ResourceInitializationError: failed to validate logger args: "
                f"{access_denied(role, place, first_request.action, first_request.resource, first_verdict)}. "
                f"{fix_with(first_verdict, statement_json(actions, group_arn + ':*'))}")

    judge_requests(findings, task, role, requests, describe, role_access(stack, task, role, place))


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
