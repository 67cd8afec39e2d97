"""What a real `pulumi up` needs from the program beyond what preflight's model showed: one test per defect.

Defects 1 and 2 (image build and push) are in test_image.py, defect 6's app side in
tests/app/test_server.py, defect 13's repository in test_image.py; the rest are here.
Each test runs the project's own __main__.py (or a component) under the mock runtime and
asserts the registered inputs, the resource options the engine receives, or the exact error.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from components.config_reader import SettingsError
from components.settings import load_settings
from preflight.host.provider_check import auto_name, auto_named_property, check
from tests.components.harness import REPO_ROOT, config_of, run_program, stack_config

SUFFIX = "a1b2c3d"  # stands in for the provider's 7 random characters


@pytest.fixture(scope="module")
def prod():
    run = run_program(stack_config("prod"), stack="prod")
    assert run.error is None, run.error
    return run


@pytest.fixture(scope="module")
def dev():
    run = run_program(stack_config("dev"), stack="dev")
    assert run.error is None, run.error
    return run


def provider_errors(run) -> list[str]:
    """What the AWS provider's Check would say about every registered resource, auto-names included."""
    errors = []
    for registration in run.registrations:
        if not registration.custom:
            continue
        inputs = dict(registration.inputs)
        prop = auto_named_property(registration.type)
        if prop and prop not in inputs:
            inputs[prop] = auto_name(registration.type, registration.name, SUFFIX)
        errors += check(registration.type, registration.name, inputs)
    return errors


def web(**service):
    return {"web": {"image": {"context": "app"}, **service}}


def error_of(stack: str, **values) -> str:
    run = run_program(config_of(**values), stack=stack)
    assert isinstance(run.error, SettingsError), run.error
    assert run.registrations == []
    return str(run.error)


# -- 3: every generated name fits AWS's limits, or settings say which key to change ------------------------------
def test_the_committed_stacks_register_only_names_the_provider_accepts(dev, prod):
    assert provider_errors(dev) == []
    assert provider_errors(prod) == []


def test_every_stack_and_service_name_length_registers_valid_names_or_fails_settings_naming_the_key():
    accepted_longest: dict[tuple[int, bool], int] = {}
    for stack_length in range(1, 21):
        stack = "s" * stack_length
        for service_length in range(1, 21):
            service = "w" * service_length
            for blue_green in (False, True):
                deployment = {"deployment": {"strategy": "blueGreen"}} if blue_green else {}
                config = config_of(egress="nat", services={service: {"image": {"context": "app"}, **deployment}})
                try:
                    load_settings(config, project="berth", stack=stack, project_dir=REPO_ROOT)
                except SettingsError as error:
                    [problem] = error.problems
                    if len(f"berth-{stack}-alb") + 8 > 32:
                        assert problem.startswith("the project and stack names give the load balancer name "), problem
                    else:
                        assert problem.startswith(f"`berth:services.{service}` on stack '{stack}' gives the target "
                                                  "group name "), problem
                    continue
                accepted_longest[stack_length, blue_green] = service_length
    # Accepted exactly when the longest target group name, with the provider's suffix, fits in 32.
    for (stack_length, blue_green), longest in accepted_longest.items():
        role = "green" if blue_green else "tg"
        assert len(f"berth-{'s' * stack_length}-{'w' * longest}-{role}") + 8 == 32 or longest == 20
    # The longest accepted names, run through the program, give only names the provider accepts.
    for (stack_length, blue_green), longest in sorted(accepted_longest.items())[::3]:
        deployment = {"deployment": {"strategy": "blueGreen"}} if blue_green else {}
        run = run_program(config_of(egress="nat", services={"w" * longest: {"image": {"context": "app"},
                                                                            **deployment}}),
                          stack="s" * stack_length)
        assert run.error is None, run.error
        assert provider_errors(run) == [], (stack_length, blue_green, longest)


# -- 4: the internet-facing ALB waits for the internet gateway -------------------------------------------------------
def test_the_load_balancer_depends_on_the_internet_gateway_and_the_public_route(dev):
    dependencies = dev.one("aws:lb/loadBalancer:LoadBalancer").options["dependencies"]

    assert {"berth-dev-igw", "berth-dev-public-default"} <= set(dependencies)


