"""The files that stand in for the outside world: --invokes answers and --stack-outputs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from .errors import PreflightError
from .host.invokes import INVOKES_FILE_FORMAT


def _load(path: Path, flag: str) -> Any:
    try:
        text = path.read_text()
    except OSError as error:
        raise PreflightError(f"{flag} {path}: cannot be read ({error.strerror})") from None
    try:
        if path.suffix in (".yaml", ".yml"):
            return yaml.safe_load(text)
        return json.loads(text)
    except (json.JSONDecodeError, yaml.YAMLError) as error:
        raise PreflightError(f"{flag} {path}: not valid {'YAML' if path.suffix in ('.yaml', '.yml') else 'JSON'} "
                             f"({error})") from None


def load_invokes(path: Path | None) -> dict[str, list[dict[str, Any]]]:
    if path is None:
        return {}
    document = _load(Path(path), "--invokes")
    if not isinstance(document, dict):
        raise PreflightError(f"--invokes {path}: expected a mapping of function tokens to answers.\n{INVOKES_FILE_FORMAT}")
    answers: dict[str, list[dict[str, Any]]] = {}
    for token, entries in document.items():
        entries = [entries] if isinstance(entries, dict) else entries
        if not isinstance(entries, list) or not all(isinstance(entry, dict) and isinstance(entry.get("result"), dict)
                                                    and isinstance(entry.get("args", {}), dict) for entry in entries):
            raise PreflightError(
                f"--invokes {path}: the answer for {token!r} must be a list of {{args, result}} objects "
                f"(`result` a mapping).\n{INVOKES_FILE_FORMAT}"
            )
        answers[str(token)] = entries
    return answers


def parse_stack_outputs_flags(values: list[str]) -> dict[str, Path]:
    """`ORG/PROJECT/STACK=FILE` flags as a mapping of stack name to file."""
    result: dict[str, Path] = {}
    for value in values:
        name, separator, file = value.partition("=")
        if not separator or not name or not file:
            raise PreflightError(f"--stack-outputs {value!r}: use ORG/PROJECT/STACK=FILE, e.g. acme/berth/prod=prod.json")
        result[name] = Path(file)
    return result


def load_stack_outputs(files: dict[str, Path] | None) -> dict[str, dict[str, Any]]:
    outputs: dict[str, dict[str, Any]] = {}
    for name, path in (files or {}).items():
        document = _load(Path(path), f"--stack-outputs {name}=")
        if not isinstance(document, dict):
            raise PreflightError(f"--stack-outputs {name}={path}: expected a JSON object of output names to values, "
                                 "as `pulumi stack output --json` prints it")
        outputs[name] = document
    return outputs
