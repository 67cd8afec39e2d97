"""The shared policy kit: plain values, JSON properties, references through the graph, ECS parsing."""

import json
from pathlib import Path

import pytest
from pulumi_policy import (
    PolicyProviderResource,
    PolicyResource,
    PolicyResourceOptions,
    Severity,
    StackValidationArgs,
)
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, unknown_checking_proxy

from kit import Findings, Inconclusive, resource_from_policy_resource, stack_policy
from model import ecs as ecs_model
from model.stack_index import StackIndex
from model.values import UNKNOWN, Malformed, Resource, is_unknown, parse_json, plain
from preflight.api import run_preflight

REPO = Path(__file__).resolve().parents[2]
SUBNET = "aws:ec2/subnet:Subnet"
SG = "aws:ec2/securityGroup:SecurityGroup"
SERVICE = "aws:ecs/service:Service"


def res(type_, name, props=None, property_dependencies=None):
    return Resource(type_, name, f"urn:pulumi:t::p::{type_}::{name}", props or {},
                    property_dependencies=property_dependencies or {})


def test_plain_turns_unknown_sentinels_into_the_marker_without_raising():
    proxied = unknown_checking_proxy({"a": UNKNOWN_STRING_VALUE, "b": [{"c": UNKNOWN_STRING_VALUE}, 2]})

    assert plain(proxied) == {"a": UNKNOWN, "b": [{"c": UNKNOWN}, 2]}


def test_the_unknown_marker_refuses_a_truth_value():
    with pytest.raises(TypeError):
        bool(UNKNOWN)


@pytest.mark.parametrize(
    "value,expected",
    [
        ('{"a": 1}', {"a": 1}),
        ([1], [1]),
        (None, None),
        (UNKNOWN, UNKNOWN),
        ("{oops", Malformed("Expecting property name enclosed in double quotes: line 1 column 2 (char 1)")),
        (5, Malformed("expected a JSON string, got int")),
    ],
)
def test_parse_json(value, expected):
    assert parse_json(value) == expected


def test_refs_match_known_ids_and_report_ids_outside_the_stack():
    a = res(SUBNET, "a", {"id": "subnet-a"})
    service = res(SERVICE, "svc")
    index = StackIndex([a, service])

    refs = index.refs(service, "networkConfiguration", ["subnet-a", "subnet-external"], SUBNET)

    assert [(r.value, r.resource) for r in refs] == [("subnet-a", a), ("subnet-external", None)]
    assert [r.in_stack for r in refs] == [True, False]


def test_refs_follow_property_dependencies_for_unknown_ids():
    a, b = res(SUBNET, "a", {"id": UNKNOWN}), res(SUBNET, "b", {"id": UNKNOWN})
    sg = res(SG, "sg", {"id": UNKNOWN})
    service = res(SERVICE, "svc", property_dependencies={"networkConfiguration": [a.urn, b.urn, sg.urn]})
    index = StackIndex([a, b, sg, service])

    refs = index.refs(service, "networkConfiguration", [UNKNOWN, UNKNOWN], SUBNET)

    assert {r.resource.name for r in refs} == {"a", "b"}
    assert all(is_unknown(r.value) for r in refs)


def test_a_whole_unknown_list_maps_onto_every_dependency_of_the_type():
    a, b = res(SUBNET, "a"), res(SUBNET, "b")
    service = res(SERVICE, "svc", property_dependencies={"networkConfiguration": [a.urn, b.urn]})

    refs = StackIndex([a, b, service]).refs(service, "networkConfiguration", UNKNOWN, SUBNET)

    assert [r.resource.name for r in refs] == ["a", "b"]


def test_an_unknown_id_without_a_dependency_is_unresolved():
    service = res(SERVICE, "svc")

    refs = StackIndex([service]).refs(service, "networkConfiguration", [UNKNOWN], SUBNET)

    assert len(refs) == 1 and not refs[0].resolved and refs[0].describe() == "an unknown value"


