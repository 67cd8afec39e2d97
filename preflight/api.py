"""The Python API: run a project's program and a policy pack, get a Report.

    report = run_preflight(project_dir, stack="dev", mode="preview")

`mode="update"` follows `pulumi up`: a preview first, whose mandatory violations stop the
run as the CLI stops; then the update, which stops at the first resource a mandatory
`Analyze` violation marks invalid - later resources are not analysed and `AnalyzeStack`
does not run (step_generator.go `generateSteps`, deployment_executor.go). With
`evaluate_all=True` the update alone runs and every resource and the stack are analysed.

Every exit-2 situation (usage, configuration, program error, unknown invoke, missing stack
outputs, pack crash or hang) raises PreflightError with a message that says what to fix.
"""

from __future__ import annotations

import inspect
import json
import queue
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .analyzer import AnalyzerClient, AnalyzeResult, Diagnostic, PackInfo, root_stack_urn
from .engine_view import engine_view, has_see_through, see_through_paths
from .errors import PreflightError
from .pack_process import PackProcess, read_manifest
from .policy_config import config_environments, load_policy_config, reconcile
from .program import run_program
from .project import Project, load_project
from .remote_components import hidden_rules
from .report import Report, Stage
from .side_files import load_invokes, load_stack_outputs
from .stack_tags import environment_tags, resolve_organization

__all__ = ["PreflightError", "Report", "run_preflight", "DEFAULT_POLICY_PACK"]

DEFAULT_POLICY_PACK = Path(__file__).resolve().parent.parent / "policies"
MODES = ("preview", "update")


def default_policy_config(pack_dir: Path, stack: str) -> Path | None:
    candidate = pack_dir / "config" / f"{stack}.json"
    return candidate if candidate.is_file() else None


@dataclass
class _Setup:
    project: Project
    stack: str
    manifest: Any
    given_config: dict
    config_source: str
    invokes: dict
    stack_outputs: dict
    organization: str
    tags: dict[str, str]
    prior_state: Any = None


def run_preflight(project_dir: Path | str, stack: str = "dev", mode: str = "preview",
                  policy_pack: Path | str | None = None, policy_config: Path | str | None = None,
                  stack_outputs: dict[str, Path | str] | None = None,
                  invokes: Path | str | None = None, *, organization: str | None = None,
                  stack_tags: dict[str, str] | None = None, evaluate_all: bool = False,
                  prior_state: Path | str | None = None) -> Report:
    started = time.perf_counter()
    if mode not in MODES:
        raise PreflightError(f"mode {mode!r} is not known; use preview or update")
    if not stack:
        raise PreflightError("no stack given; pass --stack STACK (e.g. --stack dev)")
    project = load_project(Path(project_dir), stack)
    pack_dir = Path(policy_pack) if policy_pack is not None else DEFAULT_POLICY_PACK
    manifest = read_manifest(pack_dir)
    config_path = Path(policy_config) if policy_config is not None else default_policy_config(manifest.directory, stack)
    setup = _Setup(
        project=project, stack=stack, manifest=manifest,
        given_config=load_policy_config(config_path) if config_path is not None else {},
        config_source=str(config_path or "pack defaults"),
        invokes=load_invokes(Path(invokes) if invokes is not None else None),
        stack_outputs=load_stack_outputs({name: Path(path) for name, path in (stack_outputs or {}).items()}),
        organization=resolve_organization(organization),
        tags={**environment_tags(project.directory), **(stack_tags or {})},
        prior_state=_load_prior_state(prior_state),
    )

    if mode == "preview":
        stages = [_run_stage(setup, program_mode="preview", dry_run=True, stop_on_mandatory=False)]
    elif evaluate_all:
        stages = [_run_stage(setup, program_mode="update", dry_run=False, stop_on_mandatory=False)]
    else:
        # `pulumi up`: the preview's mandatory violations end the run before anything changes.
        stages = [_run_stage(setup, program_mode="preview", dry_run=True, stop_on_mandatory=False)]
        if not any(d.enforcement == "mandatory" for d in stages[0].diagnostics):
            stages.append(_run_stage(setup, program_mode="update", dry_run=False, stop_on_mandatory=True))
    last = stages[-1]
    environments = config_environments(config_path)
    notes = [f"the policy config names the Pulumi ESC environment(s) {', '.join(environments)}; preflight cannot "
             "open ESC environments, so the pack ran without their values"] if environments else []
    timings = {
        "program_s": sum(stage.program_s for stage in stages),
        "policies_s": sum(stage.policies_s for stage in stages),
        "total_s": time.perf_counter() - started,
    }
    return Report.build(
        project=project.name, stack=stack, mode=mode, records=last.records, diagnostics=last.diagnostics,
        pack=last.info, timings=timings, program_logs=last.logs, program_main=str(project.main),
        levels=last.levels, not_applicable=last.stack_not_applicable,
        resource_not_applicable=last.resource_not_applicable, analyzed=last.analyzed,
        stopped_at=last.stopped_at, not_evaluated=last.not_evaluated,
        evaluation="everything" if (mode == "update" and evaluate_all) else "as-engine",
        stages=[stage.summary() for stage in stages], organization=setup.organization,
        project_dir=str(project.directory), notes=notes, preview_inconclusive=last.preview_inconclusive,
        remote_hidden=last.remote_hidden,
    )


