"""`--mode update` stops where `pulumi up` stops; `--evaluate-all` evaluates everything and says so.

The engine's behaviour (pulumi/pulumi): `pulumi up` runs a preview first (unless
--skip-preview) and a mandatory violation there ends the command; in the update, a mandatory
Analyze violation marks the resource invalid (step_generator.go `generateSteps`: `invalid`
only when not DryRun), the step generator bails, later registrations are not analysed and
`AnalyzeResources` - AnalyzeStack - is skipped (deployment_executor.go).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from preflight.api import run_preflight
from preflight.cli import main

from .conftest import PACKS, PROJECTS
from .test_engine_protocol import CLUSTER, LOGS, REGISTRATION_ORDER, operations


@pytest.fixture
def probe_log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    log = tmp_path / "probe.log"
    monkeypatch.setenv("PROBE_LOG", str(log))
    return log


def run(**kwargs):
    return run_preflight(PROJECTS / "components", stack="dev", mode="update", policy_pack=PACKS / "probe", **kwargs)


def configure_calls(log: Path) -> list[dict]:
    return [entry for operation in operations(log) for entry in operation if entry["call"] == "ConfigureStack"]


def verdict(report, policy: str) -> dict:
    return next(item for item in report.policy_verdicts() if item["policy"] == policy)


def test_a_mandatory_violation_in_the_update_stops_the_deployment_at_that_resource(
        probe_log: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("PROBE_MANDATORY_IN_UPDATE", "logs")
    report = run()
    configured = [entry["request"].get("dryRun", False) for entry in configure_calls(probe_log)]
    update_calls = [entry["call"] for entry in operations(probe_log)[-1]]

    # A preview (clean), then the update, each with its own pack process as each CLI operation has.
    assert configured == [True, False]
    assert [stage.as_dict() for stage in report.stages] == [
        {"stage": "preview", "mandatory": 0, "advisory": 3, "stoppedAt": None},
        {"stage": "update", "mandatory": 1, "advisory": 0, "stoppedAt": LOGS},
    ]
    # The update never reaches AnalyzeStack.
    assert "AnalyzeStack" not in update_calls
    assert sorted(report.analyzed) == sorted(set(REGISTRATION_ORDER) - {CLUSTER})
    assert report.analyzed[-1] == LOGS
    assert report.not_evaluated == [CLUSTER]
    assert [(d["policy"], d["urn"], d["enforcement"]) for d in report.diagnostics] == [
        ("probe-mandatory", LOGS, "mandatory"),
    ]
    assert verdict(report, "probe-stack") == {
        "policy": "probe-stack", "enforcement": "advisory", "verdict": "not evaluated",
        "detail": f"the deployment stops at {LOGS}",
    }
    assert verdict(report, "probe-resource")["verdict"] == "not evaluated"
    assert verdict(report, "probe-mandatory")["verdict"] == "violated"
    assert report.to_json()["notEvaluated"] == {"stoppedAt": LOGS, "resources": [CLUSTER]}
    assert report.to_json()["evaluation"] == "as-engine"
    assert report.exit_code == 1


def test_a_mandatory_violation_in_the_preview_stops_before_the_update(probe_log: Path,
                                                                      monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("PROBE_MANDATORY", "logs")
    report = run()

    assert [entry["request"].get("dryRun", False) for entry in configure_calls(probe_log)] == [True]
    assert [stage.name for stage in report.stages] == ["preview"]
    assert report.update_skipped
    # The preview judged everything, as `pulumi preview` does.
    assert sorted(report.analyzed) == sorted(REGISTRATION_ORDER)
    assert verdict(report, "probe-stack")["verdict"] == "violated"


def test_evaluate_all_runs_the_update_only_and_analyses_everything(probe_log: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("PROBE_MANDATORY_IN_UPDATE", "logs")
    report = run(evaluate_all=True)

    assert [entry["request"].get("dryRun", False) for entry in configure_calls(probe_log)] == [False]
    assert sorted(report.analyzed) == sorted(REGISTRATION_ORDER)
    assert [entry["call"] for entry in operations(probe_log)[-1]].count("AnalyzeStack") == 1
    assert report.not_evaluated == []
    assert report.to_json()["evaluation"] == "everything"
    assert verdict(report, "probe-stack")["verdict"] == "violated"


def test_a_preview_never_stops_at_a_mandatory_violation(probe_log: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("PROBE_MANDATORY", "web-repo")
    report = run_preflight(PROJECTS / "components", stack="dev", mode="preview", policy_pack=PACKS / "probe")

    assert sorted(report.analyzed) == sorted(REGISTRATION_ORDER)
    assert "AnalyzeStack" in [entry["call"] for entry in operations(probe_log)[-1]]


def test_cli_evaluate_all_needs_update_mode(capsys: pytest.CaptureFixture[str]):
    with pytest.raises(SystemExit) as exited:
        main([str(PROJECTS / "components"), "--stack", "dev", "--evaluate-all"])

    assert exited.value.code == 2
    assert "--evaluate-all applies to --mode update only" in capsys.readouterr().err


def test_cli_json_says_how_the_update_was_evaluated(probe_log: Path, monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]):
    monkeypatch.setenv("PROBE_MANDATORY_IN_UPDATE", "logs")
    code = main([str(PROJECTS / "components"), "--stack", "dev", "--mode", "update", "--evaluate-all",
                 "--policy-pack", str(PACKS / "probe"), "--format", "json"])
    document = json.loads(capsys.readouterr().out)

    assert (code, document["evaluation"], [stage["stage"] for stage in document["stages"]]) == (1, "everything",
                                                                                                  ["update"])
