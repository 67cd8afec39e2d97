"""Pack-wide standards: every rule is named as in the catalog and documents itself fully."""

from __future__ import annotations

import importlib
import json
import re
from pathlib import Path

import pytest
from pulumi_policy import Policy, Severity

import pack
from preflight.policy_config import load_policy_config, reconcile

CATALOG = Path(__file__).resolve().parents[3] / "shared" / "policy-catalog.md"
POLICIES = pack.all_policies()


def catalog_names() -> list[str]:
    """The catalog's rules in order: the rules table's first column, then the rule column of the
    "Rules added by open issues" table (a rule there is part of the catalog once its work lands)."""
    text = CATALOG.read_text()
    rows = re.findall(r"^\| `([a-z0-9-]+)` \|", text, flags=re.MULTILINE)
    return rows + added_by_issues(text)


def added_by_issues(text: str) -> list[str]:
    section = text.split("## Rules added by open issues", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"^\| [^|`]+ \| `([a-z0-9-]+)` \|", section, flags=re.MULTILINE)


def test_the_catalog_lists_sixteen_rules_and_one_added_by_an_issue():
    text = CATALOG.read_text()

    assert len(re.findall(r"^\| `([a-z0-9-]+)` \|", text, flags=re.MULTILINE)) == 16
    assert added_by_issues(text) == ["ecs-task-launcher-can-run"]


def test_rule_names_are_exactly_the_catalogs_each_once():
    names = [p.name for p in POLICIES]

    assert sorted(names) == sorted(catalog_names())
    assert len(set(names)) == len(names)


# The order the engine reports rules in and the README's table lists them: by area, each
# area's rules in catalog order.
AREAS = {
    "network": {"ecs-subnets-reach-ecr", "ecs-subnets-reach-task-services"},
    "iam": {"ecs-execution-role-trusted", "ecs-execution-role-reads-secrets", "ecs-execution-role-pulls-and-logs",
            "ecs-roles-least-privilege", "ecs-task-launcher-can-run"},
    "ecs": {"ecs-image-pinned", "ecs-target-group-matches-container", "ecs-health-checks-consistent",
            "ecs-rollout-zero-downtime", "ecs-blue-green-valid", "fargate-task-size-valid", "ecs-no-plaintext-secrets"},
    "ecr": {"ecr-repository-hardened"},
    "lb": {"ecs-alb-reaches-tasks"},
    "cost": {"stack-cost-within-budget"},
}
RULES_DIR = Path(pack.__file__).resolve().parent / "rules"
RULE_MODULES = sorted(p.stem for p in RULES_DIR.glob("*.py") if not p.stem.startswith("_"))


@pytest.mark.parametrize("area", AREAS, ids=str)
def test_each_area_lists_its_rules_in_catalog_order(area):
    names = [p.name for p in POLICIES if p.name in AREAS[area]]

    assert names == [n for n in catalog_names() if n in AREAS[area]]


def test_the_pack_lists_the_areas_one_after_another():
    assert [p.name for p in POLICIES] == [n for area in AREAS.values() for n in catalog_names() if n in area]


def test_every_catalog_rule_has_one_module_named_after_it():
    assert [m.replace("_", "-") for m in RULE_MODULES] == sorted(catalog_names())


@pytest.mark.parametrize("module", RULE_MODULES)
def test_a_rule_module_defines_its_rule_and_no_other(module):
    found = importlib.import_module(f"rules.{module}")
    policies = [value for value in vars(found).values() if isinstance(value, Policy)]

    assert [p.name for p in policies] == [module.replace("_", "-")]
    assert policies[0] in POLICIES


@pytest.mark.parametrize("policy", POLICIES, ids=lambda p: p.name)
def test_description_is_one_sentence(policy):
    description = policy.description

    assert isinstance(description, str) and description[:1].isupper() and description.endswith(".")
    assert re.search(r"[.!?]\s+[A-Z]", description[:-1]) is None, description


