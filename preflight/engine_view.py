"""What `pulumi preview` itself would have seen where preflight's see-through preview saw more.

The program host marks, on each registration, the input paths (`seeThrough`) whose values
preflight knows at preview but the engine would not, and may mark output paths the same way
(`seeThroughOutputs`). Without `seeThroughOutputs`, a custom resource being created (or
replaced, against `--prior-state`) is seen
as the engine's first preview sees it: every output that is not one of its inputs is unknown,
except `tagsAll`, which the AWS provider's plan computes from the tags. Setting those paths to
the unknown sentinel gives the engine's view; re-analysing the affected resources and the
stack with it shows which verdicts only see-through preview decided.

Paths are property paths as the engine prints them: `containerDefinitions`, `tags.Name`,
`ingress[0].cidrBlocks`. A path that does not resolve makes its top-level property unknown
(what the engine has for a value computed from an unknown).
"""

from __future__ import annotations

import copy
import re
from typing import Any

from .host.wire import UNKNOWN

PATH_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


# Computed outputs the engine's first preview knows (the provider computes them in its plan).
KNOWN_AT_PREVIEW = frozenset({"tagsAll"})


def output_paths(record: dict[str, Any]) -> list[str]:
    """The outputs the engine's preview would not know but this record holds known."""
    if "seeThroughOutputs" in record:
        return list(record.get("seeThroughOutputs") or [])
    # A replacement is a new resource to the engine: its computed outputs are unknown at preview too.
    if not record.get("custom") or record.get("change") not in (None, "create", "replace"):
        return []
    inputs = record.get("inputs") or {}
    return sorted(key for key, value in (record.get("outputs") or {}).items()
                  if key not in inputs and key not in KNOWN_AT_PREVIEW and value != UNKNOWN)


def see_through_paths(record: dict[str, Any]) -> list[str]:
    return sorted({*(record.get("seeThrough") or []), *output_paths(record)})


def has_see_through(record: dict[str, Any]) -> bool:
    return bool(record.get("seeThrough") or output_paths(record))


def engine_view(record: dict[str, Any]) -> dict[str, Any]:
    """The record with every see-through path unknown, in its inputs and its outputs."""
    input_paths = list(record.get("seeThrough") or [])
    view = {**record, "inputs": _copied_where(record["inputs"], input_paths)}
    for path in input_paths:
        set_unknown(view["inputs"], path)
    outputs = record.get("outputs")
    if isinstance(outputs, dict):
        # A preview's outputs carry the checked inputs, so an unknown input is an unknown output.
        paths = [*input_paths, *output_paths(record)]
        view["outputs"] = _copied_where(outputs, paths)
        for path in paths:
            set_unknown(view["outputs"], path)
    return view


def _copied_where(properties: dict[str, Any], paths: list[str]) -> dict[str, Any]:
    """`properties` copied deep enough that setting `paths` leaves the record as it was: only the
    top-level values the paths reach into are copied (a deep copy of every record was the slow part)."""
    copied = dict(properties)
    for key in {path.split(".", 1)[0].split("[", 1)[0] for path in paths}:
        if isinstance(copied.get(key), dict | list):
            copied[key] = copy.deepcopy(copied[key])
    return copied


def set_unknown(properties: dict[str, Any], path: str) -> None:
    parts = [name if name else int(index) for name, index in PATH_PART.findall(path)]
    if not parts or not isinstance(parts[0], str):
        return
    target: Any = properties
    for part in parts[:-1]:
        try:
            target = target[part]
        except (KeyError, IndexError, TypeError):
            properties[parts[0]] = UNKNOWN
            return
    try:
        target[parts[-1]] = UNKNOWN
    except (IndexError, TypeError):
        properties[parts[0]] = UNKNOWN
