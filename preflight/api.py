"""The Python API: run a project's program and a policy pack, get a Report.

    report = run_preflight(project_dir, stack="dev", mode="preview")

Every exit-2 situation (usage, configuration, program error, unknown invoke, missing stack
outputs, pack crash or hang) raises PreflightError with a message that says what to fix.
"""

from __future__ import annotations

import json
import queue
import threading
import time
from pathlib import Path
from typing import Any

from .analyzer import AnalyzerClient, PackInfo
from .errors import PreflightError
from .pack_process import PackProcess, read_manifest
from .policy_config import load_policy_config, reconcile
from .program import run_program
from .project import Project, load_project
from .report import Report
from .side_files import load_invokes, load_stack_outputs

__all__ = ["PreflightError", "Report", "run_preflight", "DEFAULT_POLICY_PACK"]

DEFAULT_POLICY_PACK = Path(__file__).resolve().parent.parent / "policies"
MODES = ("preview", "update")


def default_policy_config(pack_dir: Path, stack: str) -> Path | None:
    candidate = pack_dir / "config" / f"{stack}.json"
    return candidate if candidate.is_file() else None


def run_preflight(project_dir: Path | str, stack: str = "dev", mode: str = "preview",
                  policy_pack: Path | str | None = None, policy_config: Path | str | None = None,
                  stack_outputs: dict[str, Path | str] | None = None,
                  invokes: Path | str | None = None) -> Report:
    started = time.perf_counter()
    if mode not in MODES:
        raise PreflightError(f"mode {mode!r} is not known; use preview or update")
    if not stack:
        raise PreflightError("no stack given; pass --stack STACK (e.g. --stack dev)")
    project = load_project(Path(project_dir), stack)
    pack_dir = Path(policy_pack) if policy_pack is not None else DEFAULT_POLICY_PACK
    manifest = read_manifest(pack_dir)
    config_path = Path(policy_config) if policy_config is not None else default_policy_config(manifest.directory, stack)
    given_config = load_policy_config(config_path) if config_path is not None else {}
    invoke_answers = load_invokes(Path(invokes) if invokes is not None else None)
    outputs_by_stack = load_stack_outputs({name: Path(path) for name, path in (stack_outputs or {}).items()})

    # The pack starts (its interpreter import alone takes a while) while the program runs,
    # and analyses each resource as soon as the program registers it, as the engine does.
    pack = _PackStarter(manifest, project, stack, mode, given_config, str(config_path or "pack defaults"))
    pack.start()
    feed = _AnalyzeFeed(pack)
    try:
        program_started = time.perf_counter()
        try:
            run = run_program(project, stack=stack, mode=mode, invokes=invoke_answers,
                              stack_outputs=outputs_by_stack, on_registration=feed.add)
        finally:
            program_s = time.perf_counter() - program_started
        policies_started = time.perf_counter()
        diagnostics = feed.finish()
        client, info = pack.ready()
        defaults = [_default_provider_state(provider) for provider in run.default_providers]
        providers = {record["urn"]: record for record in [*defaults, *run.resources]
                     if record["type"].startswith("pulumi:providers:")}
        diagnostics += client.analyze_stack([*defaults, *run.resources], providers)
        policies_s = time.perf_counter() - policies_started
    finally:
        feed.close()
        pack.stop()
    return Report.build(
        project=project.name, stack=stack, mode=mode, records=run.resources, diagnostics=diagnostics, pack=info,
        timings={"program_s": program_s, "policies_s": policies_s, "total_s": time.perf_counter() - started},
        program_logs=run.logs, program_main=str(project.main),
        levels={name: config.enforcement_level or "advisory" for name, config in client.configured.items()},
        not_applicable=client.not_applicable,
    )


def _default_provider_state(provider: dict[str, Any]) -> dict[str, Any]:
    """A default provider as a resource of the deployment: its outputs are its inputs."""
    return {**provider, "parent": None, "custom": True, "dependencies": [], "propertyDependencies": {},
            "options": {}, "outputs": provider["inputs"], "provider": None}


class _AnalyzeFeed:
    """Sends `Analyze` for each registration as it arrives, once the pack is ready."""

    _END = object()

    def __init__(self, pack: _PackStarter):
        self.pack = pack
        self.queue: queue.Queue = queue.Queue()
        self.futures: list = []
        self.failure: BaseException | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def add(self, registration: dict[str, Any]) -> None:
        self.queue.put(registration)

    def _run(self) -> None:
        providers: dict[str, dict[str, Any]] = {}
        client = None
        try:
            client, _ = self.pack.ready()
        except BaseException as error:  # noqa: BLE001 - reported by finish()
            self.failure = error
        while True:
            registration = self.queue.get()
            if registration is self._END:
                return
            if registration["type"].startswith("pulumi:providers:"):
                providers[registration["urn"]] = registration
            if client is not None:
                provider = providers.get(registration.get("provider") or "")
                self.futures.append(client.submit_analyze(registration, provider))

    def finish(self) -> list:
        """Every Analyze diagnostic, once the program has ended and all calls are answered."""
        self.queue.put(self._END)
        self._thread.join()
        if self.failure is not None:
            raise self.failure
        return [diagnostic for future in self.futures for diagnostic in future.result()]

    def close(self) -> None:
        if self._thread.is_alive():
            self.queue.put(self._END)


class _PackStarter:
    """Starts and configures the pack on a thread; `ready()` hands over the configured client."""

    def __init__(self, manifest, project: Project, stack: str, mode: str, given_config: dict, config_source: str):
        self.manifest = manifest
        self.project = project
        self.stack = stack
        self.mode = mode
        self.given_config = given_config
        self.config_source = config_source
        self.process: PackProcess | None = None
        self.client: AnalyzerClient | None = None
        self.info: PackInfo | None = None
        self.failure: BaseException | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._stopped = threading.Event()

    def start(self) -> None:
        self._thread.start()

    def _run(self) -> None:
        try:
            self.process = PackProcess(
                self.manifest, project=self.project.name, stack=self.stack, dry_run=self.mode == "preview",
                config_json=json.dumps(self.project.config, sort_keys=True) if self.project.config else None,
            )
            self.process.wait_for_port()
            if self._stopped.is_set():
                return
            self.client = AnalyzerClient(self.process)
            self.info = self.client.get_info(self.manifest.version)
            self.client.configure_stack(
                project=self.project.name, stack=self.stack, organization="organization",
                dry_run=self.mode == "preview", config=dict(self.project.config),
                secret_keys=self.project.secret_keys,
            )
            policies = [{"name": p.name, "enforcement": p.enforcement, "schema": p.schema} for p in self.info.policies]
            self.client.configure(reconcile(policies, self.info.initial_config, self.given_config, self.config_source))
        except BaseException as error:  # noqa: BLE001 - re-raised on the caller's thread by ready()
            self.failure = error

    def ready(self) -> tuple[AnalyzerClient, PackInfo]:
        self._thread.join()
        if self.failure is not None:
            raise self.failure
        assert self.client is not None and self.info is not None
        return self.client, self.info

    def stop(self) -> None:
        # Closing the process first ends a start that is still waiting for the port.
        self._stopped.set()
        if self.process is not None:
            self.process.close()
        self._thread.join()
        if self.process is not None:
            self.process.close()
        if self.client is not None:
            self.client.close()
