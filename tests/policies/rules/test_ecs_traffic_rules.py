"""Cases that hold for the target-group and health-check rules together."""

from __future__ import annotations

from tests.policies.rules.ecs_traffic_cases import HEALTH, MATCHES, OFF
from tests.policies.test_ecs_harness import DELETE, TG, replace, run_stack, spec, web_stack


def test_matches_container_ignores_services_without_load_balancers_and_other_types():
    specs = replace(web_stack(), "web", loadBalancers=DELETE) + [spec(TG, "lonely", {"targetType": "instance"})]

    outcome = run_stack(MATCHES, specs, OFF)
    health = run_stack(HEALTH, specs, OFF)

    assert (outcome.violations, outcome.inconclusive) == ([], None)
    assert outcome.not_applicable == health.not_applicable == (
        "no ECS service or task set in the stack has a loadBalancers block")
