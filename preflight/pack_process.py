"""Start a Python policy pack the way the Pulumi engine starts it, bounded in time.

Which CLI behaviour this follows. Up to 3.220 the engine (`NewPolicyAnalyzer`,
sdk/go/common/resource/plugin/analyzer_plugin.go) boots Python packs through the shim plugin
`pulumi-analyzer-policy-python`: working directory the pack's, arguments
`<engine address> . -virtualenv=<dir>` (one `-<option>=<value>` per `runtime.options`
entry), and the shim runs `<venv>/bin/python -u -m pulumi.policy <engine address> .` with
`<venv>/bin` first on PATH and PYTHONHOME unset. From 3.221 the engine asks the Python
language host to run the pack (`RunPlugin`), which resolves the pack's toolchain and
virtualenv the way it does for programs and runs the pack's `__main__.py` with that
virtualenv activated. preflight runs the command both end in - the virtualenv's python
on `pulumi.policy`, which runs the pack's `__main__.py` with `runpy.run_path(".")` - with
the virtualenv activated as the language host activates it (`VIRTUAL_ENV` set, its `bin`
first on PATH, PYTHONHOME and PYTHONPATH unset). `PolicyPack(...)` serves the Analyzer
service on 127.0.0.1 and writes the port on stdout.

The environment is the engine's (`constructEnv`) plus PULUMI_CONFIG (the stack config as
JSON, only when there is config), PULUMI_ORGANIZATION, PULUMI_PROJECT, PULUMI_STACK and
PULUMI_DRY_RUN, from which `pulumi_policy` configures the runtime (so `pulumi.get_stack()`
and friends work inside rules).

The engine address is only parsed by `pulumi.policy`, never dialled (it configures the
runtime without an engine, so `pulumi.log` from rules goes to stderr, which is kept here).
preflight therefore passes an address nothing listens on and serves no Engine service.
"""

from __future__ import annotations

import collections
import os
import queue
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import yaml

from .errors import PreflightError

DEFAULT_TIMEOUT_S = 30.0
DEFAULT_INSTALL_TIMEOUT_S = 900.0
UNUSED_ENGINE_ADDRESS = "127.0.0.1:0"


def pack_timeout() -> float:
    raw = os.environ.get("PREFLIGHT_PACK_TIMEOUT", "")
    if not raw:
        return DEFAULT_TIMEOUT_S
    try:
        value = float(raw)
    except ValueError:
        raise PreflightError(f"PREFLIGHT_PACK_TIMEOUT is {raw!r}; set it to a number of seconds, e.g. 30") from None
    if value <= 0:
        raise PreflightError(f"PREFLIGHT_PACK_TIMEOUT is {raw!r}; set it to a positive number of seconds")
    return value


@dataclass(frozen=True)
class PackManifest:
    directory: Path
    version: str
    description: str
    virtualenv: Path | None
    toolchain: str

    @property
    def label(self) -> str:
        return f"policy pack {self.directory}"


def read_manifest(directory: Path) -> PackManifest:
    directory = directory.resolve()
    manifest = directory / "PulumiPolicy.yaml"
    if not manifest.is_file():
        raise PreflightError(f"{directory}: no PulumiPolicy.yaml; pass the policy pack's directory to --policy-pack")
    try:
        document = yaml.safe_load(manifest.read_text()) or {}
    except yaml.YAMLError as error:
        raise PreflightError(f"{manifest}: not valid YAML: {error}") from None
    runtime = document.get("runtime")
    name = runtime.get("name") if isinstance(runtime, dict) else runtime
    if name != "python":
        raise PreflightError(f"{manifest}: `runtime` is {name!r}; preflight runs Python policy packs (`runtime: python`)")
    options = (runtime.get("options") or {}) if isinstance(runtime, dict) else {}
    virtualenv = options.get("virtualenv")
    return PackManifest(
        directory=directory,
        version=str(document.get("version") or ""),
        description=str(document.get("description") or ""),
        virtualenv=(directory / virtualenv) if virtualenv else None,
        toolchain=str(options.get("toolchain") or "pip"),
    )


