"""The stack's identity as the engine hands it to a policy pack: organization and stack tags.

Organization: `--organization`, else PULUMI_ORGANIZATION, else `organization` - the name the
DIY (self-managed) backend uses and the one `pulumi_policy` assumes when none is set. A stack
on Pulumi Cloud belongs to an organization or to an individual account, whose organization
is the account's login name; preflight cannot ask the service, so pass it.

Stack tags: the CLI sets these on every stack from Pulumi.yaml (`pulumi:project`,
`pulumi:runtime`, `pulumi:description` when there is one) and the engine sends the stack's
tags in `ConfigureStack`. Tags a team set with `pulumi stack tag set` live only in the
backend, so they are given with `--stack-tag KEY=VALUE`; the CLI's `vcs:*` tags (read from
the git remote) are not derived.
"""

from __future__ import annotations

import os
from pathlib import Path

import yaml

from .errors import PreflightError

DIY_ORGANIZATION = "organization"


def resolve_organization(given: str | None) -> str:
    return given or os.environ.get("PULUMI_ORGANIZATION") or DIY_ORGANIZATION


def environment_tags(project_dir: Path) -> dict[str, str]:
    """The tags the CLI derives from Pulumi.yaml (GetEnvironmentTagsForCurrentStack)."""
    for name in ("Pulumi.yaml", "Pulumi.yml"):
        path = project_dir / name
        if path.is_file():
            document = yaml.safe_load(path.read_text()) or {}
            break
    else:
        return {}
    runtime = document.get("runtime")
    tags = {"pulumi:project": str(document.get("name") or ""),
            "pulumi:runtime": str(runtime.get("name") if isinstance(runtime, dict) else runtime or "")}
    if document.get("description"):
        tags["pulumi:description"] = str(document["description"])
    return tags


def parse_stack_tag_flags(values: list[str]) -> dict[str, str]:
    tags = {}
    for value in values:
        key, sep, tag_value = value.partition("=")
        if not sep or not key:
            raise PreflightError(f"--stack-tag {value!r}: expected KEY=VALUE, e.g. --stack-tag team=payments")
        tags[key] = tag_value
    return tags
