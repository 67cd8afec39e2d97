"""The result of one preflight run, and its JSON form (the contract other tooling compares).

`{project, stack, mode, evaluation, organization,
  resources: [{urn, type, name, parent, custom, inputs, dependencies, ...}],
  diagnostics: [{policy, pack, enforcement, severity, urn, message, inconclusive, location?}],
  verdicts: [{policy, enforcement, verdict, detail}],
  stages: [{stage, mandatory, advisory, stoppedAt}], notEvaluated?: {stoppedAt, resources},
  outputs, summary: {resources, mandatory, advisory, inconclusive},
  timings: {program_s, policies_s, total_s}}`

Unknown values read "<unknown>", secret values "[secret]". A resource carries, when the
program host recorded them: `sourcePosition` ({uri, line}: where the program registered it,
the path relative to the repository root),
`seeThrough` (input paths `pulumi preview` would have had unknown), `createdInApply`,
`remote` (a multi-language component whose children preflight does not see), `change`
(create, same, update or replace against `--prior-state`) and `remediatedBy`.
`dependencies` are the resource's dependencies as the engine records them.

`evaluation`: "as-engine" (an update stops where `pulumi up` stops) or "everything"
(`--evaluate-all`: every resource and the stack analysed whatever happens). `stages` lists
the engine operations run: a preview, then for `--mode update` the update unless the
preview's mandatory violations stopped the run.

Timings: `program_s` is the program run(s); `policies_s` what the policies add after the
program has ended (`Analyze` calls run while the program registers resources, as in the
engine; then `AnalyzeStack`); `total_s` everything, reading the project and starting the
pack included. Resources are listed stack first, then by URN; diagnostics by policy, URN
and message, so two runs of the same program give the same report. In the summary,
`mandatory` and `advisory` count diagnostics by enforcement level and `inconclusive` counts
the diagnostics (of either level) that say a value could not be known yet.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from .analyzer import Diagnostic, PackInfo
from .host.wire import UNKNOWN, is_secret

UNKNOWN_TEXT = "<unknown>"
SECRET_TEXT = "[secret]"
STACK_TYPE = "pulumi:pulumi:Stack"
PREFLIGHT_DIR = Path(__file__).resolve().parent
# Record fields the program host may add; each is reported when present.
OPTIONAL_RECORD_FIELDS = ("sourcePosition", "seeThrough", "createdInApply", "remote", "change", "remediatedBy")


def display(value: Any) -> Any:
    if value == UNKNOWN:
        return UNKNOWN_TEXT
    if is_secret(value):
        return SECRET_TEXT
    if isinstance(value, dict):
        return {key: display(item) for key, item in value.items()}
    if isinstance(value, list):
        return [display(item) for item in value]
    return value


def resource_order(record: dict[str, Any]) -> tuple[int, str]:
    return (0 if record["type"] == STACK_TYPE else 1, record["urn"])


@dataclass(frozen=True)
class Stage:
    """One engine operation of the run: "preview" or "update"."""

    name: str
    mandatory: int
    advisory: int
    stopped_at: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"stage": self.name, "mandatory": self.mandatory, "advisory": self.advisory,
                "stoppedAt": self.stopped_at}


def repository_root(directory: Path) -> Path:
    """The git work tree holding `directory` (where GitHub code scanning resolves SARIF paths),
    else the working directory."""
    for candidate in (directory, *directory.parents):
        if (candidate / ".git").exists():
            return candidate
    return Path.cwd()


def source_location(position: Any, project_dir: str,
                    shown_paths: dict[str, str | None] | None = None) -> dict[str, Any] | None:
    """A registration's `sourcePosition` ({uri: file URI or path, line}) as a path relative to the
    repository root (so code scanning annotates the line), or absolute when outside it.
    `shown_paths` keeps each file's answer for the other registrations of one report (resolving a
    path and finding the work tree per resource took 2 ms each)."""
    if not isinstance(position, dict) or not position.get("uri") or not position.get("line"):
        return None
    uri = str(position["uri"])
    if shown_paths is None:
        shown_paths = {}
    if uri not in shown_paths:
        shown_paths[uri] = _shown_path(uri, project_dir)
    shown = shown_paths[uri]
    return {"uri": shown, "line": int(position["line"])} if shown is not None else None


def _shown_path(uri: str, project_dir: str) -> str | None:
    parsed = urlparse(uri)
    path = Path(unquote(parsed.path)) if parsed.scheme == "file" else Path(uri)
    base = Path(project_dir) if project_dir else Path.cwd()
    if not path.is_absolute():
        path = base / path
    path = path.resolve()
    if path.is_relative_to(PREFLIGHT_DIR):
        return None  # a frame of preflight's own host locates nothing in the user's program
    root = repository_root(base.resolve())
    relative = os.path.relpath(path, root)
    return Path(relative).as_posix() if not relative.startswith("..") else path.as_posix()


@dataclass
class Report:
    project: str
    stack: str
    mode: str
    resources: list[dict[str, Any]]
    diagnostics: list[dict[str, Any]]
    outputs: dict[str, Any]
    timings: dict[str, float]
    pack: PackInfo | None = None
    records: list[dict[str, Any]] = field(default_factory=list)
    program_logs: list[dict[str, str]] = field(default_factory=list)
    program_main: str = ""
    levels: dict[str, str] = field(default_factory=dict)
    not_applicable: dict[str, str] = field(default_factory=dict)
    # policy -> {urn: reason}: resources an Analyze said the policy does not apply to.
    resource_not_applicable: dict[str, dict[str, str]] = field(default_factory=dict)
    analyzed: list[str] = field(default_factory=list)
    stopped_at: str | None = None
    not_evaluated: list[str] = field(default_factory=list)
    evaluation: str = "as-engine"
    stages: list[Stage] = field(default_factory=list)
    organization: str = ""
    # Things the reader must know about how faithful this run was.
    notes: list[str] = field(default_factory=list)
    # policy -> why: decided here, but `pulumi preview` would have left it inconclusive (see-through).
    preview_inconclusive: dict[str, str] = field(default_factory=dict)
    # policy -> why: nothing to judge was found, but a remote component's children may be what it judges.
    remote_hidden: dict[str, str] = field(default_factory=dict)

    @classmethod
    def build(cls, *, project: str, stack: str, mode: str, records: list[dict[str, Any]],
              diagnostics: list[Diagnostic], pack: PackInfo | None, timings: dict[str, float],
              program_logs: list[dict[str, str]], program_main: str = "",
              levels: dict[str, str] | None = None, not_applicable: dict[str, str] | None = None,
              resource_not_applicable: dict[str, dict[str, str]] | None = None,
              analyzed: list[str] | None = None, stopped_at: str | None = None,
              not_evaluated: list[str] | None = None, evaluation: str = "as-engine",
              stages: list[Stage] | None = None, organization: str = "", project_dir: str = "",
              notes: list[str] | None = None, preview_inconclusive: dict[str, str] | None = None,
              remote_hidden: dict[str, str] | None = None) -> Report:
        records = sorted(records, key=resource_order)
        stack_record = next((record for record in records if record["type"] == STACK_TYPE), None)
        shown_paths: dict[str, str | None] = {}
        locations = {record["urn"]: source_location(record.get("sourcePosition"), project_dir, shown_paths)
                     for record in records}
        ordered = sorted(diagnostics, key=lambda d: (d.policy, d.urn or "", d.message))
        return cls(
            project=project,
            stack=stack,
            mode=mode,
            resources=[_resource(record, locations.get(record["urn"])) for record in records],
            diagnostics=[_diagnostic(diagnostic, locations.get(diagnostic.urn or "")) for diagnostic in ordered],
            outputs=display(stack_record["outputs"]) if stack_record else {},
            timings={key: round(value, 3) for key, value in timings.items()},
            pack=pack,
            records=records,
            program_logs=program_logs,
            program_main=program_main,
            levels=dict(levels or {}),
            not_applicable=dict(not_applicable or {}),
            resource_not_applicable={policy: dict(urns) for policy, urns in (resource_not_applicable or {}).items()},
            analyzed=list(analyzed or []),
            stopped_at=stopped_at,
            not_evaluated=list(not_evaluated or []),
            evaluation=evaluation,
            stages=list(stages or []),
            organization=organization,
            notes=list(notes or []),
            preview_inconclusive=dict(preview_inconclusive or {}),
            remote_hidden=dict(remote_hidden or {}),
        )

    @property
    def summary(self) -> dict[str, int]:
        return {
            "resources": len(self.resources),
            "mandatory": sum(1 for d in self.diagnostics if d["enforcement"] == "mandatory"),
            "advisory": sum(1 for d in self.diagnostics if d["enforcement"] == "advisory"),
            "inconclusive": sum(1 for d in self.diagnostics if d["inconclusive"]),
        }

    @property
    def update_skipped(self) -> bool:
        """`--mode update` whose preview stage stopped the run, as `pulumi up` stops."""
        return self.mode == "update" and self.evaluation == "as-engine" and [s.name for s in self.stages] == ["preview"]

    def policy_verdicts(self) -> list[dict[str, str]]:
        """Every policy of the pack with its enforcement level, verdict and the reason, in the pack's order.

        verdict: "disabled"; "violated" (`detail`: how many); "inconclusive" (only could-not-know
        diagnostics; `detail`: the first of them - or nothing to judge was found but a remote
        component's children may be what it judges; `detail` names it); "not evaluated" (the update stopped before the
        policy could judge everything: `detail` names where); "not applicable" (the pack said so for
        the stack, or for every resource it analysed; `detail`: its reason); or "passed".
        """
        if self.pack is None:
            return []
        verdicts = []
        stop = self._stop_reason()
        for policy in self.pack.policies:
            level = self.levels.get(policy.name, policy.enforcement)
            found = [d for d in self.diagnostics if d["policy"] == policy.name]
            violations = [d for d in found if not d["inconclusive"]]
            skipped_everywhere = self._not_applicable_everywhere(policy.name)
            detail = ""
            if level == "disabled":
                verdict = "disabled"
            elif violations:
                verdict, detail = "violated", f"{len(violations)} violation(s)"
            elif stop and (policy.kind == "stack" or self.not_evaluated):
                verdict, detail = "not evaluated", stop
            elif found:
                verdict, detail = "inconclusive", found[0]["message"].splitlines()[0]
            elif policy.name in self.remote_hidden:
                verdict, detail = "inconclusive", self.remote_hidden[policy.name]
            elif policy.name in self.not_applicable:
                verdict, detail = "not applicable", self.not_applicable[policy.name]
            elif skipped_everywhere is not None:
                verdict, detail = "not applicable", skipped_everywhere
            else:
                verdict = "passed"
            item = {"policy": policy.name, "enforcement": level, "verdict": verdict, "detail": detail}
            if policy.name in self.preview_inconclusive and verdict in ("passed", "violated", "not applicable"):
                item["pulumiPreview"] = "inconclusive"
            verdicts.append(item)
        return verdicts

    def remote_components(self) -> list[dict[str, Any]]:
        """Multi-language components: their children are created by a provider preflight does not run."""
        return [resource for resource in self.resources if resource.get("remote")]

    def created_in_apply(self) -> list[str]:
        """Resources the program created inside `apply`: `pulumi preview` would not show them."""
        return [resource["urn"] for resource in self.resources if resource.get("createdInApply")]

    def hidden_by_remote(self) -> list[str]:
        """Rules that found nothing to judge: the children of a remote component may be what they judge."""
        if not self.remote_components():
            return []
        return [item["policy"] for item in self.policy_verdicts()
                if item["verdict"] in ("not applicable", "passed") or item["policy"] in self.remote_hidden]

    def _stop_reason(self) -> str:
        # A preview that stops `pulumi up` has judged everything; only an update stops part-way.
        if self.stopped_at:
            return f"the deployment stops at {self.stopped_at}"
        return ""

    def _not_applicable_everywhere(self, policy: str) -> str | None:
        """The pack's reason(s) when it said, for every resource it analysed, that `policy` does not apply."""
        skipped = self.resource_not_applicable.get(policy) or {}
        if not self.analyzed or any(urn not in skipped for urn in self.analyzed):
            return None
        return "; ".join(sorted(set(skipped.values()))) or "the pack says it does not apply"

    @property
    def exit_code(self) -> int:
        return 1 if self.summary["mandatory"] else 0

    def to_json(self) -> dict[str, Any]:
        document: dict[str, Any] = {
            "project": self.project,
            "stack": self.stack,
            "mode": self.mode,
            "evaluation": self.evaluation,
            "organization": self.organization,
            "resources": self.resources,
            "diagnostics": self.diagnostics,
            "verdicts": self.policy_verdicts(),
            "stages": [stage.as_dict() for stage in self.stages],
            "outputs": self.outputs,
            "notes": self.notes,
            "summary": self.summary,
            "timings": self.timings,
        }
        if self.stopped_at:
            document["notEvaluated"] = {"stoppedAt": self.stopped_at, "resources": sorted(self.not_evaluated)}
        return document


def _resource(record: dict[str, Any], location: dict[str, Any] | None) -> dict[str, Any]:
    resource = {
        "urn": record["urn"],
        "type": record["type"],
        "name": record["name"],
        "parent": record["parent"],
        "custom": record["custom"],
        "inputs": display(record["inputs"]),
        "dependencies": list(record.get("dependencies") or []),
    }
    for key in OPTIONAL_RECORD_FIELDS:
        if record.get(key) not in (None, [], False):
            resource[key] = record[key]
    if location is not None:
        # The same repository-relative form as the diagnostics' `location`.
        resource["sourcePosition"] = location
    return resource


def location_text(diagnostic: dict[str, Any]) -> str:
    location = diagnostic.get("location")
    return f"{location['uri']}:{location['line']}" if location else ""


def _diagnostic(diagnostic: Diagnostic, location: dict[str, Any] | None) -> dict[str, Any]:
    result = diagnostic.as_dict()
    if location is not None:
        result["location"] = location
    return result