def test_referrers_find_resources_pointing_at_a_target():
    subnet = res(SUBNET, "a", {"id": "subnet-a"})
    assoc = res("aws:ec2/routeTableAssociation:RouteTableAssociation", "assoc", {"subnetId": "subnet-a"})
    other = res("aws:ec2/routeTableAssociation:RouteTableAssociation", "other", {"subnetId": "subnet-b"})
    index = StackIndex([subnet, assoc, other])

    assert index.referrers(subnet, "aws:ec2/routeTableAssociation:RouteTableAssociation", "subnetId") == [assoc]


def test_findings_report_violations_at_once_and_inconclusive_items_once_at_the_end():
    reported = []
    findings = Findings(lambda message, urn=None: reported.append((message, urn)))
    findings.violation("bad", "urn:x")
    findings.inconclusive("subnet 'a' id")
    findings.inconclusive("subnet 'a' id")

    with pytest.raises(Inconclusive) as raised:
        findings.finish()

    assert reported == [("bad", "urn:x")]
    assert raised.value.message == "Cannot be verified until update: subnet 'a' id"


def test_stack_policy_runs_the_validator_on_plain_resources_with_config_defaults():
    seen = {}

    def validate(index, findings, config):
        seen["names"] = [r.name for r in index.resources]
        seen["props"] = index.resources[0].props
        seen["config"] = config

    policy = stack_policy(
        name="x-y-z", description="Checks.", validate=validate, severity=Severity.LOW, remediation_steps="Fix.",
        url="https://docs.aws.amazon.com/", config_schema={"budget": {"type": "number", "default": 5}},
    )
    resource = PolicyResource(SUBNET, unknown_checking_proxy({"id": UNKNOWN_STRING_VALUE}), "urn:a", "a",
                              PolicyResourceOptions(False, [], None, [], None, []), None, None, [], {})

    policy.validate(StackValidationArgs([resource], {"other": 1}), lambda *a: None)

    assert seen == {"names": ["a"], "props": {"id": UNKNOWN}, "config": {"budget": 5, "other": 1}}


def test_containers_are_parsed_from_the_json_string():
    task = res("aws:ecs/taskDefinition:TaskDefinition", "task", {"containerDefinitions": json.dumps([{
        "name": "web", "image": "nginx:1", "portMappings": [{"containerPort": 8080, "protocol": "TCP"}],
        "environment": [{"name": "A", "value": "1"}], "secrets": [{"name": "DB", "valueFrom": "/db/password"}],
        "logConfiguration": {"logDriver": "awslogs", "options": {"awslogs-group": "/ecs/web"}},
    }])})

    [web] = ecs_model.containers_of(task)

    assert (web.name, web.port_mappings, web.environment, web.secrets, web.uses_awslogs, web.log_options) == (
        "web", (ecs_model.PortMapping(8080, "tcp"),), (("A", "1"),), (("DB", "/db/password"),), True,
        {"awslogs-group": "/ecs/web"},
    )


@pytest.mark.parametrize("definitions,expected", [
    (UNKNOWN, UNKNOWN),
    (None, Malformed("containerDefinitions is missing")),
    ('{"name": "x"}', Malformed("containerDefinitions is a dict, not a list")),
])
def test_containers_of_unknown_missing_or_malformed(definitions, expected):
    task = res("aws:ecs/taskDefinition:TaskDefinition", "task", {"containerDefinitions": definitions})

    assert ecs_model.containers_of(task) == expected


@pytest.mark.parametrize("image,registry,repository,tag,digest,account,region", [
    ("nginx", "docker.io", "nginx", None, None, None, None),
    ("nginx:1.25", "docker.io", "nginx", "1.25", None, None, None),
    ("localhost:5000/app:1", "localhost:5000", "app", "1", None, None, None),
    ("public.ecr.aws/nginx/nginx:latest", "public.ecr.aws", "nginx/nginx", "latest", None, None, None),
    ("123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/web:9f8e", "123456789012.dkr.ecr.eu-west-1.amazonaws.com",
     "team/web", "9f8e", None, "123456789012", "eu-west-1"),
    ("123456789012.dkr.ecr.us-east-1.amazonaws.com/web@sha256:" + "a" * 64,
     "123456789012.dkr.ecr.us-east-1.amazonaws.com", "web", None, "sha256:" + "a" * 64, "123456789012", "us-east-1"),
])
def test_parse_image(image, registry, repository, tag, digest, account, region):
    parsed = ecs_model.parse_image(image)

    assert (parsed.registry, parsed.repository, parsed.tag, parsed.digest, parsed.account, parsed.region) == (
        registry, repository, tag, digest, account, region)


