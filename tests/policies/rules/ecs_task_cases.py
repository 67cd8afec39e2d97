"""Cases the task-definition rule tests share."""

from __future__ import annotations

from tests.policies.test_ecs_harness import DELETE, TASK, containers, spec, web_container


def fargate_task(**props) -> object:
    base = {"family": "web", "networkMode": "awsvpc", "requiresCompatibilities": ["FARGATE"], "cpu": "256",
            "memory": "512", "containerDefinitions": containers(web_container())}
    base.update(props)
    return spec(TASK, "web-task", {k: v for k, v in base.items() if v is not DELETE})