@pytest.mark.parametrize("policy", POLICIES, ids=lambda p: p.name)
def test_severity_remediation_and_an_aws_documentation_url(policy):
    assert isinstance(policy.severity, Severity)
    assert isinstance(policy.remediation_steps, str) and len(policy.remediation_steps) >= 40
    assert re.match(r"^https://(docs\.aws\.amazon\.com|aws\.amazon\.com)/\S+$", policy.url or ""), policy.url


@pytest.mark.parametrize("policy", POLICIES, ids=lambda p: p.name)
def test_every_config_property_has_a_type_a_description_and_a_default(policy):
    properties = policy.config_schema.properties if policy.config_schema else {}

    for name, schema in properties.items():
        assert {"type", "description", "default"} <= set(schema), (policy.name, name)
        assert isinstance(schema["description"], str) and schema["description"].strip(), (policy.name, name)


def test_advisory_only_rules_are_low_severity():
    by_name = {p.name: p for p in POLICIES}

    assert by_name["stack-cost-within-budget"].severity == Severity.LOW


# --- per-stack enforcement: policies/config/<stack>.json -------------------------------------------

CONFIG_DIR = Path(__file__).resolve().parents[2] / "policies" / "config"
# The catalog's "Enforcement per stack": the rules that stop a deployment from starting.
PROD_MANDATORY = {
    "ecs-subnets-reach-ecr", "ecs-subnets-reach-task-services", "ecs-execution-role-trusted",
    "ecs-execution-role-reads-secrets", "ecs-execution-role-pulls-and-logs", "ecs-image-pinned",
    "ecs-target-group-matches-container", "fargate-task-size-valid", "ecs-no-plaintext-secrets",
    "ecs-rollout-zero-downtime", "ecs-blue-green-valid", "ecs-task-launcher-can-run",
}
# In dev only what makes the deploy itself fail: no route to ECR or the task's services, an execution role
# that cannot be assumed or cannot read, pull or log, a load-balancer block ECS rejects, a blue/green set-up
# CodeDeploy or ECS rejects, a task size Fargate rejects, a launcher whose role cannot start its task (docs/policies.md:
# "the schedule or state machine never starts its task").
DEV_MANDATORY = PROD_MANDATORY - {"ecs-image-pinned", "ecs-no-plaintext-secrets", "ecs-rollout-zero-downtime"}


def reconciled(stack: str) -> dict:
    described = [{"name": p.name, "enforcement": "advisory",
                  "schema": {"properties": dict(p.config_schema.properties) if p.config_schema else {}}}
                 for p in POLICIES]
    path = CONFIG_DIR / f"{stack}.json"
    return reconcile(described, {}, load_policy_config(path), str(path))


@pytest.mark.parametrize("stack,mandatory", [("prod", PROD_MANDATORY), ("dev", DEV_MANDATORY)])
def test_stack_config_raises_exactly_the_listed_rules_and_is_valid_for_the_pack(stack, mandatory):
    config = reconciled(stack)

    assert {name for name, c in config.items() if c.enforcement_level == "mandatory"} == mandatory
    assert {c.enforcement_level for name, c in config.items() if name not in mandatory} == {"advisory"}


def test_prod_requires_high_availability_and_both_stacks_set_a_budget():
    prod, dev = reconciled("prod"), reconciled("dev")

    assert prod["ecs-rollout-zero-downtime"].properties["requireHighAvailability"] is True
    assert dev["ecs-rollout-zero-downtime"].properties["requireHighAvailability"] is False
    assert (prod["stack-cost-within-budget"].properties["monthlyBudgetUsd"],
            dev["stack-cost-within-budget"].properties["monthlyBudgetUsd"]) == (400, 100)


def test_stack_configs_are_plain_json_objects_in_the_cli_shape():
    for stack in ("dev", "prod"):
        document = json.loads((CONFIG_DIR / f"{stack}.json").read_text())
        assert document["all"] == "advisory"
        for name, value in document.items():
            assert isinstance(value, str) or (isinstance(value, dict) and set(value) - {"enforcementLevel"}), name
