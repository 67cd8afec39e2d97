"""stack-cost-within-budget."""

from __future__ import annotations

from kit import resource_from_policy_resource
from model.prices import Estimate, cheapest_egress, estimate_stack
from model.stack_index import StackIndex
from model.values import UNKNOWN
from rules.stack_cost_within_budget import stack_cost_within_budget
from tests.policies.test_ecs_harness import (
    CLUSTER,
    DELETE,
    ENDPOINT,
    NAT,
    policy_resources,
    replace,
    run_stack,
    spec,
    web_stack,
)

RULE = stack_cost_within_budget


def test_stays_quiet_within_the_default_budget():
    outcome = run_stack(RULE, web_stack())

    assert (outcome.violations, outcome.inconclusive) == ([], None)


def test_estimate_of_the_web_stack():
    estimate = estimate_stack(StackIndex([resource_from_policy_resource(r) for r in policy_resources(web_stack())]))

    # 2 tasks × (0.25 vCPU × 0.04048 + 0.5 GB × 0.004445) × 730 h; one ALB × 0.0225 × 730 h.
    assert (round(estimate.fargate, 2), round(estimate.load_balancer_cost, 2), estimate.tasks) == (18.02, 16.43, 2)


def test_reports_the_breakdown_and_the_cheapest_egress_over_budget():
    specs = web_stack() + [
        spec(NAT, "nat-a"), spec(NAT, "nat-b"),
        spec(ENDPOINT, "ecr-api", {"vpcEndpointType": "Interface", "subnetIds": ["subnet-a", "subnet-b"]}),
        spec(ENDPOINT, "s3", {"vpcEndpointType": "Gateway"}),
    ]

    outcome = run_stack(RULE, specs, {"monthlyBudgetUsd": 50})

    assert outcome.violations == [(
        "The stack's estimated monthly cost is $114.75, over the budget of $50.00 (monthlyBudgetUsd): Fargate $18.02 "
        "(Service 'web' 2 × 0.25 vCPU/0.5 GB $18.02); load balancers $16.43 (LoadBalancer 'alb'); NAT gateways $65.70 "
        "(NatGateway 'nat-a', NatGateway 'nat-b'); interface endpoints $14.60 (VpcEndpoint 'ecr-api' × 2 AZ(s)); cheapest network egress for the tasks: public IPs on the tasks (2 × "
        "$3.65). Traffic charges come on top",
        None,
    )]


def test_prices_arm_tasks_at_the_arm_rate():
    specs = replace(web_stack(), "web-task", runtimePlatform={"cpuArchitecture": "ARM64"}, cpu="4096", memory="8192")
    replace(specs, "web", desiredCount=10)

    outcome = run_stack(RULE, specs, {"monthlyBudgetUsd": 100})

    # 10 tasks × (4 vCPU × 0.03238 + 8 GB × 0.00356) × 730 h = 1153.40
    assert outcome.messages == [
        "The stack's estimated monthly cost is $1169.83, over the budget of $100.00 (monthlyBudgetUsd): Fargate "
        "$1153.40 (Service 'web' 10 × 4 vCPU/8 GB $1153.40); load balancers $16.43 (LoadBalancer 'alb'); NAT gateways "
        "$0.00 (none); interface endpoints $0.00 (none); cheapest network egress for the tasks: one NAT gateway ($32.85 "
        "plus $0.045/GB). Traffic charges come on top"
    ]


def test_cheapest_egress_picks_endpoints_for_many_tasks_in_one_zone():
    estimate = Estimate(tasks=10, task_zones={"us-east-1a"}, services_needed={"ecr.api", "ecr.dkr", "logs"})

    assert cheapest_egress(estimate) == (
        "cheapest network egress for the tasks: interface endpoints (ecr.api, ecr.dkr, logs) in 1 AZ(s) plus the free "
        "S3 gateway endpoint ($21.90)"
    )


