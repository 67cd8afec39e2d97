"""The program's environment, found as the Pulumi CLI finds it, and the SDK versions preflight runs."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from preflight.environment import Interpreter, find_interpreter
from preflight.errors import PreflightError
from preflight.program import run_program
from preflight.project import load_project

from .conftest import PROJECTS
from .sdk_venvs import sdk_venv

STACK_TYPE = "pulumi:pulumi:Stack"


def stack_outputs(run) -> dict:
    return next(record for record in run.resources if record["type"] == STACK_TYPE)["outputs"]


def run_with(python: Path, project: str, mode: str, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("PULUMI_PYTHON_CMD", str(python))
    loaded = load_project(PROJECTS / project, "dev")
    assert loaded.interpreter == str(python) and loaded.interpreter_source == "PULUMI_PYTHON_CMD"
    return run_program(loaded, stack="dev", mode=mode, invokes={}, stack_outputs={})


@pytest.fixture(scope="session")
def pulumi_3_86() -> Path:
    return sdk_venv("pulumi==3.86.0", "pulumi-aws==5.43.0")


@pytest.fixture(scope="session")
def pulumi_3_165() -> Path:
    return sdk_venv("pulumi==3.165.0", "pulumi-aws==6.83.0")


@pytest.mark.parametrize("mode", ["preview", "update"])
def test_pulumi_3_86_with_pulumi_aws_5_runs_and_its_data_sources_are_answered(pulumi_3_86, mode, monkeypatch):
    run = run_with(pulumi_3_86, "pinned_aws5", mode, monkeypatch)
    assert sorted(record["type"] for record in run.resources) == [
        "aws:ecr/repository:Repository", "aws:iam/role:Role", STACK_TYPE]
    outputs = stack_outputs(run)
    assert outputs["region"] == "us-west-2"
    assert outputs["subnets"] == ["subnet-3637253361538aa02", "subnet-675eeb9a2cf8dfd78"]
    repository = next(record for record in run.resources if record["type"] == "aws:ecr/repository:Repository")
    assert repository["inputs"]["name"].startswith("web-")
    # Known in preview too: the URL follows from the name, the region and the account (see-through).
    assert outputs["repositoryUrl"] == f"123456789012.dkr.ecr.us-west-2.amazonaws.com/{repository['inputs']['name']}"
    assert repository["sourcePosition"] == {"uri": (PROJECTS / "pinned_aws5" / "__main__.py").as_uri(), "line": 9}
    assert run.default_providers[0]["urn"] == "urn:pulumi:dev::pinned-aws5::pulumi:providers:aws::default_5_43_0"


def test_pulumi_3_165_with_pulumi_aws_6_runs(pulumi_3_165, monkeypatch):
    run = run_with(pulumi_3_165, "pinned_aws6", "update", monkeypatch)
    role = next(record for record in run.resources if record["type"] == "aws:iam/role:Role")
    assert role["inputs"]["assumeRolePolicy"] == (
        '{\n  "Version": "2012-10-17",\n  "Statement": [\n    {\n      "Effect": "Allow",\n'
        '      "Action": "sts:AssumeRole",\n      "Principal": {\n        "Service": "ecs-tasks.amazonaws.com"\n'
        "      }\n    }\n  ]\n}")
    assert stack_outputs(run)["subnets"] == ["subnet-3637253361538aa02", "subnet-675eeb9a2cf8dfd78"]
    assert stack_outputs(run)["logGroupArn"].startswith("arn:aws:logs:us-west-2:123456789012:log-group:logs-")


def test_an_sdk_older_than_3_80_is_an_error_naming_both_versions(monkeypatch):
    python = sdk_venv("pulumi==3.79.0")
    with pytest.raises(PreflightError) as raised:
        run_with(python, "pinned_aws5", "preview", monkeypatch)
    assert raised.value.message == (
        f"the program's interpreter {python} has pulumi 3.79.0; preflight supports pulumi 3.80.0 or later: pin "
        "`pulumi>=3.80.0,<4` in the project's requirements and reinstall its environment")


def write_project(directory: Path, runtime: str, requirements: str | None = None) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "Pulumi.yaml").write_text(f"name: env-check\nruntime:\n{runtime}")
    (directory / "__main__.py").write_text("import pulumi\nimport pulumi_aws\n")
    if requirements is not None:
        (directory / "requirements.txt").write_text(requirements)
    return directory


def test_a_missing_virtualenv_is_created_from_requirements_as_pulumi_install_does(tmp_path, capsys):
    project = write_project(tmp_path / "app", "  name: python\n  options:\n    virtualenv: venv\n",
                            "# the team forgot to list its dependencies\n")
    loaded = load_project(project, "dev")
    python = project / "venv" / "bin" / "python"
    assert loaded.interpreter == str(python) and python.exists()
    assert capsys.readouterr().err == (
        "Creating virtual environment...\nFinished creating virtual environment\n"
        "Installing dependencies in virtual environment...\nFinished installing dependencies\n")
    with pytest.raises(PreflightError) as raised:
        run_program(loaded, stack="dev", mode="preview", invokes={}, stack_outputs={})
    assert raised.value.message == (
        f"the program cannot import the module 'pulumi' with the interpreter {python} (virtualenv venv). "
        f"Install the project's dependencies into that environment (`{python} -m pip install -r "
        f"{project / 'requirements.txt'}`), or run preflight with the environment that has them: set "
        "runtime.options.virtualenv in Pulumi.yaml, activate the virtualenv, or set PULUMI_PYTHON_CMD to its python")


def test_an_import_the_program_makes_names_the_module_and_the_interpreter(tmp_path, monkeypatch):
    project = write_project(tmp_path / "app", "  name: python\n")
    (project / "__main__.py").write_text("import pulumi\nimport pulumi_gcp\n")
    monkeypatch.setenv("PULUMI_PYTHON_CMD", sys.executable)
    loaded = load_project(project, "dev")
    with pytest.raises(PreflightError) as raised:
        run_program(loaded, stack="dev", mode="preview", invokes={}, stack_outputs={})
    assert raised.value.message == (
        f"the program cannot import the module 'pulumi_gcp' with the interpreter {sys.executable} "
        f"(PULUMI_PYTHON_CMD). Install the project's dependencies into that environment (`{sys.executable} -m pip "
        "install pulumi_gcp`), or run preflight with the environment that has them: set runtime.options.virtualenv "
        "in Pulumi.yaml, activate the virtualenv, or set PULUMI_PYTHON_CMD to its python\n"
        "Traceback (your program's frames, most recent call last):\n"
        '  File "__main__.py", line 2, in <module>\n    import pulumi_gcp')


def test_without_a_virtualenv_option_pulumi_python_cmd_then_python3_then_python_on_path(tmp_path, monkeypatch):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name in ("python3", "python", "custom-python"):
        (bin_dir / name).write_text("#!/bin/sh\n")
        (bin_dir / name).chmod(0o755)
    path = {"PATH": str(bin_dir)}
    assert find_interpreter(tmp_path, {}, environ={**path, "PULUMI_PYTHON_CMD": "custom-python"}) == Interpreter(
        str(bin_dir / "custom-python"), "PULUMI_PYTHON_CMD")
    assert find_interpreter(tmp_path, {"toolchain": "pip"}, environ=path) == Interpreter(
        str(bin_dir / "python3"), "python3 on PATH")
    (bin_dir / "python3").unlink()
    assert find_interpreter(tmp_path, {}, environ=path) == Interpreter(str(bin_dir / "python"), "python on PATH")
    (bin_dir / "python").unlink()
    with pytest.raises(PreflightError) as raised:
        find_interpreter(tmp_path, {}, environ=path)
    assert raised.value.message == (
        "no python3 or python on PATH, and PULUMI_PYTHON_CMD is not set: activate the project's virtualenv, set "
        "PULUMI_PYTHON_CMD, or set runtime.options.virtualenv in Pulumi.yaml")
    with pytest.raises(PreflightError) as raised:
        find_interpreter(tmp_path, {}, environ={**path, "PULUMI_PYTHON_CMD": "missing-python"})
    assert raised.value.message == ("PULUMI_PYTHON_CMD is 'missing-python', which is not an executable on PATH; set it "
                                    "to the python of the project's environment, or unset it")


@pytest.mark.parametrize(("toolchain", "message"), [
    ("poetry", "Pulumi.yaml names the toolchain poetry, which is not installed: install poetry (e.g. `pipx install "
               "poetry`) and run `poetry install` in {dir}"),
    ("uv", "Pulumi.yaml names the toolchain uv, which is not installed: install uv (e.g. `pip install uv`) and run "
           "`uv sync` in {dir}"),
])
def test_a_toolchain_that_is_not_installed_names_the_command_to_run(tmp_path, toolchain, message):
    with pytest.raises(PreflightError) as raised:
        find_interpreter(tmp_path, {"toolchain": toolchain}, environ={"PATH": str(tmp_path)})
    assert raised.value.message == message.format(dir=tmp_path)


def test_an_existing_uv_environment_is_used_without_uv(tmp_path):
    python = tmp_path / ".venv" / "bin" / "python"
    python.parent.mkdir(parents=True)
    python.write_text("")
    assert find_interpreter(tmp_path, {"toolchain": "uv"}, environ={"PATH": str(tmp_path)}).path == str(python)


def test_an_unknown_toolchain_is_an_error(tmp_path):
    with pytest.raises(PreflightError) as raised:
        find_interpreter(tmp_path, {"toolchain": "conda"}, environ=dict(os.environ))
    assert raised.value.message == "Pulumi.yaml: runtime.options.toolchain 'conda' is not known; use one of pip, poetry, uv"
