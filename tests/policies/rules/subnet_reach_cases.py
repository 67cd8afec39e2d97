"""Stacks, expected AWS errors and helpers the two subnet-reach rule tests share."""

from __future__ import annotations

from model.values import UNKNOWN
from rules.ecs_subnets_reach_ecr import ecs_subnets_reach_ecr
from rules.ecs_subnets_reach_task_services import ecs_subnets_reach_task_services
from tests.policies.model.test_network import Outcome, Stack, private_with_nat

SUBNET_REACH_RULES = [ecs_subnets_reach_ecr, ecs_subnets_reach_task_services]


ECR, SERVICES = SUBNET_REACH_RULES


SUBNETS = (("private-a", "us-east-1a"), ("private-b", "us-east-1b"))


def clean(outcome: Outcome) -> bool:
    return outcome.violations == [] and outcome.inconclusive is None


def per_subnet(body: str, service: str = "Service 'web'", subnets=SUBNETS) -> list[str]:
    return [f"{service} runs tasks in Subnet '{name}' ({zone}) that cannot reach {body}" for name, zone in subnets]


def preview(stack: Stack) -> Stack:
    """What a first preview sends: every ID unknown, references followed through property dependencies."""
    refs = {}
    for (kind, name), (props, _) in stack.items.items():
        for output in ("id", "arn"):
            if output in props:
                refs[props[output]] = (kind, name)
                props[output] = UNKNOWN

    def swap(value, found):
        if isinstance(value, str) and value in refs:
            found.append(refs[value])
            return UNKNOWN
        if isinstance(value, list):
            return [swap(v, found) for v in value]
        if isinstance(value, dict):
            return {k: swap(v, found) for k, v in value.items()}
        return value

    for key, (props, deps) in list(stack.items.items()):
        new_deps = dict(deps)
        for prop in list(props):
            found: list = []
            props[prop] = swap(props[prop], found)
            if found:
                new_deps[prop] = found
        stack.items[key] = (props, new_deps)
    return stack


PUBLIC = (("public-a", "us-east-1a"), ("public-b", "us-east-1b"))


def public_tasks(**settings):
    """The compliant stack with the tasks moved into the public subnets (IGW default route)."""
    stack = private_with_nat()
    stack.props("service", "web")["networkConfiguration"].update(subnets=["subnet-ua", "subnet-ub"], **settings)
    return stack
