"""examples/scenarios/README.md's table is generated from every scenario.json and fails the build when it drifts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scripts.scenario_table import BEGIN, EMPTY, END, README, main, render_table, replace_section
from tests.scenarios.scenarios import load_scenario, load_scenarios


def scenario_file(root: Path, slug: str, **changes) -> Path:
    data = {
        "title": "Boundary | omits ssm:GetParameters", "shows": "s", "mechanism": "permissions boundary",
        "works_in_aws": False, "sources": ["https://docs.aws.amazon.com/x"], "aws_error": "AccessDeniedException",
        "policy_config": None, "invokes": None,
        "expect": {"preview": {"rule-a": {"verdict": "inconclusive"}, "rule-b": {"verdict": "passed"}},
                   "update": {"rule-a": {"verdict": "violated", "mentions": ["x"]}, "rule-b": {"verdict": "passed"}}},
    }
    data.update(changes)
    (root / slug).mkdir(parents=True)
    path = root / slug / "scenario.json"
    path.write_text(json.dumps(data))
    return path


def test_the_scenario_readme_table_matches_the_scenarios() -> None:
    readme = README.read_text()

    assert replace_section(readme, render_table(load_scenarios())) == readme, (
        "examples/scenarios/README.md's table differs from the scenarios: run python scripts/scenario_table.py --write"
    )


def test_a_row_shows_title_mechanism_outcome_and_each_rule_once_or_per_mode(tmp_path: Path) -> None:
    failing = load_scenario(scenario_file(tmp_path, "iam-boundary"))
    working = load_scenario(scenario_file(
        tmp_path, "kms-key", title="Key policy grants", mechanism="KMS key policy", works_in_aws=True,
        aws_error=None, expect={"preview": {"rule-a": {"verdict": "passed"}}, "update": {"rule-b": {"verdict": "passed"}}}))

    assert render_table([failing, working]) == (
        "| scenario | mechanism | works in AWS | expected verdicts |\n"
        "|---|---|---|---|\n"
        "| [`iam-boundary`](iam-boundary/) Boundary \\| omits ssm:GetParameters | permissions boundary | no "
        "| `rule-a`: preview inconclusive, update violated<br>`rule-b`: passed |\n"
        "| [`kms-key`](kms-key/) Key policy grants | KMS key policy | yes "
        "| `rule-a`: preview passed, update not asserted<br>`rule-b`: preview not asserted, update passed |"
    )


def test_no_scenarios_render_a_sentence_not_an_empty_table() -> None:
    assert render_table([]) == EMPTY


def test_section_between_the_markers_is_replaced_and_the_rest_kept() -> None:
    text = f"intro\n{BEGIN}\nold table\n{END}\noutro\n"

    assert replace_section(text, "new table") == f"intro\n{BEGIN}\nnew table\n{END}\noutro\n"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (f"no end marker\n{BEGIN}\n",
         f"README.md has 0 copies of the marker {END!r}; it needs exactly one. "
         "Put the two markers around the scenario table, BEGIN before END, each on its own line."),
        (f"{END}\n{BEGIN}\n", f"README.md has {END!r} before {BEGIN!r}; put BEGIN first."),
    ],
)
def test_misplaced_markers_are_errors_that_say_how_to_fix_them(text: str, message: str) -> None:
    with pytest.raises(ValueError) as error:
        replace_section(text, "table")

    assert str(error.value) == message


def test_check_mode_fails_on_a_stale_table_and_write_mode_fixes_it(tmp_path: Path, capsys) -> None:
    scenarios = tmp_path / "scenarios"
    scenario_file(scenarios, "iam-boundary")
    readme = tmp_path / "README.md"
    readme.write_text(f"# x\n{BEGIN}\n| stale |\n{END}\n")
    args = ["--readme", str(readme), "--scenarios", str(scenarios)]

    stale = main(["--check", *args])
    written = main(["--write", *args])
    fresh = main(["--check", *args])

    assert (stale, written, fresh) == (1, 0, 0)
    assert readme.read_text() == f"# x\n{BEGIN}\n{render_table(load_scenarios(scenarios))}\n{END}\n"
    assert capsys.readouterr().err == (
        f"{readme}: the scenario table is out of date; run python scripts/scenario_table.py --write\n"
    )
