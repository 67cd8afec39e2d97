"""A stack's previous state, from the JSON `pulumi stack export` writes (--prior-state FILE).

With it, preflight previews an existing stack as the engine does: a resource whose URN is in
the state has its old ID and outputs; one whose checked inputs did not change keeps them,
one that changed keeps what the provider would not recompute. The host applies that per
registration (`host/prior.py`); this module only reads and checks the file.

Secrets: an export without `--show-secrets` holds them encrypted (`ciphertext`); preflight
cannot decrypt them, so they become the placeholder `[secret]`, still marked secret. With
`--show-secrets` (`plaintext`) the value is used.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import PreflightError
from .host.wire import SECRET_SIG, SIG_KEY

SECRET_PLACEHOLDER = "[secret]"
SUPPORTED_VERSIONS = (1, 2, 3)
HOW_TO_EXPORT = "write it with `pulumi stack export --stack <stack> --file state.json`"


@dataclass(frozen=True)
class PriorResource:
    urn: str
    type: str
    id: str
    inputs: dict[str, Any]
    outputs: dict[str, Any]


@dataclass(frozen=True)
class PriorState:
    path: str
    resources: dict[str, PriorResource] = field(default_factory=dict)

    def to_spec(self) -> dict[str, Any]:
        """What the program host receives (JSON)."""
        return {urn: {"type": item.type, "id": item.id, "inputs": item.inputs, "outputs": item.outputs}
                for urn, item in self.resources.items()}


def _fail(path: Path, problem: str) -> PreflightError:
    return PreflightError(f"--prior-state {path}: {problem}; {HOW_TO_EXPORT}")


def load_prior_state(path: Path) -> PriorState:
    path = Path(path)
    try:
        text = path.read_text()
    except OSError as error:
        raise PreflightError(f"--prior-state {path}: cannot be read ({error.strerror})") from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise _fail(path, f"not valid JSON ({error})") from None
    if not isinstance(document, dict) or not isinstance(document.get("deployment"), dict):
        raise _fail(path, "expected an object with `version` and `deployment`, as `pulumi stack export` writes")
    version = document.get("version")
    if version not in SUPPORTED_VERSIONS:
        raise _fail(path, f"`version` is {json.dumps(version)}; preflight reads versions 1 to 3")
    resources = document["deployment"].get("resources") or []
    if not isinstance(resources, list):
        raise _fail(path, "`deployment.resources` must be a list")
    found: dict[str, PriorResource] = {}
    for index, item in enumerate(resources):
        if not isinstance(item, dict) or not isinstance(item.get("urn"), str) or not isinstance(item.get("type"), str):
            raise _fail(path, f"`deployment.resources[{index}]` has no `urn` and `type`")
        if item.get("delete") is True:
            # Pending deletion after a failed replacement: not the live resource.
            continue
        found[item["urn"]] = PriorResource(
            urn=item["urn"], type=item["type"], id=str(item.get("id") or ""),
            inputs=_decode(item.get("inputs") or {}), outputs=_decode(item.get("outputs") or {}))
    return PriorState(path=str(path), resources=found)


def _decode(value: Any) -> Any:
    if isinstance(value, dict):
        if value.get(SIG_KEY) == SECRET_SIG:
            if "plaintext" in value:
                try:
                    plain = json.loads(value["plaintext"])
                except (TypeError, json.JSONDecodeError):
                    plain = value["plaintext"]
                return {SIG_KEY: SECRET_SIG, "value": _decode(plain)}
            if "value" in value:
                return {SIG_KEY: SECRET_SIG, "value": _decode(value["value"])}
            return {SIG_KEY: SECRET_SIG, "value": SECRET_PLACEHOLDER}
        return {key: _decode(item) for key, item in value.items() if not key.startswith("__")}
    if isinstance(value, list):
        return [_decode(item) for item in value]
    return value
