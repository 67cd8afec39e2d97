"""docs/policies.md's mechanisms section: generated from every rule module's docstring, never stale."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
SCRIPT = REPO_ROOT / "scripts" / "policy_mechanisms.py"

spec = importlib.util.spec_from_file_location("policy_mechanisms", SCRIPT)
policy_mechanisms = importlib.util.module_from_spec(spec)
sys.modules[spec.name] = policy_mechanisms  # dataclasses look their module up there
spec.loader.exec_module(policy_mechanisms)

GOOD = '''"""demo-rule: the role can do the thing.

Mechanisms (what AWS evaluates to decide this):
- **Identity policies** (inline, attached) — modelled.
  [IAM policy evaluation logic](https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html)
- **Organization SCPs** — inconclusive, named, when `organizationPolicies` is `unknown`.

Inconclusive by design: a role outside the stack without live look-ups.
"""
'''


def module(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "demo_rule.py"
    path.write_text(text)
    return path


def test_every_rule_of_the_pack_lists_its_mechanisms():
    names = policy_mechanisms.rule_names()
    docs = [policy_mechanisms.read_rule_doc(name) for name in names]
    assert len(docs) == len(names) == 17
    assert all(doc.mechanisms and doc.by_design for doc in docs)


def test_the_docs_section_matches_the_rule_docstrings():
    result = subprocess.run([sys.executable, str(SCRIPT), "--check"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("docs/policies.md: the mechanisms section matches the rules")


def test_a_docstring_is_read_into_its_parts(tmp_path):
    doc = policy_mechanisms.read_rule_doc("demo-rule", module(tmp_path, GOOD))
    assert doc.summary == "the role can do the thing."
    assert doc.mechanisms == [
        "**Identity policies** (inline, attached) — modelled. [IAM policy evaluation logic]"
        "(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html)",
        "**Organization SCPs** — inconclusive, named, when `organizationPolicies` is `unknown`.",
    ]
    assert doc.by_design == "a role outside the stack without live look-ups."


def test_the_section_renders_each_rule_with_its_list(tmp_path):
    doc = policy_mechanisms.read_rule_doc("demo-rule", module(tmp_path, GOOD))
    doc = policy_mechanisms.RuleDoc(doc.name, REPO_ROOT / "policies" / "rules" / "demo_rule.py", doc.summary,
                                    doc.mechanisms, doc.by_design)
    assert policy_mechanisms.render([doc]) == (
        "### `demo-rule`\n\nthe role can do the thing. (`policies/rules/demo_rule.py`)\n\n"
        "- **Identity policies** (inline, attached) — modelled. [IAM policy evaluation logic]"
        "(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html)\n"
        "- **Organization SCPs** — inconclusive, named, when `organizationPolicies` is `unknown`.\n\n"
        "Inconclusive by design: a role outside the stack without live look-ups.")


@pytest.mark.parametrize("text,message", [
    ('"""demo-rule: proves it."""\n',
     "the docstring needs the heading 'Mechanisms (what AWS evaluates to decide this):' exactly once, "
     "on a line of its own (found 0)"),
    (GOOD.replace("demo-rule:", "other-rule:"), "the docstring must start with 'demo-rule: <what it proves>'"),
    (GOOD.replace(" — modelled.", " is read."),
     "the mechanism '**Identity policies** (inline, attached) is read. [IAM polic' must start with a bold name "
     "and say how it is handled: one of '— modelled', '— inconclusive', '— not applicable'"),
    ("x = 1\n", "the module has no docstring; start it with the rule's mechanisms list"),
])
def test_a_docstring_without_what_the_docs_need_is_an_error_naming_the_fix(tmp_path, text, message):
    path = module(tmp_path, text)
    with pytest.raises(policy_mechanisms.DocstringError) as error:
        policy_mechanisms.read_rule_doc("demo-rule", path)
    assert str(error.value) == f"{path}: {message}"
