"""Cases that hold for all four execution-role rules (or compare them)."""

from __future__ import annotations

import json

import pytest

from model.values import UNKNOWN
from tests.policies.rules.execution_role_cases import (
    ECS_TRUST,
    EXEC_MANAGED,
    EXECUTION_ROLE_RULES,
    LEAST,
    OFF,
    PULLS,
    READS,
    ROLE,
    ROLE_ARN,
    TASK,
    secrets_policy,
    stack,
)
from tests.policies.test_ecs_harness import run_stack, spec

# The image's repository is outside these stacks and look-ups are off: its repository policy can deny
# the pull (ECR User Guide, "Private repository policies"), so pulls-and-logs cannot pass outright.
PULL_MAY_BE_DENIED = (
    f"{TASK} execution role Role 'exec': its policies allow the pull from "
    "arn:aws:ecr:us-east-1:123456789012:repository/library, but the repository policy of library "
    "(not read: live look-ups are off (liveLookups: off)) may deny it")


@pytest.mark.parametrize("policy", EXECUTION_ROLE_RULES, ids=lambda p: p.name)
def test_the_compliant_stack_passes_every_rule(policy):
    outcome = run_stack(policy, stack(), OFF)

    assert (outcome.messages, outcome.unknowns) == ([], [PULL_MAY_BE_DENIED] if policy is PULLS else [])


@pytest.mark.parametrize("policy", EXECUTION_ROLE_RULES, ids=lambda p: p.name)
def test_stacks_without_task_definitions_are_ignored(policy):
    outcome = run_stack(policy, [spec("aws:s3/bucket:Bucket", "b", {"bucket": "x"}),
                                 spec("aws:iam/role:Role", "r", {"name": "r", "assumeRolePolicy": "{}"})], OFF)

    assert (outcome.messages, outcome.unknowns, outcome.not_applicable) == (
        [], [], "the stack has no ECS task definition")


def test_the_pack_lists_the_rules_in_catalog_order():
    assert [p.name for p in EXECUTION_ROLE_RULES] == [
        "ecs-execution-role-trusted", "ecs-execution-role-reads-secrets", "ecs-execution-role-pulls-and-logs",
        "ecs-roles-least-privilege"]


def test_unknown_container_definitions_are_inconclusive_for_every_rule():
    for policy in (READS, PULLS, LEAST):
        outcome = run_stack(policy, stack(task_props={"containerDefinitions": UNKNOWN}), OFF)

        assert (outcome.messages, outcome.unknowns) == ([], [f"{TASK} containerDefinitions (not known yet)"])


def test_inline_policies_and_managed_policy_arns_on_the_role_count():
    role = spec("aws:iam/role:Role", "exec", {
        "name": ROLE, "arn": ROLE_ARN, "assumeRolePolicy": json.dumps(ECS_TRUST),
        "inlinePolicies": [{"name": "secrets", "policy": secrets_policy()}], "managedPolicyArns": [EXEC_MANAGED]})

    for policy in (READS, PULLS):
        outcome = run_stack(policy, stack(exec=role, drop=("exec-managed", "exec-secrets")), OFF)

        assert (outcome.messages, outcome.unknowns) == ([], [PULL_MAY_BE_DENIED] if policy is PULLS else [])


@pytest.mark.parametrize("policy", EXECUTION_ROLE_RULES, ids=lambda p: p.name)
def test_every_rule_has_one_sentence_a_remediation_a_url_and_the_live_lookup_schema(policy):
    assert policy.description.endswith(".") and policy.description.count(". ") == 0
    assert policy.remediation_steps and policy.url.startswith("https://docs.aws.amazon.com/")
    organization = {"organizationPolicies"} if policy is not LEAST else set()
    assert set(policy.config_schema.properties) == {"liveLookups", "awsRegion", "awsEndpointUrl",
                                                    "lookupTimeoutSeconds"} | organization
