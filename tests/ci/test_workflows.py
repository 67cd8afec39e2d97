"""The GitHub workflows: valid against GitHub's workflow schema, and wired as the project needs."""

from __future__ import annotations

import re
import subprocess
import sys
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
    assert pulumi["uses"] == "pulumi/actions@8e5e406f4007fca908480587cb9893c07090f58d"
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

    assert workflow["permissions"] == {}
    assert job["permissions"] == {"contents": "read", "id-token": "write", "pull-requests": "write"}
    assert uses.index("aws-actions/configure-aws-credentials") < uses.index("pulumi/actions")
    assert "role-to-assume" in credentials["with"]
    assert "aws-access-key-id" not in credentials["with"]


def test_preflight_needs_no_cloud_credentials_and_reports_sarif_and_markdown_per_stack() -> None:
    workflow = load("preflight.yml")
    job = workflow["jobs"]["preflight"]
    runs = [step["run"] for step in job["steps"] if "run" in step]
    [upload] = steps_using(job, "github/codeql-action/upload-sarif")

    assert workflow["permissions"] == {}
    assert job["permissions"] == {"contents": "read", "security-events": "write"}
    assert job["strategy"]["matrix"]["stack"] == STACKS
    assert steps_using(job, "aws-actions/configure-aws-credentials") == []
    assert not any("secrets." in str(step) for step in job["steps"])
    assert runs == [
        "make venv",
        '.venv/bin/python -m preflight . --stack "$STACK" --format markdown >> "$GITHUB_STEP_SUMMARY"',
        '.venv/bin/python -m preflight . --stack "$STACK" --format sarif --output "preflight-$STACK.sarif"',
    ]
    # The matrix value reaches the shell as an environment variable, never spliced into the script.
    assert [step.get("env") for step in job["steps"] if "run" in step] == [None] + [{"STACK": "${{ matrix.stack }}"}] * 2
    assert upload["with"]["sarif_file"] == "preflight-${{ matrix.stack }}.sarif"


@pytest.mark.parametrize("stack", STACKS)
def test_each_previewed_stack_has_a_stack_file_and_a_policy_config(stack: str) -> None:
    # The workflows name these files; a stack without them would fail only on GitHub.
    assert (REPO_ROOT / f"Pulumi.{stack}.yaml").is_file(), f"Pulumi.{stack}.yaml is missing"
    assert (REPO_ROOT / "policies" / "config" / f"{stack}.json").is_file(), (
        f"policies/config/{stack}.json is missing"
    )


PIN = re.compile(r"^\s*(?:- )?uses: ([\w./-]+)@([0-9a-f]{40}) # (v\d+\.\d+\.\d+)$")


@pytest.mark.parametrize("name", ["preflight.yml", "preview.yml"])
def test_every_action_is_pinned_by_full_commit_sha_with_its_version_in_a_comment(name: str) -> None:
    lines = [line for line in (WORKFLOWS / name).read_text().splitlines() if "uses:" in line]

    assert lines, f"{name} uses no action"
    for line in lines:
        assert PIN.match(line), f"{name}: {line.strip()!r} is not `uses: owner/action@<40-hex sha> # vX.Y.Z`"


@pytest.mark.parametrize("name", ["preflight.yml", "preview.yml"])
def test_checkout_does_not_persist_the_token_and_each_job_has_its_own_permissions(name: str) -> None:
    workflow = load(name)

    assert workflow["permissions"] == {}
    for job in workflow["jobs"].values():
        assert job["permissions"]["contents"] == "read"
        [checkout] = steps_using(job, "actions/checkout")
        assert checkout["with"]["persist-credentials"] is False


def test_zizmor_finds_nothing_in_the_workflows() -> None:
    zizmor = Path(sys.executable).parent / "zizmor"
    result = subprocess.run([str(zizmor), "--offline", "--min-severity=low", str(WORKFLOWS)],
                            capture_output=True, text=True, check=False)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "No findings to report." in result.stdout
