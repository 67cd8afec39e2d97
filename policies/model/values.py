"""Plain property values as rules read them: the unknown marker, JSON documents, paths, resources.

Rules never touch pulumi-policy's unknown-checking proxies directly: reading an unknown
through them raises and aborts the whole rule, while the catalog asks that an unknown
value make only the checks that need it inconclusive. `plain()` turns the proxies into
ordinary dicts and lists in which every unknown is the `UNKNOWN` marker.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, _is_unknown
from pulumi_policy.secret import Secret


class _Unknown:
    """A value the engine cannot know during preview."""

    _instance: _Unknown | None = None

    def __new__(cls) -> _Unknown:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "<unknown>"

    def __bool__(self) -> bool:
        raise TypeError("an unknown value has no truth value; test it with is_unknown() first")


UNKNOWN = _Unknown()


def is_unknown(value: Any) -> bool:
    return value is UNKNOWN


def plain(value: Any) -> Any:
    """Copy a (possibly proxied) property value into dicts and lists, unknowns as UNKNOWN."""
    if _is_unknown(value):
        return UNKNOWN
    if isinstance(value, Secret):
        return plain(value.value)
    if isinstance(value, str | bytes):
        return value
    if isinstance(value, Mapping):
        target = _proxy_target(value)
        return {str(key): plain(target[key]) for key in target}
    if isinstance(value, Sequence):
        target = _proxy_target(value)
        return [plain(item) for item in target]
    return value


def _proxy_target(value: Any) -> Any:
    # The SDK's proxies expose the wrapped container under "__target" and raise on
    # unknown items; reading the target avoids the raise.
    try:
        return value["__target"]
    except (KeyError, IndexError, TypeError):
        return value


@dataclass(frozen=True)
class Malformed:
    """A JSON string property that does not parse; `error` says why."""

    error: str


def parse_json(value: Any) -> Any:
    """A JSON document held in a string property: parsed, UNKNOWN, Malformed or None.

    Values already structured (some programs pass policy documents as objects) are
    returned as they are. A leaf that is Pulumi's unknown sentinel — a see-through preview
    knows the document but not a value AWS picks at creation — reads as UNKNOWN, exactly
    like an unknown property, so only the checks that need that leaf become inconclusive.
    """
    if value is None or is_unknown(value):
        return value
    if isinstance(value, dict | list):
        return value
    if not isinstance(value, str):
        return Malformed(f"expected a JSON string, got {type(value).__name__}")
    if _is_unknown(value):
        return UNKNOWN
    try:
        return _leaf_unknowns(json.loads(value))
    except ValueError as error:
        return Malformed(str(error))


def _leaf_unknowns(value: Any) -> Any:
    if isinstance(value, str):
        return UNKNOWN if value == UNKNOWN_STRING_VALUE else value
    if isinstance(value, dict):
        return {key: _leaf_unknowns(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_leaf_unknowns(item) for item in value]
    return value


def get_path(value: Any, *path: str | int) -> Any:
    """Walk dicts and lists; None when a step is missing or of the wrong kind, UNKNOWN when unknown."""
    for step in path:
        if is_unknown(value):
            return UNKNOWN
        if isinstance(step, int):
            if not isinstance(value, list) or not -len(value) <= step < len(value):
                return None
            value = value[step]
        else:
            if not isinstance(value, dict):
                return None
            value = value.get(step)
    return value


@dataclass
class Resource:
    """A resource as rules see it: plain props and the graph edges as URNs."""

    type: str
    name: str
    urn: str
    props: dict[str, Any]
    parent: str | None = None
    dependencies: list[str] = field(default_factory=list)
    property_dependencies: dict[str, list[str]] = field(default_factory=dict)
    provider_props: dict[str, Any] = field(default_factory=dict)

    def get(self, *path: str | int) -> Any:
        return get_path(self.props, *path)

    @property
    def label(self) -> str:
        """How messages name a resource: its logical name and short type."""
        return f"{self.type.rsplit(':', 1)[-1]} '{self.name}'"


def as_int(value: Any) -> int | None:
    """An integer property (ints, or digit strings as the engine sometimes sends them); None otherwise."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def in_words(value: Any) -> str:
    """A property value as a message shows it: "not set", "true", "empty", 8080.0 as "8080", 'web' quoted.

    The same words as `kit.shown`, for the few messages the model writes itself (the model
    may not import kit).
    """
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
        return ", ".join(in_words(item) for item in value) if value else "empty"
    if isinstance(value, dict):
        return json.dumps(value, default=str) if value else "empty"
    return str(value)


def as_list(value: Any) -> list:
    return value if isinstance(value, list) else []
