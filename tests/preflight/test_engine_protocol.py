"""What a pack receives, recorded by the probe pack, against what the engine sends.

The engine's behaviour each test pins (pulumi/pulumi): step_generator.go `generateSteps`
(Remediate then Analyze per resource, one event at a time, `Parent` in the options, the
remediated inputs analysed), `AnalyzeResources` (stack diagnostics without a known URN go to
`DefaultRootStackURN`), analyzer_plugin.go `NewPolicyAnalyzer` (ConfigureStack with
organization, tags and dry run; the pack's environment from `constructEnv`).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from preflight.api import run_preflight

from .conftest import PACKS, PROJECTS

P = "urn:pulumi:dev::components::"
STACK = P + "pulumi:pulumi:Stack::components-dev"
REGISTRY = P + "fixture:index:Registry::web"
REPOSITORY = P + "fixture:index:Registry$aws:ecr/repository:Repository::web-repo"
IMAGE = P + "fixture:index:Registry$docker-build:index:Image::web-image"
LOGS = P + "aws:cloudwatch/logGroup:LogGroup::logs"
CLUSTER = P + "aws:ecs/cluster:Cluster::cluster"
WEST = P + "pulumi:providers:aws::west"
DEFAULT_AWS = P + "pulumi:providers:aws::default_7_51_1"
DEFAULT_DOCKER_BUILD = P + "pulumi:providers:docker-build::default_0_0_22"
# One order the program registers in; WEST and REGISTRY (and what follows each) may swap.
REGISTRATION_ORDER = [STACK, WEST, REGISTRY, DEFAULT_AWS, REPOSITORY, DEFAULT_DOCKER_BUILD, IMAGE, LOGS, CLUSTER]
DESCRIPTION = "A component with children, an explicit provider, dependencies and an image build."


def operations(log: Path) -> list[list[dict]]:
    """The log split per engine operation (each starts the pack and sends ConfigureStack)."""
    result: list[list[dict]] = []
    for entry in (json.loads(line) for line in log.read_text().splitlines()):
        if entry["call"] == "start" or not result:
            result.append([])
        result[-1].append(entry)
    return result


def calls(log: Path, *names: str, operation: int = -1) -> list[dict]:
    """One operation's calls, up to its first AnalyzeStack: preflight's own pass. (After it, a
    preview analyses resources with see-through values again, as `pulumi preview` would see them.)"""
    entries = operations(log)[operation]
    first_pass = []
    for entry in entries:
        first_pass.append(entry)
        if entry["call"] == "AnalyzeStack":
            break
    return [entry for entry in first_pass if not names or entry["call"] in names]


@pytest.fixture
def probe_log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    log = tmp_path / "probe.log"
    monkeypatch.setenv("PROBE_LOG", str(log))
    monkeypatch.delenv("PULUMI_ORGANIZATION", raising=False)
    return log


def run(**kwargs):
    return run_preflight(PROJECTS / "components", stack="dev", policy_pack=PACKS / "probe", **kwargs)


def test_each_resource_is_remediated_then_analysed_one_call_at_a_time_in_registration_order(probe_log: Path):
    run(mode="preview")
    per_resource = calls(probe_log, "Remediate", "Analyze")

    urns = [entry["request"]["urn"] for entry in per_resource[::2]]

    assert [(entry["call"], entry["request"]["urn"]) for entry in per_resource] == [
        (call, urn) for urn in urns for call in ("Remediate", "Analyze")
    ]
    # Registration order: independent registrations may come in either order, dependants after.
    assert sorted(urns) == sorted(REGISTRATION_ORDER)
    assert urns[0] == STACK
    assert urns.index(REPOSITORY) < urns.index(IMAGE) < urns.index(LOGS) < urns.index(CLUSTER)
    # The probe takes 10-20 ms per call: any overlap between calls would show here.
    for before, after in zip(per_resource, per_resource[1:], strict=False):
        assert after["started"] >= before["ended"], (before["request"]["urn"], after["request"]["urn"])


def test_analyze_and_remediate_carry_the_parent_in_the_options(probe_log: Path):
    report = run(mode="preview")
    parents = {record["urn"]: record["parent"] for record in report.records}

    for entry in calls(probe_log, "Remediate", "Analyze"):
        urn = entry["request"]["urn"]
        # Default providers are registered by the engine itself, without a parent.
        expected = parents.get(urn)
        assert entry["request"]["options"].get("parent") == expected, urn
    assert parents[REPOSITORY] == REGISTRY
    assert parents[LOGS] == STACK


def test_analyze_stack_carries_parents_as_a_field_not_in_the_options(probe_log: Path):
    run(mode="preview")
    [stack] = calls(probe_log, "AnalyzeStack")
    by_urn = {resource["urn"]: resource for resource in stack["request"]["resources"]}

    assert by_urn[REPOSITORY]["parent"] == REGISTRY
    assert all("parent" not in resource["options"] for resource in by_urn.values())


def test_a_remediation_replaces_the_inputs_that_are_analysed_and_deployed(probe_log: Path):
    report = run(mode="preview")
    remediate = next(e for e in calls(probe_log, "Remediate") if e["request"]["urn"] == LOGS)
    analyze = next(e for e in calls(probe_log, "Analyze") if e["request"]["urn"] == LOGS)
    [stack] = calls(probe_log, "AnalyzeStack")
    logs_in_stack = next(r for r in stack["request"]["resources"] if r["urn"] == LOGS)
    logs_in_report = next(r for r in report.resources if r["urn"] == LOGS)

    assert remediate["request"]["properties"] == {"name": "/ecs/web", "retentionInDays": 30}
    assert analyze["request"]["properties"] == {"name": "/ecs/web", "retentionInDays": 365}
    assert logs_in_stack["properties"]["retentionInDays"] == 365
    assert (logs_in_report["inputs"], logs_in_report["remediatedBy"]) == (
        {"name": "/ecs/web", "retentionInDays": 365}, ["probe-remediate"])


def test_a_remediation_diagnostic_is_an_advisory_violation_of_the_resource(probe_log: Path,
                                                                            monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("PROBE_REMEDIATE_WARN", "cluster")
    report = run(mode="preview")

    assert [d for d in report.diagnostics if d["policy"] == "probe-remediate"] == [
        {"policy": "probe-remediate", "pack": "probe", "enforcement": "advisory", "severity": None, "urn": CLUSTER,
         "message": "could not remediate", "inconclusive": False,
         "location": {"uri": "tests/fixtures/preflight/projects/components/__main__.py", "line": 33}},
    ]


def test_analyze_not_applicable_is_read_per_resource(probe_log: Path):
    report = run(mode="preview")

    assert report.resource_not_applicable == {"probe-resource": {REGISTRY: "components are not judged"}}
    # It applied to the other resources, so the policy's verdict is theirs.
    assert next(v for v in report.policy_verdicts() if v["policy"] == "probe-resource")["verdict"] == "passed"


def test_stack_diagnostics_without_a_resource_of_the_stack_are_reported_against_the_root_stack(probe_log: Path):
    report = run(mode="preview")

    assert sorted((d["urn"], d["message"]) for d in report.diagnostics if d["policy"] == "probe-stack") == [
        (DEFAULT_AWS, "first resource"), (STACK, "no urn"), (STACK, "urn of no resource"),
    ]


def test_configure_stack_sends_organization_tags_dry_run_and_config(probe_log: Path):
    run(mode="preview", organization="acme", stack_tags={"team": "payments"})
    [configure] = calls(probe_log, "ConfigureStack")

    assert configure["request"] == {
        "organization": "acme", "project": "components", "stack": "dev", "dryRun": True,
        "config": {"aws:region": "us-east-1"},
        "tags": {"pulumi:project": "components", "pulumi:runtime": "python", "pulumi:description": DESCRIPTION,
                 "team": "payments"},
    }


@pytest.mark.parametrize(("environment", "given", "expected"), [
    (None, None, "organization"),
    ("from-env", None, "from-env"),
    ("from-env", "from-flag", "from-flag"),
])
def test_organization_comes_from_the_flag_then_the_environment_then_the_diy_default(
        probe_log: Path, monkeypatch: pytest.MonkeyPatch, environment, given, expected):
    if environment:
        monkeypatch.setenv("PULUMI_ORGANIZATION", environment)
    run(mode="preview", organization=given)
    [start] = calls(probe_log, "start")
    [configure] = calls(probe_log, "ConfigureStack")

    assert (start["env"]["PULUMI_ORGANIZATION"], configure["request"]["organization"]) == (expected, expected)


def test_the_pack_starts_with_the_engines_environment(probe_log: Path):
    run(mode="preview")
    [start] = calls(probe_log, "start")

    assert start["cwd"] == str(PACKS / "probe")
    assert start["argv"][1:] == ["127.0.0.1:0", "."]
    assert start["env"] == {
        "PULUMI_ORGANIZATION": "organization", "PULUMI_PROJECT": "components", "PULUMI_STACK": "dev",
        "PULUMI_DRY_RUN": "true", "PULUMI_CONFIG": '{"aws:region": "us-east-1"}', "VIRTUAL_ENV": None,
        "PYTHONHOME": None,
    }


def test_the_pack_runs_in_its_virtualenv_activated(tmp_path: Path, probe_log: Path):
    # A virtualenv of its own that sees this interpreter's packages (grpc, pulumi) through a .pth file.
    pack = tmp_path / "pack"
    shutil.copytree(PACKS / "probe", pack)
    (pack / "PulumiPolicy.yaml").write_text(
        (pack / "PulumiPolicy.yaml").read_text().replace("runtime: python\n",
                                                         "runtime:\n  name: python\n  options:\n    virtualenv: env\n"))
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(pack / "env")], check=True)
    site = Path(sysconfig.get_paths(vars={"base": str(pack / "env"), "platbase": str(pack / "env")})["purelib"])
    (site / "outer.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")

    run_preflight(PROJECTS / "components", stack="dev", mode="preview", policy_pack=pack)
    [start] = calls(probe_log, "start")

    assert (start["prefix"], start["env"]["VIRTUAL_ENV"], start["path_head"]) == (
        str(pack / "env"), str(pack / "env"), str(pack / "env" / "bin"))
    assert os.path.dirname(start["executable"]) == str(pack / "env" / "bin")