# -- 5: blue/green alarms watch both target groups ------------------------------------------------------------------
def test_blue_green_alarms_watch_the_blue_and_the_green_target_group(prod):
    alarms = {r.name: r.inputs for r in prod.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")
              if r.name.startswith("berth-prod-api-") and r.inputs["namespace"] == "AWS/ApplicationELB"}

    assert {name: (a["metricName"], a["dimensions"]["TargetGroup"]) for name, a in alarms.items()} == {
        "berth-prod-api-5xx": ("HTTPCode_Target_5XX_Count", "targetgroup/berth-prod-api-blue/0123456789abcdef"),
        "berth-prod-api-5xx-green": ("HTTPCode_Target_5XX_Count", "targetgroup/berth-prod-api-green/0123456789abcdef"),
        "berth-prod-api-unhealthy": ("UnHealthyHostCount", "targetgroup/berth-prod-api-blue/0123456789abcdef"),
        "berth-prod-api-unhealthy-green": ("UnHealthyHostCount",
                                           "targetgroup/berth-prod-api-green/0123456789abcdef"),
    }


# -- 6: a routed service is told its prefix --------------------------------------------------------------------------
def test_a_routed_service_gets_its_route_prefix_as_base_path_and_the_catch_all_none(prod):
    environments = {r.name: {e["name"]: e["value"] for e in json.loads(r.inputs["containerDefinitions"])[0]
                             ["environment"]} for r in prod.of_type("aws:ecs/taskDefinition:TaskDefinition")}

    assert environments["berth-prod-api-definition"]["BASE_PATH"] == "/api"
    assert "BASE_PATH" not in environments["berth-prod-web-definition"]


# -- 7: HTTPS urls use the certificate's domain name ----------------------------------------------------------------
def test_a_certificate_without_a_domain_name_is_a_settings_error():
    certificate = "arn:aws:acm:eu-west-1:123456789012:certificate/5f0e7d4c-2b1a-4c3d-9e8f-7a6b5c4d3e2f"

    assert error_of("prod", egress="nat", alb={"certificateArn": certificate}, services=web()) == (
        "`berth:alb.domainName` is missing; an HTTPS listener serves the names on `certificateArn`, never the load "
        "balancer's DNS name: set the name clients use, e.g. \"app.example.com\"")


def test_the_domain_name_gives_the_url_and_a_hosted_zone_an_alias_record_to_the_load_balancer():
    certificate = "arn:aws:acm:eu-west-1:123456789012:certificate/5f0e7d4c-2b1a-4c3d-9e8f-7a6b5c4d3e2f"
    run = run_program(config_of(egress="nat", alb={"certificateArn": certificate, "domainName": "shop.example.com",
                                                   "hostedZoneId": "Z0123456789ABCDEFGHIJ"}, services=web()))

    assert run.error is None, run.error
    assert (run.outputs["url"], run.outputs["services"]["web"]["url"]) == (
        "https://shop.example.com", "https://shop.example.com/")
    record = run.one("aws:route53/record:Record")
    assert (record.name, record.inputs["zoneId"], record.inputs["name"], record.inputs["type"]) == (
        "berth-dev-alias", "Z0123456789ABCDEFGHIJ", "shop.example.com", "A")
    assert record.inputs["aliases"][0]["name"] == "berth-dev-alb-1234567890.eu-west-1.elb.amazonaws.com"


# -- 8: the deployment timeout covers the bake and the drain --------------------------------------------------------
def test_service_timeouts_are_the_providers_twenty_minutes_plus_bake_and_drain(prod):
    timeouts = {r.name: r.options["customTimeouts"] for r in prod.of_type("aws:ecs/service:Service")}

    # api: 20 + bake 10 + ceil((deregistration 30 + grace 30+20+10) / 60) = 32; web (rolling): 20 + 0 + 2 = 22.
    assert timeouts == {"berth-prod-api-service": {"create": "32m", "update": "32m"},
                        "berth-prod-web-service": {"create": "22m", "update": "22m"}}


def test_a_day_long_bake_gets_a_timeout_beyond_a_day():
    run = run_program(config_of(egress="nat", services=web(deployment={"strategy": "blueGreen",
                                                                       "bakeTimeMinutes": 1440})))

    assert run.one("aws:ecs/service:Service").options["customTimeouts"] == {"create": "1462m", "update": "1462m"}


# -- 9: blue/green listener rules ignore only the weights ECS moves --------------------------------------------------
def test_blue_green_listener_rules_ignore_only_the_target_group_weights(prod):
    rules = {r.name: r.options["ignoreChanges"] for r in prod.of_type("aws:lb/listenerRule:ListenerRule")}

    assert rules == {"berth-prod-api-rule": ["actions[*].forward.targetGroups[*].weight"],
                     "berth-prod-api-test-rule": ["actions[*].forward.targetGroups[*].weight"],
                     "berth-prod-web-rule": []}


