"""The usual-style corpus under the SDK and provider versions programs pin (scripts/version-matrix.sh).

`USUAL_MATRIX` lists the environments as `NAME=VENV,...`; the script builds them and sets it.
Each corpus program whose expected.json has an `environments` list runs, in both modes, under
every listed environment, the way a user runs it: that environment activated (its bin first on
PATH, `VIRTUAL_ENV` set) and the program naming no virtualenv; one pinned program also runs with
`PULUMI_PYTHON_CMD` and nothing on PATH, the CLI's other way of choosing the interpreter.
Without `USUAL_MATRIX` (the plain test run) this module defines no tests: building the
environments is the script's job.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.preflight.test_usual_corpus import (
    CORPUS,
    MODES,
    load_expected,
    message_gaps,
    run_program,
    verdicts_for,
)

ENVIRONMENTS = dict(item.split("=", 1) for item in os.environ.get("USUAL_MATRIX", "").split(",") if "=" in item)


def matrix_cases() -> list[tuple[str, str]]:
    cases = []
    for directory in sorted(CORPUS.iterdir()):
        if not (directory / "expected.json").is_file():
            continue
        for environment in load_expected(directory).get("environments", []):
            if environment == "dev" and len(load_expected(directory)["environments"]) == 1:
                continue
            cases.append((environment, directory.name))
    return cases


def assert_expected_verdicts(name: str, mode: str) -> None:
    expected = load_expected(CORPUS / name)["rules"]
    report = run_program(name, mode)
    actual = verdicts_for(report, expected)
    wanted = {rule: expectation[mode] for rule, expectation in expected.items()}
    differences = {rule: f"expected {wanted[rule]}, got {actual[rule]}" for rule in wanted if actual[rule] != wanted[rule]}
    assert differences == {}
    assert message_gaps(report, expected, mode) == []


def without_virtualenvs(path: str) -> str:
    """PATH without any virtualenv's bin, so only an explicit choice can find the pinned SDKs."""
    return os.pathsep.join(entry for entry in path.split(os.pathsep) if not (Path(entry) / "activate").is_file())


if ENVIRONMENTS:

    @pytest.fixture(autouse=True)
    def matrix_defaults(monkeypatch: pytest.MonkeyPatch, no_aws_credentials) -> None:
        monkeypatch.delenv("PULUMI_PYTHON_CMD", raising=False)
        monkeypatch.delenv("VIRTUAL_ENV", raising=False)
        monkeypatch.setenv("PREFLIGHT_PACK_TIMEOUT", "60")

    def test_every_environment_of_the_corpus_is_built():
        named = {environment for environment, _ in matrix_cases()}
        assert named <= set(ENVIRONMENTS), f"environments named by expected.json but not built: {named - set(ENVIRONMENTS)}"
        for venv in ENVIRONMENTS.values():
            assert (Path(venv) / "bin" / "python").is_file(), venv

    @pytest.mark.parametrize("mode", MODES)
    @pytest.mark.parametrize("environment,name", matrix_cases())
    def test_program_under_an_activated_environment(monkeypatch, environment, name, mode):
        venv = Path(ENVIRONMENTS[environment])
        monkeypatch.setenv("VIRTUAL_ENV", str(venv))
        monkeypatch.setenv("PATH", f"{venv / 'bin'}{os.pathsep}{without_virtualenvs(os.environ.get('PATH', ''))}")

        assert_expected_verdicts(name, mode)

    @pytest.mark.parametrize("mode", MODES)
    def test_oldest_pulumi_through_pulumi_python_cmd(monkeypatch, mode):
        venv = Path(ENVIRONMENTS["pulumi-3.86-aws-5"])
        monkeypatch.setenv("PULUMI_PYTHON_CMD", str(venv / "bin" / "python"))
        monkeypatch.setenv("PATH", without_virtualenvs(os.environ.get("PATH", "")))

        assert_expected_verdicts("pinned-pulumi-3-86-aws-5", mode)
