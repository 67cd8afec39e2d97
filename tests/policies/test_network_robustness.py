"""The network rules never raise, whatever a program passes: each property of each resource
of the compliant stacks is replaced by values of the wrong kind, unknowns or nothing."""

import copy

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pulumi_policy.policy import _NotApplicableError

from model.values import UNKNOWN
from rules.ecs_subnets_reach_ecr import ecs_subnets_reach_ecr
from rules.ecs_subnets_reach_task_services import ecs_subnets_reach_task_services
from tests.policies.model.test_network import private_with_endpoints, private_with_nat

SUBNET_REACH_RULES = [ecs_subnets_reach_ecr, ecs_subnets_reach_task_services]

ODD_VALUES = st.sampled_from([None, UNKNOWN, 0, -1, 443, True, "", "0.0.0.0/0", "x", [], [None], [UNKNOWN], {},
                              {"cidrBlock": UNKNOWN}, [{"protocol": UNKNOWN}], ["sg-task", 7], 3.5])
STACKS = {"nat": private_with_nat(), "endpoints": private_with_endpoints()}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(which=st.sampled_from(sorted(STACKS)), data=st.data())
def test_odd_property_values_never_raise(which, data):
    stack = copy.deepcopy(STACKS[which])
    keys = sorted(stack.items)
    for _ in range(data.draw(st.integers(min_value=1, max_value=4))):
        kind, name = data.draw(st.sampled_from(keys))
        props = stack.props(kind, name)
        prop = data.draw(st.sampled_from(sorted(props) + ["networkConfiguration", "routes", "ingress"]))
        holder, key = props, prop
        # Walk into nested objects and lists some of the way, so inner fields get odd values too.
        while isinstance(holder.get(key) if isinstance(holder, dict) else holder[key], dict | list) and data.draw(
                st.booleans()):
            inner = holder[key]
            if not inner:
                break
            holder, key = inner, data.draw(st.sampled_from(sorted(inner) if isinstance(inner, dict)
                                                            else list(range(len(inner)))))
        # A copy: the sample values are shared, and a later step may write inside this one.
        holder[key] = copy.deepcopy(data.draw(ODD_VALUES))

    for policy in SUBNET_REACH_RULES:
        # Inconclusive and not applicable (nothing left to judge) are the only ways a rule may end early.
        try:
            outcome = stack.run(policy)
        except _NotApplicableError as raised:
            assert isinstance(raised.reason, str) and raised.reason
            continue
        assert all(isinstance(message, str) for message in outcome.violations)
