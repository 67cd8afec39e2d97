"""ecs-no-plaintext-secrets: no credential-like environment entry carries a literal value.
"""

from __future__ import annotations

import re

from pulumi_policy import Severity

from kit import Findings, resource_policy
from model.aws_types import (
    ECS_TASK_DEFINITION,
)
from model.values import Resource, as_list, is_unknown
from rules._ecs_services import _containers

_CREDENTIAL_WORDS = {"PASSWORD", "PASSWD", "PWD", "SECRET", "TOKEN", "APIKEY", "PRIVATEKEY", "CREDENTIAL",
                     "CREDENTIALS"}


_CREDENTIAL_PAIRS = {("API", "KEY"), ("PRIVATE", "KEY"), ("ACCESS", "KEY")}


# A name ending in one of these refers to a secret (where it is, how long it lives), not the secret itself.
_REFERENCE_SUFFIXES = {"ARN", "FILE", "PATH", "NAME", "ID", "URL", "URI", "ENDPOINT", "HOST", "PORT", "TTL",
                       "TIMEOUT", "LENGTH", "ENABLED", "REGION", "HEADER", "PARAMETER", "TYPE"}


_URL_PASSWORD = re.compile(r"://[^/\s:@]+:[^/\s@]+@|[?&;](password|pwd)=[^&;\s]", re.IGNORECASE)


def _name_words(name: str) -> list[str]:
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name)
    return [w for w in re.split(r"[^A-Za-z0-9]+", spaced.upper()) if w]


def credential_name(name: str) -> bool:
    """Whether an environment variable's name says it holds a credential."""
    words = _name_words(name)
    if not words or words[-1] in _REFERENCE_SUFFIXES:
        return False
    if any(word in _CREDENTIAL_WORDS for word in words):
        return True
    return any(pair in _CREDENTIAL_PAIRS for pair in zip(words, words[1:], strict=False))


def validate_no_plaintext_secrets(task: Resource, findings: Findings, config: dict) -> None:
    if task.type != ECS_TASK_DEFINITION:
        return
    ignored = {n for n in as_list(config.get("ignoredNames")) if isinstance(n, str)}
    containers = _containers(task, findings, "environment values")
    for container in containers or []:
        for name, value in container.environment:
            if is_unknown(name) or not isinstance(name, str) or name in ignored:
                continue
            where = f"{task.label} container '{container.name}' environment {name}"
            if is_unknown(value):
                if credential_name(name):
                    findings.inconclusive(f"{where} value")
                continue
            if not isinstance(value, str) or not value:
                continue
            if credential_name(name):
                findings.violation(
                    f"{where} carries a literal value, stored in plain text in the task definition: move it to "
                    f"`secrets` with `valueFrom` (an SSM parameter or Secrets Manager secret)",
                    task.urn,
                )
            elif _URL_PASSWORD.search(value):
                findings.violation(
                    f"{where} carries a URL with a password in it, stored in plain text in the task definition: "
                    f"move it to `secrets` with `valueFrom` (an SSM parameter or Secrets Manager secret)",
                    task.urn,
                )


ecs_no_plaintext_secrets = resource_policy(
    name="ecs-no-plaintext-secrets",
    description=(
        "No container environment variable whose name marks a credential, and no URL with a password, carries "
        "a literal value."
    ),
    validate=validate_no_plaintext_secrets,
    severity=Severity.HIGH,
    remediation_steps=(
        "Store the value in SSM Parameter Store (SecureString) or Secrets Manager and reference it from the "
        "container's `secrets` list with `valueFrom`; grant the execution role read access to exactly that "
        "parameter or secret."
    ),
    url="https://docs.aws.amazon.com/AmazonECS/latest/developerguide/specifying-sensitive-data.html",
    config_schema={
        "ignoredNames": {
            "type": "array",
            "items": {"type": "string"},
            "default": [],
            "description": "Environment variable names that look like credentials but are known not to be.",
        },
    },
)
