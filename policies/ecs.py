"""Rules of the ecs area (see ../shared/policy-catalog.md): images, traffic, health, rollout, sizing, secrets."""

from __future__ import annotations

import fnmatch
import json
import re
from dataclasses import dataclass, field
from typing import Any

from pulumi_policy import Severity

from kit import Findings, resource_policy, stack_policy
from lb import (
    ARN_KEYS,
    as_int,
    as_list,
    forwarded_target_groups,
    forwarders_of,
    load_balancer_blocks,
    load_balancer_of,
    load_balancer_type,
    target_group_of,
)
from model import ecs as ecs_model
from model import fargate_sizes
from model.aws_types import (
    APPAUTOSCALING_TARGET,
    CODEDEPLOY_APPLICATION,
    CODEDEPLOY_DEPLOYMENT_GROUP,
    DOCKER_BUILD_IMAGE,
    DOCKER_IMAGE,
    EC2_DEFAULT_SUBNET,
    EC2_SUBNET,
    ECR_REPOSITORY,
    ECS_SERVICE,
    ECS_TASK_DEFINITION,
    IAM_ROLE,
    LB_LISTENER,
    LB_LISTENER_RULE,
    LB_TARGET_GROUP,
)
from model.ecs import Container
from model.iam_eval import Decision, evaluate_trust
from model.iam_roles import Place, RoleReader, partition_of
from model.live_aws import LIVE_LOOKUP_SCHEMA, LiveAws
from model.stack_index import Ref, StackIndex
from model.values import Malformed, Resource, get_path, is_unknown

# --- shared: live look-ups, task definitions, containers, target groups -----------------------


@dataclass
class _Live:
    """One LiveAws per provider region, created on first use within one validation."""

    config: dict
    by_region: dict[str, LiveAws] = field(default_factory=dict)

    def for_resource(self, resource: Resource) -> LiveAws:
        region = resource.provider_props.get("region")
        region = region if isinstance(region, str) else ""
        if region not in self.by_region:
            self.by_region[region] = LiveAws.from_config(self.config, region)
        return self.by_region[region]


def _task_definition(index: StackIndex, runner: Resource, findings: Findings, live: _Live) -> Resource | None:
    """The task definition a service or task set runs, read from AWS when it is outside the stack."""
    ref = ecs_model.task_definition_of(index, runner)
    if ref is None:
        return None
    if ref.resource is not None:
        return ref.resource
    if not ref.resolved:
        findings.inconclusive(f"{runner.label} taskDefinition (unknown, and no task definition in the stack it depends on)")
        return None
    if not isinstance(ref.value, str) or not ref.value:
        findings.violation(
            f"{runner.label} taskDefinition {ref.value!r} is not a task definition ARN or family; "
            "set it to the task definition's ARN",
            runner.urn,
        )
        return None
    lookup = live.for_resource(runner).call("ecs", "describe_task_definition", taskDefinition=ref.value)
    if not lookup.ok:
        findings.inconclusive(f"{runner.label} task definition {ref.value!r} outside the stack ({lookup.reason})")
        return None
    data = lookup.data.get("taskDefinition") if isinstance(lookup.data.get("taskDefinition"), dict) else {}
    props = {
        "family": data.get("family"),
        "containerDefinitions": data.get("containerDefinitions") or [],
        "networkMode": data.get("networkMode"),
        "requiresCompatibilities": data.get("requiresCompatibilities"),
        "cpu": data.get("cpu"),
        "memory": data.get("memory"),
    }
    return Resource(ECS_TASK_DEFINITION, ref.value.rsplit("/", 1)[-1], runner.urn, props)


def _containers(task: Resource, findings: Findings, what: str) -> list[Container] | None:
    """The task definition's containers; unknown → inconclusive naming `what`, malformed → violation."""
    containers = ecs_model.containers_of(task)
    if is_unknown(containers):
        findings.inconclusive(f"{task.label} containerDefinitions ({what})")
        return None
    if isinstance(containers, Malformed):
        findings.violation(
            f"{task.label} containerDefinitions cannot be read ({containers.error}); ECS rejects the task "
            "definition: pass a JSON list of container definitions",
            task.urn,
        )
        return None
    return containers


def _target_group(index: StackIndex, runner: Resource, block: dict, findings: Findings, live: _Live,
                  where: str) -> Resource | None:
    """The target group of a load-balancer block, read from AWS when it is outside the stack."""
    ref = target_group_of(index, runner, block)
    if ref is None:
        return None
    if ref.resource is not None:
        return ref.resource
    if not ref.resolved:
        findings.inconclusive(f"{where}.targetGroupArn (unknown, and no target group in the stack it depends on)")
        return None
    if not isinstance(ref.value, str):
        return None
    lookup = live.for_resource(runner).call("elbv2", "describe_target_groups", TargetGroupArns=[ref.value])
    groups = lookup.data.get("TargetGroups") if lookup.ok else None
    if not lookup.ok or not isinstance(groups, list) or not groups or not isinstance(groups[0], dict):
        findings.inconclusive(
            f"{where} target group {ref.value!r} outside the stack ({lookup.reason or 'not found'})"
        )
        return None
    data = groups[0]
    props = {
        "arn": data.get("TargetGroupArn"),
        "name": data.get("TargetGroupName"),
        "port": data.get("Port"),
        "protocol": data.get("Protocol"),
        "targetType": data.get("TargetType"),
        "loadBalancerArns": data.get("LoadBalancerArns") or [],
        "healthCheck": {
            "enabled": data.get("HealthCheckEnabled"),
            "port": data.get("HealthCheckPort"),
            "path": data.get("HealthCheckPath"),
            "protocol": data.get("HealthCheckProtocol"),
            "interval": data.get("HealthCheckIntervalSeconds"),
            "healthyThreshold": data.get("HealthyThresholdCount"),
        },
        "_outsideStack": True,
    }
    return Resource(LB_TARGET_GROUP[0], str(data.get("TargetGroupName") or ref.value), runner.urn, props)


def _container_named(containers: list[Container], name: Any) -> Container | None:
    return next((c for c in containers if c.name == name), None)


def _maps_port(container: Container, port: int) -> bool | None:
    unknown = False
    for mapping in container.port_mappings:
        if is_unknown(mapping.container_port):
            unknown = True
        elif as_int(mapping.container_port) == port:
            return True
    return None if unknown else False


@dataclass
class _Block:
    """One load-balancer block of a service, with everything the traffic rules compare."""

    runner: Resource
    where: str
    container_name: Any
    port: int
    task: Resource
    containers: list[Container]
    target_group: Resource | None