def test_task_definition_of_matches_family_revision_and_roles_by_name():
    role = res("aws:iam/role:Role", "exec", {"name": "app-exec", "arn": UNKNOWN})
    task = res("aws:ecs/taskDefinition:TaskDefinition", "task", {
        "family": "app", "arn": UNKNOWN, "executionRoleArn": "arn:aws:iam::123456789012:role/app-exec"})
    service = res(SERVICE, "svc", {"taskDefinition": "app:3"})
    index = StackIndex([role, task, service])

    assert ecs_model.task_definition_of(index, service).resource is task
    assert ecs_model.role_of(index, task, "executionRoleArn").resource is role
    assert ecs_model.role_of(index, task, "taskRoleArn") is None


def test_a_rule_with_nothing_to_check_is_reported_not_applicable_through_the_sdk():
    from pulumi_policy.policy import _NotApplicableError

    def validate(index, findings, config):
        findings.not_applicable("no ECS service or task set in the stack")

    policy = stack_policy(name="x-y-z", description="Checks.", validate=validate, severity=Severity.LOW,
                          remediation_steps="Fix.", url="https://docs.aws.amazon.com/")

    with pytest.raises(_NotApplicableError) as raised:
        policy.validate(StackValidationArgs([], {}), lambda *a: None)

    assert raised.value.reason == "no ECS service or task set in the stack"


def test_provider_configuration_arrives_as_the_bridge_encodes_it_and_rules_read_it_decoded():
    # What the engine sends for `aws.Provider(allowed_account_ids=[...], default_tags=...)`:
    # structured values as JSON text (the bridge's CheckConfig, and the SDK's provider inputs).
    provider = PolicyProviderResource("pulumi:providers:aws", {
        "region": "eu-west-1",
        "allowedAccountIds": '["123456789012"]',
        "defaultTags": '{"tags":{"team":"payments"}}',
        "profile": "[not json",
    }, "urn:pulumi:test::p::pulumi:providers:aws::main", "main")
    resource = PolicyResource("aws:ecs/taskDefinition:TaskDefinition", unknown_checking_proxy({"family": "web"}),
                              "urn:pulumi:test::p::aws:ecs/taskDefinition:TaskDefinition::web", "web",
                              PolicyResourceOptions(False, [], None, [], None, []), provider, None, [], {})

    assert resource_from_policy_resource(resource).provider_props == {
        "region": "eu-west-1",
        "allowedAccountIds": ["123456789012"],
        "defaultTags": {"tags": {"team": "payments"}},
        "profile": "[not json",
    }


def test_through_preflight_the_pack_reads_allowed_account_ids_as_a_list():
    # The engine sends the provider's inputs as the SDK registered them: lists as JSON text.
    report = run_preflight(REPO / "tests" / "fixtures" / "provider_config", stack="dev", mode="preview")
    record = next(r for r in report.records if r["type"] == "pulumi:providers:aws")
    provider = PolicyProviderResource("pulumi:providers:aws", record["inputs"], record["urn"], record["name"])
    logs = next(r for r in report.records if r["type"] == "aws:cloudwatch/logGroup:LogGroup")
    resource = PolicyResource(logs["type"], unknown_checking_proxy(logs["inputs"]), logs["urn"], logs["name"],
                              PolicyResourceOptions(False, [], None, [], None, []), provider, None, [], {})

    assert record["inputs"]["allowedAccountIds"] == '["123456789012"]'
    assert resource_from_policy_resource(resource).provider_props["allowedAccountIds"] == ["123456789012"]
