"""examples/consumer reads a real prod stack's outputs through StackReference.require_output."""

from __future__ import annotations

import json
import runpy

from tests.components.harness import REPO_ROOT, run_program, run_pulumi, stack_config

CONSUMER = REPO_ROOT / "examples" / "consumer"


def consume(outputs: dict, service: str) -> object:
    config = {"berth-consumer:berthStack": "my-org/berth/prod", "berth-consumer:service": service,
              "berth-consumer:databaseSecurityGroupId": "sg-0123456789abcdef0"}
    return run_pulumi(lambda: runpy.run_path(str(CONSUMER / "__main__.py"), run_name="__main__"),
                      config=config, project="berth-consumer", stack="prod",
                      stack_outputs={"my-org/berth/prod": outputs})


def test_consumer_builds_the_ci_policy_and_database_rule_from_the_prod_outputs():
    prod = run_program(stack_config("prod"), stack="prod").outputs
    run = consume(prod, "api")
    policy = run.one("aws:iam/policy:Policy").inputs

    assert run.error is None, run.error
    assert json.loads(policy["policy"]) == prod["deployerPolicy"]
    assert run.one("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").inputs == {
        "securityGroupId": "sg-0123456789abcdef0", "referencedSecurityGroupId": "berth-prod-api-tasks-id",
        "ipProtocol": "tcp", "fromPort": 5432, "toPort": 5432, "description": "api tasks to the database"}
    assert {key: run.outputs[key] for key in ("outputsVersion", "serviceUrl", "logGroupName", "clusterName")} == {
        "outputsVersion": 1, "serviceUrl": "https://berth.example.com/api/",
        "logGroupName": "/aws/ecs/berth-prod/api", "clusterName": "berth-prod"}


def test_consumer_refuses_an_outputs_version_it_does_not_read():
    prod = run_program(stack_config("prod"), stack="prod").outputs
    run = consume({**prod, "outputsVersion": 2}, "api")

    assert str(run.error) == ("my-org/berth/prod exports outputsVersion 2; this program reads version 1: "
                              "update it as docs/outputs.md describes")


def test_consumer_names_the_services_when_the_configured_one_is_missing():
    prod = run_program(stack_config("prod"), stack="prod").outputs
    run = consume(prod, "worker")

    assert str(run.error) == ("my-org/berth/prod has no service 'worker' (it has api, web); set `service` in "
                              "this stack's config to one of them")
