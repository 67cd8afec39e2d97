"""ecs-image-pinned on stacks built from plain resources: one change per case, exact messages."""

from __future__ import annotations

import boto3
import pytest

from model.values import UNKNOWN
from rules.ecs_image_pinned import ecs_image_pinned
from tests.policies.test_ecs_harness import (
    DELETE,
    REGION,
    SERVICE,
    containers,
    ecr_image,
    replace,
    run_stack,
    spec,
    web_container,
    web_stack,
)

DIGEST = "sha256:" + "ab" * 32


OFF = {"liveLookups": "off"}


def task_with(**container_overrides) -> list:
    specs = web_stack()
    return replace(specs, "web-task", containerDefinitions=containers(web_container(**container_overrides)))


@pytest.mark.parametrize("preview", [False, True])
def test_image_pinned_accepts_a_content_tag_in_an_immutable_repository(preview):
    outcome = run_stack(ecs_image_pinned, web_stack(preview), OFF)

    assert (outcome.violations, outcome.inconclusive) == ([], None)


def test_image_pinned_flags_latest_of_an_ecr_image_nothing_here_pushes_with_the_pull_error():
    image = ecr_image("web", "latest")

    outcome = run_stack(ecs_image_pinned, task_with(image=image), OFF)

    assert outcome.violations == [(
        f"TaskDefinition 'web-task' container 'web' image '{image}' uses the tag 'latest', which moves with every "
        "push: pin it by digest (@sha256:...) or by a tag in an ECR repository whose tags are IMMUTABLE; nothing "
        "in this stack builds and pushes it, so tasks risk \"CannotPullContainerError: failed to resolve ref "
        f"{image} not found\"",
        "urn:pulumi:test::berth::aws:ecs/taskDefinition:TaskDefinition::web-task",
    )]


def test_image_pinned_flags_latest_without_the_pull_error_when_the_stack_pushes_the_image():
    image = ecr_image("web", "latest")
    specs = task_with(image=image) + [spec("docker-build:index:Image", "web-image", {"push": True, "tags": [image]})]

    outcome = run_stack(ecs_image_pinned, specs, OFF)

    assert outcome.messages == [
        f"TaskDefinition 'web-task' container 'web' image '{image}' uses the tag 'latest', which moves with every "
        "push: pin it by digest (@sha256:...) or by a tag in an ECR repository whose tags are IMMUTABLE"
    ]


def test_image_pinned_flags_an_image_without_a_tag():
    outcome = run_stack(ecs_image_pinned, task_with(image="nginx"), OFF)

    assert outcome.messages == [
        "TaskDefinition 'web-task' container 'web' image 'nginx' has no tag, which means :latest, which moves with "
        "every push: pin it by digest (@sha256:...) or by a tag in an ECR repository whose tags are IMMUTABLE"
    ]


def test_image_pinned_flags_a_version_tag_in_a_registry_whose_tags_move():
    outcome = run_stack(ecs_image_pinned, task_with(image="nginx:1.25"), OFF)

    assert outcome.messages == [
        "TaskDefinition 'web-task' container 'web' image 'nginx:1.25' uses the tag '1.25' in docker.io, where tags "
        "can be moved: pin it by digest ('docker.io/nginx@sha256:...' or 'nginx:1.25@sha256:...')"
    ]


@pytest.mark.parametrize("image", [f"nginx@{DIGEST}", f"nginx:1.25@{DIGEST}", f"{ecr_image('other', 'latest')}@{DIGEST}"])
def test_image_pinned_accepts_digests(image):
    assert run_stack(ecs_image_pinned, task_with(image=image), OFF).violations == []


def test_image_pinned_flags_a_tag_in_a_mutable_repository_of_the_stack():
    specs = replace(web_stack(), "web-repo", imageTagMutability="MUTABLE")

    outcome = run_stack(ecs_image_pinned, specs, OFF)

    assert outcome.messages == [
        f"TaskDefinition 'web-task' container 'web' image '{ecr_image('web', '5f1d2c3b4a69')}' uses the tag "
        "'5f1d2c3b4a69' in Repository 'web-repo', whose tags are MUTABLE: the tag can be moved to another image; "
        "set imageTagMutability to IMMUTABLE on the repository or pin the image by digest; nothing in this stack "
        "builds and pushes it, so tasks risk \"CannotPullContainerError: failed to resolve ref "
        f"{ecr_image('web', '5f1d2c3b4a69')} not found\""
    ]


