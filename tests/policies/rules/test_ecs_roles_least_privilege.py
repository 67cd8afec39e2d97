"""ecs-roles-least-privilege on stacks built from plain resources: one change per case, exact messages."""

from __future__ import annotations

import json

from tests.policies.rules.execution_role_cases import (
    ECS_TRUST,
    KEY_ARN,
    LEAST,
    OFF,
    PARAMS,
    ROLE,
    TASK,
    VIA_SSM,
    secrets_policy,
    stack,
)
from tests.policies.test_ecs_harness import ACCOUNT, REGION, run_stack, spec


def test_the_field_notes_broad_grants_are_named_with_the_narrow_ones():
    policy = secrets_policy({"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "*"})
    rp = spec("aws:iam/rolePolicy:RolePolicy", "exec-secrets", {"role": ROLE, "policy": policy})
    ssm_ro = spec("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "exec-ssm",
                  {"role": ROLE, "policyArn": "arn:aws:iam::aws:policy/AmazonSSMReadOnlyAccess"})

    outcome = run_stack(LEAST, stack(**{"exec-secrets": rp, "exec-ssm": ssm_ro}), OFF)

    narrow = (f"The execution role needs only AmazonECSTaskExecutionRolePolicy (image pull and logs) plus "
              f"ssm:GetParameters on {', '.join(PARAMS)}; kms:Decrypt on {KEY_ARN} with kms:ViaService "
              f"ssm.{REGION}.amazonaws.com.")
    assert outcome.messages == [
        f"execution role Role 'exec' (used by {TASK}) has the AWS-managed policy AmazonSSMReadOnlyAccess attached, "
        f"which grants ssm:Get*, ssm:Describe* and ssm:List* on every parameter. {narrow}",
        f"execution role Role 'exec' (used by {TASK}): statement 1 of RolePolicy 'exec-secrets' allows kms:Decrypt "
        f'on "*" (every resource). {narrow}',
    ]


def test_decrypt_on_every_key_is_broad_even_behind_a_via_service_condition():
    policy = secrets_policy({"Effect": "Allow", "Action": "ssm:GetParameters", "Resource": PARAMS},
                            {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "*", "Condition": VIA_SSM})
    rp = spec("aws:iam/rolePolicy:RolePolicy", "exec-secrets", {"role": ROLE, "policy": policy})

    outcome = run_stack(LEAST, stack(**{"exec-secrets": rp}), OFF)

    assert [m.split(". ")[0] for m in outcome.messages] == [
        f"execution role Role 'exec' (used by {TASK}): statement 2 of RolePolicy 'exec-secrets' allows kms:Decrypt "
        'on "*" (every resource)']


def test_a_task_role_with_administrator_access_is_flagged():
    task_role = spec("aws:iam/role:Role", "app", {"name": "library-app", "assumeRolePolicy": json.dumps(ECS_TRUST),
                                                  "managedPolicyArns": ["arn:aws:iam::aws:policy/AdministratorAccess"]})

    outcome = run_stack(LEAST, stack(task_props={"taskRoleArn": f"arn:aws:iam::{ACCOUNT}:role/library-app"})
                        + [task_role], OFF)

    assert outcome.messages == [
        f"task role Role 'app' (used by {TASK}) has the AWS-managed policy AdministratorAccess attached, which grants "
        "every action on every resource. Grant the task role only the actions the application calls, on the ARNs "
        "it uses."
    ]


def test_service_wide_wildcards_are_flagged():
    policy = secrets_policy({"Effect": "Allow", "Action": ["secretsmanager:*", "ssm:GetParameters"],
                             "Resource": PARAMS})
    rp = spec("aws:iam/rolePolicy:RolePolicy", "exec-secrets", {"role": ROLE, "policy": policy})

    outcome = run_stack(LEAST, stack(**{"exec-secrets": rp}), OFF)

    assert [m.split(". ")[0] for m in outcome.messages] == [
        f"execution role Role 'exec' (used by {TASK}): statement 1 of RolePolicy 'exec-secrets' allows "
        '"secretsmanager:*" (every secretsmanager action)']