def _load_prior_state(path: Path | str | None) -> Any:
    if path is None:
        return None
    try:
        from .prior_state import load_prior_state
    except ImportError:
        raise PreflightError("--prior-state is not supported by this preflight build (no prior_state module)") from None
    return load_prior_state(Path(path))


@dataclass
class _StageRun:
    name: str
    records: list[dict[str, Any]]
    diagnostics: list[Diagnostic]
    info: PackInfo
    levels: dict[str, str]
    logs: list[dict[str, str]]
    stack_not_applicable: dict[str, str]
    resource_not_applicable: dict[str, dict[str, str]]
    analyzed: list[str]
    stopped_at: str | None
    not_evaluated: list[str]
    program_s: float
    policies_s: float
    preview_inconclusive: dict[str, str]
    remote_hidden: dict[str, str]

    def summary(self) -> Stage:
        return Stage(
            name=self.name,
            mandatory=sum(1 for d in self.diagnostics if d.enforcement == "mandatory"),
            advisory=sum(1 for d in self.diagnostics if d.enforcement == "advisory"),
            stopped_at=self.stopped_at,
        )


def _run_stage(setup: _Setup, *, program_mode: str, dry_run: bool, stop_on_mandatory: bool) -> _StageRun:
    """One engine operation: the program under mocks, the pack analysing each registration as it
    arrives, then (unless the deployment stopped) AnalyzeStack."""
    pack = _PackStarter(setup, dry_run)
    pack.start()
    feed = _AnalyzeFeed(pack, stop_on_mandatory)
    try:
        program_started = time.perf_counter()
        try:
            run = run_program(setup.project, stack=setup.stack, mode=program_mode, invokes=setup.invokes,
                              stack_outputs=setup.stack_outputs, on_registration=feed.add,
                              **_program_extras(setup))
        finally:
            program_s = time.perf_counter() - program_started
        policies_started = time.perf_counter()
        results = feed.finish()
        client, info = pack.ready()
        by_urn = {result.urn: result for result in results}
        defaults = [_default_provider_state(provider) for provider in run.default_providers]
        records = [_remediated(record, by_urn.get(record["urn"])) for record in run.resources]
        diagnostics = [diagnostic for result in results for diagnostic in result.diagnostics]
        everything = [*defaults, *records]
        providers = {record["urn"]: record for record in everything if record["type"].startswith("pulumi:providers:")}
        root_urn = root_stack_urn(setup.project.name, setup.stack)
        preview_inconclusive: dict[str, str] = {}
        remote_hidden: dict[str, str] = {}
        if feed.stopped_at is None:
            diagnostics += client.analyze_stack(everything, providers, root_urn)
            if dry_run:
                preview_inconclusive = _see_through_verdicts(client, everything, providers, diagnostics, root_urn)
            remote_hidden = hidden_rules(client, everything, providers, root_urn,
                                         _found_nothing(client, results, diagnostics))
        policies_s = time.perf_counter() - policies_started
    finally:
        feed.close()
        pack.stop()
    resource_not_applicable: dict[str, dict[str, str]] = {}
    for result in results:
        for policy, reason in result.not_applicable.items():
            resource_not_applicable.setdefault(policy, {})[result.urn] = reason
    return _StageRun(
        name="preview" if dry_run else "update", records=records, diagnostics=diagnostics, info=info,
        levels={name: config.enforcement_level or "advisory" for name, config in client.configured.items()},
        logs=run.logs, stack_not_applicable=dict(client.not_applicable),
        resource_not_applicable=resource_not_applicable, analyzed=[result.urn for result in results],
        stopped_at=feed.stopped_at, not_evaluated=list(feed.not_evaluated),
        program_s=program_s, policies_s=policies_s, preview_inconclusive=preview_inconclusive,
        remote_hidden=remote_hidden,
    )


