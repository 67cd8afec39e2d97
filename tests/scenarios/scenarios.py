"""The scenario corpus in examples/scenarios/: loading each scenario.json, checking its shape,
and deriving per-rule verdicts from a preflight Report.

A scenario is a raw `pulumi_aws` project beside a scenario.json that says what AWS does with it
and which verdict each rule must reach in preview and in update. The runner and the README
table both read scenarios through `load_scenarios`, so a malformed file fails both loudly.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]
SCENARIOS_DIR = REPO_ROOT / "examples" / "scenarios"
POLICY_PACK = REPO_ROOT / "policies"
MODES = ("preview", "update")
VERDICTS = ("passed", "violated", "inconclusive", "not_applicable")
PREFIXES = ("iam-", "kms-", "net-", "lb-", "plaintext-", "secrets-", "launcher-")
SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
KEYS = ("title", "shows", "mechanism", "works_in_aws", "sources", "aws_error", "policy_config", "invokes",
        "expect")


@dataclass(frozen=True)
class Expectation:
    verdict: str
    mentions: tuple[str, ...]
    pulumi_preview: str | None = None
    """In preview: `inconclusive` when `pulumi preview` itself, which sees no output of a resource
    not yet created, could not decide what preflight's see-through preview decides."""


@dataclass(frozen=True)
class Scenario:
    slug: str
    directory: Path
    title: str
    shows: str
    mechanism: str
    works_in_aws: bool
    sources: tuple[str, ...]
    aws_error: str | None
    policy_config: Path | None
    invokes: Path | None
    expect: dict[str, dict[str, Expectation]]  # mode -> rule -> expectation


class ScenarioError(ValueError):
    """A scenario.json that does not follow examples/scenarios/README.md."""


def _fail(path: Path, problem: str) -> ScenarioError:
    return ScenarioError(f"{path}: {problem} (the format is described in examples/scenarios/README.md)")


def _side_file(path: Path, data: dict[str, Any], key: str) -> Path | None:
    name = data[key]
    if name is None:
        return None
    if not isinstance(name, str) or "/" in name or not (path.parent / name).is_file():
        raise _fail(path, f"`{key}` {name!r} must be null or the name of a file beside scenario.json")
    return path.parent / name


def _expectations(path: Path, data: dict[str, Any]) -> dict[str, dict[str, Expectation]]:
    expect = data["expect"]
    if not isinstance(expect, dict) or sorted(expect) != sorted(MODES):
        raise _fail(path, f"`expect` must have exactly the keys {list(MODES)}")
    result: dict[str, dict[str, Expectation]] = {}
    for mode in MODES:
        rules = expect[mode]
        if not isinstance(rules, dict) or not rules:
            raise _fail(path, f"`expect.{mode}` must name at least one rule")
        result[mode] = {}
        for rule, entry in rules.items():
            where = f"`expect.{mode}.{rule}`"
            if (not isinstance(entry, dict) or set(entry) - {"verdict", "mentions", "pulumi_preview"}
                    or "verdict" not in entry):
                raise _fail(path, f"{where} must be an object with `verdict` and optional `mentions` and "
                                  "`pulumi_preview`")
            verdict = entry["verdict"]
            if verdict not in VERDICTS:
                raise _fail(path, f"{where}.verdict {verdict!r} is not one of {list(VERDICTS)}")
            mentions = entry.get("mentions", [])
            if not isinstance(mentions, list) or not all(isinstance(m, str) and m for m in mentions):
                raise _fail(path, f"{where}.mentions must be a list of non-empty strings")
            if mentions and verdict == "passed":
                raise _fail(path, f"{where} is `passed`, which has no message to mention anything")
            pulumi_preview = entry.get("pulumi_preview")
            if pulumi_preview is not None and (mode != "preview" or pulumi_preview != "inconclusive"
                                               or verdict == "inconclusive"):
                raise _fail(path, f"{where}.pulumi_preview may only be `inconclusive`, in `preview`, beside a "
                                  "decided verdict")
            result[mode][rule] = Expectation(verdict, tuple(mentions), pulumi_preview)
    return result


