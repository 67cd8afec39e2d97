"""ECS as the rules read it: container definitions, images, and what a service runs.

`containerDefinitions` is a JSON string on the wire. In a first preview one unknown
inside it makes the whole string unknown (pulumi/pulumi#7854), so `containers_of`
answers UNKNOWN or `Malformed` as well as a list, and rules say which they got.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from model.aws_types import ECS_SERVICE, ECS_TASK_DEFINITION, ECS_TASK_SET, IAM_ROLE
from model.stack_index import Ref, StackIndex
from model.values import UNKNOWN, Malformed, Resource, is_unknown, parse_json


@dataclass(frozen=True)
class PortMapping:
    container_port: Any
    protocol: str = "tcp"


@dataclass(frozen=True)
class Container:
    """One container definition; fields keep the raw value (may be UNKNOWN or of the wrong type)."""

    name: Any
    image: Any
    port_mappings: tuple[PortMapping, ...] = ()
    environment: tuple[tuple[Any, Any], ...] = ()
    secrets: tuple[tuple[Any, Any], ...] = ()
    log_driver: Any = None
    log_options: dict[str, Any] = field(default_factory=dict)
    health_check: dict[str, Any] | None = None
    cpu: Any = None
    memory: Any = None
    memory_reservation: Any = None
    essential: Any = True
    raw: dict[str, Any] = field(default_factory=dict)

    @property
    def uses_awslogs(self) -> bool:
        return self.log_driver == "awslogs"


def containers_of(task_definition: Resource) -> list[Container] | Any:
    """The task definition's containers, UNKNOWN, or Malformed(why)."""
    parsed = parse_json(task_definition.props.get("containerDefinitions"))
    if parsed is None:
        return Malformed("containerDefinitions is missing")
    if is_unknown(parsed) or isinstance(parsed, Malformed):
        return parsed
    if not isinstance(parsed, list):
        return Malformed(f"containerDefinitions is a {type(parsed).__name__}, not a list")
    return [_container(item) for item in parsed if isinstance(item, dict)]


def _container(raw: dict[str, Any]) -> Container:
    log = raw.get("logConfiguration") if isinstance(raw.get("logConfiguration"), dict) else {}
    options = log.get("options") if isinstance(log.get("options"), dict) else {}
    health = raw.get("healthCheck") if isinstance(raw.get("healthCheck"), dict) else None
    return Container(
        name=raw.get("name"),
        image=raw.get("image"),
        port_mappings=tuple(
            PortMapping(item.get("containerPort"), _protocol(item.get("protocol")))
            for item in _list(raw.get("portMappings"))
            if isinstance(item, dict)
        ),
        environment=tuple(
            (item.get("name"), item.get("value")) for item in _list(raw.get("environment")) if isinstance(item, dict)
        ),
        secrets=tuple(
            (item.get("name"), item.get("valueFrom")) for item in _list(raw.get("secrets")) if isinstance(item, dict)
        ),
        log_driver=log.get("logDriver"),
        log_options=options,
        health_check=health,
        cpu=raw.get("cpu"),
        memory=raw.get("memory"),
        memory_reservation=raw.get("memoryReservation"),
        essential=raw.get("essential", True),
        raw=raw,
    )


def _protocol(value: Any) -> Any:
    # A leaf unknown (see model.values.parse_json) stays unknown; a missing protocol is tcp.
    if is_unknown(value):
        return value
    return str(value or "tcp").lower()


def _list(value: Any) -> list:
    return value if isinstance(value, list) else []


# <account>.dkr.ecr[-fips].<region>.amazonaws.com[.cn]/<repository>
_ECR_REGISTRY = re.compile(
    r"^(?P<account>\d{12})\.dkr\.ecr(?:-fips)?\.(?P<region>[a-z0-9-]+)\.amazonaws\.com(?:\.cn)?$"
)
_DIGEST = re.compile(r"^sha256:[0-9a-f]{64}$")


@dataclass(frozen=True)
class ImageRef:
    """A parsed image reference. `registry` is "docker.io" when the reference names none."""

    registry: str
    repository: str
    tag: str | None
    digest: str | None
    account: str | None = None
    region: str | None = None

    @property
    def is_private_ecr(self) -> bool:
        return self.account is not None

    @property
    def pinned_by_digest(self) -> bool:
        return self.digest is not None and bool(_DIGEST.match(self.digest))


def parse_image(image: Any) -> ImageRef | None:
    """Parse `[registry/]repository[:tag][@digest]`; None for anything that is not a string."""
    if not isinstance(image, str) or not image or is_unknown(image):
        return None
    rest, _, digest = image.partition("@")
    first, slash, remainder = rest.partition("/")
    # Docker's rule: the first component is a registry when it has a dot or a port, or is localhost.
    if slash and ("." in first or ":" in first or first == "localhost"):
        registry, path = first, remainder
    else:
        registry, path = "docker.io", rest
    repository, colon, tag = path.rpartition(":") if ":" in path else (path, "", "")
    if not colon:
        repository, tag = path, ""
    ecr = _ECR_REGISTRY.match(registry)
    return ImageRef(
        registry=registry,
        repository=repository,
        tag=tag or None,
        digest=digest or None,
        account=ecr.group("account") if ecr else None,
        region=ecr.group("region") if ecr else None,
    )


def services_and_task_sets(index: StackIndex) -> list[Resource]:
    return index.of_type(ECS_SERVICE, ECS_TASK_SET)


def task_definition_of(index: StackIndex, runner: Resource) -> Ref | None:
    """The task definition a service or task set runs: in the stack, outside it, or unresolved."""
    value = runner.props.get("taskDefinition")
    if value is None:
        return None
    refs = index.refs(runner, "taskDefinition", value, ECS_TASK_DEFINITION, keys=("arn", "id"))
    ref = refs[0] if refs else Ref(UNKNOWN, None)
    if ref.resource is None and isinstance(value, str):
        # "family" or "family:revision" (or an ARN ending in them) name the latest or a
        # given revision of a family registered here.
        family = value.rsplit("/", 1)[-1].split(":", 1)[0]
        matches = [t for t in index.of_type(ECS_TASK_DEFINITION) if t.props.get("family") == family]
        if matches:
            return Ref(value, matches[0])
    return ref


def role_of(index: StackIndex, task_definition: Resource, prop: str) -> Ref | None:
    """The role in `executionRoleArn` or `taskRoleArn`: matched by ARN, by name, or through the graph.

    A role created here with an explicit name has an ARN the program can compute at
    preview (`arn:aws:iam::<account>:role/<path><name>`) while the role's own `arn` output
    is still unknown, so the name at the end of the ARN is matched too.
    """
    value = task_definition.props.get(prop)
    if value is None:
        return None
    refs = index.refs(task_definition, prop, value, IAM_ROLE, keys=("arn", "id"))
    ref = refs[0] if refs else Ref(UNKNOWN, None)
    if ref.resource is None and isinstance(value, str) and ":role/" in value:
        name = value.rsplit("/", 1)[-1]
        matches = [r for r in index.of_type(IAM_ROLE) if r.props.get("name") == name]
        if matches:
            return Ref(value, matches[0])
    return ref


def network_mode(task_definition: Resource) -> Any:
    return task_definition.props.get("networkMode")


def subnets_of(runner: Resource) -> Any:
    """`networkConfiguration.subnets` of a service or task set: a list, UNKNOWN or None."""
    config = runner.props.get("networkConfiguration")
    if is_unknown(config):
        return UNKNOWN
    if not isinstance(config, dict):
        return None
    return config.get("subnets")