# -- 10: each health-check setting has AWS's range for what it configures --------------------------------------------
def test_the_container_health_check_timeout_is_limited_to_ecs_range():
    assert error_of("dev", egress="nat", services=web(healthCheck={"interval": 90, "timeout": 61})) == (
        "`berth:services.web.healthCheck.timeout` 61 is out of range; use an integer from 2 to 60 seconds")


# -- 11: a VPC this stack creates gives load balancer subnets of at least /27 ---------------------------------------
def test_a_24_vpc_is_rejected_because_its_subnets_would_be_28():
    assert error_of("dev", egress="nat", network={"cidr": "10.0.0.0/24"}, services=web()) == (
        "`berth:network.cidr` \"10.0.0.0/24\" has a /24 prefix; use a prefix from /16 to /23 so each availability "
        "zone gets public and private subnets of at least /27, the smallest a load balancer accepts")


# -- 12: tasks start only once they can pull ------------------------------------------------------------------------
def test_the_service_waits_for_nat_routes(dev):
    dependencies = set(dev.one("aws:ecs/service:Service").options["dependencies"])

    assert {"berth-dev-private-default-0", "berth-dev-private-default-1", "berth-dev-web-tasks-out"} <= dependencies


def test_the_service_waits_for_the_vpc_endpoints_and_their_ingress_from_the_tasks(prod):
    dependencies = set(prod.one("aws:ecs/service:Service", "berth-prod-api-service").options["dependencies"])

    assert {"berth-prod-ecr-api", "berth-prod-ecr-dkr", "berth-prod-logs", "berth-prod-s3", "berth-prod-ssm",
            "berth-prod-secretsmanager", "berth-prod-api-endpoints-from-tasks"} <= dependencies


# -- 14: the test listener is closed unless its own CIDRs are set ---------------------------------------------------
def test_the_test_listener_admits_nobody_by_default_and_only_its_own_cidrs_when_set(prod):
    def test_port_rules(run):
        return sorted(r.inputs["cidrIpv4"] for r in
                      run.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
                      if r.inputs.get("fromPort") == 9000)

    opened = run_program(config_of(egress="nat", alb={"testListenerCidrs": ["10.8.0.0/16"]},
                                   services=web(deployment={"strategy": "blueGreen"})))

    assert test_port_rules(prod) == []
    assert opened.error is None, opened.error
    assert test_port_rules(opened) == ["10.8.0.0/16"]


# -- 15: the port reaches the container; only regional zones; prod's config is consistent --------------------------
def test_a_non_default_port_is_passed_to_the_container_as_port():
    run = run_program(config_of(egress="nat", services=web(port=9090)))
    [container] = json.loads(run.one("aws:ecs/taskDefinition:TaskDefinition").inputs["containerDefinitions"])

    assert {e["name"]: e["value"] for e in container["environment"]}["PORT"] == "9090"
    assert container["portMappings"][0]["containerPort"] == 9090


def test_setting_port_in_the_environment_is_a_settings_error():
    assert error_of("dev", egress="nat", services=web(environment={"PORT": "80"})) == (
        "`berth:services.web.environment.PORT` is set by berth from `berth:services.web.port`; remove it")


def test_availability_zones_exclude_local_and_wavelength_zones(dev):
    [args] = [a for token, a in dev.invokes if token == "aws:index/getAvailabilityZones:getAvailabilityZones"]

    assert args == {"state": "available", "filters": [{"name": "zone-type", "values": ["availability-zone"]}]}


def test_prod_without_internet_egress_reads_no_secret_for_an_external_api():
    """prod's egress is endpoints (AWS APIs only): its config names no credential of a third-party API."""
    config = json.loads(stack_config("prod")["berth:services"])

    assert stack_config("prod")["berth:egress"] == "endpoints"
    assert sorted(config["api"]["secrets"]) == ["DB_PASSWORD", "SESSION_SIGNING_KEY"]


def test_the_dockerfile_path_is_relative_to_the_project_when_configured():
    run = run_program(config_of(egress="nat", services={"web": {"image": {"context": "app",
                                                                          "dockerfile": "app/Dockerfile"}}}))
    image = run.one("docker-build:index:Image").inputs

    assert (image["context"], image["dockerfile"]) == ({"location": "app"}, {"location": "app/Dockerfile"})
    assert not Path(image["dockerfile"]["location"]).is_absolute()