def _blocks(index: StackIndex, findings: Findings, live: _Live) -> list[_Block]:
    """Every known load-balancer block of every service and task set in the stack."""
    found = []
    if not any(r.props.get("loadBalancers") is not None for r in ecs_model.services_and_task_sets(index)):
        findings.not_applicable("no ECS service or task set in the stack has a loadBalancers block")
    for runner in ecs_model.services_and_task_sets(index):
        blocks = load_balancer_blocks(runner)
        if is_unknown(blocks):
            findings.inconclusive(f"{runner.label} loadBalancers")
            continue
        if not blocks:
            continue
        task = _task_definition(index, runner, findings, live)
        if task is None:
            continue
        containers = _containers(task, findings, "the containers the load balancer targets")
        if containers is None:
            continue
        for number, block in enumerate(blocks):
            where = f"{runner.label} loadBalancers[{number}]"
            if is_unknown(block):
                findings.inconclusive(where)
                continue
            name, port_value = block.get("containerName"), block.get("containerPort")
            if is_unknown(name) or is_unknown(port_value):
                findings.inconclusive(f"{where}.containerName/containerPort")
                continue
            port = as_int(port_value)
            if port is None:
                continue
            target_group = _target_group(index, runner, block, findings, live, where)
            found.append(_Block(runner, where, name, port, task, containers, target_group))
    return found


def _health_check_port_mismatch(block: _Block) -> str | None:
    """The message for an explicit target-group health-check port other than the container port."""
    if block.target_group is None:
        return None
    port = get_path(block.target_group.props, "healthCheck", "port")
    if port is None or is_unknown(port) or port == "traffic-port" or as_int(port) == block.port:
        return None
    return (
        f"{block.target_group.label} healthCheck.port {port!r} is not the container port {block.port} that "
        f"{block.where} registers ({block.container_name}): health checks probe a port the container does not "
        f"serve; set healthCheck.port to \"traffic-port\" or {block.port}"
    )


# --- ecs-image-pinned ---------------------------------------------------------------------------

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


def _mutability(index: StackIndex, task: Resource, image: ecs_model.ImageRef, live: _Live) -> _RepoMutability:
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


