"""The usual-style corpus (tests/fixtures/usual/) through preflight and the real pack, rule by rule.

Each program is written the way teams write them (not shaped like this repository's components)
and carries `expected.json`: for each mode, the verdict of every catalog rule — passed,
violated, inconclusive or not_applicable — with the AWS documentation it rests on, and for a
violation the texts every message of that rule must contain. The expectations come from AWS's
behaviour and the catalog, never from the pack's current output.

A program runs unedited: no `virtualenv` option, so preflight uses the interpreter the Pulumi
CLI would (`python3` from PATH); the test puts the test interpreter's environment first on PATH,
as an activated virtualenv does. Runs are credential-free, as on a pull request from a fork.
Programs whose expected.json names other environments (the pinned-SDK ones) are run by the
version matrix (scripts/version-matrix.sh), not here.
"""

from __future__ import annotations

import json
import os
import re
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from preflight.api import run_preflight
from tests.ci.project_paths import POLICY_CATALOG, shared_file

CORPUS = Path(__file__).resolve().parent.parent / "fixtures" / "usual"
DEV_ENVIRONMENT = "dev"
MODES = ("preview", "update")
VERDICTS = ("passed", "violated", "inconclusive", "not_applicable")
DECIDED = ("passed", "violated")
# What a first preview must decide of what update decides, over the whole corpus.
PREVIEW_DECIDES_AT_LEAST = 0.95


def load_expected(program: Path) -> dict[str, Any]:
    return json.loads((program / "expected.json").read_text())


def programs_for(environment: str) -> list[str]:
    names = []
    for directory in sorted(CORPUS.iterdir()):
        if not (directory / "expected.json").is_file():
            continue
        if environment in load_expected(directory).get("environments", [DEV_ENVIRONMENT]):
            names.append(directory.name)
    return names


def run_program(name: str, mode: str):
    program = CORPUS / name
    expected = load_expected(program)
    outputs = {stack: program / file for stack, file in expected.get("stack_outputs", {}).items()}
    return run_preflight(program, stack=expected["stack"], mode=mode, stack_outputs=outputs or None)


def rule_verdicts(report) -> dict[str, str]:
    """Each pack policy's verdict, as the report gives it (violated wins over inconclusive).

    A policy the pack does not have is "absent", so a missing catalog rule never reads as passed.
    """
    document = report.to_json()
    own = document.get("rules") or document.get("verdicts")
    if own:
        return {entry["policy"]: entry["verdict"].replace(" ", "_") for entry in own}
    verdicts: dict[str, str] = {}
    for policy in report.pack.policies:
        found = [d for d in report.diagnostics if d["policy"] == policy.name]
        if any(not d["inconclusive"] for d in found):
            verdicts[policy.name] = "violated"
        elif found:
            verdicts[policy.name] = "inconclusive"
        elif policy.name in report.not_applicable:
            verdicts[policy.name] = "not_applicable"
        else:
            verdicts[policy.name] = "passed"
    return verdicts


def verdicts_for(report, rules) -> dict[str, str]:
    verdicts = rule_verdicts(report)
    return {rule: verdicts.get(rule, "absent") for rule in rules}


def message_gaps(report, expected_rules: dict[str, Any], mode: str) -> list[str]:
    """Violation messages that lack a text their rule's expectation says every message contains."""
    gaps = []
    for rule, expectation in expected_rules.items():
        if expectation[mode] != "violated":
            continue
        messages = [d["message"] for d in report.diagnostics if d["policy"] == rule and not d["inconclusive"]]
        for message in messages:
            missing = [text for text in expectation.get("messages", []) if text.lower() not in message.lower()]
            if missing:
                gaps.append(f"{rule}: message lacks {missing}: {message}")
    return gaps


@contextmanager
def usual_environment() -> Iterator[None]:
    """As a user's shell on a pull request: an activated virtualenv, no AWS credentials."""
    with pytest.MonkeyPatch.context() as patch:
        # The test interpreter's environment first on PATH, as `source .venv/bin/activate` does.
        patch.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
        patch.delenv("PULUMI_PYTHON_CMD", raising=False)
        for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
            patch.delenv(name, raising=False)
        patch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
        patch.setenv("AWS_CONFIG_FILE", os.devnull)
        patch.setenv("AWS_EC2_METADATA_DISABLED", "true")
        yield


class CorpusRuns:
    """Each program's report per mode, run once, when a test first asks for it, and shared by every
    test that reads it: a test selected alone (`-k <program>`) runs just its own program.

    An error is kept like a report and re-raised by each test that reads that program and mode."""

    def __init__(self) -> None:
        self._reports: dict[tuple[str, str], Any] = {}
        self._lock = threading.Lock()

    def get(self, name: str, mode: str) -> Any:
        with self._lock:
            if (name, mode) not in self._reports:
                self._reports[(name, mode)] = self._run(name, mode)
            return self._reports[(name, mode)]

    def prefetch(self, jobs: list[tuple[str, str]]) -> None:
        """Runs the jobs not run yet, two at a time: a run is two processes (program and pack)
        that each keep a core busy only part of the time."""
        with self._lock:
            missing = [job for job in jobs if job not in self._reports]
        with ThreadPoolExecutor(max_workers=2) as pool:
            done = dict(zip(missing, pool.map(lambda job: self._run(*job), missing), strict=True))
        with self._lock:
            for job, report in done.items():
                self._reports.setdefault(job, report)

    @staticmethod
    def _run(name: str, mode: str) -> Any:
        try:
            return run_program(name, mode)
        except Exception as error:  # noqa: BLE001 - re-raised by the test of that program and mode
            return error


