"""Every scenario in examples/scenarios/ through preflight with the real pack, in preview and update.

Each scenario.json says which verdict each rule must reach; a rule the file does not list may
reach any verdict except `violated` (a false positive is a defect too). The runs use no AWS
credentials, so live look-ups are never made and the verdicts depend on the stack alone.
The update is judged whole (`evaluate_all`): a scenario states what the pack concludes about
the deployed stack, not where a mandatory violation would have stopped `pulumi up`.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from preflight.api import run_preflight
from tests.scenarios.scenarios import (
    MODES,
    POLICY_PACK,
    REPO_ROOT,
    SCENARIOS_DIR,
    ScenarioError,
    load_scenario,
    load_scenarios,
    mismatches,
    scenario_paths,
)

SCENARIOS = load_scenarios()


@pytest.fixture
def scenario_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # A program without a `virtualenv` option runs with python3 from PATH, as the CLI runs it.
    monkeypatch.setenv("PATH", f"{REPO_ROOT / '.venv' / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}")
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
                 "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


def test_the_corpus_is_there() -> None:
    assert SCENARIOS_DIR.is_dir()
    assert len(SCENARIOS) == len(scenario_paths()) >= 24


def test_every_scenario_project_is_named_after_its_folder_and_runs_python3_from_path() -> None:
    wrong = []
    for scenario in SCENARIOS:
        project = (scenario.directory / "Pulumi.yaml").read_text().splitlines()
        if f"name: {scenario.slug}" not in project or "runtime: python" not in project:
            wrong.append(scenario.slug)
        if any(line.strip().startswith("virtualenv") for line in project):
            wrong.append(f"{scenario.slug} (virtualenv option)")
        if not (scenario.directory / "Pulumi.test.yaml").is_file() or not (scenario.directory / "__main__.py").is_file():
            wrong.append(f"{scenario.slug} (Pulumi.test.yaml or __main__.py missing)")
    assert wrong == []


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.slug for s in SCENARIOS])
def test_scenario_reaches_the_expected_verdicts(scenario, mode, scenario_environment) -> None:
    report = run_preflight(scenario.directory, stack="test", mode=mode, policy_pack=POLICY_PACK,
                           policy_config=scenario.policy_config, invokes=scenario.invokes,
                           evaluate_all=mode == "update")

    problems = mismatches(scenario, mode, report)

    assert not problems, f"{scenario.slug} ({mode}): {scenario.title}\n  " + "\n  ".join(problems)


def write(tmp_path: Path, text: str, slug: str = "iam-example") -> Path:
    directory = tmp_path / slug
    directory.mkdir()
    path = directory / "scenario.json"
    path.write_text(text)
    return path


VALID = """{
  "title": "t", "shows": "s", "mechanism": "m", "works_in_aws": false,
  "sources": ["https://docs.aws.amazon.com/x"], "aws_error": "AccessDeniedException",
  "policy_config": null, "invokes": null,
  "expect": {"preview": {"r": {"verdict": "violated", "mentions": ["x"]}},
             "update": {"r": {"verdict": "inconclusive"}}}
}"""


def test_a_valid_scenario_file_loads(tmp_path: Path) -> None:
    scenario = load_scenario(write(tmp_path, VALID))

    assert (scenario.slug, scenario.works_in_aws, scenario.aws_error) == ("iam-example", False, "AccessDeniedException")
    assert scenario.expect["preview"]["r"].verdict == "violated"
    assert scenario.expect["preview"]["r"].mentions == ("x",)
    assert scenario.expect["update"]["r"].mentions == ()


@pytest.mark.parametrize(("change", "problem"), [
    (('"verdict": "violated"', '"verdict": "failed"'),
     "`expect.preview.r`.verdict 'failed' is not one of ['passed', 'violated', 'inconclusive', 'not_applicable']"),
    (('"verdict": "inconclusive"', '"verdict": "passed", "mentions": ["y"]'),
     "`expect.update.r` is `passed`, which has no message to mention anything"),
    (('"aws_error": "AccessDeniedException"', '"aws_error": null'),
     "`aws_error` must quote the error AWS prints when `works_in_aws` is false"),
    (('"sources": ["https://docs.aws.amazon.com/x"]', '"sources": []'),
     "`sources` must list at least one https:// address of the documentation behind it"),
    (('"invokes": null', '"invokes": "answers.yaml"'),
     "`invokes` 'answers.yaml' must be null or the name of a file beside scenario.json"),
    (('"mechanism": "m",', '"mechanism": "m", "extra": 1,'), "missing keys [], unknown keys ['extra']"),
    (('"update": {"r": {"verdict": "inconclusive"}}', '"update": {"r": {"verdict": "passed", "pulumi_preview": "inconclusive"}}'),
     "`expect.update.r`.pulumi_preview may only be `inconclusive`, in `preview`, beside a decided verdict"),
])
def test_a_malformed_scenario_file_is_an_error_naming_the_key(tmp_path: Path, change, problem) -> None:
    path = write(tmp_path, VALID.replace(*change))

    with pytest.raises(ScenarioError) as error:
        load_scenario(path)

    assert str(error.value) == f"{path}: {problem} (the format is described in examples/scenarios/README.md)"


def test_a_folder_without_an_area_prefix_is_an_error(tmp_path: Path) -> None:
    path = write(tmp_path, VALID, slug="boundary-example")

    with pytest.raises(ScenarioError) as error:
        load_scenario(path)

    assert "folder name 'boundary-example' must be lowercase words joined by hyphens" in str(error.value)


class FakeReport:
    """The three parts of a Report the verdict derivation reads."""

    def __init__(self, verdicts: dict[str, str], diagnostics: list[dict], not_applicable: dict[str, str]):
        self._verdicts = verdicts
        self.diagnostics = diagnostics
        self.not_applicable = not_applicable

    engine_inconclusive: tuple[str, ...] = ()

    def policy_verdicts(self) -> list[dict[str, str]]:
        return [{"policy": rule, "verdict": verdict, "detail": self.not_applicable.get(rule, ""),
                 **({"pulumiPreview": "inconclusive"} if rule in self.engine_inconclusive else {})}
                for rule, verdict in self._verdicts.items()]


def test_mismatches_name_wrong_verdicts_missing_mentions_and_unlisted_violations(tmp_path: Path) -> None:
    scenario = load_scenario(write(tmp_path, VALID.replace('"update": {"r": {"verdict": "inconclusive"}}',
                                                           '"update": {"r": {"verdict": "not_applicable"}}')))
    report = FakeReport(
        {"r": "violated", "other": "violated", "quiet": "passed"},
        [{"policy": "r", "message": "role y denied", "inconclusive": False},
         {"policy": "other", "message": "other text", "inconclusive": False}],
        {},
    )

    assert mismatches(scenario, "preview", report) == [
        "r: no violated message mentions 'x'\n      | role y denied",
        "other: violated but the scenario does not expect it (a false positive)\n      | other text",
    ]
    assert mismatches(scenario, "update", report) == [
        "r: expected not_applicable, got violated\n      | role y denied",
        "other: violated but the scenario does not expect it (a false positive)\n      | other text",
    ]


def test_not_applicable_is_read_from_the_report_and_its_reason_can_be_mentioned(tmp_path: Path) -> None:
    scenario = load_scenario(write(tmp_path, VALID.replace(
        '"update": {"r": {"verdict": "inconclusive"}}',
        '"update": {"r": {"verdict": "not_applicable", "mentions": ["no task"]}}')))
    report = FakeReport({"r": "not applicable"}, [], {"r": "the stack has no task definition"})

    assert mismatches(scenario, "update", report) == []


def test_what_pulumi_preview_itself_would_conclude_is_checked_where_the_scenario_states_it(tmp_path: Path) -> None:
    scenario = load_scenario(write(tmp_path, VALID.replace(
        '"preview": {"r": {"verdict": "violated", "mentions": ["x"]}}',
        '"preview": {"r": {"verdict": "passed", "pulumi_preview": "inconclusive"}}')))
    engine_would_not_know = FakeReport({"r": "passed"}, [], {})
    engine_would_not_know.engine_inconclusive = ("r",)

    assert mismatches(scenario, "preview", engine_would_not_know) == []
    assert mismatches(scenario, "preview", FakeReport({"r": "passed"}, [], {})) == [
        "r: pulumi preview itself would be passed, the scenario says inconclusive"]
