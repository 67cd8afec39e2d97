"""stack-cost-within-budget: the stack's estimated monthly cost stays within the budget (an advisory rule).

Mechanisms (what AWS evaluates to decide this):
- **Fargate vCPU and GB hours** at each service's desired count, on the X86_64 or ARM64 price list
  (`runtimePlatform.cpuArchitecture`) — modelled; an architecture not known yet is priced at the
  cheaper ARM64 rate and named, so a verdict over budget says "at least".
  [Fargate pricing](https://aws.amazon.com/fargate/pricing/)
- **Load balancer hours** — modelled (capacity units are traffic). [ELB pricing](https://aws.amazon.com/elasticloadbalancing/pricing/)
- **NAT gateway hours** — modelled (data processing is traffic). [VPC pricing](https://aws.amazon.com/vpc/pricing/)
- **Interface endpoint hours per AZ** — modelled; gateway endpoints are free.
  [PrivateLink pricing](https://aws.amazon.com/privatelink/pricing/)
- **Traffic-dependent charges** (LCUs, data processing, logs) — not applicable: they depend on use, which
  no stack shows; the estimate is a floor and the message says so.

Inconclusive by design: a task size, desired count, endpoint type or subnets not known until update,
and task definitions outside the stack, when the known part stays within budget.
"""

from __future__ import annotations

from typing import Any

from pulumi_policy import Severity

from kit import Findings, stack_policy
from model.prices import cheapest_egress, estimate_stack
from model.stack_index import StackIndex


def _number(value: Any, default: float) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool) and value >= 0:
        return float(value)
    return default


def validate_cost(index: StackIndex, findings: Findings, config: dict) -> None:
    budget = _number(config.get("monthlyBudgetUsd"), 200.0)
    estimate = estimate_stack(index)
    if not (estimate.fargate_parts or estimate.load_balancers or estimate.nat_gateways or estimate.endpoints
            or estimate.unknown):
        findings.not_applicable("the stack has no Fargate service, load balancer, NAT gateway or interface endpoint")
    if estimate.total > budget:
        fargate = "; ".join(estimate.fargate_parts) or "none"

        def listed(labels: list[str]) -> str:
            return ", ".join(labels) or "none"

        at_least = "at least " if estimate.unknown else ""
        findings.violation(
            f"The stack's estimated monthly cost is {at_least}${estimate.total:.2f}, over the budget of "
            f"${budget:.2f} (monthlyBudgetUsd): Fargate ${estimate.fargate:.2f} ({fargate}); load balancers "
            f"${estimate.load_balancer_cost:.2f} ({listed(estimate.load_balancers)}); NAT gateways "
            f"${estimate.nat_cost:.2f} ({listed(estimate.nat_gateways)}); interface endpoints "
            f"${estimate.endpoint_cost:.2f} ({listed(estimate.endpoints)}); {cheapest_egress(estimate)}. Traffic "
            "charges come on top"
        )
    elif estimate.unknown:
        findings.inconclusive("the stack's monthly cost: " + "; ".join(estimate.unknown))


stack_cost_within_budget = stack_policy(
    name="stack-cost-within-budget",
    description=(
        "The stack's estimated monthly cost of Fargate tasks, load balancers, NAT gateways and interface "
        "endpoints stays within the configured budget."
    ),
    validate=validate_cost,
    severity=Severity.LOW,
    remediation_steps=(
        "Right-size task cpu/memory and desired counts, share one load balancer between services, and pick the "
        "cheapest network egress the message names (public IPs, one NAT gateway, or interface endpoints); or "
        "raise monthlyBudgetUsd for the stack if the cost is intended."
    ),
    url="https://docs.aws.amazon.com/cost-management/latest/userguide/budgets-managing-costs.html",
    config_schema={
        "monthlyBudgetUsd": {
            "type": "number",
            "minimum": 0,
            "default": 200,
            "description": "Monthly budget in USD for the always-on resources of the stack.",
        },
    },
)