def test_is_inconclusive_when_unknown_sizes_keep_it_under_budget_and_says_at_least_when_over():
    unknown = replace(web_stack(True), "web", desiredCount=UNKNOWN)
    over = unknown + [spec(NAT, "nat-a")]

    assert (run_stack(RULE, unknown).violations, run_stack(RULE, unknown).unknowns) == (
        [], ["the stack's monthly cost: Service 'web' desiredCount and TaskDefinition 'web-task' cpu/memory"])
    assert run_stack(RULE, over, {"monthlyBudgetUsd": 40}).messages[0].startswith(
        "The stack's estimated monthly cost is at least $49.28, over the budget of $40.00")


def test_is_not_applicable_to_a_stack_without_billable_resources():
    outcome = run_stack(RULE, [s for s in web_stack() if s.name in ("vpc", "private-a", "web-repo")])

    assert outcome.not_applicable == (
        "the stack has no Fargate service, load balancer, NAT gateway or interface endpoint")


def test_ignores_services_on_ec2_and_other_types():
    specs = replace(web_stack(), "web", launchType="EC2")

    estimate_outcome = run_stack(RULE, specs, {"monthlyBudgetUsd": 17})

    assert (estimate_outcome.violations, estimate_outcome.inconclusive) == ([], None)


def test_an_architecture_not_known_yet_is_priced_at_the_cheaper_arm_rate_and_named():
    specs = replace(web_stack(), "web-task", runtimePlatform={"cpuArchitecture": UNKNOWN}, cpu="4096", memory="8192")
    replace(specs, "web", desiredCount=10)

    within = run_stack(RULE, specs, {"monthlyBudgetUsd": 2000})
    over = run_stack(RULE, specs, {"monthlyBudgetUsd": 100})

    assert (within.violations, within.unknowns) == (
        [], ["the stack's monthly cost: TaskDefinition 'web-task' runtimePlatform.cpuArchitecture"])
    # The ARM64 floor (see test_prices_arm_tasks_at_the_arm_rate), said as "at least".
    assert over.messages[0].startswith(
        "The stack's estimated monthly cost is at least $1169.83, over the budget of $100.00")


def test_an_architecture_that_is_not_a_string_is_priced_as_the_x86_default():
    specs = replace(web_stack(), "web-task", runtimePlatform={"cpuArchitecture": ["ARM64"]})

    estimate = estimate_stack(StackIndex([resource_from_policy_resource(r) for r in policy_resources(specs)]))

    assert (round(estimate.fargate, 2), estimate.unknown) == (18.02, [])


def _estimate(specs) -> Estimate:
    return estimate_stack(StackIndex([resource_from_policy_resource(r) for r in policy_resources(specs)]))


def test_a_service_without_launch_type_runs_where_its_cluster_default_strategy_says():
    # CreateService: with neither launchType nor a strategy the cluster's default strategy is used, and
    # with none the EC2 launch type.
    ec2 = replace(web_stack(), "web", launchType=DELETE, cluster="apps")
    ec2 += [spec(CLUSTER, "apps", {"name": "apps"})]
    spot = replace(web_stack(), "web", launchType=DELETE, cluster="apps")
    spot += [spec(CLUSTER, "apps", {"name": "apps", "defaultCapacityProviderStrategies": [
        {"capacityProvider": "FARGATE_SPOT", "weight": 1}]})]

    assert (_estimate(ec2).tasks, _estimate(ec2).unknown) == (0, [])
    assert (round(_estimate(spot).fargate, 2), _estimate(spot).unknown) == (18.02, [])


def test_a_cluster_outside_the_stack_leaves_the_launch_type_open_unless_the_task_runs_only_on_fargate():
    outside = "arn:aws:ecs:us-east-1:123456789012:cluster/shared"
    fargate_only = replace(web_stack(), "web", launchType=DELETE, cluster=outside)
    either = replace(web_stack(), "web", launchType=DELETE, cluster=outside)
    replace(either, "web-task", requiresCompatibilities=["EC2", "FARGATE"])

    assert (round(_estimate(fargate_only).fargate, 2), _estimate(fargate_only).unknown) == (18.02, [])
    assert (_estimate(either).tasks, _estimate(either).unknown) == (0, [
        "whether Service 'web' runs its tasks on Fargate (its cluster's default capacity provider strategy is not in "
        "the stack)"])
