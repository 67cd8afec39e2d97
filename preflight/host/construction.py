"""Where and how each resource was constructed: its source line, and whether inside `apply`.

The monitor sees registrations on the SDK's worker threads, after the program's frames are
gone, so this watches `Resource.__init__` itself:
- the source position is the innermost frame of the user's project (not its virtualenv, not
  the SDKs) - for a component's child, the line in the component's file. SDKs that send
  `RegisterResourceRequest.sourcePosition` are believed first;
- a resource constructed while an `Output.apply` callback runs exists only once that value
  is known: the engine's preview does not show it (Pulumi's guidance: never create
  resources inside `apply`).
"""

from __future__ import annotations

import contextvars
import os
import sys
import threading
from pathlib import Path
from typing import Any

_IN_APPLY: contextvars.ContextVar[bool] = contextvars.ContextVar("preflight_in_apply", default=False)


class Constructions:
    def __init__(self, project_dir: Path):
        self.root = str(project_dir.resolve()) + os.sep
        self._seen: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self._relative_cache: dict[str, str | None] = {}
        self._uri_cache: dict[str, str] = {}
        self._lock = threading.Lock()

    def install(self) -> None:
        import pulumi
        from pulumi import resource as resource_module

        original_apply = pulumi.Output.apply

        def apply(output, func, run_with_unknowns: bool = False):
            def inside(*args, **kwargs):
                token = _IN_APPLY.set(True)
                try:
                    return func(*args, **kwargs)
                finally:
                    _IN_APPLY.reset(token)
            return original_apply(output, inside, run_with_unknowns)

        pulumi.Output.apply = apply
        original_init = resource_module.Resource.__init__
        constructions = self

        def init(resource, t, name, *args, **kwargs):
            constructions.note(t, name, type(resource))
            return original_init(resource, t, name, *args, **kwargs)

        resource_module.Resource.__init__ = init

    def note(self, type_token: Any, name: Any, cls: type | None = None) -> None:
        entry = {"createdInApply": _IN_APPLY.get(), "sourcePosition": self._position(),
                 "outputNames": output_names(cls) if cls is not None else [],
                 "propertyNames": property_names(cls) if cls is not None else [],
                 "requiredInputs": required_inputs(cls) if cls is not None else []}
        with self._lock:
            self._seen.setdefault((str(type_token), str(name)), []).append(entry)

    def take(self, type_token: str, name: str) -> dict[str, Any]:
        with self._lock:
            entries = self._seen.get((type_token, name))
            if entries:
                return entries.pop(0)
        return {"createdInApply": False, "sourcePosition": None, "outputNames": [], "propertyNames": [],
                "requiredInputs": []}

    def inside(self, uri: str) -> bool:
        """A file URI in the user's project, not in a virtualenv or an installed package."""
        path = uri[len("file://"):] if uri.startswith("file://") else uri
        return self._relative(path) is not None

    def _relative(self, filename: str) -> str | None:
        cached = self._relative_cache.get(filename, False)
        if cached is not False:
            return cached
        resolved = str(Path(filename).resolve())
        inside = resolved[len(self.root):] if resolved.startswith(self.root) else None
        if inside is None or "site-packages" in inside or inside.startswith((".venv", "venv")):
            inside = None
        self._relative_cache[filename] = inside
        return inside

    def _position(self) -> dict[str, Any] | None:
        # Frames walked directly (no source lines read): this runs once per resource.
        frame = sys._getframe(1)
        while frame is not None:
            filename = frame.f_code.co_filename
            if filename and not filename.startswith("<") and self._relative(filename) is not None:
                return {"uri": self._uri(filename), "line": frame.f_lineno}
            frame = frame.f_back
        return None

    def _uri(self, filename: str) -> str:
        uri = self._uri_cache.get(filename)
        if uri is None:
            uri = self._uri_cache[filename] = Path(filename).resolve().as_uri()
        return uri


_OUTPUT_NAMES: dict[type, list[str]] = {}


def output_names(cls: type) -> list[str]:
    """The wire names of the outputs a generated resource class declares that are not inputs
    (its `pulumi.getter` properties less its `<Class>Args` parameters)."""
    if cls in _OUTPUT_NAMES:
        return _OUTPUT_NAMES[cls]
    import inspect
    import sys

    names: list[str] = []
    args_class = getattr(sys.modules.get(cls.__module__), f"{cls.__name__}Args", None)
    if args_class is not None:
        try:
            inputs = set(inspect.signature(args_class.__init__).parameters)
        except (TypeError, ValueError):
            inputs = set()
        for attribute, member in inspect.getmembers(cls, lambda item: isinstance(item, property)):
            wire = getattr(member.fget, "_pulumi_name", None)
            if isinstance(wire, str) and attribute not in inputs:
                names.append(wire)
    _OUTPUT_NAMES[cls] = sorted(names)
    return _OUTPUT_NAMES[cls]


_PROPERTY_NAMES: dict[type, list[str]] = {}


def property_names(cls: type) -> list[str]:
    """The wire names of every `pulumi.getter` property of a generated class, inputs included: a
    remote component's provider returns all of them from Construct."""
    if cls not in _PROPERTY_NAMES:
        import inspect

        getters = [getattr(member.fget, "_pulumi_name", None)
                   for _, member in inspect.getmembers(cls, lambda item: isinstance(item, property))]
        _PROPERTY_NAMES[cls] = sorted(name for name in getters if isinstance(name, str))
    return _PROPERTY_NAMES[cls]


_REQUIRED: dict[type, list[str]] = {}


def required_inputs(cls: type) -> list[str]:
    """The wire names of the inputs the schema requires (`<Class>Args` parameters without a default)."""
    if cls in _REQUIRED:
        return _REQUIRED[cls]
    import inspect
    import sys

    names: list[str] = []
    args_class = getattr(sys.modules.get(cls.__module__), f"{cls.__name__}Args", None)
    if args_class is not None:
        try:
            parameters = inspect.signature(args_class.__init__).parameters
        except (TypeError, ValueError):
            parameters = {}
        getters = {attribute: getattr(member.fget, "_pulumi_name", None)
                   for attribute, member in inspect.getmembers(args_class, lambda item: isinstance(item, property))}
        for name, parameter in parameters.items():
            if parameter.default is inspect.Parameter.empty and isinstance(getters.get(name), str):
                names.append(getters[name])
    _REQUIRED[cls] = names
    return names


def sent_position(request) -> dict[str, Any] | None:
    """`RegisterResourceRequest.sourcePosition` on SDKs that send it."""
    if "sourcePosition" not in request.DESCRIPTOR.fields_by_name or not request.HasField("sourcePosition"):
        return None
    position = request.sourcePosition
    if not position.uri:
        return None
    result: dict[str, Any] = {"uri": position.uri, "line": position.line}
    if getattr(position, "column", 0):
        result["column"] = position.column
    return result