def _found_nothing(client: AnalyzerClient, results: list[AnalyzeResult], diagnostics: list[Diagnostic]) -> set[str]:
    """Policies with nothing to judge: not applicable to the stack or to every resource analysed."""
    flagged = {diagnostic.policy for diagnostic in diagnostics}
    everywhere = set.intersection(*(set(result.not_applicable) for result in results)) if results else set()
    return (set(client.not_applicable) | everywhere) - flagged


def _see_through_verdicts(client: AnalyzerClient, everything: list[dict[str, Any]],
                          providers: dict[str, dict[str, Any]], diagnostics: list[Diagnostic],
                          root_urn: str) -> dict[str, str]:
    """Policies this preview decided that `pulumi preview` would leave inconclusive: the resources
    with see-through values and the stack analysed again as the engine would see them."""
    viewed = {record["urn"]: engine_view(record) for record in everything if has_see_through(record)}
    if not viewed:
        return {}
    # Analyze reads inputs only: a resource whose see-through values are all outputs gets the same
    # answer, so only those with see-through inputs are analysed again.
    reanalysed = {urn: record for urn, record in viewed.items() if record.get("seeThrough")}
    theirs = [d for d in diagnostics if d.stage != "analyze-stack" and d.urn not in reanalysed]
    for record in reanalysed.values():
        theirs += client.analyze(record, providers.get(record.get("provider") or "")).diagnostics
    said = dict(client.not_applicable)
    theirs += client.analyze_stack([viewed.get(record["urn"], record) for record in everything], providers, root_urn)
    client.not_applicable = said  # the verdicts stay this preview's
    originals = {record["urn"]: record for record in everything}
    paths = sorted({f"{urn.rsplit('::', 1)[-1]}.{path}" for urn in viewed for path in see_through_paths(originals[urn])})
    marked = {}
    for policy in sorted({d.policy for d in theirs}):
        engine = [d for d in theirs if d.policy == policy]
        ours = [d for d in diagnostics if d.policy == policy]
        if all(d.inconclusive for d in engine) and (not ours or any(not d.inconclusive for d in ours)):
            marked[policy] = ", ".join(paths)
    return marked


def _program_extras(setup: _Setup) -> dict[str, Any]:
    """Arguments the program host takes only in builds that have them."""
    extras: dict[str, Any] = {}
    parameters = inspect.signature(run_program).parameters
    if setup.prior_state is not None:
        if "prior_state" not in parameters:
            raise PreflightError("--prior-state is not supported by this preflight build's program host")
        extras["prior_state"] = setup.prior_state
    if "organization" in parameters:
        extras["organization"] = setup.organization
    return extras


