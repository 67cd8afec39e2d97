"""The sample service and its health check as processes on loopback, without Docker."""

from __future__ import annotations

import importlib.util
import json
import signal
import subprocess
import sys
from collections.abc import Iterator

import pytest

from tests.app.docker_env import REPO_ROOT, free_port, http_get, wait_for_http

SERVER = REPO_ROOT / "app" / "server.py"
HEALTHCHECK = REPO_ROOT / "app" / "healthcheck.py"


def start_server(env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, str(SERVER)],
        env={"PATH": "/usr/bin:/bin", **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def healthcheck(port: int) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(HEALTHCHECK)],
        env={"PORT": str(port)},
        capture_output=True,
        text=True,
        timeout=30,
    )


@pytest.fixture
def server() -> Iterator[tuple[int, subprocess.Popen]]:
    port = free_port()
    process = start_server({"PORT": str(port)})
    wait_for_http(f"http://127.0.0.1:{port}/", within=15)
    yield port, process
    if process.poll() is None:
        process.kill()
        process.wait()


def test_health_answers_200_with_json(server) -> None:
    port, _ = server

    status, headers, body = http_get(f"http://127.0.0.1:{port}/health")

    assert (status, headers["Content-Type"], json.loads(body)) == (200, "application/json", {"status": "ok"})


def test_unknown_path_answers_404_naming_the_path(server) -> None:
    port, _ = server

    status, _, body = http_get(f"http://127.0.0.1:{port}/nope")

    assert (status, json.loads(body)) == (404, {"error": "no route for /nope"})


def test_healthcheck_exits_0_when_health_answers_200(server) -> None:
    port, _ = server

    result = healthcheck(port)

    assert (result.returncode, result.stdout, result.stderr) == (
        0,
        f"healthy: http://127.0.0.1:{port}/health answered 200\n",
        "",
    )


def test_healthcheck_exits_1_when_nothing_listens() -> None:
    port = free_port()

    result = healthcheck(port)

    assert (result.returncode, result.stdout, result.stderr) == (
        1,
        "",
        f"unhealthy: http://127.0.0.1:{port}/health unreachable: [Errno 111] Connection refused\n",
    )


def test_healthcheck_exits_1_when_health_answers_another_status() -> None:
    # A server that answers every request with 503, as an app does while its dependencies are down.
    port = free_port()
    unhealthy = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import http.server as h\n"
            "class H(h.BaseHTTPRequestHandler):\n"
            "    def do_GET(self): self.send_response(503); self.end_headers()\n"
            f"h.HTTPServer(('127.0.0.1', {port}), H).serve_forever()\n",
        ],
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_http(f"http://127.0.0.1:{port}/", within=15)
        result = healthcheck(port)
    finally:
        unhealthy.kill()
        unhealthy.wait()

    assert (result.returncode, result.stderr) == (
        1,
        f"unhealthy: http://127.0.0.1:{port}/health answered 503, expected 200\n",
    )


def test_server_listens_on_8080_when_port_is_unset() -> None:
    spec = importlib.util.spec_from_file_location("berth_sample_server", SERVER)
    app_server = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(app_server)

    assert app_server.port_from_env({}) == 8080
    assert app_server.port_from_env({"PORT": ""}) == 8080
    assert app_server.port_from_env({"PORT": "9000"}) == 9000


@pytest.mark.parametrize("value", ["http", "0", "65536", "-1"])
def test_server_refuses_a_bad_port_naming_value_and_fix(value: str) -> None:
    process = start_server({"PORT": value})
    _, stderr = process.communicate(timeout=15)

    assert process.returncode == 2
    assert stderr == (
        f"berth-sample: PORT {value!r} is not a TCP port; set PORT to a number from 1 to 65535, or unset it for 8080\n"
    )


def test_server_exits_0_on_sigterm(server) -> None:
    # ECS stops tasks with SIGTERM during rolling deploys; a clean exit means no killed responses.
    port, process = server
    process.send_signal(signal.SIGTERM)

    assert process.wait(timeout=15) == 0


def test_a_routed_service_answers_under_its_base_path_and_health_stays_at_the_root() -> None:
    """Defect 6: the load balancer forwards /api/... in full; the app answered 404 under its route."""
    port = free_port()
    process = start_server({"PORT": str(port), "BASE_PATH": "/api"})
    try:
        wait_for_http(f"http://127.0.0.1:{port}/health", within=15)
        answers = {path: http_get(f"http://127.0.0.1:{port}{path}")[0]
                   for path in ("/api/", "/api", "/api/health", "/health", "/api/missing", "/")}
        body = json.loads(http_get(f"http://127.0.0.1:{port}/api/?q=1")[2])
    finally:
        process.kill()
        process.wait()

    assert answers == {"/api/": 200, "/api": 200, "/api/health": 200, "/health": 200, "/api/missing": 404, "/": 404}
    assert body == {"service": "berth-sample", "health": "/api/health"}
