"""The sample image, built and run by a real Docker daemon, against the dev stack's task definition.

Field-notes §1 item 5: a task can run and still never turn healthy when its health check
calls a tool the image lacks or probes the wrong port or path. No static check sees that,
so this test builds app/, runs it, and checks it the way ECS and the load balancer will.
"""

from __future__ import annotations

import json
import re
import shutil
import time
import uuid
from collections.abc import Iterator

import pytest

from tests.app.docker_env import (
    REPO_ROOT,
    LocalRegistry,
    docker,
    ensure_base_image,
    http_get,
    require_daemon,
    run,
    unavailable,
    wait_for_http,
)
from tests.app.task_contract import TaskContract, contract_for

pytestmark = pytest.mark.docker

REPOSITORY = "berth-sample"
APP_UID = "10001"


@pytest.fixture(scope="module")
def contract() -> TaskContract:
    """What the dev stack's task definition and target group declare (see task_contract.py)."""
    found = contract_for(REPO_ROOT, "dev")
    print(f"expectations from {found.source}: {found}")
    return found


@pytest.fixture(scope="module")
def image() -> Iterator[str]:
    require_daemon()
    base = ensure_base_image()
    tag = f"{REPOSITORY}:test-{uuid.uuid4().hex[:12]}"
    # The classic builder: it ships with every daemon and needs no buildx plugin.
    docker(
        "build",
        "--build-arg",
        f"BASE_IMAGE={base}",
        "--tag",
        tag,
        str(REPO_ROOT / "app"),
        timeout=600,
        env={"DOCKER_BUILDKIT": "0"},
    )
    yield tag
    docker("image", "rm", "--force", tag)


@pytest.fixture(scope="module")
def container(image: str, contract: TaskContract) -> Iterator[dict]:
    port = contract.container_port
    # The task definition's plain environment, as ECS would set it.
    environment = [arg for name, value in contract.environment for arg in ("--env", f"{name}={value}")]
    # Health checks every second, so the daemon's own verdict arrives within the test's bounds.
    cid = docker(
        "run",
        "--detach",
        *environment,
        "--publish",
        f"127.0.0.1::{port}",
        "--health-interval",
        "1s",
        "--health-start-period",
        "1s",
        image,
    ).stdout.strip()
    try:
        published = docker("port", cid, f"{port}/tcp").stdout.splitlines()[0].strip()
        host_port = int(published.rsplit(":", 1)[1])
        yield {"id": cid, "url": f"http://127.0.0.1:{host_port}"}
    finally:
        logs = docker("logs", cid).stdout
        docker("rm", "--force", cid)
        print(f"container logs:\n{logs}")


def test_image_runs_as_non_root_user_with_the_declared_port_and_health_check(
    image: str, contract: TaskContract
) -> None:
    config = json.loads(docker("image", "inspect", image).stdout)[0]["Config"]

    assert config["User"] == f"{APP_UID}:{APP_UID}"
    assert config["ExposedPorts"] == {f"{contract.container_port}/tcp": {}}
    # The image's own HEALTHCHECK is the task definition's command, so the two cannot drift.
    assert config["Healthcheck"]["Test"] == list(contract.health_command)


def test_container_listens_on_the_task_definitions_container_port(container: dict) -> None:
    # The container fixture publishes only the task definition's container port.
    status, headers, body = wait_for_http(f"{container['url']}/", within=30)

    assert status == 200
    assert headers["Content-Type"] == "application/json"
    assert json.loads(body) == {"service": "berth-sample", "health": "/health"}


def test_target_group_health_path_answers_200(container: dict, contract: TaskContract) -> None:
    wait_for_http(f"{container['url']}/", within=30)

    status, _, body = http_get(f"{container['url']}{contract.health_path}")

    assert status == 200
    assert json.loads(body) == {"status": "ok"}


def test_task_definition_health_check_command_succeeds_inside_the_container(
    container: dict, contract: TaskContract
) -> None:
    wait_for_http(f"{container['url']}/", within=30)

    result = docker("exec", container["id"], *contract.exec_argv())

    assert result.stdout == f"healthy: http://127.0.0.1:{contract.container_port}/health answered 200\n"
    assert result.stderr == ""


def test_health_check_command_fails_when_nothing_listens_on_the_port(
    container: dict, contract: TaskContract
) -> None:
    # The same command against an unused port: proves the command can report unhealthy.
    result = run(["docker", "exec", "--env", "PORT=1", container["id"], *contract.exec_argv()], timeout=60)

    assert result.returncode == 1
    assert result.stdout == ""
    assert (
        result.stderr == "unhealthy: http://127.0.0.1:1/health unreachable: [Errno 111] Connection refused\n"
    )


def test_container_runs_as_the_non_root_user(container: dict) -> None:
    assert docker("exec", container["id"], "id", "-u").stdout == f"{APP_UID}\n"


def test_docker_reports_the_container_healthy(container: dict) -> None:
    deadline = time.monotonic() + 30
    while True:
        state = json.loads(docker("inspect", container["id"]).stdout)[0]["State"]
        if state["Health"]["Status"] != "starting" or time.monotonic() > deadline:
            break
        time.sleep(0.5)

    assert state["Health"]["Status"] == "healthy", state["Health"]["Log"][-3:]
    assert state["Health"]["Log"][-1]["ExitCode"] == 0


@pytest.fixture(scope="module")
def registry() -> Iterator[LocalRegistry]:
    require_daemon()
    if shutil.which("docker-registry") is None:
        unavailable(
            "docker-registry is not installed",
            "install Debian's docker-registry package (apt-get install -y docker-registry), or run .ci/run",
        )
    started = LocalRegistry().start()
    yield started
    started.stop()


def test_image_is_pushed_to_a_loopback_registry_and_pulled_back(image: str, registry: LocalRegistry) -> None:
    tag = image.split(":", 1)[1]
    remote = f"{registry.host}/{REPOSITORY}:{tag}"
    docker("tag", image, remote)
    try:
        pushed = docker("push", remote).stdout
        digest = re.search(r"digest: (sha256:[0-9a-f]{64})", pushed).group(1)

        tags_status, _, tags_body = http_get(f"http://{registry.host}/v2/{REPOSITORY}/tags/list")
        manifest_status, manifest_headers, _ = http_get(
            f"http://{registry.host}/v2/{REPOSITORY}/manifests/{tag}",
            headers={"Accept": "application/vnd.docker.distribution.manifest.v2+json"},
        )
        local_id = json.loads(docker("image", "inspect", image).stdout)[0]["Id"]
        docker("image", "rm", remote)
        docker("pull", remote)
        pulled_id = json.loads(docker("image", "inspect", remote).stdout)[0]["Id"]
    finally:
        docker("image", "rm", "--force", remote)

    assert tags_status == 200
    assert json.loads(tags_body) == {"name": REPOSITORY, "tags": [tag]}
    assert manifest_status == 200
    assert manifest_headers["Docker-Content-Digest"] == digest
    assert pulled_id == local_id
