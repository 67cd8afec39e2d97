"""What `pulumi preview` itself would have seen where preflight's see-through preview saw more.

The program host marks, on each registration, the input paths (`seeThrough`) and output paths
(`seeThroughOutputs`) whose values preflight knows at preview but the engine would not: the
engine would have them unknown. Setting those paths to the unknown sentinel gives the engine's
view; re-analysing the affected resources and the stack with it shows which verdicts only
see-through preview decided.

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


def has_see_through(record: dict[str, Any]) -> bool:
    return bool(record.get("seeThrough") or record.get("seeThroughOutputs"))


def engine_view(record: dict[str, Any]) -> dict[str, Any]:
    """The record with every see-through path unknown, in its inputs and its outputs."""
    view = copy.deepcopy(record)
    input_paths = list(record.get("seeThrough") or [])
    for path in input_paths:
        set_unknown(view["inputs"], path)
    outputs = view.get("outputs")
    if isinstance(outputs, dict):
        # A preview's outputs carry the checked inputs, so an unknown input is an unknown output.
        for path in [*input_paths, *(record.get("seeThroughOutputs") or [])]:
            set_unknown(outputs, path)
    return view


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
