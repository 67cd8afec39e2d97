"""What the pack receives over gRPC: a pack that echoes each call shows exactly what was sent."""

from __future__ import annotations

import json

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
REPOSITORY_URL = "123456789012.dkr.ecr.us-east-1.amazonaws.com/web-repo"
EVERY_REGISTRATION = {STACK, REGISTRY, REPOSITORY, IMAGE, LOGS, CLUSTER, WEST, DEFAULT_AWS, DEFAULT_DOCKER_BUILD}


def echoed(report, policy: str) -> dict[str, dict]:
    seen = [d for d in report.diagnostics if d["policy"] == policy]
    by_urn = {d["urn"]: json.loads(d["message"]) for d in seen}
    assert len(by_urn) == len(seen), "one call per resource"
    return by_urn


@pytest.fixture(scope="module")
def preview():
    return run_preflight(PROJECTS / "components", stack="dev", mode="preview", policy_pack=PACKS / "echo")


def test_analyze_is_called_once_for_every_registration_with_its_inputs_and_provider(preview):
    analyzed = echoed(preview, "echo-analyze")

    assert set(analyzed) == EVERY_REGISTRATION
    assert analyzed[IMAGE] == {
        "type": "docker-build:index:Image",
        "name": "web-image",
        # See-through preview: the repository's URL follows from its name, so the tag is known.
        "props": {"buildOnPreview": True, "context": {"location": "./app"}, "network": "default", "push": True,
                  "tags": [f"{REPOSITORY_URL}:v1"]},
        "provider": {"urn": DEFAULT_DOCKER_BUILD, "props": {"version": "0.0.22"}},
    }
    assert analyzed[LOGS] == {
        "type": "aws:cloudwatch/logGroup:LogGroup",
        "name": "logs",
        "props": {"name": "/ecs/web", "retentionInDays": 30},
        "provider": {"urn": WEST, "props": {"region": "us-west-2", "skipCredentialsValidation": "false",
                                            "skipRegionValidation": "true"}},
    }
    assert analyzed[REGISTRY] == {"type": "fixture:index:Registry", "name": "web", "props": {}, "provider": None}


def test_analyze_stack_sends_outputs_parents_and_dependencies(preview):
    stack = echoed(preview, "echo-analyze-stack")

    assert set(stack) == EVERY_REGISTRATION
    assert stack[IMAGE] == {
        "type": "docker-build:index:Image",
        "props": {"buildOnPreview": True, "context": {"location": "./app"}, "network": "default", "push": True,
                  "tags": [f"{REPOSITORY_URL}:v1"], "contextHash": "<unknown>", "digest": "<unknown>",
                  "id": "<unknown>", "ref": "<unknown>"},
        "parent": REGISTRY,
        "dependencies": [REPOSITORY],
        "propertyDependencies": {"tags": [REPOSITORY]},
        "provider": DEFAULT_DOCKER_BUILD,
    }
    assert stack[CLUSTER] == {
        "type": "aws:ecs/cluster:Cluster",
        "props": {"arn": "arn:aws:ecs:us-east-1:123456789012:cluster/web", "id": "<unknown>", "name": "web",
                  "tags": {"logGroup": "/ecs/web"}, "tagsAll": {"logGroup": "/ecs/web"}},
        "parent": STACK,
        "dependencies": [LOGS],
        "propertyDependencies": {"tags": [LOGS]},
        "provider": DEFAULT_AWS,
    }
    assert stack[REGISTRY]["props"] == {"repositoryUrl": REPOSITORY_URL}
    assert stack[STACK] == {"type": "pulumi:pulumi:Stack",
                            "props": {"clusterArn": "arn:aws:ecs:us-east-1:123456789012:cluster/web",
                                      "imageRef": "<unknown>"},
                            "parent": None, "dependencies": [], "propertyDependencies": {}, "provider": None}


def test_reads_are_in_analyze_stack_only():
    report = run_preflight(PROJECTS / "stack_reference", stack="dev", mode="preview", policy_pack=PACKS / "echo",
                           stack_outputs={"acme/network/prod": PROJECTS.parent / "stack-outputs" / "network.json"})
    reference = "urn:pulumi:dev::consumer::pulumi:pulumi:StackReference::acme/network/prod"

    assert reference not in echoed(report, "echo-analyze")
    assert echoed(report, "echo-analyze-stack")[reference] == {
        "type": "pulumi:pulumi:StackReference",
        "props": {"name": "acme/network/prod", "outputs": {"vpcId": "vpc-0abc", "privateSubnetIds": ["subnet-1"]},
                  "secretOutputNames": []},
        "parent": "urn:pulumi:dev::consumer::pulumi:pulumi:Stack::consumer-dev",
        "dependencies": [],
        "propertyDependencies": {},
        "provider": "urn:pulumi:dev::consumer::pulumi:providers:pulumi::default",
    }
