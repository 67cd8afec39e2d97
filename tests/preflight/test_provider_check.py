"""The provider-Check table: each limit against the pulumi_aws docstring that states it, and check()/auto_name()."""

from __future__ import annotations

import inspect
import json
import re

import pulumi_aws as aws
import pytest

from preflight.host.provider_check import (
    LIMITS,
    UNKNOWN,
    auto_name,
    auto_named_property,
    check,
)

SDK_SOURCE = re.compile(r"pulumi_aws (\S+) docstring of `(\w+)`")


def sdk_parameter_text(module: str, parameter: str) -> str:
    """The installed SDK's docstring line for `parameter` of the class named by `module` (e.g. lb.TargetGroup)."""
    target = aws
    for part in module.split("."):
        target = getattr(target, part)
    source = inspect.getsource(target)
    match = re.search(rf":param [^\n]*\] {parameter}: ([^\n]*)", source)
    assert match, f"{module} has no docstring for {parameter}"
    return match.group(1)


SDK_LIMITS = [limit for limit in LIMITS if SDK_SOURCE.match(limit.source)]


def test_most_limits_are_stated_by_the_installed_sdk_and_every_other_one_by_an_aws_reference():
    assert len(SDK_LIMITS) == 17
    others = [limit for limit in LIMITS if limit not in SDK_LIMITS]
    assert all(limit.source.startswith(("https://docs.aws.amazon.com/", "terraform-provider-aws "))
               for limit in others), [limit.source for limit in others]


@pytest.mark.parametrize("limit", SDK_LIMITS, ids=lambda limit: f"{limit.type_token}.{limit.property}")
def test_each_sdk_sourced_limit_matches_the_docstring_that_states_it(limit):
    module, parameter = SDK_SOURCE.match(limit.source).groups()
    text = sdk_parameter_text(module, parameter)
    if limit.numeric_range is not None:
        low, high = (int(bound) for bound in limit.numeric_range)
        stated = re.search(r"range is (\d+)[-–](\d+)", text) or re.search(r"up to (\d+)", text)
        assert stated, text
        bounds = tuple(int(number) for number in stated.groups())
        assert bounds == ((low, high) if len(bounds) == 2 else (high,)), text
    else:
        assert re.search(rf"(?:maximum of|up to) {limit.max_length}\b", text), text
        if "alphanumeric characters or hyphens" in text:
            assert "must not begin or end with a hyphen" in text
            accepted, rejected = ["a", "A-1", "web-blue"], ["-web", "web-", "web_blue", "web.blue"]
        else:
            assert "letters, numbers, hyphens, and underscores" in text
            accepted, rejected = ["a", "berth_prod-web"], ["berth.prod", "berth prod", "berth/prod"]
        assert [bool(re.fullmatch(limit.pattern, name)) for name in accepted + rejected] == \
            [True] * len(accepted) + [False] * len(rejected)


def test_auto_name_is_the_logical_name_and_the_suffix_where_the_type_auto_names():
    assert auto_name("aws:lb/targetGroup:TargetGroup", "prod-worker-blue", "a1b2c3d") == "prod-worker-blue-a1b2c3d"
    assert auto_name("aws:alb/loadBalancer:LoadBalancer", "berth-prod-alb", "0f0f0f0") == "berth-prod-alb-0f0f0f0"
    assert auto_name("aws:ecs/taskDefinition:TaskDefinition", "web", "a1b2c3d") is None
    assert auto_name("aws:lb/listener:Listener", "http", "a1b2c3d") is None
    assert auto_named_property("aws:iam/role:Role") == "name"
    assert auto_named_property("aws:ec2/vpc:Vpc") is None


def test_an_auto_name_over_the_limit_is_an_error_never_a_truncation():
    name = auto_name("aws:lb/targetGroup:TargetGroup", "prod-worker-green-targets", "a1b2c3d")
    assert check("aws:lb/targetGroup:TargetGroup", "prod-worker-green-targets", {"name": name}) == [
        "aws:lb/targetGroup:TargetGroup 'prod-worker-green-targets': name 'prod-worker-green-targets-a1b2c3d' is "
        "33 characters; the limit is 32: the provider names it '<resource name>-<7 random characters>', so use a "
        "resource name of at most 24 characters or set `name` explicitly (source: pulumi_aws lb.TargetGroup "
        "docstring of `name`)"]
    assert check("aws:lb/targetGroup:TargetGroup", "prod-web-blue", {"name": "prod-web-blue-a1b2c3d"}) == []