@pytest.fixture(autouse=True)
def real_pack_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    # The real pack starts in seconds, but on a shared machine several start at once (this
    # module's runs are made inside its tests, after the fixture-pack bound of conftest.py).
    monkeypatch.setenv("PREFLIGHT_PACK_TIMEOUT", "120")


# Under `pytest -n --dist loadgroup` this module's tests share one worker, so the figure test reads
# the reports the per-program tests made instead of running the corpus again.
pytestmark = pytest.mark.xdist_group("usual-corpus")


def selected_jobs(items: list[pytest.Item]) -> list[tuple[str, str]]:
    """The (program, mode) runs the selected tests of this module read: all of them when the
    figure test is selected, else those of the selected per-program tests."""
    mine = [item for item in items if getattr(item, "module", None) is sys.modules[__name__]]
    everything = [(name, mode) for name in programs_for(DEV_ENVIRONMENT) for mode in MODES]
    if any(item.originalname == "test_preview_decides_what_update_decides_and_never_contradicts_it"
           for item in mine if isinstance(item, pytest.Function)):
        return everything
    params = [item.callspec.params for item in mine if hasattr(item, "callspec")]
    return [job for job in everything if {"name": job[0], "mode": job[1]} in params]


@pytest.fixture(scope="module")
def corpus_runs(request: pytest.FixtureRequest) -> Iterator[CorpusRuns]:
    # The environment is the process's, so it is set once for every run of the module; the runs
    # the selected tests need are made up front, two at a time.
    with usual_environment(), pytest.MonkeyPatch.context() as patch:
        patch.setenv("PREFLIGHT_PACK_TIMEOUT", "120")
        runs = CorpusRuns()
        runs.prefetch(selected_jobs(request.session.items))
        yield runs


def report_from(runs: CorpusRuns, name: str, mode: str):
    report = runs.get(name, mode)
    if isinstance(report, Exception):
        raise report
    return report


def test_every_program_expects_every_catalog_rule_in_both_modes():
    catalog = catalog_rules()
    for name in programs_for(DEV_ENVIRONMENT) + [n for n in sorted(p.name for p in CORPUS.iterdir())
                                                  if n.startswith("pinned-")]:
        expected = load_expected(CORPUS / name)
        assert list(expected["rules"]) == catalog, name
        for rule, expectation in expected["rules"].items():
            assert {expectation["preview"], expectation["update"]} <= set(VERDICTS), (name, rule)
            assert expectation["why"], (name, rule)
            violated = "violated" in (expectation["preview"], expectation["update"])
            assert bool(expectation.get("messages")) == violated, (name, rule)
        assert (CORPUS / name / f"Pulumi.{expected['stack']}.yaml").is_file(), name
        assert (CORPUS / name / "requirements.txt").is_file(), name


def test_the_readme_has_one_line_per_program():
    readme = (CORPUS / "README.md").read_text()
    listed = [line.split("`")[1] for line in readme.splitlines() if line.startswith("- `")]
    assert listed == sorted(p.name for p in CORPUS.iterdir() if p.is_dir())


def test_no_program_names_a_virtualenv():
    for project in sorted(CORPUS.glob("*/Pulumi.yaml")):
        assert "virtualenv" not in project.read_text(), project.parent.name


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name", programs_for(DEV_ENVIRONMENT))
def test_program_gets_its_expected_verdicts(corpus_runs, name, mode):
    expected = load_expected(CORPUS / name)["rules"]
    report = report_from(corpus_runs, name, mode)

    actual = verdicts_for(report, expected)
    wanted = {rule: expectation[mode] for rule, expectation in expected.items()}
    differences = {rule: f"expected {wanted[rule]}, got {actual[rule]}" for rule in wanted if actual[rule] != wanted[rule]}
    assert differences == {}
    assert message_gaps(report, expected, mode) == []


def test_preview_decides_what_update_decides_and_never_contradicts_it(corpus_runs, capsys):
    decided = agreed = 0
    contradictions = []
    stopped = []
    for name in programs_for(DEV_ENVIRONMENT):
        rules = load_expected(CORPUS / name)["rules"]
        # A program that stops has no verdicts to compare; its own tests report why.
        if any(isinstance(corpus_runs.get(name, mode), Exception) for mode in MODES):
            stopped.append(name)
            continue
        preview = verdicts_for(report_from(corpus_runs, name, "preview"), rules)
        update = verdicts_for(report_from(corpus_runs, name, "update"), rules)
        for rule in rules:
            if update[rule] not in DECIDED:
                continue
            decided += 1
            if preview[rule] in DECIDED:
                agreed += 1
                if preview[rule] != update[rule]:
                    contradictions.append(f"{name} {rule}: preview {preview[rule]}, update {update[rule]}")
    share = agreed / decided if decided else 0.0
    with capsys.disabled():
        print(f"\nusual corpus: preview decides {agreed} of the {decided} verdicts update decides ({share:.1%}); "
              f"{len(contradictions)} contradiction(s); programs that stopped: {stopped or 'none'}")
    assert contradictions == []
    assert share >= PREVIEW_DECIDES_AT_LEAST


def catalog_rules() -> list[str]:
    """The catalog's rules in its order: the table of rules, then the table of rules added since."""
    text = shared_file(POLICY_CATALOG).read_text()
    return re.findall(r"^\|(?:[^|`\n]*\|)?\s*`([a-z0-9-]+)`\s*\|", text, flags=re.MULTILINE)
