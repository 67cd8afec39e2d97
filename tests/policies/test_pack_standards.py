"""Pack-wide standards: every rule is named as in the catalog and documents itself fully."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pulumi_policy import Severity

import pack

CATALOG = Path(__file__).resolve().parents[3] / "shared" / "policy-catalog.md"
POLICIES = pack.all_policies()


def catalog_names() -> list[str]:
    """The first column of the catalog's rules table, in order."""
    rows = re.findall(r"^\| `([a-z0-9-]+)` \|", CATALOG.read_text(), flags=re.MULTILINE)
    return rows


def test_the_catalog_lists_sixteen_rules():
    assert len(catalog_names()) == 16


def test_rule_names_are_exactly_the_catalogs_each_once():
    names = [p.name for p in POLICIES]

    assert sorted(names) == sorted(catalog_names())
    assert len(set(names)) == len(names)


@pytest.mark.parametrize("area", pack.AREAS, ids=lambda a: a.__name__)
def test_each_area_lists_its_rules_in_catalog_order(area):
    names = [p.name for p in area.POLICIES]

    assert names == [n for n in catalog_names() if n in names]


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