def validate_image_pinned(index: StackIndex, findings: Findings, config: dict) -> None:
    live = _Live(config)
    if not index.of_type(ECS_TASK_DEFINITION):
        findings.not_applicable("the stack has no ECS task definition")
    for task in index.of_type(ECS_TASK_DEFINITION):
        containers = _containers(task, findings, "container images")
        for container in containers or []:
            where = f"{task.label} container '{container.name}'"
            reference = container.image
            if is_unknown(reference):
                findings.inconclusive(f"{where} image")
                continue
            image = ecs_model.parse_image(reference)
            if image is None:
                findings.violation(f"{where} has no image (image {reference!r}); set image to a reference "
                                   "pinned by digest (repository@sha256:...)", task.urn)
                continue
            if image.pinned_by_digest:
                continue
            risk = _pull_risk(index, image, reference)
            if image.tag is None or image.tag == "latest":
                shown = "has no tag, which means :latest" if image.tag is None else "uses the tag 'latest'"
                findings.violation(
                    f"{where} image '{reference}' {shown}, which moves with every push: pin it by digest "
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


# --- fargate-task-size-valid -----------------------------------------------------------------------

_CPU_CHOICES = "256, 512, 1024, 2048, 4096, 8192 or 16384"
_AWS_SIZE_ERROR = "AWS: \"Invalid 'cpu' setting for task.\""


def _shown(value: Any) -> str:
    """A property value for a message; integral doubles (the wire's only numbers) as integers."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return repr(value)


def _either(values: tuple[int, ...]) -> str:
    words = [str(v) for v in values]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + f" or {words[-1]}"


def _is_fargate(task: Resource) -> Any:
    compatibilities = task.props.get("requiresCompatibilities")
    if is_unknown(compatibilities):
        return compatibilities
    return isinstance(compatibilities, list) and "FARGATE" in compatibilities


def validate_fargate_task_size(task: Resource, findings: Findings, config: dict) -> None:
    if task.type != ECS_TASK_DEFINITION:
        return
    fargate = _is_fargate(task)
    if is_unknown(fargate):
        findings.inconclusive(f"{task.label} requiresCompatibilities")
        return
    if not fargate:
        return
    cpu_value, memory_value = task.props.get("cpu"), task.props.get("memory")
    if is_unknown(cpu_value) or is_unknown(memory_value):
        findings.inconclusive(f"{task.label} cpu/memory")
        return
    if cpu_value is None or memory_value is None:
        missing = " and ".join(k for k, v in (("cpu", cpu_value), ("memory", memory_value)) if v is None)
        findings.violation(
            f"{task.label} requires FARGATE but does not set {missing}: Fargate needs task-level cpu and memory; "
            "set for example cpu \"256\" and memory \"512\"",
            task.urn,
        )
        return
    cpu, memory = fargate_sizes.cpu_units(cpu_value), fargate_sizes.memory_mib(memory_value)
    if cpu is None or cpu not in fargate_sizes.FARGATE_SIZES:
        findings.violation(
            f"{task.label} cpu {_shown(cpu_value)} is not a Fargate task size; use {_CPU_CHOICES} ({_AWS_SIZE_ERROR})",
            task.urn,
        )
        return
    if memory is None or memory not in fargate_sizes.valid_memory_for(cpu):
        other_cpus = fargate_sizes.cpus_for_memory(memory) if memory is not None else ()
        alternative = (
            f", or cpu {_either(other_cpus)} for memory {memory}" if other_cpus else ""
        )
        findings.violation(
            f"{task.label} memory {_shown(memory_value)} is not valid with cpu {_shown(cpu_value)}; use "
            f"{fargate_sizes.describe_memory_choices(cpu)}{alternative} ({_AWS_SIZE_ERROR})",
            task.urn,
        )
        return
    family = get_path(task.props, "runtimePlatform", "operatingSystemFamily")
    if isinstance(family, str) and family.upper().startswith("WINDOWS"):
        if "WINDOWS" not in fargate_sizes.operating_systems_for(cpu):
            findings.violation(
                f"{task.label} cpu {_shown(cpu_value)} is not offered for {family} on Fargate; Windows tasks need cpu "
                "1024, 2048 or 4096",
                task.urn,
            )
    containers = _containers(task, findings, "container cpu and memory")
    if containers is not None:
        _check_container_sizes(task, containers, cpu, memory, findings)


def _check_container_sizes(task: Resource, containers: list[Container], cpu: int, memory: int,
                           findings: Findings) -> None:
    cpus, reserved = [], []
    for container in containers:
        for key, value in (("cpu", container.cpu), ("memory", container.memory),
                           ("memoryReservation", container.memory_reservation)):
            if is_unknown(value):
                findings.inconclusive(f"{task.label} container '{container.name}' {key}")
            elif value is not None and as_int(value) is None:
                findings.violation(
                    f"{task.label} container '{container.name}' {key} {value!r} is not a whole number; "
                    f"set it in {'CPU units' if key == 'cpu' else 'MiB'}",
                    task.urn,
                )
        container_cpu = as_int(container.cpu)
        if container_cpu is not None:
            cpus.append((container.name, container_cpu))
        hard, soft = as_int(container.memory), as_int(container.memory_reservation)
        if hard is not None and hard > memory:
            findings.violation(
                f"{task.label} container '{container.name}' memory {hard} exceeds the task memory {memory}; "
                f"lower it to at most {memory} or raise the task memory",
                task.urn,
            )
        if soft is not None or hard is not None:
            reserved.append((container.name, soft if soft is not None else hard))
    total_cpu = sum(value for _, value in cpus)
    if total_cpu > cpu:
        parts = ", ".join(f"{name} {value}" for name, value in cpus)
        findings.violation(
            f"{task.label} containers reserve cpu {total_cpu} ({parts}) but the task has cpu {cpu}; lower the "
            "containers' cpu or raise the task cpu",
            task.urn,
        )
    total_memory = sum(value for _, value in reserved)
    if total_memory > memory:
        parts = ", ".join(f"{name} {value}" for name, value in reserved)
        findings.violation(
            f"{task.label} containers reserve memory {total_memory} MiB ({parts}) but the task has memory "
            f"{memory}; lower the containers' memoryReservation/memory or raise the task memory",
            task.urn,
        )


fargate_task_size_valid = resource_policy(
    name="fargate-task-size-valid",
    description=(
        "Fargate task definitions use a cpu/memory combination Fargate accepts and their containers' cpu and "
        "memory fit inside it."
    ),
    validate=validate_fargate_task_size,
    severity=Severity.HIGH,
    remediation_steps=(
        "Pick the task cpu and memory from AWS's table of Fargate sizes (for example cpu 256 with memory 512, "
        "1024 or 2048); keep the sum of the containers' cpu and memory reservations within the task's."
    ),
    url="https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-cpu-memory-error.html",
)


# --- ecs-no-plaintext-secrets ------------------------------------------------------------------

_CREDENTIAL_WORDS = {"PASSWORD", "PASSWD", "PWD", "SECRET", "TOKEN", "APIKEY", "PRIVATEKEY", "CREDENTIAL",
                     "CREDENTIALS"}
_CREDENTIAL_PAIRS = {("API", "KEY"), ("PRIVATE", "KEY"), ("ACCESS", "KEY")}
# A name ending in one of these refers to a secret (where it is, how long it lives), not the secret itself.
_REFERENCE_SUFFIXES = {"ARN", "FILE", "PATH", "NAME", "ID", "URL", "URI", "ENDPOINT", "HOST", "PORT", "TTL",
                       "TIMEOUT", "LENGTH", "ENABLED", "REGION", "HEADER", "PARAMETER", "TYPE"}
_URL_PASSWORD = re.compile(r"://[^/\s:@]+:[^/\s@]+@|[?&;](password|pwd)=[^&;\s]", re.IGNORECASE)


def _name_words(name: str) -> list[str]:
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name)
    return [w for w in re.split(r"[^A-Za-z0-9]+", spaced.upper()) if w]


def credential_name(name: str) -> bool:
    """Whether an environment variable's name says it holds a credential."""
    words = _name_words(name)
    if not words or words[-1] in _REFERENCE_SUFFIXES:
        return False
    if any(word in _CREDENTIAL_WORDS for word in words):
        return True
    return any(pair in _CREDENTIAL_PAIRS for pair in zip(words, words[1:], strict=False))


def validate_no_plaintext_secrets(task: Resource, findings: Findings, config: dict) -> None:
    if task.type != ECS_TASK_DEFINITION:
        return
    ignored = {n for n in as_list(config.get("ignoredNames")) if isinstance(n, str)}
    containers = _containers(task, findings, "environment values")
    for container in containers or []:
        for name, value in container.environment:
            if is_unknown(name) or not isinstance(name, str) or name in ignored:
                continue
            where = f"{task.label} container '{container.name}' environment {name}"
            if is_unknown(value):
                if credential_name(name):
                    findings.inconclusive(f"{where} value")
                continue
            if not isinstance(value, str) or not value:
                continue
            if credential_name(name):
                findings.violation(
                    f"{where} carries a literal value, stored in plain text in the task definition: move it to "
                    f"`secrets` with `valueFrom` (an SSM parameter or Secrets Manager secret)",
                    task.urn,
                )
            elif _URL_PASSWORD.search(value):
                findings.violation(
                    f"{where} carries a URL with a password in it, stored in plain text in the task definition: "
                    f"move it to `secrets` with `valueFrom` (an SSM parameter or Secrets Manager secret)",
                    task.urn,
                )


ecs_no_plaintext_secrets = resource_policy(
    name="ecs-no-plaintext-secrets",
    description=(
        "No container environment variable whose name marks a credential, and no URL with a password, carries "
        "a literal value."
    ),
    validate=validate_no_plaintext_secrets,
    severity=Severity.HIGH,
    remediation_steps=(
        "Store the value in SSM Parameter Store (SecureString) or Secrets Manager and reference it from the "
        "container's `secrets` list with `valueFrom`; grant the execution role read access to exactly that "
        "parameter or secret."
    ),
    url="https://docs.aws.amazon.com/AmazonECS/latest/developerguide/specifying-sensitive-data.html",
    config_schema={
        "ignoredNames": {
            "type": "array",
            "items": {"type": "string"},
            "default": [],
            "description": "Environment variable names that look like credentials but are known not to be.",
        },
    },
)


# --- ecs-target-group-matches-container -----------------------------------------------------------


def validate_target_group_matches_container(index: StackIndex, findings: Findings, config: dict) -> None:
    live = _Live(config)
    for block in _blocks(index, findings, live):
        container = _container_named(block.containers, block.container_name)
        if container is None:
            names = ", ".join(repr(c.name) for c in block.containers) or "none"
            findings.violation(
                f"{block.where} containerName {block.container_name!r} is not a container of {block.task.label} "
                f"(containers: {names}); ECS rejects the service: name a container of the task definition",
                block.runner.urn,
            )
            continue
        maps = _maps_port(container, block.port)
        if maps is None:
            findings.inconclusive(f"{block.task.label} container '{container.name}' portMappings")
        elif not maps:
            findings.violation(
                f"{block.where} containerPort {block.port} is not mapped by container '{container.name}' of "
                f"{block.task.label}; ECS rejects the service with \"The container {container.name} did not have "
                f"a container port {block.port} defined\": add portMappings containerPort {block.port} or change "
                "the service's containerPort",
                block.runner.urn,
            )
        target = block.target_group
        if target is None:
            continue
        _check_target_type(block, target, findings)
        _check_forwarded(index, block, target, findings)
        mismatch = _health_check_port_mismatch(block)
        if mismatch:
            findings.violation(mismatch, target.urn)


def _check_target_type(block: _Block, target: Resource, findings: Findings) -> None:
    mode = ecs_model.network_mode(block.task)
    target_type = target.props.get("targetType")
    if is_unknown(mode) or is_unknown(target_type):
        findings.inconclusive(f"{target.label} targetType / {block.task.label} networkMode")
        return
    if mode == "awsvpc" and (target_type or "instance") != "ip":
        findings.violation(
            f"{target.label} targetType {target_type or 'instance'!r} cannot receive {block.where}: awsvpc tasks "
            "register by IP address and ECS rejects the service (\"has target type instance, which is "
            "incompatible with the awsvpc network mode specified in the task definition\"); set targetType "
            "\"ip\"",
            target.urn,
        )


def _check_forwarded(index: StackIndex, block: _Block, target: Resource, findings: Findings) -> None:
    if target.props.get("_outsideStack"):
        arns = target.props.get("loadBalancerArns")
        attached = bool(arns) if isinstance(arns, list) else None
        unresolved = attached is None
    else:
        forwarders = forwarders_of(index, target)
        attached = bool(forwarders.found)
        unresolved = bool(forwarders.unresolved)
    if attached:
        return
    if unresolved:
        findings.inconclusive(f"whether a listener forwards to {target.label}")
        return
    findings.violation(
        f"{target.label} used by {block.where} receives no traffic: no listener or listener rule forwards to it, "
        "and ECS rejects the service (\"The target group ... does not have an associated load balancer\"); add "
        "a listener or listener rule whose forward action targets it",
        target.urn,
    )


ecs_target_group_matches_container = stack_policy(
    name="ecs-target-group-matches-container",
    description=(
        "The container and port in each service's load-balancer block exist in its task definition, and the "
        "target group is of type ip for awsvpc tasks, receives traffic from a listener and health-checks that port."
    ),
    validate=validate_target_group_matches_container,
    severity=Severity.CRITICAL,
    remediation_steps=(
        "Make the service's loadBalancers containerName and containerPort name a container of the task "
        "definition and one of its portMappings; use targetType \"ip\" for awsvpc tasks; forward to the target "
        "group from a listener or listener rule; leave healthCheck.port as \"traffic-port\" or set it to the "
        "container port."
    ),
    url="https://docs.aws.amazon.com/AmazonECS/latest/developerguide/alb.html",
    config_schema=LIVE_LOOKUP_SCHEMA,
)


# --- ecs-health-checks-consistent -----------------------------------------------------------------

_LOCAL_URL = re.compile(r"https?://(?:localhost|127\.0\.0\.1|0\.0\.0\.0|\[::1\])(?::(\d+))?(/[^\s'\"|;&)]*)?")


def container_probe(container: Container) -> tuple[int | None, str | None] | None:
    """(port, path) of a container health check that calls a local URL; None when it does not."""
    command = get_path(container.health_check, "command") if container.health_check else None
    if not isinstance(command, list):
        return None
    text = " ".join(str(part) for part in command if isinstance(part, str))
    match = _LOCAL_URL.search(text)
    if not match:
        return None
    port = int(match.group(1)) if match.group(1) else (443 if match.group(0).startswith("https") else 80)
    path = match.group(2) or "/"
    return port, path.split("?", 1)[0]


def validate_health_checks_consistent(index: StackIndex, findings: Findings, config: dict) -> None:
    live = _Live(config)
    extra = as_int(config.get("extraGraceSeconds")) or 0
    for block in _blocks(index, findings, live):
        container = _container_named(block.containers, block.container_name)
        if container is None:
            continue  # ecs-target-group-matches-container reports it
        target = block.target_group
        mismatch = _health_check_port_mismatch(block)
        if mismatch and target is not None:
            findings.violation(mismatch, target.urn)
        probe = container_probe(container)
        if probe is not None and probe[0] != block.port:
            findings.violation(
                f"{block.task.label} container '{container.name}' healthCheck probes port {probe[0]} but the "
                f"container serves the load balancer on {block.port} ({block.where}): point the container health "
                f"check at port {block.port}",
                block.task.urn,
            )
        if target is not None:
            _check_path_drift(block, container, target, probe, findings)
            _check_grace_period(block, container, target, extra, findings)


def _health_check(target: Resource) -> Any:
    check = target.props.get("healthCheck")
    return check if isinstance(check, dict) or is_unknown(check) else {}


def _check_path_drift(block: _Block, container: Container, target: Resource,
                      probe: tuple[int | None, str | None] | None, findings: Findings) -> None:
    check = _health_check(target)
    if is_unknown(check):
        findings.inconclusive(f"{target.label} healthCheck")
        return
    protocol, path = check.get("protocol"), check.get("path")
    if is_unknown(protocol) or is_unknown(path):
        findings.inconclusive(f"{target.label} healthCheck.path")
        return
    if str(protocol or "HTTP").upper() not in ("HTTP", "HTTPS") or probe is None:
        return
    target_path = path if isinstance(path, str) and path else "/"
    if target_path != probe[1]:
        findings.violation(
            f"{target.label} healthCheck.path {target_path!r} differs from the path {probe[1]!r} that container "
            f"'{container.name}' of {block.task.label} checks itself: the two definitions of the health endpoint "
            "have drifted; use one path in both",
            target.urn,
        )


def _check_grace_period(block: _Block, container: Container, target: Resource, extra: int,
                        findings: Findings) -> None:
    if block.runner.type != ECS_SERVICE:
        return
    check = _health_check(target)
    grace_value = block.runner.props.get("healthCheckGracePeriodSeconds")
    start_value = get_path(container.health_check, "startPeriod") if container.health_check else None
    values = (grace_value, start_value, get_path(check, "interval"), get_path(check, "healthyThreshold"))
    if is_unknown(check) or any(is_unknown(v) for v in values):
        findings.inconclusive(f"{block.runner.label} healthCheckGracePeriodSeconds against the health checks")
        return
    grace = as_int(grace_value) or 0
    start = as_int(start_value) or 0
    interval = as_int(check.get("interval")) or 30
    threshold = as_int(check.get("healthyThreshold")) or 3
    needed = start + interval * threshold + extra
    if grace < needed:
        findings.violation(
            f"{block.runner.label} healthCheckGracePeriodSeconds {grace} is shorter than the {needed} s a new task "
            f"needs to pass its health checks (container '{container.name}' startPeriod {start} + {target.label} "
            f"healthyThreshold {threshold} × interval {interval}"
            + (f" + extraGraceSeconds {extra}" if extra else "")
            + f"): ECS would stop tasks that are still starting; set it to at least {needed}",
            block.runner.urn,
        )


ecs_health_checks_consistent = stack_policy(
    name="ecs-health-checks-consistent",
    description=(
        "Target-group and container health checks probe the port and path the container serves, and the "
        "service's grace period covers the time a new task needs to pass them."
    ),
    validate=validate_health_checks_consistent,
    severity=Severity.MEDIUM,
    remediation_steps=(
        "Leave the target group's healthCheck.port as \"traffic-port\" (or the container port), use the same "
        "health path in the target group and the container health check, and set the service's "
        "healthCheckGracePeriodSeconds to at least the container's startPeriod plus healthyThreshold × interval."
    ),
    url="https://docs.aws.amazon.com/AmazonECS/latest/developerguide/load-balancer-healthcheck.html",
    config_schema={
        "extraGraceSeconds": {
            "type": "integer",
            "minimum": 0,
            "default": 0,
            "description": "Headroom in seconds the grace period must have beyond start period plus health checks.",
        },
        **LIVE_LOOKUP_SCHEMA,
    },
)


# --- ecs-rollout-zero-downtime ---------------------------------------------------------------------

_NATIVE_STRATEGIES = ("BLUE_GREEN", "LINEAR", "CANARY")


def _controller(service: Resource) -> Any:
    controller = service.props.get("deploymentController")
    if is_unknown(controller):
        return controller
    kind = get_path(controller, "type")
    return "ECS" if kind is None else kind


def _strategy(service: Resource) -> Any:
    strategy = get_path(service.props.get("deploymentConfiguration"), "strategy")
    return "ROLLING" if strategy is None else strategy


def validate_rollout_zero_downtime(index: StackIndex, findings: Findings, config: dict) -> None:
    live = _Live(config)
    if not index.of_type(ECS_SERVICE):
        findings.not_applicable("the stack has no ECS service")
    for service in index.of_type(ECS_SERVICE):
        controller, strategy = _controller(service), _strategy(service)
        if is_unknown(controller) or is_unknown(strategy):
            findings.inconclusive(f"{service.label} deploymentController/deploymentConfiguration")
            continue
        if controller != "ECS" or service.props.get("schedulingStrategy") == "DAEMON":
            continue
        desired_value = service.props.get("desiredCount")
        desired = 1 if desired_value is None else as_int(desired_value)
        desired_value, desired, count = _with_scaling_minimum(index, service, desired_value, desired, findings)
        if strategy == "ROLLING":
            _check_rolling_capacity(service, desired_value, desired, count, findings)
        _check_circuit_breaker(service, findings)
        if config.get("requireHighAvailability") is True:
            _check_high_availability(index, service, desired_value, desired, count, config, findings, live)


def _scaling_targets(index: StackIndex, service: Resource) -> list[Resource]:
    """The application auto scaling targets that scale this service's desired count.

    Matched by `resourceId` `service/<cluster>/<service name>` or, when that is unknown,
    through the graph (the target's resourceId depends on the service).
    """
    found = []
    for target in index.of_type(APPAUTOSCALING_TARGET):
        if target.props.get("scalableDimension") != "ecs:service:DesiredCount":
            continue
        resource_id = target.props.get("resourceId")
        if is_unknown(resource_id):
            if service.urn in target.property_dependencies.get("resourceId", []):
                found.append(target)
        elif isinstance(resource_id, str) and _names_service(resource_id, service):
            found.append(target)
    return found


def _names_service(resource_id: str, service: Resource) -> bool:
    parts = resource_id.split("/")
    name = service.props.get("name")
    if len(parts) != 3 or parts[0] != "service" or not isinstance(name, str) or parts[2] != name:
        return False
    cluster = service.props.get("cluster")
    # The cluster is an ARN or a name; an unknown or missing one does not rule the target out.
    return not isinstance(cluster, str) or cluster.rsplit("/", 1)[-1] == parts[1]


def _with_scaling_minimum(index: StackIndex, service: Resource, desired_value: Any, desired: int | None,
                          findings: Findings) -> tuple[Any, int | None, str]:
    """The task count the service keeps, and how messages name it.

    Its desiredCount, raised to an auto scaling target's minCapacity: auto scaling never lets
    the count fall below minCapacity, so minCapacity 2 keeps two tasks even when desiredCount
    says 1.
    """
    count = f"desiredCount {desired}"
    for target in _scaling_targets(index, service):
        minimum_value = target.props.get("minCapacity")
        if is_unknown(minimum_value):
            findings.inconclusive(f"{target.label} minCapacity")
            continue
        minimum = as_int(minimum_value)
        if minimum is None:
            continue
        # An unknown desiredCount stays unknown: the count could still be above minCapacity.
        if not is_unknown(desired_value) and desired is not None and minimum > desired:
            count = f"desiredCount {desired} (raised to {minimum} by {target.label} minCapacity)"
            desired_value, desired = minimum, minimum
    return desired_value, desired, count


def _check_rolling_capacity(service: Resource, desired_value: Any, desired: int | None, count: str,
                            findings: Findings) -> None:
    minimum_value = service.props.get("deploymentMinimumHealthyPercent")
    maximum_value = service.props.get("deploymentMaximumPercent")
    if is_unknown(minimum_value) or is_unknown(desired_value):
        findings.inconclusive(f"{service.label} deploymentMinimumHealthyPercent/desiredCount")
    else:
        minimum = 100 if minimum_value is None else as_int(minimum_value)
        if minimum is not None and minimum < 100 and not (minimum >= 50 and desired is not None and desired >= 2):
            findings.violation(
                f"{service.label} deploymentMinimumHealthyPercent {minimum} with {count} lets a "
                "rolling deployment stop running tasks before their replacements are healthy: set it to 100 "
                "(or at least 50 with desiredCount 2 or more)",
                service.urn,
            )
    if is_unknown(maximum_value):
        findings.inconclusive(f"{service.label} deploymentMaximumPercent")
        return
    maximum = 200 if maximum_value is None else as_int(maximum_value)
    if maximum is not None and maximum <= 100:
        findings.violation(
            f"{service.label} deploymentMaximumPercent {maximum} leaves no room to start new tasks beside the old "
            "ones, so a deployment must stop tasks first: set it above 100 (200 is the default)",
            service.urn,
        )


def _check_circuit_breaker(service: Resource, findings: Findings) -> None:
    breaker = service.props.get("deploymentCircuitBreaker")
    enable, rollback = get_path(breaker, "enable"), get_path(breaker, "rollback")
    if is_unknown(breaker) or is_unknown(enable) or is_unknown(rollback):
        findings.inconclusive(f"{service.label} deploymentCircuitBreaker")
        return
    if enable is not True or rollback is not True:
        shown = "is not set" if breaker is None else f"has enable {enable!r} and rollback {rollback!r}"
        findings.violation(
            f"{service.label} deploymentCircuitBreaker {shown}: a failing deployment keeps replacing tasks instead "
            "of rolling back; set deploymentCircuitBreaker enable true and rollback true",
            service.urn,
        )


def _check_high_availability(index: StackIndex, service: Resource, desired_value: Any, desired: int | None,
                             count: str, config: dict, findings: Findings, live: _Live) -> None:
    minimum_tasks = as_int(config.get("minimumDesiredCount")) or 2
    if is_unknown(desired_value):
        findings.inconclusive(f"{service.label} desiredCount")
    elif desired is not None and desired < minimum_tasks:
        findings.violation(
            f"{service.label} {count} is below {minimum_tasks}: one failed task or AZ takes the "
            f"service down; set desiredCount to at least {minimum_tasks} (requireHighAvailability)",
            service.urn,
        )
    zones, unknown = _availability_zones(index, service, findings, live)
    if unknown:
        return
    if len(zones) < 2:
        shown = ", ".join(sorted(zones)) or "none"
        findings.violation(
            f"{service.label} networkConfiguration.subnets span {len(zones)} availability zone(s) ({shown}): an AZ "
            "outage stops every task; add subnets in at least 2 availability zones (requireHighAvailability)",
            service.urn,
        )


def _availability_zones(index: StackIndex, service: Resource, findings: Findings,
                        live: _Live) -> tuple[set[str], bool]:
    subnets = ecs_model.subnets_of(service)
    if subnets is None:
        return set(), False
    zones: set[str] = set()
    outside: list[str] = []
    unknown = False
    for ref in index.refs(service, "networkConfiguration", subnets, (EC2_SUBNET, EC2_DEFAULT_SUBNET)):
        if ref.resource is not None:
            zone = ref.resource.props.get("availabilityZone")
            zone = ref.resource.props.get("availabilityZoneId") if zone is None else zone
            if isinstance(zone, str):
                zones.add(zone)
            else:
                findings.inconclusive(f"{ref.resource.label} availabilityZone")
                unknown = True
        elif not ref.resolved:
            findings.inconclusive(f"{service.label} networkConfiguration.subnets")
            unknown = True
        elif isinstance(ref.value, str):
            outside.append(ref.value)
    if outside:
        lookup = live.for_resource(service).call("ec2", "describe_subnets", SubnetIds=sorted(outside))
        found = lookup.data.get("Subnets") if lookup.ok else None
        if not isinstance(found, list):
            findings.inconclusive(f"{service.label} subnets {', '.join(sorted(outside))} ({lookup.reason})")
            return zones, True
        zones.update(s["AvailabilityZone"] for s in found if isinstance(s, dict) and s.get("AvailabilityZone"))
    return zones, unknown


ecs_rollout_zero_downtime = stack_policy(
    name="ecs-rollout-zero-downtime",
    description=(
        "Rolling deployments keep capacity (minimum healthy and maximum percent), the deployment circuit breaker "
        "rolls back, and, when required, services run at least two tasks across two availability zones."
    ),
    validate=validate_rollout_zero_downtime,
    severity=Severity.HIGH,
    remediation_steps=(
        "Set deploymentMinimumHealthyPercent to 100 (or at least 50 with desiredCount 2 or more), "
        "deploymentMaximumPercent above 100, deploymentCircuitBreaker {enable: true, rollback: true}, and for "
        "production a desiredCount (or an application auto scaling target minCapacity) of at least 2 with subnets "
        "in at least 2 availability zones."
    ),
    url="https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-type-ecs.html",
    config_schema={
        "requireHighAvailability": {
            "type": "boolean",
            "default": False,
            "description": "Also require minimumDesiredCount tasks and subnets in at least 2 availability zones.",
        },
        "minimumDesiredCount": {
            "type": "integer",
            "minimum": 1,
            "default": 2,
            "description": "The smallest desiredCount accepted when requireHighAvailability is true.",
        },
        **LIVE_LOOKUP_SCHEMA,
    },
)


# --- ecs-blue-green-valid ----------------------------------------------------------------------

_ECS_DEPLOYMENT_CONFIGS = (
    "CodeDeployDefault.ECSAllAtOnce",
    "CodeDeployDefault.ECSLinear10PercentEvery1Minutes",
    "CodeDeployDefault.ECSLinear10PercentEvery3Minutes",
    "CodeDeployDefault.ECSCanary10Percent5Minutes",
    "CodeDeployDefault.ECSCanary10Percent15Minutes",
)


def validate_blue_green(index: StackIndex, findings: Findings, config: dict) -> None:
    live = _Live(config)
    applies = False
    for service in index.of_type(ECS_SERVICE):
        controller, strategy = _controller(service), _strategy(service)
        if is_unknown(controller) or is_unknown(strategy):
            findings.inconclusive(f"{service.label} deploymentController/deploymentConfiguration")
        elif controller == "CODE_DEPLOY":
            applies = True
            _check_code_deploy(index, service, findings)
        elif controller == "ECS" and strategy in _NATIVE_STRATEGIES:
            applies = True
            _check_native(index, service, strategy, findings, live)
    if not applies:
        findings.not_applicable("no ECS service in the stack deploys blue/green (CODE_DEPLOY controller or a "
                                "BLUE_GREEN, LINEAR or CANARY strategy)")


def _deployment_groups_of(index: StackIndex, service: Resource) -> tuple[list[Resource], bool]:
    found, unknown = [], False
    name = service.props.get("name")
    for group in index.of_type(CODEDEPLOY_DEPLOYMENT_GROUP):
        named = get_path(group.props.get("ecsService"), "serviceName")
        if is_unknown(named):
            depends = service.urn in group.property_dependencies.get("ecsService", [])
            if depends:
                found.append(group)
            elif not group.property_dependencies.get("ecsService"):
                unknown = True
        elif named is not None and named == name:
            found.append(group)
    return found, unknown


def _check_code_deploy(index: StackIndex, service: Resource, findings: Findings) -> None:
    groups, unknown = _deployment_groups_of(index, service)
    if not groups:
        if unknown:
            findings.inconclusive(f"the CodeDeploy deployment group of {service.label}")
        else:
            findings.violation(
                f"{service.label} uses the CODE_DEPLOY deployment controller but no CodeDeploy deployment group in "
                "this stack names it in ecsService: ECS cannot deploy it; add an "
                "aws.codedeploy.DeploymentGroup with ecsService.serviceName set to the service's name",
                service.urn,
            )
        return
    for group in groups:
        _check_deployment_group(index, service, group, findings)


def _check_deployment_group(index: StackIndex, service: Resource, group: Resource, findings: Findings) -> None:
    style = group.props.get("deploymentStyle")
    for key, wanted in (("deploymentType", "BLUE_GREEN"), ("deploymentOption", "WITH_TRAFFIC_CONTROL")):
        value = get_path(style, key)
        if isinstance(value, str) and value != wanted:
            findings.violation(
                f"{group.label} deploymentStyle.{key} {value!r} is not valid for ECS: set it to {wanted!r}",
                group.urn,
            )
    _check_application(index, group, findings)
    pair = get_path(group.props.get("loadBalancerInfo"), "targetGroupPairInfo")
    if is_unknown(pair):
        findings.inconclusive(f"{group.label} loadBalancerInfo.targetGroupPairInfo")
        return
    if not isinstance(pair, dict):
        findings.violation(
            f"{group.label} has no loadBalancerInfo.targetGroupPairInfo: CodeDeploy needs the two target groups "
            "and the production listener it shifts traffic between; set targetGroupPairInfo",
            group.urn,
        )
        return
    targets = _pair_target_groups(index, group, pair, findings)
    if targets is None:
        return
    _check_service_in_pair(index, service, group, targets, findings)
    listeners = _route_listeners(index, group, pair, targets, findings)
    _check_nlb_deployment_config(index, group, listeners, findings)


def _check_application(index: StackIndex, group: Resource, findings: Findings) -> None:
    name = group.props.get("appName")
    for application in index.of_type(CODEDEPLOY_APPLICATION):
        same = application.props.get("name") == name if not is_unknown(name) else (
            application.urn in group.property_dependencies.get("appName", []))
        platform = application.props.get("computePlatform")
        if same and isinstance(platform, str) and platform != "ECS":
            findings.violation(
                f"{application.label} computePlatform {platform!r} cannot deploy ECS services ({group.label}): "
                "set computePlatform to \"ECS\"",
                application.urn,
            )


def _pair_target_groups(index: StackIndex, group: Resource, pair: dict,
                        findings: Findings) -> list[Resource] | None:
    entries = pair.get("targetGroups")
    if is_unknown(entries):
        findings.inconclusive(f"{group.label} targetGroupPairInfo.targetGroups")
        return None
    names = [get_path(e, "name") for e in as_list(entries)]
    if len(names) != 2:
        findings.violation(
            f"{group.label} targetGroupPairInfo.targetGroups lists {len(names)} target group(s): blue/green needs "
            "exactly 2 (one serving production, one receiving the replacement tasks)",
            group.urn,
        )
        return None
    refs = index.refs(group, "loadBalancerInfo", names, LB_TARGET_GROUP, keys=("name",))
    if any(not ref.resolved for ref in refs):
        findings.inconclusive(f"{group.label} targetGroupPairInfo target group names")
        return None
    if len({repr(ref.value) if ref.resource is None else ref.resource.urn for ref in refs}) < 2:
        findings.violation(
            f"{group.label} targetGroupPairInfo names the same target group twice: use two distinct target groups",
            group.urn,
        )
        return None
    return [ref.resource for ref in refs if ref.resource is not None]


def _check_service_in_pair(index: StackIndex, service: Resource, group: Resource, targets: list[Resource],
                           findings: Findings) -> None:
    blocks = load_balancer_blocks(service)
    if is_unknown(blocks):
        findings.inconclusive(f"{service.label} loadBalancers")
        return
    for number, block in enumerate(blocks):
        if is_unknown(block):
            findings.inconclusive(f"{service.label} loadBalancers[{number}]")
            continue
        ref = target_group_of(index, service, block)
        if ref is None:
            continue
        if ref.resource is None:
            findings.inconclusive(f"{service.label} loadBalancers[{number}].targetGroupArn {ref.describe()} "
                                  "(not a target group in this stack)")
            continue
        if len(targets) == 2 and ref.resource not in targets:
            findings.violation(
                f"{service.label} loadBalancers[{number}] uses {ref.resource.label}, which is not one of the target "
                f"groups of {group.label} ({', '.join(t.label for t in targets)}): CodeDeploy cannot shift its "
                "traffic; use one of the pair",
                service.urn,
            )


def _route_values(group: Resource, pair: dict, route: str, findings: Findings) -> list | None:
    arns = get_path(pair.get(route), "listenerArns")
    if is_unknown(arns):
        findings.inconclusive(f"{group.label} {route}.listenerArns")
        return None
    return list(as_list(arns))


def _route_listeners(index: StackIndex, group: Resource, pair: dict, targets: list[Resource],
                     findings: Findings) -> list[Resource]:
    """The production and test listeners, checked; resolved together so unknown ARNs map onto the graph."""
    production = _route_values(group, pair, "prodTrafficRoute", findings)
    test = _route_values(group, pair, "testTrafficRoute", findings)
    if production is None or test is None:
        return []
    if not production:
        findings.violation(
            f"{group.label} has no prodTrafficRoute.listenerArns: CodeDeploy needs the production listener whose "
            "traffic it shifts; set it to the listener that forwards to the service's target group",
            group.urn,
        )
        return []
    if len(production) != 1:
        findings.violation(
            f"{group.label} prodTrafficRoute.listenerArns lists {len(production)} listeners: it must contain exactly "
            "one",
            group.urn,
        )
    values = production + test
    known = not any(is_unknown(v) for v in values)
    if known and set(map(repr, production)) & set(map(repr, test)):
        findings.violation(
            f"{group.label} uses the same listener for production and test traffic: give the test route its own "
            "listener (for example on another port)",
            group.urn,
        )
    refs = index.refs(group, "loadBalancerInfo", values, LB_LISTENER, ARN_KEYS)
    routes = ["prodTrafficRoute"] * len(production) + ["testTrafficRoute"] * len(test)
    listeners = []
    for number, ref in enumerate(refs):
        route = routes[number] if known else "prodTrafficRoute/testTrafficRoute"
        if ref.resource is None:
            findings.inconclusive(f"{group.label} {route}.listenerArns {ref.describe()} (not a listener in this stack)")
            continue
        listeners.append(ref.resource)
        forwarded = forwarded_target_groups(index, ref.resource)
        if any(not f.resolved for f in forwarded):
            findings.inconclusive(f"{ref.resource.label} defaultActions")
            continue
        if targets and not any(f.resource in targets for f in forwarded):
            findings.violation(
                f"{ref.resource.label} in {group.label} {route} forwards to none of the deployment group's target "
                f"groups ({', '.join(t.label for t in targets)}): CodeDeploy cannot shift its traffic; forward it "
                "to one of them",
                ref.resource.urn,
            )
    return listeners


def _check_nlb_deployment_config(index: StackIndex, group: Resource, listeners: list[Resource],
                                 findings: Findings) -> None:
    name = group.props.get("deploymentConfigName")
    if is_unknown(name):
        findings.inconclusive(f"{group.label} deploymentConfigName")
        return
    if isinstance(name, str) and name.startswith("CodeDeployDefault.") and name not in _ECS_DEPLOYMENT_CONFIGS:
        findings.violation(
            f"{group.label} deploymentConfigName {name!r} is not an ECS deployment configuration: use one of "
            f"{', '.join(_ECS_DEPLOYMENT_CONFIGS)}",
            group.urn,
        )
        return
    if name is None or name == "CodeDeployDefault.ECSAllAtOnce":
        return
    for listener in listeners:
        ref = load_balancer_of(index, listener)
        balancer = ref.resource if ref is not None else None
        if balancer is None:
            findings.inconclusive(f"the load balancer type behind {listener.label} (not in this stack)")
            continue
        kind = load_balancer_type(balancer)
        if is_unknown(kind):
            findings.inconclusive(f"{balancer.label} loadBalancerType")
        elif kind == "network":
            findings.violation(
                f"{group.label} deploymentConfigName {name!r} shifts traffic gradually, but {balancer.label} is a "
                "network load balancer, for which CodeDeploy supports only CodeDeployDefault.ECSAllAtOnce: use "
                "CodeDeployDefault.ECSAllAtOnce or an application load balancer",
                group.urn,
            )
            return


def _check_native(index: StackIndex, service: Resource, strategy: str, findings: Findings, live: _Live) -> None:
    deployment = service.props.get("deploymentConfiguration")
    needed = {"LINEAR": "linearConfiguration", "CANARY": "canaryConfiguration"}.get(strategy)
    if needed and get_path(deployment, needed) is None:
        findings.violation(
            f"{service.label} deploymentConfiguration.strategy {strategy} needs deploymentConfiguration.{needed}: "
            f"set it",
            service.urn,
        )
    blocks = load_balancer_blocks(service)
    if is_unknown(blocks):
        findings.inconclusive(f"{service.label} loadBalancers")
        return
    if not blocks:
        findings.violation(
            f"{service.label} deploymentConfiguration.strategy {strategy} shifts traffic between two target groups "
            "but the service has no loadBalancers block: add one with advancedConfiguration",
            service.urn,
        )
        return
    for number, block in enumerate(blocks):
        where = f"{service.label} loadBalancers[{number}]"
        advanced = get_path(block, "advancedConfiguration")
        if is_unknown(block) or is_unknown(advanced):
            findings.inconclusive(f"{where}.advancedConfiguration")
            continue
        missing = [key for key in ("alternateTargetGroupArn", "productionListenerRule", "roleArn")
                   if get_path(advanced, key) in (None, "")]
        if missing:
            findings.violation(
                f"{where}.advancedConfiguration does not set {', '.join(missing)}: the {strategy} strategy needs the "
                "alternate target group, the production listener rule and the role ECS uses to shift traffic",
                service.urn,
            )
            continue
        _check_alternate_target_group(index, service, block, advanced, where, findings)
        _check_traffic_role(index, service, advanced.get("roleArn"), where, findings, live)


def _check_alternate_target_group(index: StackIndex, service: Resource, block: dict, advanced: dict, where: str,
                                  findings: Findings) -> None:
    primary = target_group_of(index, service, block)
    alternate_value = advanced.get("alternateTargetGroupArn")
    if is_unknown(alternate_value) or primary is None:
        return
    alternate = index.refs(service, "loadBalancers", alternate_value, LB_TARGET_GROUP, ARN_KEYS)
    same_value = not is_unknown(primary.value) and primary.value == alternate_value
    same_resource = primary.resource is not None and alternate and alternate[0].resource is primary.resource \
        and not is_unknown(primary.value)
    if same_value or same_resource:
        findings.violation(
            f"{where}.advancedConfiguration.alternateTargetGroupArn is the service's own target group: blue/green "
            "needs a second target group for the replacement tasks",
            service.urn,
        )
    rule_value = advanced.get("productionListenerRule")
    rules = index.refs(service, "loadBalancers", rule_value, (*LB_LISTENER_RULE, *LB_LISTENER), ARN_KEYS)
    for ref in rules:
        if ref.resource is None:
            findings.inconclusive(f"{where}.advancedConfiguration.productionListenerRule {ref.describe()} "
                                  "(not a listener rule in this stack)")
            continue
        forwarded = forwarded_target_groups(index, ref.resource)
        if any(not f.resolved for f in forwarded):
            findings.inconclusive(f"{ref.resource.label} forward targets")
            continue
        wanted = [r.resource for r in [primary, *alternate] if r.resource is not None]
        if wanted and not any(f.resource in wanted for f in forwarded):
            findings.violation(
                f"{ref.resource.label} (productionListenerRule of {where}) forwards to neither the service's target "
                "group nor the alternate one: ECS cannot shift its traffic; forward it to both",
                ref.resource.urn,
            )


_ECS_SERVICE_PRINCIPAL = "ecs.amazonaws.com"


def _traffic_role_ref(index: StackIndex, service: Resource, value: Any) -> Ref:
    """The role in advancedConfiguration.roleArn: matched by ARN, by the name at the end of a
    computed ARN (the role's own `arn` is unknown at preview), or through the graph."""
    refs = index.refs(service, "loadBalancers", value, IAM_ROLE, ARN_KEYS)
    ref = refs[0] if refs else Ref(value, None)
    if ref.resource is None and isinstance(value, str) and ":role/" in value:
        name = value.rsplit("/", 1)[-1]
        matches = [r for r in index.of_type(IAM_ROLE) if r.props.get("name") == name]
        if matches:
            return Ref(value, matches[0])
    return ref


def _place(service: Resource, value: Any) -> Place:
    region = service.provider_props.get("region")
    region = region if isinstance(region, str) and region else None
    parts = value.split(":") if isinstance(value, str) else []
    account = parts[4] if len(parts) > 4 and parts[4].isdigit() else None
    return Place(partition_of(region), region, account)


def _check_traffic_role(index: StackIndex, service: Resource, value: Any, where: str, findings: Findings,
                        live: _Live) -> None:
    """The role ECS assumes to shift traffic must exist and trust ecs.amazonaws.com with sts:AssumeRole."""
    what = f"{where}.advancedConfiguration.roleArn"
    ref = _traffic_role_ref(index, service, value)
    if not ref.resolved:
        findings.inconclusive(f"{what} (not known yet, and it depends on no {IAM_ROLE} of this stack)")
        return
    if ref.resource is None and not isinstance(ref.value, str):
        return
    view = RoleReader(index, live.for_resource(service), _place(service, value)).view(ref)
    if view.exists is None:
        findings.inconclusive(f"{what} role {view.label} ({view.why})")
        return
    if not view.exists:
        findings.violation(
            f"{what} {ref.value!r} names a role that does not exist ({view.why}): ECS cannot shift traffic between "
            f"the target groups; create the role with a trust policy for {_ECS_SERVICE_PRINCIPAL} or point roleArn "
            "at an existing one",
            service.urn,
        )
        return
    verdict = evaluate_trust(view.trust, _ECS_SERVICE_PRINCIPAL)
    if verdict.decision is Decision.INCONCLUSIVE:
        findings.inconclusive(f"{what} role {view.label}: {verdict.reason}")
    elif not verdict.allowed:
        statement = json.dumps({"Effect": "Allow", "Principal": {"Service": _ECS_SERVICE_PRINCIPAL},
                                "Action": "sts:AssumeRole"})
        findings.violation(
            f"{what} role {view.label}: its trust policy does not let {_ECS_SERVICE_PRINCIPAL} assume it "
            f"({verdict.reason}), so ECS cannot shift traffic between the target groups; add this statement to "
            f"the role's assumeRolePolicy: {statement}",
            service.urn,
        )


ecs_blue_green_valid = stack_policy(
    name="ecs-blue-green-valid",
    description=(
        "Blue/green deployments are wired so CodeDeploy or ECS can shift traffic: two target groups, production "
        "(and test) listeners that match, an NLB only with all-at-once, and the native strategies' alternate "
        "target group, listener rule and role."
    ),
    validate=validate_blue_green,
    severity=Severity.HIGH,
    remediation_steps=(
        "For the CODE_DEPLOY controller, create an aws.codedeploy.DeploymentGroup naming the service, with "
        "deploymentStyle BLUE_GREEN/WITH_TRAFFIC_CONTROL, two target groups, a production listener that forwards "
        "to one of them (and an optional test listener), and CodeDeployDefault.ECSAllAtOnce behind an NLB; for "
        "ECS-native BLUE_GREEN, LINEAR or CANARY set loadBalancers[].advancedConfiguration alternateTargetGroupArn, "
        "productionListenerRule and roleArn, the role trusting ecs.amazonaws.com with sts:AssumeRole."
    ),
    url="https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-type-bluegreen.html",
    config_schema=LIVE_LOOKUP_SCHEMA,
)


POLICIES: list = [
    ecs_image_pinned,
    ecs_target_group_matches_container,
    ecs_health_checks_consistent,
    ecs_rollout_zero_downtime,
    ecs_blue_green_valid,
    fargate_task_size_valid,
    ecs_no_plaintext_secrets,
]
