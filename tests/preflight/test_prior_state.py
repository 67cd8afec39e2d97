"""--prior-state: an existing stack previewed as the engine previews it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from preflight.errors import PreflightError
from preflight.host.wire import UNKNOWN
from preflight.prior_state import load_prior_state
from preflight.program import run_program
from preflight.project import load_project

FIRST = '''
import json
import pulumi
import pulumi_aws as aws

logs = aws.cloudwatch.LogGroup("logs", retention_in_days=14)
repository = aws.ecr.Repository("web", name="shop-web")
role = aws.iam.Role("execution", tags={"team": "shop"}, assume_role_policy=json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"Service": "ecs-tasks.amazonaws.com"}}],
}))
aws.ecs.Cluster("old-cluster-name", name="shop")
aws.ssm.Parameter("config", name="/shop/config", type="String", value="v1", tags={"owner": "a"})
'''

SECOND = (FIRST
          .replace('name="shop-web"', 'name="shop-web-2"')
          .replace('{"team": "shop"}', '{"team": "payments"}')
          .replace('aws.ecs.Cluster("old-cluster-name", name="shop")',
                   'aws.ecs.Cluster("cluster", name="shop", opts=pulumi.ResourceOptions(aliases=['
                   'pulumi.Alias(name="old-cluster-name")]))')
          .replace('value="v1", tags={"owner": "a"})',
                   'value="v1", tags={"owner": "b"}, opts=pulumi.ResourceOptions(ignore_changes=["tags"]))')
          + 'aws.cloudwatch.LogGroup("new-logs", name="/shop/new")\n')


def project(directory: Path, source: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "Pulumi.yaml").write_text("name: shop\nruntime: python\n")
    (directory / "Pulumi.dev.yaml").write_text("config:\n  aws:region: eu-west-1\n")
    (directory / "__main__.py").write_text(source)
    return directory


def export(run, path: Path) -> Path:
    """The state `pulumi stack export` would write after this update."""
    resources = [{"urn": record["urn"], "type": record["type"], "custom": record["custom"], "id": record["id"],
                  "inputs": record["inputs"], "outputs": record["outputs"]} for record in run.resources]
    path.write_text(json.dumps({"version": 3, "deployment": {"manifest": {}, "resources": resources}}))
    return path


@pytest.fixture(scope="module")
def stacks(tmp_path_factory):
    root = tmp_path_factory.mktemp("prior")
    first = run_program(load_project(project(root / "v1", FIRST), "dev"), stack="dev", mode="update", invokes={},
                        stack_outputs={})
    state = load_prior_state(export(first, root / "state.json"))
    second = run_program(load_project(project(root / "v2", SECOND), "dev"), stack="dev", mode="preview",
                         invokes={}, stack_outputs={}, prior_state=state)
    by_name = {record["name"]: record for record in second.resources}
    return {record["name"]: record for record in first.resources}, by_name


def test_each_registration_is_classified_as_the_engine_would(stacks):
    _, preview = stacks
    assert {name: record.get("change") for name, record in preview.items() if record["custom"]} == {
        "logs": "same", "web": "replace", "execution": "update", "cluster": "same", "config": "same",
        "new-logs": "create",
    }


def test_an_unchanged_resource_keeps_its_id_outputs_and_auto_name(stacks):
    first, preview = stacks
    assert preview["logs"]["id"] == first["logs"]["id"]
    assert preview["logs"]["outputs"] == first["logs"]["outputs"]
    assert preview["logs"]["inputs"]["name"] == first["logs"]["inputs"]["name"]


def test_an_update_keeps_what_the_provider_does_not_recompute(stacks):
    first, preview = stacks
    role = preview["execution"]
    assert role["id"] == first["execution"]["id"]
    assert role["outputs"]["arn"] == first["execution"]["outputs"]["arn"]
    assert role["outputs"]["uniqueId"] == first["execution"]["outputs"]["uniqueId"]
    assert role["outputs"]["tags"] == {"team": "payments"}
    assert role["outputs"]["tagsAll"] == {"team": "payments"}


def test_a_replacement_is_a_new_resource(stacks):
    _, preview = stacks
    repository = preview["web"]
    assert repository["id"] == ""
    assert repository["outputs"]["id"] == UNKNOWN
    assert repository["outputs"]["arn"] == "arn:aws:ecr:eu-west-1:123456789012:repository/shop-web-2"


def test_an_alias_carries_the_urn_it_matched_and_ignore_changes_restores_old_inputs(stacks):
    first, preview = stacks
    assert preview["cluster"]["aliasOf"] == first["old-cluster-name"]["urn"]
    assert preview["cluster"]["id"] == first["old-cluster-name"]["id"]
    assert preview["config"]["inputs"]["tags"] == {"owner": "a"}


@pytest.mark.parametrize(("text", "problem"), [
    ("not json", "not valid JSON (Expecting value: line 1 column 1 (char 0))"),
    ('{"resources": []}', "expected an object with `version` and `deployment`, as `pulumi stack export` writes"),
    ('{"version": 9, "deployment": {}}', "`version` is 9; preflight reads versions 1 to 3"),
    ('{"version": 3, "deployment": {"resources": [{"id": "x"}]}}', "`deployment.resources[0]` has no `urn` and `type`"),
])
def test_a_bad_state_file_is_an_error_saying_how_to_write_it(tmp_path, text, problem):
    path = tmp_path / "state.json"
    path.write_text(text)
    with pytest.raises(PreflightError) as raised:
        load_prior_state(path)
    assert raised.value.message == (
        f"--prior-state {path}: {problem}; write it with `pulumi stack export --stack <stack> --file state.json`")


def test_encrypted_secrets_become_placeholders_and_shown_ones_are_used(tmp_path):
    sig = {"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270"}
    path = tmp_path / "state.json"
    path.write_text(json.dumps({"version": 3, "deployment": {"resources": [{
        "urn": "urn:pulumi:dev::shop::aws:ssm/parameter:Parameter::p", "type": "aws:ssm/parameter:Parameter",
        "id": "/p", "inputs": {"value": {**sig, "ciphertext": "AAAA"}},
        "outputs": {"value": {**sig, "plaintext": '"hunter2"'}}}]}}))
    resource = load_prior_state(path).resources["urn:pulumi:dev::shop::aws:ssm/parameter:Parameter::p"]
    assert resource.inputs == {"value": {**sig, "value": "[secret]"}}
    assert resource.outputs == {"value": {**sig, "value": "hunter2"}}