def test_an_explicit_name_with_an_underscore_breaks_the_load_balancer_character_set():
    assert check("aws:alb/loadBalancer:LoadBalancer", "front", {"name": "berth_prod"}) == [
        "aws:alb/loadBalancer:LoadBalancer 'front': name 'berth_prod' is not a valid name; use letters, digits and "
        "hyphens, not starting or ending with a hyphen (source: pulumi_aws lb.LoadBalancer docstring of `name`)"]


def test_an_explicit_name_over_the_limit_names_the_limit_without_the_auto_name_advice():
    role = "r" * 65
    assert check("aws:iam/role:Role", "execution", {"name": role}) == [
        f"aws:iam/role:Role 'execution': name '{role}' is 65 characters; the limit is 64: use a name of at most 64 "
        "characters (source: https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html "
        "(RoleName: 1-64, [\\w+=,.@-]+))"]
    assert len(check("aws:iam/role:Role", "execution", {"namePrefix": "p" * 39})) == 1
    assert check("aws:iam/role:Role", "execution", {"namePrefix": "p" * 38}) == []


@pytest.mark.parametrize(("type_token", "value", "valid"), [
    ("aws:ecr/repository:Repository", "berth-prod-web", True),
    ("aws:ecr/repository:Repository", "team/berth-prod-web", True),
    ("aws:ecr/repository:Repository", "Berth-prod-web", False),
    ("aws:ecr/repository:Repository", "berth--prod", False),
    ("aws:ecr/repository:Repository", "a", False),
    ("aws:cloudwatch/logGroup:LogGroup", "/aws/ecs/berth-prod/web", True),
    ("aws:cloudwatch/logGroup:LogGroup", "/aws/ecs/berth prod", False),
    ("aws:ecs/cluster:Cluster", "berth_prod-1", True),
    ("aws:ecs/service:Service", "web.api", False),
    ("aws:ec2/securityGroup:SecurityGroup", "berth-prod-alb-a1b2c3d", True),
    ("aws:ec2/securityGroup:SecurityGroup", "sg-berth", False),
    ("aws:kms/alias:Alias", "alias/berth-prod-secrets", True),
    ("aws:kms/alias:Alias", "berth-prod-secrets", False),
    ("aws:kms/alias:Alias", "alias/aws/ecs", False),
    ("aws:ssm/parameter:Parameter", "/berth/prod/db_url", True),
    ("aws:ssm/parameter:Parameter", "/berth/prod/db url", False),
    ("aws:secretsmanager/secret:Secret", "prod/berth+db@web=1", True),
    ("aws:secretsmanager/secret:Secret", "prod/berth:db", False),
    ("aws:cloudwatch/eventRule:EventRule", "nightly.report_run-1", True),
    ("aws:cloudwatch/eventRule:EventRule", "nightly/report", False),
    ("aws:scheduler/schedule:Schedule", "nightly.report_run-1", True),
    ("aws:scheduler/schedule:Schedule", "nightly report", False),
    ("aws:sfn/stateMachine:StateMachine", "run_task-nightly", True),
    ("aws:sfn/stateMachine:StateMachine", "run.task", False),
])
def test_names_outside_aws_character_sets_are_errors(type_token, value, valid):
    assert (check(type_token, "r", {"name": value}) == []) is valid


def test_an_out_of_range_target_group_health_check_timeout_is_an_error_with_the_range():
    errors = check("aws:lb/targetGroup:TargetGroup", "web-tg",
                   {"healthCheck": {"interval": 300, "timeout": 150, "healthyThreshold": 2}, "deregistrationDelay": 30})
    assert errors == [
        "aws:lb/targetGroup:TargetGroup 'web-tg': healthCheck.timeout 150 is outside the range 2-120; use a value "
        "from 2 to 120 (source: pulumi_aws lb.TargetGroupHealthCheckArgs docstring of `timeout`)"]


def test_target_group_timeout_must_be_below_its_interval_and_thresholds_and_delay_in_range():
    errors = check("aws:alb/targetGroup:TargetGroup", "tg", {
        "healthCheck": {"interval": 10, "timeout": 10, "healthyThreshold": 1, "unhealthyThreshold": 11},
        "deregistrationDelay": 3601})
    assert [error.split(" (source")[0] for error in errors] == [
        "aws:alb/targetGroup:TargetGroup 'tg': healthCheck.healthyThreshold 1 is outside the range 2-10; use a "
        "value from 2 to 10",
        "aws:alb/targetGroup:TargetGroup 'tg': healthCheck.unhealthyThreshold 11 is outside the range 2-10; use a "
        "value from 2 to 10",
        "aws:alb/targetGroup:TargetGroup 'tg': deregistrationDelay 3601 is outside the range 0-3600; use a value "
        "from 0 to 3600",
        "aws:alb/targetGroup:TargetGroup 'tg': healthCheck.timeout 10 is not less than healthCheck.interval 10; use "
        "a timeout below the interval",
    ]


