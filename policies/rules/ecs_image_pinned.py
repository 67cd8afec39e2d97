"""ecs-image-pinned: every container image is an immutable reference — a digest, or a tag in an ECR
repository whose tags cannot be moved.

Mechanisms (what AWS evaluates to decide this):
- **The image reference** (`[registry/]repository[:tag][@digest]`, Docker's rules for which part is the
  registry) — modelled: a `@sha256:` digest is immutable, a missing tag means `latest`.
  [Container image](https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_definition_parameters.html#container_definition_image)
- **ECR tag mutability** (`imageTagMutability` `IMMUTABLE`, `MUTABLE`, and the `*_WITH_EXCLUSION` modes
  with their exclusion filters) — modelled for repositories in the stack, read live for the others;
  a repository not found and not read is inconclusive, named.
  [Image tag mutability](https://docs.aws.amazon.com/AmazonECR/latest/userguide/image-tag-mutability.html)
- **Public registries** (Docker Hub, Amazon ECR Public, GHCR, Quay…) — modelled: their tags can be moved
  by the publisher, so only a digest pins the image.
  [Image tag mutability](https://docs.aws.amazon.com/AmazonECR/latest/userguide/image-tag-mutability.html)
- **Images built and pushed in the stack** (`docker-build` and `docker` images) — modelled: a private ECR
  tag nothing in the stack pushes is named as a pull risk in the message.
  [CannotPullContainer errors](https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_cannot_pull_image.html)
- **Pull through cache and replication rules** — not applicable: they decide where an image comes from,
  not whether its reference is immutable (the repository's own mutability setting still applies).

Inconclusive by design: an image or container definitions not known until update; the tag mutability
of an ECR repository outside the stack without a live look-up.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from typing import Any

from pulumi_policy import Severity

from kit import Findings, stack_policy
from kit.shown import shown
from model import ecs as ecs_model
from model.aws_types import DOCKER_BUILD_IMAGE, DOCKER_IMAGE, ECR_REPOSITORY, ECS_TASK_DEFINITION
from model.live_aws import LIVE_LOOKUP_SCHEMA
from model.stack_index import StackIndex
from model.values import Resource, as_list, get_path, is_unknown
from rules._ecs_services import LiveByRegion, readable_containers

_ECR_DOCS = "https://docs.aws.amazon.com/AmazonECR/latest/userguide/image-tag-mutability.html"


@dataclass(frozen=True)
class _RepoMutability:
    immutable: bool | None  # None: cannot tell
    source: str  # how the repository was found, for messages
    reason: str = ""


def _repository_in_stack(index: StackIndex, image: ecs_model.ImageRef) -> Resource | None:
    url = f"{image.registry}/{image.repository}"
    for repo in index.of_type(ECR_REPOSITORY):
        if repo.props.get("repositoryUrl") == url or repo.props.get("name") == image.repository:
            return repo
    return None


def _tag_immutable(mode: Any, filters: Any, tag: str) -> bool | None:
    if is_unknown(mode) or is_unknown(filters):
        return None
    patterns = [get_path(f, "filter") for f in as_list(filters)]
    if any(is_unknown(p) for p in patterns):
        return None
    excluded = any(isinstance(p, str) and fnmatch.fnmatchcase(tag, p) for p in patterns)
    if mode == "IMMUTABLE":
        return True
    if mode == "IMMUTABLE_WITH_EXCLUSION":
        return not excluded
    if mode == "MUTABLE_WITH_EXCLUSION":
        return excluded
    return False  # MUTABLE, the default


def _mutability(index: StackIndex, task: Resource, image: ecs_model.ImageRef, live: LiveByRegion) -> _RepoMutability:
    repo = _repository_in_stack(index, image)
    if repo is not None:
        props = repo.props
        return _RepoMutability(
            _tag_immutable(props.get("imageTagMutability"), props.get("imageTagMutabilityExclusionFilters"),
                           image.tag or ""),
            repo.label, f"{repo.label} imageTagMutability",
        )
    lookup = live.for_resource(task).call(
        "ecr", "describe_repositories", registryId=image.account, repositoryNames=[image.repository]
    )
    repos = lookup.data.get("repositories") if lookup.ok else None
    if not lookup.ok or not isinstance(repos, list) or not repos or not isinstance(repos[0], dict):
        return _RepoMutability(None, f"ECR repository '{image.repository}'",
                               lookup.reason or "the repository was not found")
    data = repos[0]
    filters = [{"filter": f.get("filter")} for f in as_list(data.get("imageTagMutabilityExclusionFilters"))
               if isinstance(f, dict)]
    return _RepoMutability(
        _tag_immutable(data.get("imageTagMutability") or "MUTABLE", filters, image.tag or ""),
        f"ECR repository '{image.repository}'",
    )


def _built_here(index: StackIndex, image: str) -> bool:
    """Whether a docker-build or docker image resource in this stack pushes exactly this reference."""
    for built in index.of_type(DOCKER_BUILD_IMAGE):
        tags = built.props.get("tags")
        if built.props.get("push") is True and isinstance(tags, list) and image in tags:
            return True
    for built in index.of_type(DOCKER_IMAGE):
        if built.props.get("imageName") == image and built.props.get("skipPush") is not True:
            return True
    return False


def _pull_risk(index: StackIndex, image: ecs_model.ImageRef, reference: str) -> str:
    if not image.is_private_ecr or _built_here(index, reference):
        return ""
    return (
        f"; nothing in this stack builds and pushes it, so tasks risk \"CannotPullContainerError: failed to "
        f"resolve ref {reference} not found\""
    )


def _container_name(name: Any) -> str:
    """A container as messages name it: its name, or that it has none (ECS requires one)."""
    return f"'{name}'" if isinstance(name, str) and name else f"(name {shown(name)})"


def validate_image_pinned(index: StackIndex, findings: Findings, config: dict) -> None:
    live = LiveByRegion(config)
    if not index.of_type(ECS_TASK_DEFINITION):
        findings.not_applicable("the stack has no ECS task definition")
    for task in index.of_type(ECS_TASK_DEFINITION):
        containers = readable_containers(task, findings, "container images")
        for container in containers or []:
            where = f"{task.label} container {_container_name(container.name)}"
            reference = container.image
            if is_unknown(reference):
                findings.inconclusive(f"{where} image")
                continue
            image = ecs_model.parse_image(reference)
            if image is None:
                findings.violation(f"{where} has no image (image {shown(reference)}); set image to a reference "
                                   "pinned by digest (repository@sha256:...)", task.urn)
                continue
            if image.pinned_by_digest:
                continue
            risk = _pull_risk(index, image, reference)
            if image.tag is None or image.tag == "latest":
                tag_said = "has no tag, which means :latest" if image.tag is None else "uses the tag 'latest'"
                findings.violation(
                    f"{where} image '{reference}' {tag_said}, which moves with every push: pin it by digest "
                    f"(@sha256:...) or by a tag in an ECR repository whose tags are IMMUTABLE{risk}",
                    task.urn,
                )
                continue
            if not image.is_private_ecr:
                findings.violation(
                    f"{where} image '{reference}' uses the tag '{image.tag}' in {image.registry}, where tags can be "
                    f"moved: pin it by digest ('{image.registry}/{image.repository}@sha256:...' or "
                    f"'{reference}@sha256:...')",
                    task.urn,
                )
                continue
            mutability = _mutability(index, task, image, live)
            if mutability.immutable is None:
                findings.inconclusive(
                    f"{where} image '{reference}': whether {mutability.source} keeps tags immutable "
                    f"({mutability.reason})"
                )
            elif not mutability.immutable:
                findings.violation(
                    f"{where} image '{reference}' uses the tag '{image.tag}' in {mutability.source}, whose tags are "
                    f"MUTABLE: the tag can be moved to another image; set imageTagMutability to IMMUTABLE on the "
                    f"repository or pin the image by digest{risk}",
                    task.urn,
                )


ecs_image_pinned = stack_policy(
    name="ecs-image-pinned",
    description=(
        "Container images are immutable references: a digest, or a tag in an ECR repository whose tags are "
        "IMMUTABLE."
    ),
    validate=validate_image_pinned,
    severity=Severity.HIGH,
    remediation_steps=(
        "Reference images by digest (repository@sha256:...), or push them with a unique tag (such as a content "
        "hash) to an ECR repository with imageTagMutability IMMUTABLE; build and push the image in the same "
        "stack so the tag exists before the service starts."
    ),
    url=_ECR_DOCS,
    config_schema=LIVE_LOOKUP_SCHEMA,
)
