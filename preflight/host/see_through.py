"""See-through first preview: outputs that follow from a resource's inputs are known.

In a real first preview every computed output is unknown, and one unknown inside a JSON
string makes the whole string unknown (pulumi/pulumi#7854). preflight owns the mock
runtime, so in preview it hands the program:
- outputs that are deterministic functions of the inputs, the region and the account
  (ARNs and URLs of named resources, repository URLs, image names), as known values, so
  `apply` callbacks run and the strings built from them are known;
- values AWS (or a registry, or a random generator) picks at creation as a *marker*: the
  value with each chosen span replaced by `seethru<8 hex>x`. Which spans are chosen is
  found by deriving the outputs twice with different seeds: what differs is chosen.
When anything is registered, each marker is resolved the way Pulumi would see it: a string
value holding one is unknown (`UNKNOWN`), except inside a JSON document string, where each
string leaf holding one becomes the unknown sentinel and the rest of the document stays.
The registration records the input paths the engine would not have known (`seeThrough`):
a JSON document with a leaf unknown, or a value holding a see-through output.
"""

from __future__ import annotations

import ipaddress
import itertools
import json
import re
import threading
from typing import Any

from .wire import SIG_KEY, UNKNOWN

MARKER = re.compile(r"seethru[0-9a-f]{8}x")
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_counter = itertools.count(1)
_counter_lock = threading.Lock()

# Outputs the two-seed comparison finds constant but AWS still picks (or may pick) at creation.
CHOSEN_ANYWAY: dict[str, tuple[str, ...]] = {
    # The next revision of the family: 1 only for a family that never existed.
    "aws:ecs/taskDefinition:TaskDefinition": ("arn", "revision"),
    "aws:iam/role:Role": ("createDate",),
}


def new_marker() -> str:
    with _counter_lock:
        return f"seethru{next(_counter):08x}x"


def has_marker(value: Any) -> bool:
    if isinstance(value, str):
        return MARKER.search(value) is not None
    if isinstance(value, dict):
        return any(has_marker(item) for item in value.values())
    if isinstance(value, list):
        return any(has_marker(item) for item in value)
    return False


def _marked(first: Any, second: Any) -> Any:
    """`first` with the span that differs from `second` replaced by a marker; UNKNOWN if not a string."""
    if not (isinstance(first, str) and isinstance(second, str)):
        return UNKNOWN
    prefix = 0
    while prefix < min(len(first), len(second)) and first[prefix] == second[prefix]:
        prefix += 1
    suffix = 0
    while (suffix < min(len(first), len(second)) - prefix
           and first[len(first) - 1 - suffix] == second[len(second) - 1 - suffix]):
        suffix += 1
    return first[:prefix] + new_marker() + first[len(first) - suffix:]


def split_outputs(type_token: str, first: dict[str, Any], second: dict[str, Any],
                  inputs: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(what the program is handed, what the engine records) for the computed outputs of a preview.

    `first` and `second` are the outputs derived with two seeds. The program gets known
    values and markers; the record gets known values and UNKNOWN."""
    forced = CHOSEN_ANYWAY.get(type_token, ())
    to_program: dict[str, Any] = {}
    to_record: dict[str, Any] = {}
    for key, value in first.items():
        if key in inputs:
            continue
        other = second.get(key)
        if key in forced:
            if key == "arn" and isinstance(value, str) and ":" in value:
                to_program[key] = value.rsplit(":", 1)[0] + ":" + new_marker()
            else:
                to_program[key] = UNKNOWN
            to_record[key] = UNKNOWN
        elif value == other and not has_marker(value):
            to_program[key] = value
            to_record[key] = value
        elif _address(value):
            # Programs parse addresses (ipaddress.ip_network(...).subnets()): a marker inside one
            # would fail them where the engine's preview runs no apply. Unknown, as in the engine.
            to_program[key] = UNKNOWN
            to_record[key] = UNKNOWN
        else:
            to_program[key] = _marked(value, other)
            to_record[key] = UNKNOWN
    return to_program, to_record


def _address(value: Any) -> bool:
    """An IP address or network (`10.0.3.7`, `2600:1f18:ab12:cd00::/56`)."""
    if not isinstance(value, str):
        return False
    try:
        ipaddress.ip_network(value, strict=False)
    except ValueError:
        return False
    return True


def _json_document(text: str) -> bool:
    stripped = text.lstrip()
    if not stripped.startswith(("{", "[")):
        return False
    try:
        json.loads(text)
    except json.JSONDecodeError:
        return False
    return True


def _leaf_unknowns(text: str) -> str:
    """Each JSON string literal holding a marker becomes the unknown sentinel; the text is kept."""
    return _JSON_STRING.sub(lambda match: f'"{UNKNOWN}"' if MARKER.search(match.group(0)) else match.group(0), text)


def resolve(value: Any, path: str, see_through: list[str], known_values: list[str]) -> Any:
    """`value` as the engine would receive it; appends to `see_through` the paths it would not have known.

    `known_values` are the see-through outputs of the resources the value depends on."""
    if isinstance(value, str):
        if MARKER.search(value):
            if _json_document(value):
                see_through.append(path)
                return _leaf_unknowns(value)
            return UNKNOWN
        if any(known in value for known in known_values):
            see_through.append(path)
        return value
    if isinstance(value, dict):
        if value.get(SIG_KEY) is not None and "value" in value:
            return {**value, "value": resolve(value["value"], path, see_through, known_values)}
        return {key: resolve(item, f"{path}.{key}" if path else key, see_through, known_values)
                for key, item in value.items()}
    if isinstance(value, list):
        return [resolve(item, f"{path}[{index}]", see_through, known_values) for index, item in enumerate(value)]
    return value


def resolve_properties(properties: dict[str, Any], dependencies: dict[str, list[str]],
                       known_by_urn: dict[str, list[str]]) -> tuple[dict[str, Any], list[str]]:
    """Every property resolved; the see-through paths, sorted."""
    see_through: list[str] = []
    resolved = {}
    for key, value in properties.items():
        known_values = [known for urn in dependencies.get(key, []) for known in known_by_urn.get(urn, [])]
        resolved[key] = resolve(value, key, see_through, known_values)
    return resolved, sorted(set(see_through))


def see_through_strings(outputs: dict[str, Any]) -> list[str]:
    """The known computed values worth finding again in a dependant's inputs (ARNs, URLs, names)."""
    found: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, str) and len(value) >= 12 and not MARKER.search(value) and UNKNOWN not in value:
            found.append(value)
        elif isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(outputs)
    return found
