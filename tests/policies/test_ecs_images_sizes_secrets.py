"""ecs-image-pinned, fargate-task-size-valid and ecs-no-plaintext-secrets."""

from __future__ import annotations

import json

import boto3
import pytest

import ecs
from model.values import UNKNOWN
from tests.policies.test_ecs_harness import (
    ACCOUNT,
    DELETE,
    REGION,
    SERVICE,
    TASK,
    containers,
    ecr_image,
    replace,
    run_resource,
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


# --- ecs-image-pinned ---------------------------------------------------------------------------

@pytest.mark.parametrize("preview", [False, True])
def test_image_pinned_accepts_a_content_tag_in_an_immutable_repository(preview):
    outcome = run_stack(ecs.ecs_image_pinned, web_stack(preview), OFF)

    assert (outcome.violations, outcome.inconclusive) == ([], None)


def test_image_pinned_flags_latest_of_an_ecr_image_nothing_here_pushes_with_the_pull_error():
    image = ecr_image("web", "latest")

    outcome = run_stack(ecs.ecs_image_pinned, task_with(image=image), OFF)

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

    outcome = run_stack(ecs.ecs_image_pinned, specs, OFF)

    assert outcome.messages == [
        f"TaskDefinition 'web-task' container 'web' image '{image}' uses the tag 'latest', which moves with every "
        "push: pin it by digest (@sha256:...) or by a tag in an ECR repository whose tags are IMMUTABLE"
    ]


def test_image_pinned_flags_an_image_without_a_tag():
    outcome = run_stack(ecs.ecs_image_pinned, task_with(image="nginx"), OFF)

    assert outcome.messages == [
        "TaskDefinition 'web-task' container 'web' image 'nginx' has no tag, which means :latest, which moves with "
        "every push: pin it by digest (@sha256:...) or by a tag in an ECR repository whose tags are IMMUTABLE"
    ]


def test_image_pinned_flags_a_version_tag_in_a_registry_whose_tags_move():
    outcome = run_stack(ecs.ecs_image_pinned, task_with(image="nginx:1.25"), OFF)

    assert outcome.messages == [
        "TaskDefinition 'web-task' container 'web' image 'nginx:1.25' uses the tag '1.25' in docker.io, where tags "
        "can be moved: pin it by digest ('docker.io/nginx@sha256:...' or 'nginx:1.25@sha256:...')"
    ]


@pytest.mark.parametrize("image", [f"nginx@{DIGEST}", f"nginx:1.25@{DIGEST}", f"{ecr_image('other', 'latest')}@{DIGEST}"])
def test_image_pinned_accepts_digests(image):
    assert run_stack(ecs.ecs_image_pinned, task_with(image=image), OFF).violations == []


def test_image_pinned_flags_a_tag_in_a_mutable_repository_of_the_stack():
    specs = replace(web_stack(), "web-repo", imageTagMutability="MUTABLE")

    outcome = run_stack(ecs.ecs_image_pinned, specs, OFF)

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

    assert len(run_stack(ecs.ecs_image_pinned, missing, OFF).violations) == 1
    assert len(run_stack(ecs.ecs_image_pinned, excluded, OFF).violations) == 1
    assert run_stack(ecs.ecs_image_pinned, not_excluded, OFF).violations == []


def test_image_pinned_is_inconclusive_on_unknown_definitions_and_mutability():
    unknown_definitions = replace(web_stack(), "web-task", containerDefinitions=UNKNOWN)
    unknown_mutability = replace(web_stack(), "web-repo", imageTagMutability=UNKNOWN)

    first = run_stack(ecs.ecs_image_pinned, unknown_definitions, OFF)
    second = run_stack(ecs.ecs_image_pinned, unknown_mutability, OFF)

    assert (first.violations, first.unknowns) == ([], ["TaskDefinition 'web-task' containerDefinitions (container images)"])
    assert (second.violations, second.unknowns) == ([], [
        f"TaskDefinition 'web-task' container 'web' image '{ecr_image('web', '5f1d2c3b4a69')}': whether "
        "Repository 'web-repo' keeps tags immutable (Repository 'web-repo' imageTagMutability)"
    ])


def test_image_pinned_reports_malformed_definitions_and_missing_images():
    malformed = replace(web_stack(), "web-task", containerDefinitions="[{")
    no_image = task_with(image=None)

    assert run_stack(ecs.ecs_image_pinned, malformed, OFF).messages == [
        "TaskDefinition 'web-task' containerDefinitions cannot be read (Expecting property name enclosed in double "
        "quotes: line 1 column 3 (char 2)); ECS rejects the task definition: pass a JSON list of container "
        "definitions"
    ]
    assert run_stack(ecs.ecs_image_pinned, no_image, OFF).messages == [
        "TaskDefinition 'web-task' container 'web' has no image (image None); set image to a reference pinned by "
        "digest (repository@sha256:...)"
    ]


def test_image_pinned_is_inconclusive_for_a_repository_outside_the_stack_when_look_ups_are_off():
    specs = task_with(image=ecr_image("shared/base", "v3"))

    outcome = run_stack(ecs.ecs_image_pinned, specs, OFF)

    assert (outcome.violations, outcome.unknowns) == ([], [
        f"TaskDefinition 'web-task' container 'web' image '{ecr_image('shared/base', 'v3')}': whether ECR "
        "repository 'shared/base' keeps tags immutable (live look-ups are off (liveLookups: off))"
    ])


@pytest.mark.parametrize("mutability,violations", [("IMMUTABLE", 0), ("MUTABLE", 1)])
def test_image_pinned_reads_a_repository_outside_the_stack_from_aws(moto, aws_credentials, mutability, violations):
    boto3.client("ecr", region_name=REGION, endpoint_url=moto.url).create_repository(
        repositoryName="shared/base", imageTagMutability=mutability)
    specs = task_with(image=ecr_image("shared/base", "v3"))

    outcome = run_stack(ecs.ecs_image_pinned, specs, {"awsEndpointUrl": moto.url})

    assert (len(outcome.violations), outcome.inconclusive) == (violations, None)
    if violations:
        assert "in ECR repository 'shared/base', whose tags are MUTABLE" in outcome.messages[0]


def test_image_pinned_ignores_other_resource_types():
    outcome = run_stack(ecs.ecs_image_pinned, [spec(SERVICE, "web", {"taskDefinition": "web:1"})], OFF)

    assert (outcome.violations, outcome.inconclusive) == ([], None)
    assert outcome.not_applicable == "the stack has no ECS task definition"


# --- fargate-task-size-valid --------------------------------------------------------------------

def fargate_task(**props) -> object:
    base = {"family": "web", "networkMode": "awsvpc", "requiresCompatibilities": ["FARGATE"], "cpu": "256",
            "memory": "512", "containerDefinitions": containers(web_container())}
    base.update(props)
    return spec(TASK, "web-task", {k: v for k, v in base.items() if v is not DELETE})


@pytest.mark.parametrize("cpu,memory", [("256", "512"), ("512", "4096"), ("1 vCPU", "2 GB"), (".25 vCPU", "0.5GB"),
                                        ("4096", "30720"), ("8192", "61440"), ("16384", "32768"), (2048, 16384)])
def test_fargate_size_accepts_the_table(cpu, memory):
    outcome = run_resource(ecs.fargate_task_size_valid, fargate_task(cpu=cpu, memory=memory))

    assert (outcome.violations, outcome.inconclusive) == ([], None)


def test_fargate_size_flags_memory_outside_the_cpu_row_with_both_ways_out():
    outcome = run_resource(ecs.fargate_task_size_valid, fargate_task(cpu="256", memory="4096"))

    assert outcome.violations == [(
        "TaskDefinition 'web-task' memory '4096' is not valid with cpu '256'; use 512, 1024 or 2048, or cpu 512, "
        "1024 or 2048 for memory 4096 (AWS: \"Invalid 'cpu' setting for task.\")",
        "urn:pulumi:test::berth::aws:ecs/taskDefinition:TaskDefinition::web-task",
    )]


def test_fargate_size_describes_long_rows_as_ranges():
    outcome = run_resource(ecs.fargate_task_size_valid, fargate_task(cpu="8192", memory="18432"))

    assert outcome.messages == [
        "TaskDefinition 'web-task' memory '18432' is not valid with cpu '8192'; use 16384 to 61440 in steps of "
        "4096, or cpu 4096 for memory 18432 (AWS: \"Invalid 'cpu' setting for task.\")"
    ]


def test_fargate_size_flags_a_cpu_fargate_does_not_offer():
    outcome = run_resource(ecs.fargate_task_size_valid, fargate_task(cpu="300"))

    assert outcome.messages == [
        "TaskDefinition 'web-task' cpu '300' is not a Fargate task size; use 256, 512, 1024, 2048, 4096, 8192 or "
        "16384 (AWS: \"Invalid 'cpu' setting for task.\")"
    ]


def test_fargate_size_requires_task_level_cpu_and_memory():
    outcome = run_resource(ecs.fargate_task_size_valid, fargate_task(cpu=DELETE, memory=DELETE))

    assert outcome.messages == [
        "TaskDefinition 'web-task' requires FARGATE but does not set cpu and memory: Fargate needs task-level cpu "
        "and memory; set for example cpu \"256\" and memory \"512\""
    ]


def test_fargate_size_flags_sizes_windows_does_not_get():
    task = fargate_task(cpu="512", memory="1024", runtimePlatform={"operatingSystemFamily": "WINDOWS_SERVER_2022_CORE"})

    assert run_resource(ecs.fargate_task_size_valid, task).messages == [
        "TaskDefinition 'web-task' cpu '512' is not offered for WINDOWS_SERVER_2022_CORE on Fargate; Windows tasks "
        "need cpu 1024, 2048 or 4096"
    ]


def test_fargate_size_flags_containers_that_do_not_fit():
    definitions = containers(web_container(cpu=256, memory=1024), web_container(name="sidecar", cpu=128,
                                                                                memoryReservation=128))
    outcome = run_resource(ecs.fargate_task_size_valid, fargate_task(containerDefinitions=definitions))

    assert outcome.messages == [
        "TaskDefinition 'web-task' container 'web' memory 1024 exceeds the task memory 512; lower it to at most "
        "512 or raise the task memory",
        "TaskDefinition 'web-task' containers reserve cpu 384 (web 256, sidecar 128) but the task has cpu 256; "
        "lower the containers' cpu or raise the task cpu",
        "TaskDefinition 'web-task' containers reserve memory 1152 MiB (web 1024, sidecar 128) but the task has "
        "memory 512; lower the containers' memoryReservation/memory or raise the task memory",
    ]


def test_fargate_size_is_inconclusive_on_unknowns_and_ignores_ec2_tasks_and_other_types():
    unknown = run_resource(ecs.fargate_task_size_valid, fargate_task(memory=UNKNOWN))
    unknown_compat = run_resource(ecs.fargate_task_size_valid, fargate_task(requiresCompatibilities=UNKNOWN))
    ec2 = run_resource(ecs.fargate_task_size_valid, fargate_task(requiresCompatibilities=["EC2"], cpu="300"))
    other = run_resource(ecs.fargate_task_size_valid, spec(SERVICE, "web", {"cpu": "300"}))

    assert (unknown.violations, unknown.unknowns) == ([], ["TaskDefinition 'web-task' cpu/memory"])
    assert (unknown_compat.violations, unknown_compat.unknowns) == ([], ["TaskDefinition 'web-task' requiresCompatibilities"])
    assert (ec2.violations, ec2.inconclusive, other.violations, other.inconclusive) == ([], None, [], None)


# --- ecs-no-plaintext-secrets -----------------------------------------------------------------

def env_task(*environment, secrets=()) -> object:
    container = web_container(environment=[{"name": n, "value": v} for n, v in environment],
                              secrets=[{"name": n, "valueFrom": v} for n, v in secrets])
    return fargate_task(containerDefinitions=containers(container))


def test_plaintext_secrets_accepts_plain_settings_and_secrets_from_value_from():
    task = env_task(("SPRING_PROFILES_ACTIVE", "prod"), ("DB_PASSWORD_ARN", f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/db"),
                    ("TOKEN_TTL", "3600"), ("DB_PASSWORD", ""),
                    secrets=[("DB_PASSWORD", f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/library/db/password")])

    outcome = run_resource(ecs.ecs_no_plaintext_secrets, task)

    assert (outcome.violations, outcome.inconclusive) == ([], None)


def test_plaintext_secrets_flags_a_credential_name_with_a_literal_value_without_echoing_it():
    outcome = run_resource(ecs.ecs_no_plaintext_secrets, env_task(("DB_PASSWORD", "hunter2")))

    assert outcome.violations == [(
        "TaskDefinition 'web-task' container 'web' environment DB_PASSWORD carries a literal value, stored in plain "
        "text in the task definition: move it to `secrets` with `valueFrom` (an SSM parameter or Secrets Manager "
        "secret)",
        "urn:pulumi:test::berth::aws:ecs/taskDefinition:TaskDefinition::web-task",
    )]
    assert "hunter2" not in outcome.messages[0]


def test_plaintext_secrets_flags_a_datasource_url_with_a_password():
    outcome = run_resource(ecs.ecs_no_plaintext_secrets,
                           env_task(("SPRING_DATASOURCE_URL", "postgresql://app:s3cret@db.internal:5432/library")))

    assert outcome.messages == [
        "TaskDefinition 'web-task' container 'web' environment SPRING_DATASOURCE_URL carries a URL with a password "
        "in it, stored in plain text in the task definition: move it to `secrets` with `valueFrom` (an SSM "
        "parameter or Secrets Manager secret)"
    ]


@pytest.mark.parametrize("name,credential", [
    ("PASSWORD", True), ("DB_PASSWORD", True), ("dbPassword", True), ("JWT_SECRET", True), ("GITHUB_TOKEN", True),
    ("STRIPE_API_KEY", True), ("apiKey", True), ("SSH_PRIVATE_KEY", True), ("AWS_SECRET_ACCESS_KEY", True),
    ("GOOGLE_APPLICATION_CREDENTIALS_JSON", True), ("AWS_ACCESS_KEY_ID", False), ("DB_PASSWORD_ARN", False),
    ("SECRET_NAME", False), ("TOKEN_TTL", False), ("TOKENIZER_MODEL", False), ("KEYCLOAK_URL", False),
    ("LOG_LEVEL", False),
])
def test_credential_names(name, credential):
    assert ecs.credential_name(name) is credential


def test_plaintext_secrets_config_ignores_named_variables():
    outcome = run_resource(ecs.ecs_no_plaintext_secrets, env_task(("CSRF_TOKEN", "not-a-secret")),
                           {"ignoredNames": ["CSRF_TOKEN"]})

    assert outcome.violations == []


def test_plaintext_secrets_is_inconclusive_on_unknown_definitions_and_ignores_other_types():
    unknown = run_resource(ecs.ecs_no_plaintext_secrets, fargate_task(containerDefinitions=UNKNOWN))
    other = run_resource(ecs.ecs_no_plaintext_secrets, spec(SERVICE, "web", {"environment": [{"name": "PASSWORD", "value": "x"}]}))

    assert (unknown.violations, unknown.unknowns) == ([], ["TaskDefinition 'web-task' containerDefinitions (environment values)"])
    assert (other.violations, other.inconclusive) == ([], None)


def test_plaintext_secrets_reads_structured_definitions_too():
    # Some programs pass containerDefinitions as a list rather than a JSON string.
    task = fargate_task(containerDefinitions=json.loads(containers(web_container(environment=[
        {"name": "API_KEY", "value": "abc"}]))))

    assert len(run_resource(ecs.ecs_no_plaintext_secrets, task).violations) == 1
