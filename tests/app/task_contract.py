"""What a stack's task definition and target group declare about the app container.

The image test checks the built image against these facts, read from the stack itself:
the project's program is run under preflight's mock runtime and the container port, the
container's health-check command and the target group's health path are taken from the
resources it registers (the ECS service's load-balancer block names the container, port
and target group). While the repository has no Pulumi program yet, the values are the
contract agreed with the authors of the program (`AGREED_CONTRACT`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from preflight.program import run_program
from preflight.project import load_project

TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition"
TARGET_GROUP = "aws:lb/targetGroup:TargetGroup"
SERVICE = "aws:ecs/service:Service"


@dataclass(frozen=True)
class TaskContract:
    container_port: int
    # In the task definition's form: "CMD" followed by argv, or "CMD-SHELL" and one string.
    health_command: tuple[str, ...]
    health_path: str
    source: str
    # The container's plain `environment` (secrets come from SSM or Secrets Manager at start
    # and cannot be given to a local container).
    environment: tuple[tuple[str, str], ...] = ()

    def exec_argv(self) -> list[str]:
        """The health-check command as `docker exec` runs it, as the ECS agent does."""
        kind, *rest = self.health_command
        if kind == "CMD":
            return list(rest)
        if kind == "CMD-SHELL":
            return ["/bin/sh", "-c", " ".join(rest)]
        raise ValueError(
            f"health check command {list(self.health_command)!r} starts with {kind!r}; "
            "ECS accepts only 'CMD' or 'CMD-SHELL' there"
        )


AGREED_CONTRACT = TaskContract(
    container_port=8080,
    health_command=("CMD", "python3", "/app/healthcheck.py"),
    health_path="/health",
    source="the contract agreed with the program (the repository has no Pulumi program yet)",
)


def contract_for(project_dir: Path, stack: str) -> TaskContract:
    """The stack's contract; AGREED_CONTRACT only while `project_dir` has no Pulumi.yaml."""
    if not (project_dir / "Pulumi.yaml").is_file():
        return AGREED_CONTRACT
    run = run_program(
        load_project(project_dir, stack), stack=stack, mode="update", invokes={}, stack_outputs={}
    )
    return contract_from_resources(run.resources, source=f"stack {stack!r} of {project_dir}")


def contract_from_resources(resources: list[dict[str, Any]], source: str) -> TaskContract:
    services = [r for r in resources if r["type"] == SERVICE and r["inputs"].get("loadBalancers")]
    if len(services) != 1:
        raise AssertionError(
            f"{source}: expected one ECS service with a load balancer, found {len(services)}; "
            "the image test needs to know which container the load balancer sends traffic to"
        )
    service = services[0]
    balancer = service["inputs"]["loadBalancers"][0]
    container = _container(resources, service, balancer["containerName"], source)
    target_group = _target_group(resources, balancer["targetGroupArn"], source)
    health_check = container.get("healthCheck")
    if not health_check:
        raise AssertionError(f"{source}: container {balancer['containerName']!r} has no healthCheck")
    return TaskContract(
        container_port=int(balancer["containerPort"]),
        health_command=tuple(health_check["command"]),
        health_path=(target_group["inputs"].get("healthCheck") or {}).get("path", "/"),
        source=source,
        environment=tuple((entry["name"], str(entry["value"])) for entry in container.get("environment", [])),
    )


def _container(resources: list[dict], service: dict, name: str, source: str) -> dict:
    reference = service["inputs"].get("taskDefinition")
    candidates = [r for r in resources if r["type"] == TASK_DEFINITION and _names(reference, r)]
    if len(candidates) != 1:
        raise AssertionError(f"{source}: the service's task definition {reference!r} is not in the stack")
    for container in json.loads(candidates[0]["inputs"]["containerDefinitions"]):
        if container["name"] == name:
            return container
    raise AssertionError(f"{source}: the task definition has no container {name!r}")


def _names(reference: Any, task_definition: dict) -> bool:
    """ECS accepts a task definition's ARN, `family:revision`, or the family alone."""
    family = task_definition["inputs"].get("family")
    if reference in (task_definition["outputs"].get("arn"), task_definition["id"]):
        return True
    return isinstance(reference, str) and bool(family) and reference.split(":")[0] == family


def _target_group(resources: list[dict], arn: str, source: str) -> dict:
    matches = [
        r for r in resources if r["type"] == TARGET_GROUP and arn in (r["outputs"].get("arn"), r["id"])
    ]
    if len(matches) != 1:
        raise AssertionError(f"{source}: the service's target group {arn!r} is not in the stack")
    return matches[0]
