"""The pack's name and contents, for the engine's entry point (__main__.py), the docs and the tests."""

from pulumi_policy import Policy

from rules import POLICIES
from rules.ecs_task_launcher_can_run import ecs_task_launcher_can_run

PACK_NAME = "berth"

# Rules added by open issues (the catalog's second table) join their area: the launcher rule
# judges IAM, after the execution-role rules and ecs-roles-least-privilege.
_ADDED_AFTER = {"ecs-roles-least-privilege": [ecs_task_launcher_can_run]}


def all_policies() -> list[Policy]:
    policies: list[Policy] = []
    for policy in POLICIES:
        policies.append(policy)
        policies.extend(added for added in _ADDED_AFTER.get(policy.name, []) if added not in POLICIES)
    return policies
