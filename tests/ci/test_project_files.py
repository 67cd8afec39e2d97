"""Pulumi.yaml against Pulumi's project schema, and the Makefile's install-once behaviour."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from tests.ci.project_paths import PROJECT_SCHEMA, REPO_ROOT, VENV_BIN, shared_file


def check_project(path: Path) -> subprocess.CompletedProcess:
    """check-jsonschema with ../shared/schemas/pulumi-project.schema.json, as `make lint` runs it."""
    return subprocess.run(
        [str(VENV_BIN / "check-jsonschema"), "--schemafile", str(shared_file(PROJECT_SCHEMA)), str(path)],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_pulumi_yaml_is_valid_against_the_pulumi_project_schema() -> None:
    project = REPO_ROOT / "Pulumi.yaml"
    assert project.is_file(), "Pulumi.yaml is missing at the repository root"

    result = check_project(project)

    assert (result.returncode, result.stdout.strip()) == (0, "ok -- validation done"), result.stdout


def test_project_schema_rejects_a_project_without_a_name(tmp_path: Path) -> None:
    project = tmp_path / "Pulumi.yaml"
    project.write_text("runtime: python\n")

    result = check_project(project)

    assert result.returncode == 1
    assert "'name' is a required property" in result.stdout


def test_project_schema_accepts_a_minimal_python_project(tmp_path: Path) -> None:
    project = tmp_path / "Pulumi.yaml"
    project.write_text("name: minimal\nruntime:\n  name: python\n  options:\n    virtualenv: .venv\n")

    result = check_project(project)

    assert (result.returncode, result.stdout.strip()) == (0, "ok -- validation done")


def make(workdir: Path, *targets: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["make", "--no-print-directory", f"PYTHON={sys.executable}", *targets],
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=300,
    )


def makefile_sandbox(tmp_path: Path) -> Path:
    """The real Makefile next to requirements files that install nothing, so venv creation is quick."""
    shutil.copy(REPO_ROOT / "Makefile", tmp_path / "Makefile")
    (tmp_path / "policies").mkdir()
    for name in ("requirements.txt", "requirements-dev.txt", "policies/requirements.txt"):
        (tmp_path / name).write_text("# nothing to install\n")
    return tmp_path


def test_make_venv_creates_both_virtualenvs_once_and_again_only_when_requirements_change(
    tmp_path: Path,
) -> None:
    sandbox = makefile_sandbox(tmp_path)

    first = make(sandbox, "venv")
    # `python -m venv` rewrites pyvenv.cfg: an unchanged mtime means the venvs were kept.
    created = [(sandbox / venv / "pyvenv.cfg").stat().st_mtime_ns for venv in (".venv", "policies/.venv")]
    second = make(sandbox, "venv")
    (sandbox / "policies" / "requirements.txt").write_text("# changed\n")
    third = make(sandbox, "venv")

    assert first.returncode == 0, first.stderr
    assert (sandbox / ".venv" / "bin" / "python").exists()
    assert (sandbox / "policies" / ".venv" / "bin" / "python").exists()
    assert second.stdout == "make: Nothing to be done for 'venv'.\n"
    # A change to the pack's requirements reinstalls both: the dev requirements include them.
    assert third.stdout.count("pip install") == 2
    assert [
        (sandbox / venv / "pyvenv.cfg").stat().st_mtime_ns for venv in (".venv", "policies/.venv")
    ] == created


def test_readme_commands_are_make_targets() -> None:
    result = subprocess.run(
        ["make", "--dry-run", "--always-make", "preview", "test", "lint"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )

    commands = result.stdout.splitlines()
    assert result.returncode == 0, result.stderr
    assert ".venv/bin/python -m preflight . --stack dev --format text" in commands
    assert ".venv/bin/pytest" in commands
    assert (
        ".venv/bin/check-jsonschema --schemafile ../shared/schemas/pulumi-project.schema.json Pulumi.yaml"
        in commands
    )


def test_ci_runs_the_readmes_commands() -> None:
    script = (REPO_ROOT / ".ci" / "run").read_text()
    syntax = subprocess.run(["bash", "-n", str(REPO_ROOT / ".ci" / "run")], capture_output=True, text=True)

    assert syntax.returncode == 0, syntax.stderr
    assert script.startswith("#!/usr/bin/env bash\n")
    assert "set -euo pipefail" in script
    lines = [line.strip() for line in script.splitlines()]
    assert lines.index("make lint") < lines.index("if make test; then")