def test_service_grace_period_and_container_health_checks_are_range_checked():
    assert len(check("aws:ecs/service:Service", "web", {"name": "web", "healthCheckGracePeriodSeconds": -1})) == 1
    definitions = json.dumps([{"name": "web", "healthCheck": {"command": ["CMD", "true"], "interval": 30,
                                                              "timeout": 90, "retries": 3, "startPeriod": 301}}])
    assert [error.split(" (source")[0] for error in check(
        "aws:ecs/taskDefinition:TaskDefinition", "web", {"family": "berth-prod-web",
                                                         "containerDefinitions": definitions})] == [
        "aws:ecs/taskDefinition:TaskDefinition 'web': containerDefinitions[0].healthCheck.timeout 90 is outside "
        "the range 2-60; use a value from 2 to 60",
        "aws:ecs/taskDefinition:TaskDefinition 'web': containerDefinitions[0].healthCheck.startPeriod 301 is "
        "outside the range 0-300; use a value from 0 to 300",
    ]


def test_unknown_values_are_skipped():
    assert check("aws:lb/targetGroup:TargetGroup", "tg", {"name": UNKNOWN, "healthCheck": {"timeout": UNKNOWN}}) == []
    assert check("aws:ecs/taskDefinition:TaskDefinition", "t",
                 {"family": "f", "containerDefinitions": f'[{{"image": "{UNKNOWN}"}}]'}) == []
    assert check("aws:ec2/vpc:Vpc", "vpc", {"cidrBlock": "10.0.0.0/16"}) == []


AUTO_NAMED_ELSEWHERE = [
    ("aws:ssm/parameter:Parameter", 2048), ("aws:secretsmanager/secret:Secret", 512),
    ("aws:codedeploy/application:Application", 100), ("aws:cloudwatch/eventRule:EventRule", 64),
    ("aws:scheduler/schedule:Schedule", 64), ("aws:sfn/stateMachine:StateMachine", 80),
]


@pytest.mark.parametrize(("type_token", "limit"), AUTO_NAMED_ELSEWHERE, ids=[token for token, _ in AUTO_NAMED_ELSEWHERE])
def test_the_launcher_and_secret_types_auto_name_name_within_aws_length_limit(type_token, limit):
    assert auto_named_property(type_token) == "name"
    assert auto_name(type_token, "nightly", "a1b2c3d") == "nightly-a1b2c3d"
    long_name = "n" * (limit - 8)
    assert check(type_token, long_name, {"name": auto_name(type_token, long_name, "a1b2c3d")}) == []
    too_long = auto_name(type_token, long_name + "n", "a1b2c3d")
    [error] = check(type_token, long_name + "n", {"name": too_long})
    assert f"is {limit + 1} characters; the limit is {limit}: the provider names it" in error
    assert f"use a resource name of at most {limit - 8} characters or set `name` explicitly" in error


def test_a_kms_alias_auto_name_starts_with_alias_unless_the_logical_name_does():
    assert auto_named_property("aws:kms/alias:Alias") == "name"
    assert auto_name("aws:kms/alias:Alias", "secrets", "a1b2c3d") == "alias/secrets-a1b2c3d"
    assert auto_name("aws:kms/alias:Alias", "alias/secrets", "a1b2c3d") == "alias/secrets-a1b2c3d"
    assert check("aws:kms/alias:Alias", "secrets", {"name": "alias/secrets-a1b2c3d"}) == []
    long_name = "k" * 242  # alias/ + 242 + -a1b2c3d = 256
    assert check("aws:kms/alias:Alias", long_name, {"name": auto_name("aws:kms/alias:Alias", long_name, "a1b2c3d")}) == []
    [error] = check("aws:kms/alias:Alias", long_name + "k",
                    {"name": auto_name("aws:kms/alias:Alias", long_name + "k", "a1b2c3d")})
    assert "is 257 characters; the limit is 256" in error
    assert check("aws:kms/alias:Alias", "secrets", {"name": "secrets"}) == [
        "aws:kms/alias:Alias 'secrets': name 'secrets' is not a valid name; use alias/ followed by letters, digits "
        "and the characters :/_- (not alias/aws/, which AWS reserves) (source: "
        "https://docs.aws.amazon.com/kms/latest/APIReference/API_CreateAlias.html (AliasName: 1-256, [a-zA-Z0-9:/_-]+, "
        "must begin with alias/ and not with alias/aws/); the auto-name gets the alias/ prefix: pulumi/pulumi-aws#1445)"]
