"""Policy documents passed as objects reach the analyzer as the provider stores them: JSON strings."""

from __future__ import annotations

from preflight.host.wire import UNKNOWN
from preflight.program import run_program
from preflight.project import load_project

from .conftest import PROJECTS

TRUST = (
    '{"Statement":[{"Action":"sts:AssumeRole","Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"}}],'
    '"Version":"2012-10-17"}'
)


def records(mode: str) -> dict[str, dict]:
    project = load_project(PROJECTS / "structured_documents", "dev")
    run = run_program(project, stack="dev", mode=mode, invokes={}, stack_outputs={})
    return {record["name"]: record for record in run.resources}


def test_a_known_document_object_becomes_a_sorted_compact_json_string():
    role = records("preview")["execution"]

    assert role["inputs"]["assumeRolePolicy"] == TRUST
    assert role["outputs"]["assumeRolePolicy"] == TRUST


def test_a_document_with_an_unknown_inside_is_unknown_at_preview_and_a_string_at_update():
    preview, update = records("preview")["decrypt"], records("update")["decrypt"]

    assert preview["inputs"]["policy"] == UNKNOWN
    assert update["inputs"]["policy"] == (
        '{"Statement":[{"Action":"kms:Decrypt","Effect":"Allow",'
        '"Resource":"arn:aws:kms:us-east-1:123456789012:key/f43d2ff2-9b1c-90e3-0546-ccc130248011"}],'
        '"Version":"2012-10-17"}'
    )
    assert update["outputs"]["policy"] == update["inputs"]["policy"]
