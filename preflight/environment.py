"""The interpreter a project's program runs with, found as the Pulumi CLI finds it.

`runtime.options` in Pulumi.yaml decides (pulumi-language-python, sdk/python/toolchain):
- `toolchain: pip` (the default) with `virtualenv: DIR`: DIR's python; a DIR that does not
  exist yet is created and filled from `requirements.txt`, as `pulumi install` does (and says
  so on stderr in the CLI's words);
- `toolchain: pip` without `virtualenv`: `PULUMI_PYTHON_CMD` when set, else `python3`, then
  `python`, from `PATH` - normally the environment the user activated;
- `toolchain: poetry`: the environment `poetry env info --path` names (after
  `poetry install` when there is none yet);
- `toolchain: uv`: `virtualenv` (default `.venv`), made by `uv sync` when missing.
A toolchain that is named but not installed is an error naming the command to run.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import PreflightError

TOOLCHAINS = ("pip", "poetry", "uv")
INSTALL_TIMEOUT_S = 900.0


@dataclass(frozen=True)
class Interpreter:
    path: str
    how: str
    """How it was chosen, for messages: `virtualenv .venv`, `PULUMI_PYTHON_CMD`, `python3 on PATH`..."""


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def find_interpreter(directory: Path, options: Mapping[str, Any], *, environ: Mapping[str, str] | None = None,
                     announce: Callable[[str], None] = _say) -> Interpreter:
    environ = os.environ if environ is None else environ
    toolchain = options.get("toolchain") or "pip"
    if toolchain not in TOOLCHAINS:
        raise PreflightError(f"Pulumi.yaml: runtime.options.toolchain {toolchain!r} is not known; "
                             f"use one of {', '.join(TOOLCHAINS)}")
    virtualenv = options.get("virtualenv")
    if toolchain == "poetry":
        return _poetry(directory, environ, announce)
    if toolchain == "uv":
        return _uv(directory, virtualenv or environ.get("UV_PROJECT_ENVIRONMENT") or ".venv", environ, announce)
    if virtualenv:
        return _pip_virtualenv(directory, str(virtualenv), environ, announce)
    return _from_path(environ)


def _venv_python(venv: Path) -> Path:
    return venv / "bin" / "python"


def _from_path(environ: Mapping[str, str]) -> Interpreter:
    command = environ.get("PULUMI_PYTHON_CMD")
    if command:
        found = shutil.which(command, path=environ.get("PATH"))
        if found is None:
            raise PreflightError(f"PULUMI_PYTHON_CMD is {command!r}, which is not an executable on PATH; "
                                 "set it to the python of the project's environment, or unset it")
        return Interpreter(found, "PULUMI_PYTHON_CMD")
    for name in ("python3", "python"):
        found = shutil.which(name, path=environ.get("PATH"))
        if found is not None:
            return Interpreter(found, f"{name} on PATH")
    raise PreflightError("no python3 or python on PATH, and PULUMI_PYTHON_CMD is not set: activate the project's "
                         "virtualenv, set PULUMI_PYTHON_CMD, or set runtime.options.virtualenv in Pulumi.yaml")


def _base_python(environ: Mapping[str, str]) -> str:
    return _from_path(environ).path


def _pip_virtualenv(directory: Path, virtualenv: str, environ: Mapping[str, str],
                    announce: Callable[[str], None]) -> Interpreter:
    venv = Path(virtualenv) if Path(virtualenv).is_absolute() else directory / virtualenv
    python = _venv_python(venv)
    how = f"virtualenv {virtualenv}"
    if python.exists():
        return Interpreter(str(python), how)
    requirements = directory / "requirements.txt"
    announce("Creating virtual environment...")
    _run([_base_python(environ), "-m", "venv", str(venv)], directory, environ,
         f"the virtualenv {venv} (runtime.options.virtualenv) does not exist and could not be created")
    announce("Finished creating virtual environment")
    if requirements.is_file():
        announce("Installing dependencies in virtual environment...")
        _run([str(python), "-m", "pip", "install", "--disable-pip-version-check", "-r", str(requirements)],
             directory, environ, f"installing {requirements} into {venv} failed")
        announce("Finished installing dependencies")
    return Interpreter(str(python), how)


def _poetry(directory: Path, environ: Mapping[str, str], announce: Callable[[str], None]) -> Interpreter:
    poetry = shutil.which("poetry", path=environ.get("PATH"))
    if poetry is None:
        raise PreflightError(f"Pulumi.yaml names the toolchain poetry, which is not installed: install poetry "
                             f"(e.g. `pipx install poetry`) and run `poetry install` in {directory}")
    venv = _poetry_env(poetry, directory, environ)
    if venv is None:
        announce("Installing dependencies with poetry...")
        _run([poetry, "install", "--no-root"], directory, environ, f"`poetry install` in {directory} failed")
        announce("Finished installing dependencies")
        venv = _poetry_env(poetry, directory, environ)
    if venv is None or not _venv_python(venv).exists():
        raise PreflightError(f"poetry has no environment for {directory}; run `poetry install` there")
    return Interpreter(str(_venv_python(venv)), "poetry environment")


def _poetry_env(poetry: str, directory: Path, environ: Mapping[str, str]) -> Path | None:
    completed = subprocess.run([poetry, "env", "info", "--path"], cwd=directory, env=dict(environ),
                               capture_output=True, text=True)
    path = completed.stdout.strip()
    return Path(path) if completed.returncode == 0 and path else None


def _uv(directory: Path, virtualenv: str, environ: Mapping[str, str], announce: Callable[[str], None]) -> Interpreter:
    venv = Path(virtualenv) if Path(virtualenv).is_absolute() else directory / virtualenv
    python = _venv_python(venv)
    if python.exists():
        return Interpreter(str(python), f"uv environment {virtualenv}")
    uv = shutil.which("uv", path=environ.get("PATH"))
    if uv is None:
        raise PreflightError(f"Pulumi.yaml names the toolchain uv, which is not installed: install uv "
                             f"(e.g. `pip install uv`) and run `uv sync` in {directory}")
    announce("Installing dependencies with uv...")
    _run([uv, "sync"], directory, {**environ, "UV_PROJECT_ENVIRONMENT": str(venv)}, f"`uv sync` in {directory} failed")
    announce("Finished installing dependencies")
    if not python.exists():
        raise PreflightError(f"`uv sync` in {directory} made no environment at {venv}")
    return Interpreter(str(python), f"uv environment {virtualenv}")


def _run(command: list[str], directory: Path, environ: Mapping[str, str], failure: str) -> None:
    try:
        completed = subprocess.run(command, cwd=directory, env=dict(environ), capture_output=True, text=True,
                                   timeout=INSTALL_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        raise PreflightError(f"{failure}: `{' '.join(command)}` did not finish within {INSTALL_TIMEOUT_S:g} s") from None
    if completed.returncode != 0:
        output = "\n".join((completed.stderr or completed.stdout).strip().splitlines()[-15:])
        raise PreflightError(f"{failure}: `{' '.join(command)}` exited with {completed.returncode}:\n{output}")
