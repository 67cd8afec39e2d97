"""The GitHub workflows: valid against GitHub's workflow schema, and wired as the project needs."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from tests.ci.project_paths import REPO_ROOT, WORKFLOWS, check_jsonschema

STACKS = ["dev", "prod"]


def check_workflows(*paths: Path) -> subprocess.CompletedProcess:
    """check-jsonschema with the GitHub workflow schema it ships (vendor.github-workflows)."""
    return check_jsonschema("--builtin-schema", "vendor.github-workflows", *map(str, paths))


def load(name: str) -> dict:
    # YAML 1.2 (ruamel), as GitHub reads it: `on` is a key, not the boolean true.
    return YAML(typ="safe").load((WORKFLOWS / name).read_text())


def steps_using(job: dict, action: str) -> list[dict]:
    return [step for step in job["steps"] if step.get("uses", "").split("@")[0] == action]


def test_every_workflow_is_valid_against_githubs_workflow_schema() -> None:
    workflows = sorted(WORKFLOWS.glob("*.yml"))

    result = check_workflows(*workflows)

    assert [path.name for path in workflows] == ["preflight.yml", "preview.yml"]
    assert (result.returncode, result.stdout.strip()) == (0, "ok -- validation done")


def test_schema_check_rejects_a_workflow_with_a_misspelled_key(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text(
        "on: pull_request\njobs:\n  a:\n    runs-on: ubuntu-latest\n    step:\n      - run: 'true'\n"
    )

    result = check_workflows(broken)

    assert result.returncode == 1
    assert "Schema validation errors were encountered." in result.stdout


def test_preview_runs_pulumi_preview_per_stack_with_the_pack_and_the_stacks_config() -> None:
    workflow = load("preview.yml")
    job = workflow["jobs"]["preview"]
    [pulumi] = steps_using(job, "pulumi/actions")

    assert list(workflow["on"]) == ["pull_request"]
    assert job["strategy"]["matrix"]["stack"] == STACKS
    assert pulumi["uses"] == "pulumi/actions@v7"
    assert pulumi["with"] == {
        "command": "preview",
        "stack-name": "${{ matrix.stack }}",
        "work-dir": ".",
        "policyPacks": "policies",
        "policyPackConfigs": "policies/config/${{ matrix.stack }}.json",
        "comment-on-pr": True,
        "github-token": "${{ secrets.GITHUB_TOKEN }}",
    }


def test_preview_gets_aws_credentials_through_oidc_before_pulumi_runs() -> None:
    workflow = load("preview.yml")
    job = workflow["jobs"]["preview"]
    uses = [step.get("uses", "").split("@")[0] for step in job["steps"]]
    [credentials] = steps_using(job, "aws-actions/configure-aws-credentials")

    assert workflow["permissions"]["id-token"] == "write"
    assert uses.index("aws-actions/configure-aws-credentials") < uses.index("pulumi/actions")
    assert "role-to-assume" in credentials["with"]
    assert "aws-access-key-id" not in credentials["with"]


def test_preflight_needs_no_cloud_credentials_and_reports_sarif_and_markdown_per_stack() -> None:
    workflow = load("preflight.yml")
    job = workflow["jobs"]["preflight"]
    runs = [step["run"] for step in job["steps"] if "run" in step]
    [upload] = steps_using(job, "github/codeql-action/upload-sarif")

    assert workflow["permissions"] == {"contents": "read", "security-events": "write"}
    assert job["strategy"]["matrix"]["stack"] == STACKS
    assert steps_using(job, "aws-actions/configure-aws-credentials") == []
    assert not any("secrets." in str(step) for step in job["steps"])
    assert runs == [
        "make venv",
        '.venv/bin/python -m preflight . --stack ${{ matrix.stack }} --format markdown >> "$GITHUB_STEP_SUMMARY"',
        ".venv/bin/python -m preflight . --stack ${{ matrix.stack }} --format sarif "
        "--output preflight-${{ matrix.stack }}.sarif",
    ]
    assert upload["with"]["sarif_file"] == "preflight-${{ matrix.stack }}.sarif"


@pytest.mark.parametrize("stack", STACKS)
def test_each_previewed_stack_has_a_stack_file_and_a_policy_config(stack: str) -> None:
    # The workflows name these files; a stack without them would fail only on GitHub.
    assert (REPO_ROOT / f"Pulumi.{stack}.yaml").is_file(), f"Pulumi.{stack}.yaml is missing"
    assert (REPO_ROOT / "policies" / "config" / f"{stack}.json").is_file(), (
        f"policies/config/{stack}.json is missing"
    )
