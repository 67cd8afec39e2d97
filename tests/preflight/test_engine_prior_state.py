"""--prior-state end to end: a stack exported after its first update, previewed with a change.

What the engine does with the previous state (step_generator.go): an unchanged resource keeps
its outputs, which AnalyzeStack receives; a changed one is an update or a replacement, and a
replacement's computed outputs are unknown at preview. So a verdict on an unchanged resource
is decided by `pulumi preview` too, while one on a replaced resource is decided only by
preflight's see-through preview, and is marked.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from preflight.api import run_preflight
from preflight.cli import main

from .conftest import PACKS, PROJECTS

P = "urn:pulumi:dev::basic::"
LOGS = P + "aws:cloudwatch/logGroup:LogGroup::logs"
REPOSITORY = P + "aws:ecr/repository:Repository::app"
ROLE = P + "aws:iam/role:Role::execution"


def export(report, path: Path) -> Path:
    """The state `pulumi stack export` writes after the update the report describes."""
    resources = [{"urn": record["urn"], "type": record["type"], "custom": record["custom"],
                  "id": record.get("id", ""), "inputs": record["inputs"], "outputs": record["outputs"]}
                 for record in report.records]
    path.write_text(json.dumps({"version": 3, "deployment": {"manifest": {}, "resources": resources}}))
    return path


@pytest.fixture(scope="module")
def changed(tmp_path_factory) -> tuple[Path, Path]:
    """The basic project after its first update, then edited: a new repository name (a replacement)
    and the dev stack's log retention raised from 7 to 30 days (an update); the role is unchanged."""
    root = tmp_path_factory.mktemp("prior-state")
    first = run_preflight(PROJECTS / "basic", stack="dev", mode="update", policy_pack=PACKS / "basic",
                          evaluate_all=True)
    state = export(first, root / "state.json")
    project = root / "basic"
    shutil.copytree(PROJECTS / "basic", project)
    main_py = project / "__main__.py"
    main_py.write_text(main_py.read_text().replace('name="basic-app"', 'name="basic-app-2"'))
    stack_file = project / "Pulumi.dev.yaml"
    stack_file.write_text(stack_file.read_text() + "  basic:retentionDays: 30\n")
    return project, state


def test_unchanged_changed_and_replaced_resources_get_the_engines_verdicts(changed):
    project, state = changed
    report = run_preflight(project, stack="dev", mode="preview", policy_pack=PACKS / "basic", prior_state=state)
    changes = {resource["urn"]: resource.get("change") for resource in report.resources}
    verdicts = {item["policy"]: item for item in report.policy_verdicts()}

    assert (changes[ROLE], changes[LOGS], changes[REPOSITORY]) == ("same", "update", "replace")
    # 30 days now: the change is judged.
    assert verdicts["log-retention"] == {"policy": "log-retention", "enforcement": "advisory", "verdict": "passed",
                                         "detail": ""}
    # The role is unchanged: its ARN is its old output, known to `pulumi preview` as well.
    assert verdicts["role-arns-known"] == {"policy": "role-arns-known", "enforcement": "advisory",
                                           "verdict": "passed", "detail": ""}
    # The repository is replaced: `pulumi preview` would not know the new URL; preflight derives it.
    assert verdicts["repository-urls-known"] == {"policy": "repository-urls-known", "enforcement": "advisory",
                                                 "verdict": "passed", "detail": "", "pulumiPreview": "inconclusive"}


def test_the_cli_takes_the_exported_state(changed, capsys: pytest.CaptureFixture[str]):
    project, state = changed
    code = main([str(project), "--stack", "dev", "--policy-pack", str(PACKS / "basic"), "--format", "json",
                 "--prior-state", str(state)])
    document = json.loads(capsys.readouterr().out)

    assert code == 0
    assert {resource["urn"]: resource.get("change") for resource in document["resources"]}[ROLE] == "same"


def test_a_missing_state_file_is_an_error_naming_the_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    missing = tmp_path / "state.json"
    code = main([str(PROJECTS / "basic"), "--stack", "dev", "--policy-pack", str(PACKS / "basic"),
                 "--prior-state", str(missing)])

    assert code == 2
    assert str(missing) in capsys.readouterr().err
