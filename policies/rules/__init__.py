"""The pack's rules, one module per catalog rule, named after it (see ../shared/policy-catalog.md).

A module holds its rule's policy object, validator, messages and the helpers only it uses.
Modules whose name starts with an underscore hold what a family of rules shares.
`POLICIES` is the order the engine reports them in and the README's policy table lists them.
"""

from rules.ecr_repository_hardened import ecr_repository_hardened
from rules.ecs_alb_reaches_tasks import ecs_alb_reaches_tasks
from rules.ecs_blue_green_valid import ecs_blue_green_valid
from rules.ecs_execution_role_pulls_and_logs import ecs_execution_role_pulls_and_logs
from rules.ecs_execution_role_reads_secrets import ecs_execution_role_reads_secrets
from rules.ecs_execution_role_trusted import ecs_execution_role_trusted
from rules.ecs_health_checks_consistent import ecs_health_checks_consistent
from rules.ecs_image_pinned import ecs_image_pinned
from rules.ecs_no_plaintext_secrets import ecs_no_plaintext_secrets
from rules.ecs_roles_least_privilege import ecs_roles_least_privilege
from rules.ecs_rollout_zero_downtime import ecs_rollout_zero_downtime
from rules.ecs_subnets_reach_ecr import ecs_subnets_reach_ecr
from rules.ecs_subnets_reach_task_services import ecs_subnets_reach_task_services
from rules.ecs_target_group_matches_container import ecs_target_group_matches_container
from rules.ecs_task_launcher_can_run import ecs_task_launcher_can_run
from rules.fargate_task_size_valid import fargate_task_size_valid
from rules.stack_cost_within_budget import stack_cost_within_budget

POLICIES = [
    ecs_subnets_reach_ecr,
    ecs_subnets_reach_task_services,
    ecs_execution_role_trusted,
    ecs_execution_role_reads_secrets,
    ecs_execution_role_pulls_and_logs,
    ecs_roles_least_privilege,
    ecs_task_launcher_can_run,
    ecs_image_pinned,
    ecs_target_group_matches_container,
    ecs_health_checks_consistent,
    ecs_rollout_zero_downtime,
    ecs_blue_green_valid,
    fargate_task_size_valid,
    ecs_no_plaintext_secrets,
    ecr_repository_hardened,
    ecs_alb_reaches_tasks,
    stack_cost_within_budget,
]
