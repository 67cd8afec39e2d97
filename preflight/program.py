"""Run a project's program in a subprocess under the mock runtime; return what it registered.

The subprocess gets the program's own interpreter (its virtualenv when Pulumi.yaml names
one that exists), working directory and import path, and the config environment the
language host would set. preflight's host code is loaded by file path, so no preflight
module sits on the program's import path.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import PreflightError
from .host.invokes import INVOKES_FILE_FORMAT
from .prior_state import PriorState
from .project import Project

HOST_DIR = Path(__file__).resolve().parent / "host"

BOOTSTRAP = """\
import importlib.util, sys
if sys.path and sys.path[0] == "":
    del sys.path[0]
spec = importlib.util.spec_from_file_location(
    "_preflight_host", sys.argv[1] + "/__init__.py", submodule_search_locations=[sys.argv[1]])
module = importlib.util.module_from_spec(spec)
sys.modules["_preflight_host"] = module
spec.loader.exec_module(module)
from _preflight_host.sdk_compat import exit_if_unsupported
exit_if_unsupported(sys.argv[2])
from _preflight_host.run import main
main(sys.argv[2])
"""

DEFAULT_PROGRAM_TIMEOUT_S = 300.0


@dataclass
class ProgramRun:
    resources: list[dict[str, Any]]
    default_providers: list[dict[str, Any]]
    logs: list[dict[str, str]]
    stdout: str
    stderr: str


def run_program(project: Project, *, stack: str, mode: str, invokes: dict[str, list[dict[str, Any]]],
                stack_outputs: dict[str, dict[str, Any]],
                on_registration: Callable[[dict[str, Any]], None] | None = None,
                prior_state: PriorState | None = None, see_through: bool = True) -> ProgramRun:
    """Run the program; `on_registration` is called (on another thread) with each registration
    as it happens, default providers included. With `prior_state` the stack is previewed as
    the existing stack it describes (each record's `change`: create, same, update, replace).
    `see_through=False` gives the engine's own first preview: every computed output unknown."""
    timeout = float(os.environ.get("PREFLIGHT_PROGRAM_TIMEOUT", DEFAULT_PROGRAM_TIMEOUT_S))
    read_fd, write_fd = os.pipe()
    reader = threading.Thread(target=_read_registrations, args=(read_fd, on_registration), daemon=True)
    reader.start()
    try:
        return _run(project, stack, mode, invokes, stack_outputs, write_fd, timeout, prior_state, see_through)
    finally:
        reader.join()


def _read_registrations(read_fd: int, on_registration: Callable[[dict[str, Any]], None] | None) -> None:
    with os.fdopen(read_fd) as stream:
        for line in stream:
            if on_registration is not None:
                on_registration(json.loads(line))


def _run(project: Project, stack: str, mode: str, invokes: dict[str, list[dict[str, Any]]],
         stack_outputs: dict[str, dict[str, Any]], write_fd: int, timeout: float,
         prior_state: PriorState | None = None, see_through: bool = True) -> ProgramRun:
    with tempfile.TemporaryDirectory(prefix="preflight-") as scratch:
        spec_path = Path(scratch) / "spec.json"
        result_path = Path(scratch) / "result.json"
        spec_path.write_text(json.dumps({
            "project": project.name,
            "stack": stack,
            "mode": mode,
            "project_dir": str(project.directory),
            "main_path": str(project.main),
            "invokes": invokes,
            "stack_outputs": stack_outputs,
            "result_path": str(result_path),
            "stream_fd": write_fd,
            "prior_state": prior_state.to_spec() if prior_state is not None else {},
            "see_through": see_through,
        }))
        env = {**os.environ, **project.config_env(), "PULUMI_PROJECT": project.name, "PULUMI_STACK": stack,
               "PULUMI_DRY_RUN": "true" if mode == "preview" else "false", "PYTHONUNBUFFERED": "1"}
        env.pop("PYTHONPATH", None)
        try:
            completed = subprocess.run(
                [project.interpreter, "-c", BOOTSTRAP, str(HOST_DIR), str(spec_path)],
                cwd=project.directory, env=env, capture_output=True, text=True, timeout=timeout,
                pass_fds=(write_fd,),
            )
        except subprocess.TimeoutExpired:
            raise PreflightError(
                f"the program in {project.directory} did not finish within {timeout:g} s "
                "(set PREFLIGHT_PROGRAM_TIMEOUT to allow longer)"
            ) from None
        finally:
            # Only the child writes; closing this end lets the reader see the end of the stream.
            os.close(write_fd)
        if not result_path.exists():
            raise PreflightError(
                f"the program host crashed before reporting (exit code {completed.returncode}); "
                f"its output:\n{_tail(completed.stderr or completed.stdout)}"
            )
        result = json.loads(result_path.read_text())
    if not result.get("ok"):
        raise PreflightError(program_error_message(result.get("error") or {}, completed.stderr, project))
    return ProgramRun(
        resources=result["resources"],
        default_providers=result["default_providers"],
        logs=result["logs"],
        stdout=completed.stdout,
        stderr=completed.stderr,
    )


def program_error_message(error: dict[str, Any], stderr: str, project: Project | None = None) -> str:
    kind = error.get("kind")
    frames = error.get("traceback") or []
    trace = ("\nTraceback (your program's frames, most recent call last):\n" + "\n".join(frames)) if frames else ""
    if kind == "sdk":
        return error["message"]
    if kind == "check":
        failures = error.get("failures") or [error.get("message")]
        return "the provider rejects the program's inputs, so `pulumi preview` fails here too:\n" + "\n".join(
            f"  {failure}" for failure in failures)
    if kind == "import" and project is not None:
        return import_error_message(error["module"], project) + trace
    if kind == "invoke" and error.get("provider"):
        return (
            f"the program called the function {error['token']} with {json.dumps(error.get('args'), sort_keys=True)}, "
            f"and the provider rejects it: {error.get('reason')}{trace}"
        )
    if kind == "invoke":
        return (
            f"the program called the function {error['token']} with {json.dumps(error.get('args'), sort_keys=True)}, "
            f"which preflight cannot answer: {error.get('reason')}.\n"
            f"Answer it with --invokes FILE.\n{INVOKES_FILE_FORMAT}{trace}"
        )
    if kind == "stack_reference":
        return (
            f"the program reads the stack {error['stack']!r} through a StackReference, and no outputs were "
            f"given for it; pass --stack-outputs {error['stack']}=FILE (a JSON object of that stack's outputs, "
            f"as `pulumi stack output --json` prints it){trace}"
        )
    message = error.get("message") or f"the program failed:\n{_tail(stderr)}"
    return f"the program failed: {message}{trace}"


def import_error_message(module: str, project: Project) -> str:
    source = f" ({project.interpreter_source})" if project.interpreter_source else ""
    requirements = project.directory / "requirements.txt"
    install = (f"`{project.interpreter} -m pip install -r {requirements}`" if requirements.is_file()
               else f"`{project.interpreter} -m pip install {module}`")
    return (
        f"the program cannot import the module '{module}' with the interpreter {project.interpreter}{source}. "
        f"Install the project's dependencies into that environment ({install}), or run preflight with the "
        "environment that has them: set runtime.options.virtualenv in Pulumi.yaml, activate the virtualenv, "
        "or set PULUMI_PYTHON_CMD to its python"
    )


def _tail(text: str, lines: int = 30) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])
