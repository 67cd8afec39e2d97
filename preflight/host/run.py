"""Run a Pulumi Python program under the mock runtime and write what it registered as JSON.

Does what the Python language host's executor does (config from PULUMI_CONFIG and
PULUMI_CONFIG_SECRET_KEYS through `set_all_config`, `run_in_stack` around
`runpy.run_path(main)`), with the recording monitor in place of the engine.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import runpy
import sys
import threading
import traceback
from pathlib import Path
from typing import Any

import pulumi
import pulumi.runtime
from pulumi.runtime.mocks import MockEngine, MockSettings
from pulumi.runtime.settings import configure
from pulumi.runtime.stack import run_in_stack

from .construction import Constructions
from .invokes import Invokes
from .monitor import InvokeAnswers, MissingStackOutputs, RecordingMonitor
from .sdk_compat import run_in_stack_awaits_the_program, settings_kwargs


class _LogCollector(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.lines: list[dict[str, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append({"level": record.levelname.lower(), "message": record.getMessage()})


class RecordStream:
    """Registrations as JSON lines on a pipe the parent reads while the program runs."""

    def __init__(self, fd: int | None):
        self._file = os.fdopen(fd, "w") if fd is not None else None
        self._lock = threading.Lock()

    def emit(self, record: dict[str, Any]) -> None:
        if self._file is None:
            return
        line = json.dumps(record) + "\n"
        with self._lock:
            self._file.write(line)
            self._file.flush()

    def close(self) -> None:
        with self._lock:
            if self._file is not None:
                self._file.close()
                self._file = None


def main(spec_path: str) -> None:
    spec = json.loads(Path(spec_path).read_text())
    result: dict[str, Any] = {"ok": False}
    try:
        result = run(spec)
    finally:
        Path(spec["result_path"]).write_text(json.dumps(result))
        sys.stdout.flush()
        sys.stderr.flush()
    # Background threads of the SDK must not keep the process alive.
    os._exit(0)


def run(spec: dict[str, Any]) -> dict[str, Any]:
    project_dir = Path(spec["project_dir"])
    main_path = Path(spec["main_path"])
    config = pulumi.runtime.get_config_env()
    pulumi.runtime.set_all_config(config, pulumi.runtime.get_config_secret_keys_env())

    invokes = Invokes(config.get("aws:region") or "us-east-1", spec.get("invokes") or {})
    answers = InvokeAnswers(invokes)
    stream = RecordStream(spec.get("stream_fd"))
    constructions = Constructions(project_dir)
    constructions.install()
    monitor = RecordingMonitor(
        answers,
        project=spec["project"],
        stack=spec["stack"],
        preview=spec["mode"] == "preview",
        config=config,
        stack_outputs=spec.get("stack_outputs") or {},
        emit=stream.emit,
        constructions=constructions,
        prior_state=spec.get("prior_state") or {},
        see_through=spec.get("see_through", True),
    )
    collector = _LogCollector()
    logger = logging.getLogger("preflight.program")
    logger.propagate = False
    logger.addHandler(collector)
    configure(MockSettings(**settings_kwargs(
        monitor=monitor,
        engine=MockEngine(logger),
        project=spec["project"],
        stack=spec["stack"],
        dry_run=spec["mode"] == "preview",
        organization=spec.get("organization") or "organization",
        root_directory=str(project_dir),
    )))

    # As the language host does: the program's directory first on the import path.
    sys.path[:0] = [str(main_path if main_path.is_dir() else main_path.parent)]
    os.chdir(project_dir)
    error = None
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        program = (lambda: _program(main_path)) if run_in_stack_awaits_the_program() else (
            lambda: runpy.run_path(str(main_path), run_name="__main__"))
        loop.run_until_complete(run_in_stack(program))
    except BaseException as exc:  # noqa: BLE001 - every failure of the user's program is reported
        error = describe_error(exc, answers, monitor, project_dir)
    stream.close()
    if error is None:
        errors = [line["message"] for line in collector.lines if line["level"] == "error"]
        if answers.failures or monitor.missing_stacks or monitor.check_failures or errors:
            error = describe_error(None, answers, monitor, project_dir, "\n".join(errors))

    records = [monitor.records[urn] for urn in monitor.order]
    return {
        "ok": error is None,
        "error": error,
        "resources": records,
        "default_providers": list(monitor.default_providers.values()),
        "logs": collector.lines,
    }


async def _program(main_path: Path) -> None:
    """The program, as the language host's executor runs it inside `run_in_stack` - one event-loop
    turn later, so the root Stack's registration is under way when the program's begin (on SDKs whose
    `run_in_stack` awaits the program; older ones call it inside `Stack.__init__`).

    Same registrations, same values: only the SDK's bookkeeping changes. Its `wait_for_rpcs` first
    drains the RPCs it has seen start, then waits on every outstanding output, one completion at a
    time (`asyncio.wait(..., FIRST_COMPLETED)` over all of them). Run in the same turn as `Stack()`,
    the program's registrations have not started when the drain looks, so the drain finds nothing
    and the wait goes quadratic: 40 % of a 750-resource run's CPU."""
    await asyncio.sleep(0)
    runpy.run_path(str(main_path), run_name="__main__")


