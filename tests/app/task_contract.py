"""What the dev stack's task definition and target group declare about the container.

The image test checks the built image against these facts, not against its own idea
of them. Until the program's dev stack exists in this tree, the values are the
contract agreed with it (issue 7): container port 8080, container health check
["CMD", "python3", "/app/healthcheck.py"], target-group health path /health.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TaskContract:
    container_port: int
    # In the task definition's form: "CMD" followed by argv, or "CMD-SHELL" and one string.
    health_command: tuple[str, ...]
    health_path: str
    source: str

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


DEV_STACK_CONTRACT = TaskContract(
    container_port=8080,
    health_command=("CMD", "python3", "/app/healthcheck.py"),
    health_path="/health",
    source="the contract with the program in issue 7",
)
