"""The policy config's `environments` key and the stack identity flags, as the CLI takes them."""

from __future__ import annotations

import pytest

from preflight.api import PreflightError, run_preflight
from preflight.cli import main
from preflight.stack_tags import parse_stack_tag_flags

from .conftest import PACKS, POLICY_CONFIGS, PROJECTS


def test_environments_are_accepted_and_the_report_says_they_were_not_opened():
    report = run_preflight(PROJECTS / "basic", stack="dev", mode="preview", policy_pack=PACKS / "basic",
                           policy_config=POLICY_CONFIGS / "with-environments.json")

    assert report.notes == [
        "the policy config names the Pulumi ESC environment(s) payments/dev, shared/aws; preflight cannot open ESC "
        "environments, so the pack ran without their values"
    ]
    # The rest of the file still configures the pack: 7 days of retention pass a 5-day minimum.
    assert [d["policy"] for d in report.diagnostics if d["policy"] == "log-retention"] == []


def test_environments_that_are_not_a_list_of_names_are_an_error():
    path = POLICY_CONFIGS / "bad-environments.json"
    with pytest.raises(PreflightError) as raised:
        run_preflight(PROJECTS / "basic", stack="dev", policy_pack=PACKS / "basic", policy_config=path)

    assert raised.value.message == (
        f'--policy-config {path}: `environments` is "payments/dev"; use a list of Pulumi ESC environment names, '
        'e.g. ["payments/dev"]'
    )


def test_stack_tags_are_key_value_pairs():
    assert parse_stack_tag_flags(["team=payments", "cost-centre=", "a=b=c"]) == {
        "team": "payments", "cost-centre": "", "a": "b=c"}
    with pytest.raises(PreflightError) as raised:
        parse_stack_tag_flags(["team"])
    assert raised.value.message == "--stack-tag 'team': expected KEY=VALUE, e.g. --stack-tag team=payments"


def test_cli_reports_a_bad_stack_tag_with_exit_2(capsys: pytest.CaptureFixture[str]):
    code = main([str(PROJECTS / "basic"), "--stack", "dev", "--policy-pack", str(PACKS / "basic"), "--stack-tag", "x"])

    assert code == 2
    assert capsys.readouterr().err == (
        "preflight: error: --stack-tag 'x': expected KEY=VALUE, e.g. --stack-tag team=payments\n")
