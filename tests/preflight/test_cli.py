"""The real command line in a subprocess: exit codes 0, 1 and 2, flags, and where reports go."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from .conftest import FIXTURES, PACKS, PROJECTS

REPO = Path(__file__).resolve().parents[2]


def preflight(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "preflight", *args],
        cwd=REPO, capture_output=True, text=True, timeout=120,
        env={**os.environ, "PREFLIGHT_PACK_TIMEOUT": "10", **(env or {})},
    )


def test_exit_0_without_mandatory_violations_and_json_on_stdout():
    done = preflight(str(PROJECTS / "basic"), "--stack", "dev", "--policy-pack", str(PACKS / "basic"),
                     "--format", "json", "--mode", "update")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert (report["mode"], report["summary"]) == (
        "update", {"resources": 4, "mandatory": 0, "advisory": 1, "inconclusive": 0})
    assert done.stderr == ""


def test_exit_1_with_a_mandatory_violation_and_the_report_in_the_output_file(tmp_path: Path):
    output = tmp_path / "reports" / "prod.md"
    done = preflight(str(PROJECTS / "basic"), "--stack", "prod", "--policy-pack", str(PACKS / "basic"),
                     "--format", "markdown", "--output", str(output))
    assert done.returncode == 1, done.stderr
    assert done.stdout == ""
    assert output.read_text().startswith(
        "### preflight: `basic` / `prod` (preview)\n\n**❌ blocked: mandatory policy violations**\n")


def test_exit_2_for_a_program_error_with_the_message_first():
    done = preflight(str(PROJECTS / "program_error"), "--stack", "dev", "--policy-pack", str(PACKS / "basic"))
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.splitlines()[0] == (
        "preflight: error: the program failed: ValueError: cpu 300 is not a Fargate size; use 256")


def test_exit_2_for_usage_errors():
    done = preflight(str(PROJECTS / "basic"), "--policy-pack", str(PACKS / "basic"))
    assert done.returncode == 2
    assert done.stderr.splitlines()[0] == "preflight: error: the following arguments are required: --stack"

    done = preflight(str(PROJECTS / "basic"), "--stack", "dev", "--stack-outputs", "acme/network/prod")
    assert done.returncode == 2
    assert done.stderr == ("preflight: error: --stack-outputs 'acme/network/prod': use ORG/PROJECT/STACK=FILE, "
                           "e.g. acme/berth/prod=prod.json\n")


def test_stack_outputs_and_invokes_flags(tmp_path: Path):
    done = preflight(str(PROJECTS / "stack_reference"), "--stack", "dev", "--policy-pack", str(PACKS / "basic"),
                     "--format", "json", "--stack-outputs", f"acme/network/prod={FIXTURES / 'stack-outputs' / 'network.json'}")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["outputs"] == {"vpcId": "vpc-0abc", "subnets": ["subnet-1"]}

    done = preflight(str(PROJECTS / "unknown_invoke"), "--stack", "dev", "--policy-pack", str(PACKS / "basic"),
                     "--format", "json", "--invokes", str(PROJECTS / "unknown_invoke" / "invokes.yaml"))
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["outputs"] == {"bastion": "i-0123456789abcdef0"}
