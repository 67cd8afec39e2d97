"""The provider's Check at each registration: what `pulumi preview` rejects ends the run (exit 2)."""

from __future__ import annotations

from pathlib import Path

import pytest

from preflight.errors import PreflightError
from preflight.host.wire import UNKNOWN
from preflight.program import run_program
from preflight.project import load_project

HEADER = "the provider rejects the program's inputs, so `pulumi preview` fails here too:\n"


def run_source(tmp_path: Path, source: str, mode: str = "preview"):
    (tmp_path / "Pulumi.yaml").write_text("name: checks\nruntime: python\n")
    (tmp_path / "__main__.py").write_text("import pulumi_aws as aws\n" + source)
    return run_program(load_project(tmp_path, "dev"), stack="dev", mode=mode, invokes={}, stack_outputs={})


def rejection(tmp_path: Path, source: str, mode: str = "preview") -> str:
    with pytest.raises(PreflightError) as raised:
        run_source(tmp_path, source, mode)
    return raised.value.message


@pytest.mark.parametrize("mode", ["preview", "update"])
def test_an_auto_name_over_the_limit_fails_instead_of_being_shortened(tmp_path, mode):
    message = rejection(tmp_path, 'aws.lb.TargetGroup("payments-api-blue-target-group", port=80, protocol="HTTP", '
                                  'target_type="ip", vpc_id="vpc-1")\n', mode)
    assert message.startswith(HEADER + "  aws:lb/targetGroup:TargetGroup 'payments-api-blue-target-group': name "
                              "'payments-api-blue-target-group-")
    assert message.endswith("' is 38 characters; the limit is 32: the provider names it '<resource name>-<7 random "
                            "characters>', so use a resource name of at most 24 characters or set `name` explicitly "
                            "(source: pulumi_aws lb.TargetGroup docstring of `name`)")


def test_an_explicit_name_outside_the_character_set_fails(tmp_path):
    assert rejection(tmp_path, 'aws.lb.LoadBalancer("web", name="shop_web", load_balancer_type="application", '
                               'subnets=["subnet-1", "subnet-2"])\n') == (
        HEADER + "  aws:lb/loadBalancer:LoadBalancer 'web': name 'shop_web' is not a valid name; use letters, digits "
        "and hyphens, not starting or ending with a hyphen (source: pulumi_aws lb.LoadBalancer docstring of `name`)")


def test_a_health_check_timeout_out_of_range_fails(tmp_path):
    assert rejection(tmp_path, 'aws.lb.TargetGroup("web", port=80, protocol="HTTP", target_type="ip", '
                               'vpc_id="vpc-1", health_check={"timeout": 150, "interval": 300})\n') == (
        HEADER + "  aws:lb/targetGroup:TargetGroup 'web': healthCheck.timeout 150 is outside the range 2-120; use a "
        "value from 2 to 120 (source: pulumi_aws lb.TargetGroupHealthCheckArgs docstring of `timeout`)")


def test_inputs_the_provider_accepts_are_recorded_with_their_auto_name(tmp_path):
    run = run_source(tmp_path, 'aws.lb.TargetGroup("web", port=80, protocol="HTTP", target_type="ip", '
                               'vpc_id="vpc-1", health_check={"timeout": 5, "interval": 30})\n')
    group = next(record for record in run.resources if record["type"] == "aws:lb/targetGroup:TargetGroup")
    assert group["inputs"]["name"].startswith("web-") and len(group["inputs"]["name"]) == 11


def test_a_required_input_that_resolves_to_none_fails_as_the_providers_check(tmp_path):
    (tmp_path / "Pulumi.yaml").write_text("name: checks\nruntime: python\n")
    (tmp_path / "__main__.py").write_text(
        "import pulumi\nimport pulumi_docker as docker\n"
        "docker.Image('app', image_name=pulumi.Output.from_input(None), build={'context': '.'}, skip_push=True)\n")
    with pytest.raises(PreflightError) as raised:
        run_program(load_project(tmp_path, "dev"), stack="dev", mode="update", invokes={}, stack_outputs={})
    assert raised.value.message == (
        HEADER + "  docker:index/image:Image 'app': the required input `imageName` has no value (the value the "
        "program gave resolved to None); give `imageName` a value")


def test_a_required_input_read_from_an_output_preflight_cannot_know_is_unknown(tmp_path):
    # EventBus has no model: its arn is unknown, and the SDK hands the program None for it in an update.
    run = run_source(tmp_path, "bus = aws.cloudwatch.EventBus('bus')\n"
                               "aws.cloudwatch.EventTarget('run', rule='nightly', arn=bus.arn)\n", mode="update")
    target = next(record for record in run.resources if record["name"] == "run")
    assert target["inputs"]["arn"] == UNKNOWN


def test_a_kms_alias_and_a_schedule_without_a_name_get_the_providers_auto_names(tmp_path):
    run = run_source(tmp_path, 'key = aws.kms.Key("secrets")\n'
                               'aws.kms.Alias("secrets", target_key_id=key.key_id)\n'
                               'aws.scheduler.Schedule("nightly", schedule_expression="rate(1 day)", '
                               'flexible_time_window={"mode": "OFF"}, target={"arn": "arn:aws:ecs:us-east-1:'
                               '123456789012:cluster/web", "role_arn": "arn:aws:iam::123456789012:role/run"})\n')
    alias = next(record for record in run.resources if record["type"] == "aws:kms/alias:Alias")
    schedule = next(record for record in run.resources if record["type"] == "aws:scheduler/schedule:Schedule")
    assert alias["inputs"]["name"].startswith("alias/secrets-") and len(alias["inputs"]["name"]) == len("alias/secrets-") + 7
    assert schedule["inputs"]["name"].startswith("nightly-") and len(schedule["inputs"]["name"]) == len("nightly-") + 7
