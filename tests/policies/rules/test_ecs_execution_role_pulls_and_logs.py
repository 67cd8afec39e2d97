"""ecs-execution-role-pulls-and-logs on stacks built from plain resources: one change per case, exact messages."""

from __future__ import annotations

from tests.policies.rules.execution_role_cases import (
    EXEC_MANAGED,
    GROUP,
    IMAGE,
    OFF,
    PULLS,
    ROLE,
    TASK,
    access_denied,
    container,
    secrets_policy,
    stack,
)
from tests.policies.test_ecs_harness import ACCOUNT, REGION, run_stack, spec

# The image's repository is not in these stacks and look-ups are off: its repository policy, which
# can deny the pull or grant it (ECR User Guide, "Private repository policies"), cannot be read.
REPO = f"arn:aws:ecr:{REGION}:{ACCOUNT}:repository/library"
UNREAD = "the repository policy of library (not read: live look-ups are off (liveLookups: off))"
POLICY_MAY_DENY = f"{TASK} execution role Role 'exec': its policies allow the pull from {REPO}, but {UNREAD} may deny it"
ONLY_POLICY_COULD = (f"{TASK} execution role Role 'exec': its own policies do not allow the pull from {REPO}, and only "
                     f"{UNREAD} could grant it")


def test_a_policy_attachment_with_several_roles_counts():
    attach = spec("aws:iam/policyAttachment:PolicyAttachment", "exec-managed",
                  {"roles": ["other", ROLE], "policyArn": EXEC_MANAGED})

    outcome = run_stack(PULLS, stack(**{"exec-managed": attach}), OFF)

    assert (outcome.messages, outcome.unknowns) == ([], [POLICY_MAY_DENY])


def test_without_the_managed_policy_the_role_cannot_pull_or_log():
    outcome = run_stack(PULLS, stack(drop=("exec-managed",)), OFF)

    group = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{GROUP}"
    assert outcome.messages == [
        f"{TASK} container 'web' image {IMAGE}: execution role Role 'exec' cannot call ecr:GetAuthorizationToken: "
        "no statement allows ecr:GetAuthorizationToken on *. ECS would stop the task with: "
        f"{access_denied('ecr:GetAuthorizationToken', '*')}. Add this statement to the execution role: "
        '{"Effect": "Allow", "Action": "ecr:GetAuthorizationToken", "Resource": "*"}',
        f"{TASK} container 'web' logConfiguration awslogs-group '{GROUP}': execution role Role 'exec' cannot call "
        f"logs:CreateLogStream and logs:PutLogEvents on {group}: no statement allows logs:CreateLogStream on "
        f"{group}:log-stream:<unknown>; no statement allows logs:PutLogEvents on {group}:log-stream:<unknown>. ECS "
        "would stop the task with: ResourceInitializationError: failed to validate logger args: "
        f"{access_denied('logs:CreateLogStream', group + ':log-stream:<unknown>')}. Add this statement to the "
        'execution role: {"Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"], '
        f'"Resource": "{group}:*"}}',
    ]
    assert outcome.unknowns == [ONLY_POLICY_COULD]


def test_scoped_pull_and_log_grants_pass():
    repo = f"arn:aws:ecr:{REGION}:{ACCOUNT}:repository/library"
    group = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{GROUP}:*"
    policy = secrets_policy(
        {"Effect": "Allow", "Action": "ecr:GetAuthorizationToken", "Resource": "*"},
        {"Effect": "Allow", "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer",
                                       "ecr:BatchCheckLayerAvailability"], "Resource": repo},
        {"Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"], "Resource": group})
    rp = spec("aws:iam/rolePolicy:RolePolicy", "exec-secrets", {"role": ROLE, "policy": policy})

    outcome = run_stack(PULLS, stack(drop=("exec-managed",), **{"exec-secrets": rp}), OFF)

    assert (outcome.messages, outcome.unknowns) == ([], [POLICY_MAY_DENY])


def test_awslogs_create_group_needs_create_log_group_when_the_group_is_not_in_the_stack():
    options = {"awslogs-group": GROUP, "awslogs-region": REGION, "awslogs-stream-prefix": "web",
               "awslogs-create-group": "true"}
    task = container(logConfiguration={"logDriver": "awslogs", "options": options})

    in_stack = run_stack(PULLS, stack(definitions=[task]), OFF)
    outside = run_stack(PULLS, stack(definitions=[task], drop=("logs",)), OFF)

    group = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{GROUP}"
    assert (in_stack.messages, in_stack.unknowns) == ([], [POLICY_MAY_DENY])
    assert outside.messages == [
        f"{TASK} container 'web' logConfiguration awslogs-group '{GROUP}': execution role Role 'exec' cannot call "
        f"logs:CreateLogGroup on {group}: no statement allows logs:CreateLogGroup on {group}:log-stream:. ECS would "
        "stop the task with: ResourceInitializationError: failed to validate logger args: "
        f"{access_denied('logs:CreateLogGroup', group + ':log-stream:')}. Add this statement to the execution role: "
        '{"Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents", "logs:CreateLogGroup"], '
        f'"Resource": "{group}:*"}}'
    ]


def test_public_images_need_no_pull_grant():
    task = container(image="public.ecr.aws/nginx/nginx:1.25", logConfiguration=None)

    outcome = run_stack(PULLS, stack(definitions=[task], drop=("exec-managed",)), OFF)

    assert (outcome.messages, outcome.unknowns) == ([], [])
