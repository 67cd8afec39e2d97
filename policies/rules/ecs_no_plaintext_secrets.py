"""ecs-no-plaintext-secrets: no container definition carries a credential as a literal value.

Everything in a container definition is stored in plain text in the task definition, readable by
anyone allowed `ecs:DescribeTaskDefinition`.

Mechanisms (what AWS evaluates to decide this):
- **`environment` values** — modelled: judged by name and value (`model.credential_values`: values that
  cannot be credentials pass — booleans, numbers, durations, algorithm names, paths, header names;
  credentials inside URLs, connection strings, JVM options and JSON are found; a credential-named
  variable with any other literal value is flagged).
  [Pass sensitive data](https://docs.aws.amazon.com/AmazonECS/latest/developerguide/specifying-sensitive-data.html)
- **`secrets` with `valueFrom`** (SSM Parameter Store or Secrets Manager) — modelled: the documented way to
  inject a credential; never flagged. [Pass sensitive data](https://docs.aws.amazon.com/AmazonECS/latest/developerguide/specifying-sensitive-data.html)
- **`logConfiguration.options`** — modelled: a credential-named option (`splunk-token`) with a literal value
  is flagged; `secretOptions` is the documented alternative.
  [LogConfiguration](https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_LogConfiguration.html)
- **`command` and `entryPoint` arguments** — modelled: credentials inside `--option=` / `-D` arguments,
  URLs and connection strings are flagged.
  [Container definitions](https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_definition_parameters.html)
- **`repositoryCredentials.credentialsParameter`** — modelled: a Secrets Manager ARN, a reference, never
  flagged. [Private registry authentication](https://docs.aws.amazon.com/AmazonECS/latest/developerguide/private-auth.html)
- **`environmentFiles`** (S3 objects) — not applicable: their values are not in the task definition nor
  in the stack.

Inconclusive by design: a value not known until update whose name marks a credential, or which can embed
one (URLs, connection strings, JSON, options).
"""

from __future__ import annotations

from typing import Any

from pulumi_policy import Severity

from kit import Findings, resource_policy
from model.aws_types import ECS_TASK_DEFINITION
from model.credential_values import Credential, credential_name, find_credential, may_embed_credential
from model.ecs import Container
from model.values import Resource, as_list, is_unknown
from rules._lb_blocks import containers_or_report

_TO_SECRETS = "move it to `secrets` with `valueFrom` (an SSM parameter or Secrets Manager secret)"
_TO_SECRET_OPTIONS = "move it to `secretOptions` with `valueFrom` (an SSM parameter or Secrets Manager secret)"
_TO_ARGUMENT = ("pass it to the program through an environment variable from `secrets` with `valueFrom` (an SSM "
                "parameter or Secrets Manager secret)")


def _carries(found: Credential) -> str:
    if found.whole:
        return "carries a literal value"
    if found.where == "URL userinfo":
        return "carries a URL with a password in it"
    return f"carries a credential inside its value ({found.where})"


def _judge(where: str, name: str, value: Any, fix: str, task: Resource, findings: Findings) -> None:
    if is_unknown(value):
        if credential_name(name) or may_embed_credential(name):
            findings.inconclusive(f"{where} value")
        return
    if not isinstance(value, str):
        return
    found = find_credential(name, value)
    if found:
        findings.violation(f"{where} {_carries(found)}, stored in plain text in the task definition: {fix}", task.urn)


def _judge_container(task: Resource, container: Container, ignored: set[str], findings: Findings) -> None:
    prefix = f"{task.label} container '{container.name}'"
    for name, value in container.environment:
        if is_unknown(name) or not isinstance(name, str) or name in ignored:
            continue
        _judge(f"{prefix} environment {name}", name, value, _TO_SECRETS, task, findings)
    for key, value in container.log_options.items():
        if key not in ignored:
            _judge(f"{prefix} logConfiguration option {key}", key, value, _TO_SECRET_OPTIONS, task, findings)
    for prop in ("command", "entryPoint"):
        arguments = container.raw.get(prop)
        if is_unknown(arguments):
            findings.inconclusive(f"{prefix} {prop}")
            continue
        for number, argument in enumerate(as_list(arguments)):
            # An argument has no name of its own: only what is inside it can mark a credential.
            _judge(f"{prefix} {prop}[{number}]", "", argument, _TO_ARGUMENT, task, findings)


def validate_no_plaintext_secrets(task: Resource, findings: Findings, config: dict) -> None:
    if task.type != ECS_TASK_DEFINITION:
        findings.not_applicable("only ECS task definitions hold container environment variables")
        return
    ignored = {n for n in as_list(config.get("ignoredNames")) if isinstance(n, str)}
    for container in containers_or_report(task, findings, "environment values") or []:
        _judge_container(task, container, ignored, findings)


ecs_no_plaintext_secrets = resource_policy(
    name="ecs-no-plaintext-secrets",
    description=(
        "No container environment variable, log option or argument carries a credential as a literal value: "
        "judged by name and by value, including credentials inside URLs, connection strings, JVM options and JSON."
    ),
    validate=validate_no_plaintext_secrets,
    severity=Severity.HIGH,
    remediation_steps=(
        "Store the value in SSM Parameter Store (SecureString) or Secrets Manager and reference it from the "
        "container's `secrets` list (or `secretOptions` for a log option) with `valueFrom`; grant the execution "
        "role read access to exactly that parameter or secret."
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