def load_scenario(path: Path) -> Scenario:
    """One scenario.json, checked against the format; errors name the file and the key."""
    try:
        data = json.loads(path.read_text())
    except json.JSONDecodeError as error:
        raise _fail(path, f"is not valid JSON: {error}") from error
    if not isinstance(data, dict):
        raise _fail(path, "must hold a JSON object")
    missing = [key for key in KEYS if key not in data]
    unknown = sorted(set(data) - set(KEYS))
    if missing or unknown:
        raise _fail(path, f"missing keys {missing}, unknown keys {unknown}")
    slug = path.parent.name
    if not SLUG.match(slug) or not slug.startswith(PREFIXES):
        raise _fail(path, f"folder name {slug!r} must be lowercase words joined by hyphens, starting with one of "
                          f"{list(PREFIXES)}")
    for key in ("title", "shows", "mechanism"):
        if not isinstance(data[key], str) or not data[key].strip():
            raise _fail(path, f"`{key}` must be a non-empty string")
    if not isinstance(data["works_in_aws"], bool):
        raise _fail(path, "`works_in_aws` must be true or false")
    sources = data["sources"]
    if not isinstance(sources, list) or not sources or not all(
            isinstance(s, str) and s.startswith("https://") for s in sources):
        raise _fail(path, "`sources` must list at least one https:// address of the documentation behind it")
    aws_error = data["aws_error"]
    if data["works_in_aws"] and aws_error is not None:
        raise _fail(path, "`aws_error` must be null when `works_in_aws` is true")
    if not data["works_in_aws"] and (not isinstance(aws_error, str) or not aws_error.strip()):
        raise _fail(path, "`aws_error` must quote the error AWS prints when `works_in_aws` is false")
    return Scenario(
        slug=slug, directory=path.parent, title=data["title"], shows=data["shows"], mechanism=data["mechanism"],
        works_in_aws=data["works_in_aws"], sources=tuple(sources), aws_error=aws_error,
        policy_config=_side_file(path, data, "policy_config"), invokes=_side_file(path, data, "invokes"),
        expect=_expectations(path, data),
    )


def scenario_paths(root: Path = SCENARIOS_DIR) -> list[Path]:
    return sorted(root.glob("*/scenario.json"))


def load_scenarios(root: Path = SCENARIOS_DIR) -> list[Scenario]:
    return [load_scenario(path) for path in scenario_paths(root)]


# Report.policy_verdicts() spells "not applicable" with a space; the scenario files use the
# identifier form. "disabled" only appears when a scenario's policy config disables a rule.
_VERDICT_NAMES = {"not applicable": "not_applicable"}


def verdicts_of(report) -> dict[str, tuple[str, str]]:
    """rule -> (verdict, detail), from the report's own per-rule verdicts."""
    return {v["policy"]: (_VERDICT_NAMES.get(v["verdict"], v["verdict"]), v.get("detail", ""))
            for v in report.policy_verdicts()}


def engine_previews_of(report) -> dict[str, str | None]:
    """rule -> what `pulumi preview` itself would conclude where it differs (`inconclusive`), else None."""
    return {v["policy"]: v.get("pulumiPreview") for v in report.policy_verdicts()}


def messages_of(report, rule: str, verdict: str, detail: str = "") -> list[str]:
    """The texts that carry a verdict: violations for violated, could-not-know diagnostics for
    inconclusive, the pack's reason for not applicable."""
    if verdict == "not_applicable":
        return [detail] if detail else []
    inconclusive = verdict == "inconclusive"
    return [d["message"] for d in report.diagnostics if d["policy"] == rule and d["inconclusive"] == inconclusive]


def mismatches(scenario: Scenario, mode: str, report) -> list[str]:
    """Every way the report differs from the scenario's expectation for `mode`; empty when it meets it."""
    verdicts = verdicts_of(report)
    expected = scenario.expect[mode]
    problems = []
    for rule, expectation in expected.items():
        if rule not in verdicts:
            problems.append(f"{rule}: the pack has no rule of that name")
            continue
        actual, detail = verdicts[rule]
        texts = messages_of(report, rule, actual, detail)
        if actual != expectation.verdict:
            problems.append(f"{rule}: expected {expectation.verdict}, got {actual}" + _quoted(texts))
            continue
        for mention in expectation.mentions:
            if not any(mention in text for text in texts):
                problems.append(f"{rule}: no {actual} message mentions {mention!r}" + _quoted(texts))
        engine = engine_previews_of(report).get(rule)
        if expectation.pulumi_preview is not None and engine != expectation.pulumi_preview:
            problems.append(f"{rule}: pulumi preview itself would be {engine or actual}, the scenario says "
                            f"{expectation.pulumi_preview or actual}")
    for rule, (actual, detail) in sorted(verdicts.items()):
        if actual == "violated" and rule not in expected:
            problems.append(f"{rule}: violated but the scenario does not expect it (a false positive)"
                            + _quoted(messages_of(report, rule, actual, detail)))
    return problems


def _quoted(texts: list[str]) -> str:
    return "".join(f"\n      | {text}" for text in texts)