def _remediated(record: dict[str, Any], result: AnalyzeResult | None) -> dict[str, Any]:
    """A record as the deployment would hold it after a remediation rewrote its inputs: the new
    inputs, and outputs that carry them (the provider would have received them)."""
    if result is None or not result.remediated_by:
        return record
    outputs = {key: value for key, value in (record.get("outputs") or {}).items() if key not in record["inputs"]}
    return {**record, "inputs": result.inputs, "outputs": {**outputs, **result.inputs},
            "remediatedBy": list(result.remediated_by)}


def _default_provider_state(provider: dict[str, Any]) -> dict[str, Any]:
    """A default provider as a resource of the deployment: its outputs are its inputs."""
    return {**provider, "parent": None, "custom": True, "dependencies": [], "propertyDependencies": {},
            "options": {}, "outputs": provider["inputs"], "provider": None}


class _AnalyzeFeed:
    """Remediates and analyses each registration as it arrives, one at a time in registration
    order, once the pack is ready - as the engine's step generator does.

    With `stop_on_mandatory` (an update), the first mandatory Analyze violation ends the
    deployment: later registrations are recorded as not evaluated."""

    _END = object()

    def __init__(self, pack: _PackStarter, stop_on_mandatory: bool):
        self.pack = pack
        self.stop_on_mandatory = stop_on_mandatory
        self.queue: queue.Queue = queue.Queue()
        self.results: list[AnalyzeResult] = []
        self.stopped_at: str | None = None
        self.not_evaluated: list[str] = []
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
            if client is None or self.failure is not None:
                continue
            if self.stopped_at is not None:
                self.not_evaluated.append(registration["urn"])
                continue
            provider = providers.get(registration.get("provider") or "")
            try:
                result = client.analyze(registration, provider)
            except BaseException as error:  # noqa: BLE001 - reported by finish()
                self.failure = error
                continue
            self.results.append(result)
            if self.stop_on_mandatory and any(d.enforcement == "mandatory" for d in result.diagnostics):
                self.stopped_at = registration["urn"]

    def finish(self) -> list[AnalyzeResult]:
        """Every resource's Remediate + Analyze, once the program has ended and all are answered."""
        self.queue.put(self._END)
        self._thread.join()
        if self.failure is not None:
            raise self.failure
        return self.results

    def close(self) -> None:
        if self._thread.is_alive():
            self.queue.put(self._END)


class _PackStarter:
    """Starts and configures the pack on a thread; `ready()` hands over the configured client."""

    def __init__(self, setup: _Setup, dry_run: bool):
        self.setup = setup
        self.dry_run = dry_run
        self.process: PackProcess | None = None
        self.client: AnalyzerClient | None = None
        self.info: PackInfo | None = None
        self.failure: BaseException | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._stopped = threading.Event()

    def start(self) -> None:
        self._thread.start()

    def _run(self) -> None:
        setup = self.setup
        project = setup.project
        try:
            self.process = PackProcess(
                setup.manifest, project=project.name, stack=setup.stack, dry_run=self.dry_run,
                config_json=json.dumps(project.config, sort_keys=True) if project.config else None,
                organization=setup.organization,
            )
            self.process.wait_for_port()
            if self._stopped.is_set():
                return
            self.client = AnalyzerClient(self.process)
            self.info = self.client.get_info(setup.manifest.version)
            self.client.configure_stack(
                project=project.name, stack=setup.stack, organization=setup.organization,
                dry_run=self.dry_run, config=dict(project.config), secret_keys=project.secret_keys,
                tags=setup.tags,
            )
            policies = [{"name": p.name, "enforcement": p.enforcement, "schema": p.schema} for p in self.info.policies]
            self.client.configure(reconcile(policies, self.info.initial_config, setup.given_config,
                                            setup.config_source))
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
