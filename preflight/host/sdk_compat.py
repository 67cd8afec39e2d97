"""What the program's own Pulumi SDK offers, detected rather than assumed.

Programs pin their SDK: a project may run `pulumi` 3.86 while preflight is developed
against the newest. The mock runtime changed across 3.x: `MockMonitor.GetDeploymentInfo`
and `Settings.monitor_features` arrived late (before them the SDK asked the monitor one
feature at a time through `SupportsFeature`), `root_directory` and `callbacks` later still.
Everything here asks the installed SDK what it has.
"""

from __future__ import annotations

import inspect
import json
import os
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

MINIMUM_SDK = (3, 80, 0)
MINIMUM_SDK_TEXT = "3.80.0"


class UnsupportedSdk(Exception):
    """The program's `pulumi` is older than preflight supports."""


def version_tuple(text: str) -> tuple[int, ...]:
    parts = []
    for piece in text.split(".")[:3]:
        digits = "".join(ch for ch in piece if ch.isdigit())
        parts.append(int(digits) if digits else 0)
    return tuple(parts)


def sdk_version() -> str:
    try:
        return metadata.version("pulumi")
    except metadata.PackageNotFoundError:
        return "unknown"


def require_supported_sdk(interpreter: str) -> str:
    """The SDK's version; raises UnsupportedSdk naming the version, the minimum and the fix."""
    version = sdk_version()
    if version != "unknown" and version_tuple(version) < MINIMUM_SDK:
        raise UnsupportedSdk(
            f"the program's interpreter {interpreter} has pulumi {version}; preflight supports pulumi "
            f"{MINIMUM_SDK_TEXT} or later: pin `pulumi>={MINIMUM_SDK_TEXT},<4` in the project's requirements "
            "and reinstall its environment"
        )
    return version


def exit_if_unsupported(spec_path: str) -> None:
    """Runs before any module that imports the SDK: an old SDK may lack what those modules use,
    and an interpreter without the SDK cannot run the host at all."""
    error = None
    try:
        import pulumi  # noqa: F401
    except ModuleNotFoundError as exc:
        error = {"kind": "import", "module": (exc.name or "pulumi").split(".")[0], "message": str(exc),
                 "traceback": []}
    if error is None:
        try:
            require_supported_sdk(sys.executable)
        except UnsupportedSdk as exc:
            error = {"kind": "sdk", "message": str(exc), "traceback": []}
    if error is not None:
        spec = json.loads(Path(spec_path).read_text())
        Path(spec["result_path"]).write_text(json.dumps({
            "ok": False, "error": error, "resources": [], "default_providers": [], "logs": []}))
        os._exit(0)


def monitor_features(monitor: Any) -> set[int]:
    """The features the recording monitor announces, as this SDK's settings hold them."""
    if hasattr(monitor, "GetDeploymentInfo"):
        return set(monitor.GetDeploymentInfo(None).supportedFeatures)
    return set()


def settings_kwargs(*, monitor: Any, engine: Any, project: str, stack: str, dry_run: bool, organization: str,
                    root_directory: str) -> dict[str, Any]:
    """Keyword arguments for this SDK's `MockSettings`: only the attributes its `Settings` reads."""
    from pulumi.runtime.settings import Settings

    kwargs: dict[str, Any] = {
        "monitor": monitor, "engine": engine, "project": project, "stack": stack, "dry_run": dry_run,
        "organization": organization,
    }
    init_parameters = inspect.signature(Settings.__init__).parameters
    if "root_directory" in init_parameters:
        kwargs["root_directory"] = root_directory
    source = _source(Settings.__init__)
    if "monitor_features" in source:
        kwargs["monitor_features"] = monitor_features(monitor)
    if "callbacks" in source:
        kwargs["callbacks"] = None
    if "feature_support" in source:
        # Older SDKs cache SupportsFeature answers here; MockSettings skips Settings.__init__.
        kwargs["feature_support"] = {}
    return kwargs


def _source(function: Any) -> str:
    try:
        return inspect.getsource(function)
    except (OSError, TypeError):
        return ""


def run_in_stack_awaits_the_program() -> bool:
    """Whether this SDK's `run_in_stack` awaits what the program function returns (newer SDKs);
    older ones call it inside `Stack.__init__` and drop the result."""
    from pulumi.runtime import stack

    return "isawaitable" in _source(stack.run_in_stack)
