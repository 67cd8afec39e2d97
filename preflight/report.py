"""The result of one preflight run, and its JSON form (the contract other tooling compares).

`{project, stack, mode, resources: [{urn, type, name, parent, custom, inputs}],
  diagnostics: [{policy, pack, enforcement, severity, urn, message, inconclusive}],
  outputs, summary: {resources, mandatory, advisory, inconclusive},
  timings: {program_s, policies_s, total_s}}`

Unknown values read "<unknown>", secret values "[secret]". Timings: `program_s` is the
program run; `policies_s` what the policies add after the program has ended (`Analyze`
calls run while the program registers resources, as in the engine; then `AnalyzeStack`);
`total_s` everything, reading the project and starting the pack included. Resources are listed stack
first, then by URN; diagnostics by policy, URN and message, so two runs of the same
program give the same report. In the summary, `mandatory` and `advisory` count
diagnostics by enforcement level and `inconclusive` counts the diagnostics (of either
level) that say a value could not be known yet.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .analyzer import Diagnostic, PackInfo
from .host.wire import UNKNOWN, is_secret

UNKNOWN_TEXT = "<unknown>"
SECRET_TEXT = "[secret]"
STACK_TYPE = "pulumi:pulumi:Stack"


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

    @classmethod
    def build(cls, *, project: str, stack: str, mode: str, records: list[dict[str, Any]],
              diagnostics: list[Diagnostic], pack: PackInfo | None, timings: dict[str, float],
              program_logs: list[dict[str, str]], program_main: str = "",
              levels: dict[str, str] | None = None, not_applicable: dict[str, str] | None = None) -> Report:
        records = sorted(records, key=resource_order)
        stack_record = next((record for record in records if record["type"] == STACK_TYPE), None)
        ordered = sorted(diagnostics, key=lambda d: (d.policy, d.urn or "", d.message))
        return cls(
            project=project,
            stack=stack,
            mode=mode,
            resources=[
                {
                    "urn": record["urn"],
                    "type": record["type"],
                    "name": record["name"],
                    "parent": record["parent"],
                    "custom": record["custom"],
                    "inputs": display(record["inputs"]),
                }
                for record in records
            ],
            diagnostics=[diagnostic.as_dict() for diagnostic in ordered],
            outputs=display(stack_record["outputs"]) if stack_record else {},
            timings={key: round(value, 3) for key, value in timings.items()},
            pack=pack,
            records=records,
            program_logs=program_logs,
            program_main=program_main,
            levels=dict(levels or {}),
            not_applicable=dict(not_applicable or {}),
        )

    @property
    def summary(self) -> dict[str, int]:
        return {
            "resources": len(self.resources),
            "mandatory": sum(1 for d in self.diagnostics if d["enforcement"] == "mandatory"),
            "advisory": sum(1 for d in self.diagnostics if d["enforcement"] == "advisory"),
            "inconclusive": sum(1 for d in self.diagnostics if d["inconclusive"]),
        }

    def policy_verdicts(self) -> list[dict[str, str]]:
        """Every policy of the pack with its enforcement level and verdict, in the pack's order.

        verdict: "disabled", "violated", "inconclusive" (only could-not-know diagnostics),
        "not applicable" (the policy said so; `detail` has its reason) or "passed".
        """
        if self.pack is None:
            return []
        verdicts = []
        for policy in self.pack.policies:
            level = self.levels.get(policy.name, policy.enforcement)
            found = [d for d in self.diagnostics if d["policy"] == policy.name]
            detail = ""
            if level == "disabled":
                verdict = "disabled"
            elif any(not d["inconclusive"] for d in found):
                verdict = "violated"
                detail = f"{sum(1 for d in found if not d['inconclusive'])} violation(s)"
            elif found:
                verdict = "inconclusive"
            elif policy.name in self.not_applicable:
                verdict, detail = "not applicable", self.not_applicable[policy.name]
            else:
                verdict = "passed"
            verdicts.append({"policy": policy.name, "enforcement": level, "verdict": verdict, "detail": detail})
        return verdicts

    @property
    def exit_code(self) -> int:
        return 1 if self.summary["mandatory"] else 0

    def to_json(self) -> dict[str, Any]:
        return {
            "project": self.project,
            "stack": self.stack,
            "mode": self.mode,
            "resources": self.resources,
            "diagnostics": self.diagnostics,
            "outputs": self.outputs,
            "summary": self.summary,
            "timings": self.timings,
        }
