"""How messages show a property value: in words a user reads, never as a Python literal.

A stack can hold any JSON shape where a rule expects a string or a number; a message that
says `healthCheck.port None` or `containers: []` makes the user decode Python. Numbers arrive
from the engine as doubles (8080.0) and are shown as the integers they are.
"""

from __future__ import annotations

import json
from typing import Any

from model.values import is_unknown


def shown(value: Any) -> str:
    """`None` -> "not set", `True` -> "true", `[]`/`{}`/"" -> "empty", 8080.0 -> "8080", "web" -> "'web'"."""
    if value is None:
        return "not set"
    if is_unknown(value):
        return "not known until update"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str):
        return f"'{value}'" if value else "empty"
    if isinstance(value, list | tuple):
        return ", ".join(shown(item) for item in value) if value else "empty"
    if isinstance(value, dict):
        return json.dumps(value, default=str) if value else "empty"
    return str(value)
