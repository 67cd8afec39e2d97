"""Unknowns at the leaves of JSON strings: a see-through preview knows the document but not every value.

preflight's see-through preview sends `containerDefinitions` and policy documents as known JSON
whose leaves derived from values AWS picks at creation are Pulumi's unknown sentinel. The model
reads such a leaf exactly as it reads an unknown property: as UNKNOWN.
"""

from __future__ import annotations

import json

import pytest
from pulumi_policy import StackValidationPolicy
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE as SENTINEL

from model import ecs as ecs_model
from model.values import UNKNOWN, Resource, parse_json
from rules import POLICIES
from tests.policies.test_ecs_harness import containers, run_resource, run_stack, web_container, web_stack


@pytest.mark.parametrize("text,parsed", [
    (json.dumps({"a": SENTINEL}), {"a": UNKNOWN}),
    (json.dumps([{"image": SENTINEL, "name": "web"}, SENTINEL]), [{"image": UNKNOWN, "name": "web"}, UNKNOWN]),
    (json.dumps({"Statement": [{"Resource": [SENTINEL, "arn:aws:s3:::b"]}]}),
     {"Statement": [{"Resource": [UNKNOWN, "arn:aws:s3:::b"]}]}),
    # Only a whole leaf is the sentinel; a string that merely contains it is a string.
    (json.dumps({"a": f"x{SENTINEL}"}), {"a": f"x{SENTINEL}"}),
    (json.dumps({"n": 1, "t": True, "z": None}), {"n": 1, "t": True, "z": None}),
])
def test_a_sentinel_leaf_parses_as_unknown(text, parsed):
    assert parse_json(text) == parsed


def test_container_fields_read_a_leaf_unknown_as_unknown():
    task = Resource("aws:ecs/taskDefinition:TaskDefinition", "web", "urn:web", {"containerDefinitions": containers(
        web_container(image=SENTINEL, portMappings=[{"containerPort": SENTINEL, "protocol": SENTINEL}],
                      environment=[{"name": "DB_HOST", "value": SENTINEL}]))})

    [container] = ecs_model.containers_of(task)

    assert (container.image, container.port_mappings, container.environment) == (
        UNKNOWN, (ecs_model.PortMapping(UNKNOWN, UNKNOWN),), (("DB_HOST", UNKNOWN),))


def _leaf_paths(value, path=()):
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _leaf_paths(item, (*path, key))
    elif isinstance(value, list):
        for number, item in enumerate(value):
            yield from _leaf_paths(item, (*path, number))
    else:
        yield path


def _with_sentinel(value, path):
    if not path:
        return SENTINEL
    copy = dict(value) if isinstance(value, dict) else list(value)
    copy[path[0]] = _with_sentinel(value[path[0]], path[1:])
    return copy


CONTAINER_LEAVES = list(_leaf_paths(web_container()))


@pytest.mark.parametrize("path", CONTAINER_LEAVES, ids=lambda p: ".".join(map(str, p)))
def test_every_rule_judges_a_stack_whose_container_has_an_unknown_leaf(path):
    stack = web_stack()
    task = next(s for s in stack if s.name == "web-task")
    task.props["containerDefinitions"] = containers(_with_sentinel(web_container(), path))

    crashed = []
    for policy in POLICIES:
        try:
            run_stack(policy, stack) if isinstance(policy, StackValidationPolicy) else run_resource(policy, task)
        except Exception as error:  # noqa: BLE001 - each crash is reported below
            crashed.append(f"{policy.name}: {type(error).__name__}: {error}")

    assert crashed == []


def test_a_leaf_unknown_makes_only_the_checks_that_need_it_inconclusive():
    stack = web_stack()
    task = next(s for s in stack if s.name == "web-task")
    task.props["containerDefinitions"] = containers(web_container(image=SENTINEL))
    by_name = {policy.name: policy for policy in POLICIES}

    image = run_stack(by_name["ecs-image-pinned"], stack)
    size = run_stack(by_name["fargate-task-size-valid"], stack)
    targets = run_stack(by_name["ecs-target-group-matches-container"], stack)

    assert image.violations == [] and image.unknowns[0].startswith("TaskDefinition 'web-task' container 'web' image")
    assert (size.violations, size.inconclusive) == ([], None)
    assert (targets.violations, targets.inconclusive) == ([], None)
