"""Pulumi.yaml against Pulumi's project schema, and the Makefile's install-once behaviour."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.ci.project_paths import PROJECT_SCHEMA, REPO_ROOT, check_jsonschema, shared_file


def check_project(path: Path) -> subprocess.CompletedProcess:
    """Validation against ../shared/schemas/pulumi-project.schema.json, as `make lint` runs it."""
    return check_jsonschema("--schemafile", str(shared_file(PROJECT_SCHEMA)), str(path))


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
    # A top-level make, also when the suite itself runs under `make test` (no "make[1]:" prefix).
    env = {key: value for key, value in os.environ.items() if key not in ("MAKELEVEL", "MAKEFLAGS", "MFLAGS")}
    return subprocess.run(
        ["make", "--no-print-directory", f"PYTHON={sys.executable}", *targets],
        cwd=workdir,
        env=env,
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
    assert ".venv/bin/pytest -n auto --dist loadgroup" in commands
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
    assert (lines.index("make lint || lint_status=$?") < lines.index("make test || test_status=$?")
            < lines.index("bash scripts/version-matrix.sh || matrix_status=$?"))
    assert lines[-3:] == ['if [ "$lint_status" != 0 ]; then exit "$lint_status"; fi',
                          'if [ "$test_status" != 0 ]; then exit "$test_status"; fi', 'exit "$matrix_status"']


def bench_sandbox(tmp_path: Path, scripts: dict[str, str]) -> Path:
    """The real Makefile with a ready .venv (this interpreter) and the given bench scripts."""
    shutil.copy(REPO_ROOT / "Makefile", tmp_path / "Makefile")
    (tmp_path / ".venv" / "bin").mkdir(parents=True)
    (tmp_path / ".venv" / "bin" / "python").symlink_to(sys.executable)
    (tmp_path / "bench").mkdir()
    for name, source in scripts.items():
        (tmp_path / "bench" / name).write_text(source)
    return tmp_path


def test_make_bench_runs_every_bench_script_in_order_and_prints_their_figures(tmp_path: Path) -> None:
    sandbox = bench_sandbox(
        tmp_path, {"b_slow.py": "print('b: 2.0 s')\n", "a_fast.py": "print('a: 0.1 s')\n"}
    )

    # --old-file=venv: the sandbox's .venv is ready, so make must not try to install it.
    result = make(sandbox, "--old-file=venv", "bench")

    assert (result.returncode, result.stdout) == (
        0,
        "== bench/a_fast.py\na: 0.1 s\n== bench/b_slow.py\nb: 2.0 s\n",
    )


def test_make_bench_fails_when_a_bench_script_fails(tmp_path: Path) -> None:
    sandbox = bench_sandbox(tmp_path, {"a.py": "raise SystemExit(3)\n", "b.py": "print('never reached')\n"})

    result = make(sandbox, "--old-file=venv", "bench")

    assert result.returncode == 2
    assert result.stdout == "== bench/a.py\n"
