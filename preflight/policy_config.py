"""Policy pack config: the `--policy-pack-config` file, reconciled as the engine reconciles it.

File shape (as `pulumi preview --policy-pack-config FILE` reads it): a JSON object whose
keys are policy names, or `all`; each value is an enforcement level
(`advisory|mandatory|remediate|disabled`) or an object with an optional
`enforcementLevel` and the policy's config properties. The key `environments` lists Pulumi
ESC environments whose values the engine opens and hands to the pack's process. preflight
accepts it (a list of environment names) but cannot open ESC environments - that needs
Pulumi Cloud credentials - so the pack runs without those values; the report says so
(`Report.notes`). Give the pack such values as ordinary environment variables instead.

Reconciliation (pulumi/pulumi `ReconcilePolicyPackConfig`): start from every policy's own
level and its schema defaults, apply the pack's initial config, then the file (`all`
first, then each policy), and validate each policy's properties against its schema.
The engine then sends `Configure` with an entry for every policy. One deliberate
difference: a key that names no policy of the pack is an error here (the engine ignores
it), because a misspelt name would otherwise silently change nothing.
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema

from .errors import PreflightError

LEVELS = ("advisory", "mandatory", "remediate", "disabled")


@dataclass
class PolicyConfig:
    enforcement_level: str | None
    properties: dict[str, Any] = field(default_factory=dict)


def load_policy_config(path: Path) -> dict[str, PolicyConfig]:
    try:
        text = path.read_text()
    except OSError as error:
        raise PreflightError(f"--policy-config {path}: cannot be read ({error.strerror})") from None
    if not text.strip():
        return {}
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise PreflightError(f"--policy-config {path}: not valid JSON ({error})") from None
    if not isinstance(document, dict):
        raise PreflightError(f"--policy-config {path}: expected a JSON object of policy names to levels or objects")
    result: dict[str, PolicyConfig] = {}
    for name, value in document.items():
        if name == ENVIRONMENTS_KEY:
            _environment_names(path, value)
            continue
        if isinstance(value, str):
            result[name] = PolicyConfig(_level(path, name, value))
        elif isinstance(value, dict):
            properties = dict(value)
            level = properties.pop("enforcementLevel", None)
            result[name] = PolicyConfig(_level(path, name, level) if level is not None else None, properties)
        else:
            raise PreflightError(
                f"--policy-config {path}: {name!r} is {json.dumps(value)}; use an enforcement level "
                f"({', '.join(LEVELS)}) or an object with `enforcementLevel` and the policy's properties"
            )
    return result


ENVIRONMENTS_KEY = "environments"


def config_environments(path: Path | None) -> list[str]:
    """The ESC environments a policy config file names (none when there is no file)."""
    if path is None:
        return []
    try:
        document = json.loads(path.read_text() or "{}")
    except (OSError, json.JSONDecodeError):
        return []  # load_policy_config reports these
    return _environment_names(path, document.get(ENVIRONMENTS_KEY, [])) if isinstance(document, dict) else []


def _environment_names(path: Path, value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) and item for item in value):
        raise PreflightError(
            f"--policy-config {path}: `environments` is {json.dumps(value)}; use a list of Pulumi ESC "
            'environment names, e.g. ["payments/dev"]'
        )
    return list(value)


def _level(path: Path, name: str, value: Any) -> str:
    if value not in LEVELS:
        raise PreflightError(
            f"--policy-config {path}: {name!r} has enforcement level {json.dumps(value)}; "
            f"use one of {', '.join(LEVELS)}"
        )
    return value


def reconcile(policies: list[dict[str, Any]], initial: dict[str, PolicyConfig],
              given: dict[str, PolicyConfig], source: str) -> dict[str, PolicyConfig]:
    """`policies`: [{name, enforcement, schema: {properties, required}}] from GetAnalyzerInfo."""
    names = [policy["name"] for policy in policies]
    for name in given:
        if name != "all" and name not in names:
            close = difflib.get_close_matches(name, names, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else f"; the pack's policies are: {', '.join(names)}"
            raise PreflightError(f"{source}: {name!r} is not a policy of this pack{hint}")

    result = {
        policy["name"]: PolicyConfig(
            policy["enforcement"],
            {key: spec["default"] for key, spec in (policy["schema"].get("properties") or {}).items()
             if isinstance(spec, dict) and "default" in spec},
        )
        for policy in policies
    }
    for layer in (initial, given):
        everything = layer.get("all")
        if everything is not None and everything.enforcement_level:
            for config in result.values():
                config.enforcement_level = everything.enforcement_level
        for name, config in layer.items():
            if name == "all":
                continue
            target = result.setdefault(name, PolicyConfig(None))
            if config.enforcement_level:
                target.enforcement_level = config.enforcement_level
            target.properties.update(config.properties)

    problems = []
    for policy in policies:
        schema = policy["schema"]
        if not schema.get("properties") and not schema.get("required"):
            continue
        document_schema = {"type": "object", "properties": schema.get("properties") or {}}
        if schema.get("required"):
            document_schema["required"] = list(schema["required"])
        validator = jsonschema.Draft7Validator(document_schema)
        for error in sorted(validator.iter_errors(result[policy["name"]].properties), key=str):
            where = ".".join(str(part) for part in error.absolute_path)
            problems.append(f"{policy['name']}{'.' + where if where else ''}: {error.message}")
    if problems:
        raise PreflightError(f"{source}: the policy config is not valid for this pack:\n  " + "\n  ".join(problems))
    return result
