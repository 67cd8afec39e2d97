"""Property values in the engine's wire form (camelCase keys, sentinels for unknowns and secrets).

The engine keeps three special encodings when it marshals properties for analyzers
(`MarshalOptions{KeepUnknowns, KeepSecrets, SkipInternalKeys}`): an unknown is the string
`UNKNOWN`, a secret is an object keyed by `SIG_KEY`, and keys starting with `__` are dropped.
Resource references are not kept (no `KeepResources`): they become the referenced resource's
id (custom resources), or its URN (components, or an id not known yet).
"""

from __future__ import annotations

from typing import Any

from google.protobuf import json_format, struct_pb2

UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
SIG_KEY = "4dabf18193072939515e22adb298388d"
SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
RESOURCE_REF_SIG = "5cf8f73096256a8f31e491e813e4eb8e"
OUTPUT_VALUE_SIG = "d0e6a833031e9bbcd3f4e8bde6ca49a4"


def struct_to_wire(struct: struct_pb2.Struct) -> dict[str, Any]:
    """A request's property Struct as the engine would hand it to an analyzer."""
    return normalize(json_format.MessageToDict(struct))


def normalize(value: Any) -> Any:
    if isinstance(value, list):
        return [normalize(item) for item in value]
    if isinstance(value, dict):
        signature = value.get(SIG_KEY)
        if signature == RESOURCE_REF_SIG:
            return _resource_ref_value(value)
        if signature == OUTPUT_VALUE_SIG:
            # The mock monitor turns off `outputValues`, so these only come from
            # hand-built requests; the engine would send the plain value or an unknown.
            if "value" not in value:
                return UNKNOWN
            inner = normalize(value["value"])
            return {SIG_KEY: SECRET_SIG, "value": inner} if value.get("secret") else inner
        if signature is not None:
            return {key: normalize(item) for key, item in value.items()}
        return {key: normalize(item) for key, item in value.items() if not key.startswith("__")}
    if isinstance(value, float) and value.is_integer():
        # Struct numbers are doubles; integral ones are written back as ints so the
        # report reads `512`, and a round trip through a Struct gives the same double.
        return int(value)
    return value


def _resource_ref_value(ref: dict[str, Any]) -> Any:
    if "id" in ref:
        ref_id = ref["id"]
        return UNKNOWN if ref_id in ("", UNKNOWN) else ref_id
    return ref.get("urn", UNKNOWN)


def to_struct(value: dict[str, Any]) -> struct_pb2.Struct:
    struct = struct_pb2.Struct()
    struct.update(value)
    return struct


def is_secret(value: Any) -> bool:
    return isinstance(value, dict) and value.get(SIG_KEY) == SECRET_SIG


def unwrap_secret(value: Any) -> Any:
    return value["value"] if is_secret(value) else value


def plain(value: Any) -> Any:
    """Secrets unwrapped (for deriving outputs from inputs; never for display)."""
    value = unwrap_secret(value)
    if isinstance(value, list):
        return [plain(item) for item in value]
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    return value