def describe_error(exc: BaseException | None, answers: InvokeAnswers, monitor: RecordingMonitor,
                   project_dir: Path, logged: str = "") -> dict[str, Any]:
    if answers.failures:
        failure = answers.failures[0]
        return {"kind": "invoke", "token": failure.token, "args": _jsonable(failure.call_args),
                "reason": failure.reason, "message": str(failure), "provider": failure.provider,
                "traceback": user_frames(failure.call_site, project_dir)}
    if monitor.check_failures:
        return {"kind": "check", "failures": list(monitor.check_failures), "message": "; ".join(monitor.check_failures),
                "traceback": []}
    if monitor.missing_stacks:
        return {"kind": "stack_reference", "stack": monitor.missing_stacks[0],
                "message": str(MissingStackOutputs(monitor.missing_stacks[0])),
                "traceback": user_frames(_frames_of(exc), project_dir)}
    if exc is None:
        return {"kind": "program", "message": logged, "traceback": []}
    missing = _missing_module(exc)
    if missing is not None:
        return {"kind": "import", "module": missing, "message": str(exc),
                "traceback": user_frames(_frames_of(exc), project_dir)}
    message = "".join(traceback.format_exception_only(type(exc), exc)).strip()
    return {"kind": "program", "message": message, "traceback": user_frames(_frames_of(exc), project_dir)}


def _missing_module(exc: BaseException) -> str | None:
    """The top-level package a failed import names (the SDK may wrap the error it raised)."""
    seen: set[int] = set()
    # The SDK re-raises errors from its tasks, so a chain can come back to itself: walk it once.
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, ModuleNotFoundError) and exc.name:
            return exc.name.split(".")[0]
        exc = exc.__cause__ or exc.__context__
    return None


def _frames_of(exc: BaseException | None) -> list[traceback.FrameSummary]:
    return list(traceback.extract_tb(exc.__traceback__)) if exc is not None else []


def user_frames(frames: list[traceback.FrameSummary], project_dir: Path) -> list[str]:
    """The frames that lie in the user's project (not its virtualenv), outermost first."""
    root = str(project_dir.resolve())
    lines = []
    for frame in frames:
        filename = str(Path(frame.filename).resolve()) if frame.filename and not frame.filename.startswith("<") else ""
        if filename.startswith(root + os.sep) and "/.venv/" not in filename[len(root):]:
            relative = os.path.relpath(filename, root)
            lines.append(f'  File "{relative}", line {frame.lineno}, in {frame.name}')
            if frame.line:
                lines.append(f"    {frame.line}")
    return lines


def _jsonable(value: Any) -> Any:
    try:
        json.dumps(value)
        return value
    except TypeError:
        return repr(value)
