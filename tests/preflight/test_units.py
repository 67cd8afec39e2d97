"""The small pure pieces: project config, wire values, diagnostics text, invokes, policy config."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from preflight.analyzer import duration_seconds, is_inconclusive, rule_message
from preflight.errors import PreflightError
from preflight.host.aws_outputs import Context, autoname, zone_id
from preflight.host.invokes import InvokeError, Invokes
from preflight.host.wire import UNKNOWN, normalize
from preflight.policy_config import PolicyConfig, load_policy_config, reconcile
from preflight.project import load_project
from preflight.side_files import load_invokes

from .conftest import PROJECTS


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def test_project_config_is_namespaced_merged_and_secure_values_are_placeholders():
    project = load_project(PROJECTS / "config_kinds", "dev")
    assert project.config == {
        "config-kinds:greeting": "hello",
        "config-kinds:replicas": "3",
        "aws:region": "us-west-2",
        "config-kinds:service": '{"name":"web","ports":[80,443],"public":true}',
        "config-kinds:dbPassword": "[secret]",
        "config-kinds:database": '{"host":"db.internal","password":"[secret]"}',
    }
    assert project.secret_keys == ["config-kinds:database", "config-kinds:dbPassword"]
    assert json.loads(project.config_env()["PULUMI_CONFIG_SECRET_KEYS"]) == project.secret_keys


def test_project_errors_name_the_key_and_the_fix(tmp_path: Path):
    write(tmp_path / "Pulumi.yaml", "name: app\nruntime: nodejs\n")
    with pytest.raises(PreflightError) as raised:
        load_project(tmp_path, "dev")
    assert raised.value.message == (f"{tmp_path / 'Pulumi.yaml'}: `runtime` is 'nodejs'; preflight runs Python "
                                    "programs (`runtime: python`)")

    write(tmp_path / "Pulumi.yaml", "name: app\nruntime: python\nconfig:\n  size:\n    type: string\n")
    write(tmp_path / "__main__.py", "")
    with pytest.raises(PreflightError) as raised:
        load_project(tmp_path, "dev")
    assert raised.value.message == ("Stack 'dev' is missing configuration value 'app:size' declared in Pulumi.yaml; "
                                    "set it in Pulumi.dev.yaml under `config:`")

    write(tmp_path / "Pulumi.yaml", "name: app\nruntime: python\nmain: src/\n")
    with pytest.raises(PreflightError) as raised:
        load_project(tmp_path, "dev")
    assert raised.value.message == f"{tmp_path / 'Pulumi.yaml'}: `main` 'src/' does not exist in {tmp_path}"


def test_project_virtualenv_interpreter_is_used_when_it_exists(tmp_path: Path):
    write(tmp_path / "Pulumi.yaml", "name: app\nruntime:\n  name: python\n  options:\n    virtualenv: venv\n")
    write(tmp_path / "__main__.py", "")
    (tmp_path / "venv" / "bin").mkdir(parents=True)
    write(tmp_path / "venv" / "bin" / "python", "")
    assert load_project(tmp_path, "dev").interpreter == str(tmp_path / "venv" / "bin" / "python")


def test_wire_normalize_resource_references_internal_keys_and_numbers():
    ref = "5cf8f73096256a8f31e491e813e4eb8e"
    sig = "4dabf18193072939515e22adb298388d"
    assert normalize({
        "bucket": {sig: ref, "urn": "urn:a", "id": "b-1"},
        "pending": {sig: ref, "urn": "urn:b", "id": ""},
        "component": {sig: ref, "urn": "urn:c"},
        "__defaults": ["name"],
        "cpu": 256.0,
        "ratio": 0.5,
    }) == {"bucket": "b-1", "pending": UNKNOWN, "component": "urn:c", "cpu": 256, "ratio": 0.5}


def test_rule_message_strips_only_the_description_line():
    assert rule_message("Checks X.\nResource 'a' fails.", "Checks X.") == "Resource 'a' fails."
    assert rule_message("Checks X.", "Checks X.") == "Checks X."
    assert rule_message("Other.\nResource 'a' fails.", "Checks X.") == "Other.\nResource 'a' fails."


def test_inconclusive_forms():
    assert is_inconclusive("can't run policy 'p' from policy pack 'k@v1' during preview: x unknown")
    assert is_inconclusive("Cannot be verified until update: the subnet of Service 'web'")
    assert not is_inconclusive("Subnet 'a' cannot reach ECR; Cannot be verified until update: later")


def test_custom_timeouts_in_go_duration_syntax():
    assert [duration_seconds(text) for text in ("10m", "1h30m", "45s", "1.5s", "")] == [600, 5400, 45, 1.5, 0]


def test_autoname_and_zone_ids():
    ctx = Context(urn="urn:pulumi:dev::p::aws:lb/targetGroup:TargetGroup::a-very-long-target-group-name",
                  name="a-very-long-target-group-name", region="us-east-1")
    named = autoname("aws:lb/targetGroup:TargetGroup", ctx.name, {}, ctx)
    # Never shortened to fit: the provider's Check rejects the 37-character name instead.
    assert named["name"] == f"a-very-long-target-group-name-{ctx.hex(7, 'autoname')}" and len(named["name"]) == 37
    assert autoname("aws:lb/targetGroup:TargetGroup", ctx.name, {"namePrefix": "tg-"}, ctx) == {"namePrefix": "tg-"}
    # `family` is required: the provider names no task definition.
    assert autoname("aws:ecs/taskDefinition:TaskDefinition", "web", {}, ctx) == {}
    assert autoname("aws:kms/alias:Alias", "key", {}, ctx) == {"name": f"alias/key-{ctx.hex(7, 'autoname')}"}
    assert (zone_id("us-east-1", "us-east-1b"), zone_id("ap-northeast-2", "ap-northeast-2a")) == ("use1-az2", "apne2-az1")


def test_invokes_file_entries_win_over_builtins_and_unknown_filters_are_errors(tmp_path: Path):
    answers = load_invokes(write(tmp_path / "answers.json", json.dumps({
        "aws:index/getRegion:getRegion": {"result": {"name": "mars-1", "region": "mars-1"}},
    })))
    invokes = Invokes("us-east-1", answers)
    assert invokes.answer("aws:index/getRegion:getRegion", {}) == {"name": "mars-1", "region": "mars-1"}
    with pytest.raises(InvokeError) as raised:
        invokes.answer("aws:ec2/getSubnets:getSubnets", {"filters": [{"name": "owner-id", "values": ["1"]}]})
    assert raised.value.reason == "preflight does not evaluate the filter 'owner-id'"
    with pytest.raises(InvokeError) as raised:
        invokes.answer("aws:ec2/getVpc:getVpc", {"default": True, "cidrBlock": "10.0.0.0/16"})
    assert raised.value.reason == "no matching EC2 VPC found"


def test_invokes_file_must_have_results(tmp_path: Path):
    path = write(tmp_path / "answers.yaml", "aws:ec2/getAmi:getAmi:\n  - args: {owners: [self]}\n")
    with pytest.raises(PreflightError) as raised:
        load_invokes(path)
    assert raised.value.message.startswith(
        f"--invokes {path}: the answer for 'aws:ec2/getAmi:getAmi' must be a list of {{args, result}} objects")


def test_policy_config_reconciles_like_the_engine(tmp_path: Path):
    given = load_policy_config(write(tmp_path / "c.json", json.dumps({
        "all": "mandatory",
        "b": {"enforcementLevel": "advisory", "limit": 3},
    })))
    policies = [
        {"name": "a", "enforcement": "advisory", "schema": {}},
        {"name": "b", "enforcement": "advisory",
         "schema": {"properties": {"limit": {"type": "integer", "default": 1}, "mode": {"default": "x"}}}},
    ]
    assert reconcile(policies, {}, given, "c.json") == {
        "a": PolicyConfig("mandatory", {}),
        "b": PolicyConfig("advisory", {"limit": 3, "mode": "x"}),
    }
    assert reconcile(policies, {}, {}, "pack defaults") == {
        "a": PolicyConfig("advisory", {}),
        "b": PolicyConfig("advisory", {"limit": 1, "mode": "x"}),
    }
