"""A Pulumi project on disk: Pulumi.yaml, Pulumi.<stack>.yaml, and the config the program sees.

Config reaches a Python program as the language host passes it: `PULUMI_CONFIG`, a JSON
object of `<namespace>:<key>` to string (structured values as their JSON text), and
`PULUMI_CONFIG_SECRET_KEYS`, a JSON list of the keys that are secrets. Keys without a
namespace belong to the project. Project-level `config:` gives defaults (`key: value`, or
`key: {type, default}`); the stack file overrides them. `secure:` values are never
decrypted: the program gets `SECRET_PLACEHOLDER`, marked secret.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .environment import find_interpreter
from .errors import PreflightError

SECRET_PLACEHOLDER = "[secret]"


@dataclass(frozen=True)
class Project:
    directory: Path
    name: str
    main: Path
    interpreter: str
    config: dict[str, str] = field(default_factory=dict)
    secret_keys: list[str] = field(default_factory=list)
    interpreter_source: str = ""
    """How the interpreter was chosen (`virtualenv .venv`, `python3 on PATH`...), for messages."""

    def config_env(self) -> dict[str, str]:
        return {
            "PULUMI_CONFIG": json.dumps(self.config, sort_keys=True),
            "PULUMI_CONFIG_SECRET_KEYS": json.dumps(sorted(self.secret_keys)),
        }


def load_project(directory: Path, stack: str) -> Project:
    directory = directory.resolve()
    project_file = _find_project_file(directory)
    document = _read_yaml(project_file)
    if not isinstance(document, dict):
        raise PreflightError(f"{project_file}: expected a mapping with `name` and `runtime`")
    name = document.get("name")
    if not isinstance(name, str) or not name:
        raise PreflightError(f"{project_file}: `name` is missing; add `name: <project>`")
    runtime = document.get("runtime")
    runtime_name = runtime.get("name") if isinstance(runtime, dict) else runtime
    if runtime_name != "python":
        raise PreflightError(
            f"{project_file}: `runtime` is {runtime_name!r}; preflight runs Python programs "
            "(`runtime: python`)"
        )
    options = (runtime.get("options") or {}) if isinstance(runtime, dict) else {}
    main = directory / (document.get("main") or ".")
    if not main.exists():
        raise PreflightError(f"{project_file}: `main` {document.get('main')!r} does not exist in {directory}")
    if main.is_dir() and not (main / "__main__.py").is_file():
        raise PreflightError(f"{main}: no __main__.py; set `main` in Pulumi.yaml to the program's file or directory")

    if not isinstance(options, dict):
        raise PreflightError(f"{project_file}: `runtime.options` must be a mapping (virtualenv, toolchain)")
    config, secret_keys = _merged_config(name, project_file, document.get("config") or {},
                                         directory / f"Pulumi.{stack}.yaml", stack)
    interpreter = find_interpreter(directory, options)
    return Project(
        directory=directory,
        name=name,
        main=main,
        interpreter=interpreter.path,
        config=config,
        secret_keys=secret_keys,
        interpreter_source=interpreter.how,
    )


def _find_project_file(directory: Path) -> Path:
    for candidate in ("Pulumi.yaml", "Pulumi.yml"):
        if (directory / candidate).is_file():
            return directory / candidate
    raise PreflightError(f"{directory}: no Pulumi.yaml; pass the project directory as PROJECT_DIR")


def _read_yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as error:
        raise PreflightError(f"{path}: not valid YAML: {error}") from None


def full_key(project: str, key: str) -> str:
    return key if ":" in key else f"{project}:{key}"


def _merged_config(project: str, project_file: Path, declared: dict[str, Any], stack_file: Path,
                   stack: str) -> tuple[dict[str, str], list[str]]:
    values: dict[str, str] = {}
    secrets: set[str] = set()
    required: list[str] = []
    for key, declaration in declared.items():
        name = full_key(project, str(key))
        if isinstance(declaration, dict):
            if "default" in declaration:
                values[name] = config_text(declaration["default"])
            elif "value" in declaration:
                values[name] = config_text(declaration["value"])
            else:
                required.append(name)
            if declaration.get("secret") is True and name in values:
                secrets.add(name)
        else:
            values[name] = config_text(declaration)

    if stack_file.is_file():
        document = _read_yaml(stack_file)
        stack_config = (document or {}).get("config") or {}
        if not isinstance(stack_config, dict):
            raise PreflightError(f"{stack_file}: `config` must be a mapping of keys to values")
        for key, value in stack_config.items():
            name = full_key(project, str(key))
            if _contains_secure(value):
                secrets.add(name)
                value = _placeholder_secure(value)
            values[name] = config_text(value)

    missing = [name for name in required if name not in values]
    if missing:
        raise PreflightError(
            f"Stack '{stack}' is missing configuration value '{missing[0]}' declared in {project_file.name}; "
            f"set it in {stack_file.name} under `config:`"
        )
    return values, sorted(secrets)


def config_text(value: Any) -> str:
    """A config value as the language host passes it: strings as is, everything else as JSON."""
    if isinstance(value, str):
        return value
    return json.dumps(value, separators=(",", ":"))


def _contains_secure(value: Any) -> bool:
    if isinstance(value, dict):
        if set(value) == {"secure"}:
            return True
        return any(_contains_secure(item) for item in value.values())
    if isinstance(value, list):
        return any(_contains_secure(item) for item in value)
    return False


def _placeholder_secure(value: Any) -> Any:
    if isinstance(value, dict):
        if set(value) == {"secure"}:
            return SECRET_PLACEHOLDER
        return {key: _placeholder_secure(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_placeholder_secure(item) for item in value]
    return value