def test_image_pinned_treats_a_missing_mutability_as_mutable_and_honours_exclusion_filters():
    missing = replace(web_stack(), "web-repo", imageTagMutability=DELETE)
    excluded = replace(web_stack(), "web-repo", imageTagMutability="IMMUTABLE_WITH_EXCLUSION",
                       imageTagMutabilityExclusionFilters=[{"filter": "5f1d*", "filterType": "WILDCARD"}])
    not_excluded = replace(web_stack(), "web-repo", imageTagMutability="IMMUTABLE_WITH_EXCLUSION",
                           imageTagMutabilityExclusionFilters=[{"filter": "dev-*", "filterType": "WILDCARD"}])

    assert len(run_stack(ecs_image_pinned, missing, OFF).violations) == 1
    assert len(run_stack(ecs_image_pinned, excluded, OFF).violations) == 1
    assert run_stack(ecs_image_pinned, not_excluded, OFF).violations == []


def test_image_pinned_is_inconclusive_on_unknown_definitions_and_mutability():
    unknown_definitions = replace(web_stack(), "web-task", containerDefinitions=UNKNOWN)
    unknown_mutability = replace(web_stack(), "web-repo", imageTagMutability=UNKNOWN)

    first = run_stack(ecs_image_pinned, unknown_definitions, OFF)
    second = run_stack(ecs_image_pinned, unknown_mutability, OFF)

    assert (first.violations, first.unknowns) == ([], ["TaskDefinition 'web-task' containerDefinitions (container images)"])
    assert (second.violations, second.unknowns) == ([], [
        f"TaskDefinition 'web-task' container 'web' image '{ecr_image('web', '5f1d2c3b4a69')}': whether "
        "Repository 'web-repo' keeps tags immutable (Repository 'web-repo' imageTagMutability)"
    ])


def test_image_pinned_reports_malformed_definitions_and_missing_images():
    malformed = replace(web_stack(), "web-task", containerDefinitions="[{")
    no_image = task_with(image=None)

    assert run_stack(ecs_image_pinned, malformed, OFF).messages == [
        "TaskDefinition 'web-task' containerDefinitions cannot be read (Expecting property name enclosed in double "
        "quotes: line 1 column 3 (char 2)); ECS rejects the task definition: pass a JSON list of container "
        "definitions"
    ]
    assert run_stack(ecs_image_pinned, no_image, OFF).messages == [
        "TaskDefinition 'web-task' container 'web' has no image (image not set); set image to a reference pinned by "
        "digest (repository@sha256:...)"
    ]


def test_image_pinned_is_inconclusive_for_a_repository_outside_the_stack_when_look_ups_are_off():
    specs = task_with(image=ecr_image("shared/base", "v3"))

    outcome = run_stack(ecs_image_pinned, specs, OFF)

    assert (outcome.violations, outcome.unknowns) == ([], [
        f"TaskDefinition 'web-task' container 'web' image '{ecr_image('shared/base', 'v3')}': whether ECR "
        "repository 'shared/base' keeps tags immutable (live look-ups are off (liveLookups: off))"
    ])


@pytest.mark.parametrize("mutability,violations", [("IMMUTABLE", 0), ("MUTABLE", 1)])
def test_image_pinned_reads_a_repository_outside_the_stack_from_aws(moto, aws_credentials, mutability, violations):
    boto3.client("ecr", region_name=REGION, endpoint_url=moto.url).create_repository(
        repositoryName="shared/base", imageTagMutability=mutability)
    specs = task_with(image=ecr_image("shared/base", "v3"))

    outcome = run_stack(ecs_image_pinned, specs, {"awsEndpointUrl": moto.url})

    assert (len(outcome.violations), outcome.inconclusive) == (violations, None)
    if violations:
        assert "in ECR repository 'shared/base', whose tags are MUTABLE" in outcome.messages[0]


def test_image_pinned_ignores_other_resource_types():
    outcome = run_stack(ecs_image_pinned, [spec(SERVICE, "web", {"taskDefinition": "web:1"})], OFF)

    assert (outcome.violations, outcome.inconclusive) == ([], None)
    assert outcome.not_applicable == "the stack has no ECS task definition"