def pack_interpreter(manifest: PackManifest) -> str:
    """The pack's virtualenv python, created from its requirements.txt when absent."""
    if manifest.virtualenv is None:
        return sys.executable
    python = manifest.virtualenv / "bin" / "python"
    if python.exists():
        return str(python)
    if manifest.toolchain != "pip":
        raise PreflightError(
            f"{manifest.label}: its virtualenv {manifest.virtualenv} does not exist and preflight creates "
            f"virtualenvs only for `toolchain: pip` (this pack uses {manifest.toolchain!r}); create it with "
            f"that tool first"
        )
    requirements = manifest.directory / "requirements.txt"
    print(f"preflight: creating the policy pack's virtualenv {manifest.virtualenv} from {requirements.name} "
          "(once; this takes a while)", file=sys.stderr, flush=True)
    timeout = float(os.environ.get("PREFLIGHT_INSTALL_TIMEOUT", DEFAULT_INSTALL_TIMEOUT_S))
    # Without requirements there is nothing to install, so the venv needs no pip either.
    steps = [[sys.executable, "-m", "venv", *([] if requirements.is_file() else ["--without-pip"]),
              str(manifest.virtualenv)]]
    if requirements.is_file():
        steps.append([str(python), "-m", "pip", "install", "--disable-pip-version-check", "-q",
                      "-r", str(requirements)])
    for command in steps:
        try:
            done = subprocess.run(command, cwd=manifest.directory, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise PreflightError(f"{manifest.label}: `{' '.join(command)}` did not finish within {timeout:g} s") from None
        if done.returncode != 0:
            raise PreflightError(
                f"{manifest.label}: `{' '.join(command)}` failed (exit code {done.returncode}):\n"
                f"{_tail(done.stderr or done.stdout)}"
            )
    return str(python)


class PackProcess:
    """A running pack: its port, and the tail of what it wrote to stderr."""

    def __init__(self, manifest: PackManifest, *, project: str, stack: str, dry_run: bool,
                 config_json: str | None, organization: str):
        self.manifest = manifest
        self.timeout = pack_timeout()
        interpreter = pack_interpreter(manifest)
        env = dict(os.environ)
        env.pop("PYTHONHOME", None)
        env.pop("PYTHONPATH", None)
        env.pop("VIRTUAL_ENV", None)
        if manifest.virtualenv is not None:
            # Activated as the language host's toolchain activates it.
            env["VIRTUAL_ENV"] = str(manifest.virtualenv)
            env["PATH"] = f"{manifest.virtualenv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
        # constructEnv: each variable only when it has a value.
        if config_json:
            env["PULUMI_CONFIG"] = config_json
        env.update({"PULUMI_ORGANIZATION": organization, "PULUMI_PROJECT": project, "PULUMI_STACK": stack,
                    "PULUMI_DRY_RUN": str(dry_run).lower()})
        self._stderr: collections.deque[str] = collections.deque(maxlen=60)
        self._stdout_lines: queue.Queue[str | None] = queue.Queue()
        self.process = subprocess.Popen(
            [interpreter, "-u", "-m", "pulumi.policy", UNUSED_ENGINE_ADDRESS, "."],
            cwd=manifest.directory, env=env, stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        threading.Thread(target=self._pump_stderr, daemon=True).start()
        threading.Thread(target=self._pump_stdout, daemon=True).start()
        self.port: int | None = None

    def wait_for_port(self) -> int:
        self.port = self._read_port()
        return self.port

    def _pump_stderr(self) -> None:
        for line in self.process.stderr:
            self._stderr.append(line.rstrip("\n"))

    def _pump_stdout(self) -> None:
        # After the port, whatever the pack prints is drained so it never blocks on a full pipe.
        for line in self.process.stdout:
            self._stdout_lines.put(line.rstrip("\n"))
        self._stdout_lines.put(None)

    def _read_port(self) -> int:
        deadline = time.monotonic() + self.timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                self.close()
                raise self.error(f"did not print its port within {self.timeout:g} s "
                                 "(set PREFLIGHT_PACK_TIMEOUT to allow longer)")
            try:
                line = self._stdout_lines.get(timeout=min(remaining, 0.2))
            except queue.Empty:
                continue
            if line is None:
                code = self.process.wait(timeout=5)
                raise self.error(f"exited with code {code} before printing its port")
            if not line.strip():
                continue
            try:
                return int(line.strip())
            except ValueError:
                self.close()
                raise self.error(f"printed {line.strip()[:200]!r} where the engine expects its port number") from None

    def stderr_tail(self) -> str:
        time.sleep(0.05)  # let the pump catch the last lines of a crash
        return "\n".join(self._stderr).strip()

    def error(self, what: str) -> PreflightError:
        tail = self.stderr_tail()
        detail = f"\nits stderr (last lines):\n{tail}" if tail else "\nit wrote nothing to stderr"
        return PreflightError(f"{self.manifest.label} {what}{detail}")

    def exit_code(self, wait_s: float = 0.0) -> int | None:
        """The exit code if the process has ended (waiting up to `wait_s` for it), else None."""
        try:
            return self.process.wait(timeout=wait_s)
        except subprocess.TimeoutExpired:
            return None

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)


def _tail(text: str, lines: int = 30) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])
