"""Real Docker daemon, local base image and local registry for the image test.

The test never fakes Docker. Where the daemon or the registry is missing it fails when
CI=true (CI installs and starts both through .ci/run) and skips elsewhere with the way
to get them.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_BASE_IMAGE = "berth-test-base:bookworm"
MAKE_BASE_IMAGE = REPO_ROOT / "scripts" / "make-test-base-image.sh"


def in_ci() -> bool:
    return os.environ.get("CI") == "true"


def unavailable(what: str, fix: str) -> None:
    """Fail in CI, skip elsewhere: CI never skips the image test."""
    if in_ci():
        pytest.fail(f"{what}; CI=true, so this test must run: {fix}")
    pytest.skip(f"{what}; {fix}")


def docker(
    *args: str, timeout: float = 120, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    """Run the docker CLI; a non-zero exit is an error that shows the command and its stderr."""
    result = run(["docker", *args], timeout=timeout, env=env)
    if result.returncode != 0:
        raise AssertionError(
            f"`docker {' '.join(args)}` exited {result.returncode}\nstdout: {result.stdout}\nstderr: {result.stderr}"
        )
    return result


def run(argv: list[str], timeout: float, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        argv,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
        stdin=subprocess.DEVNULL,
    )


def daemon_problem() -> str | None:
    """Why no daemon can be used, or None when `docker info` answers."""
    if shutil.which("docker") is None:
        return "the docker CLI is not installed"
    result = run(["docker", "info", "--format", "{{.ServerVersion}}"], timeout=30)
    if result.returncode != 0 or not result.stdout.strip():
        return f"`docker info` failed: {result.stderr.strip() or result.stdout.strip()}"
    return None


def require_daemon() -> None:
    problem = daemon_problem()
    if problem:
        unavailable(
            f"no Docker daemon ({problem})",
            "install docker.io and start dockerd (as root: apt-get install -y docker.io && dockerd &), "
            "or run .ci/run, which does both",
        )


def ensure_base_image() -> str:
    """The base image for `--build-arg BASE_IMAGE`: env BERTH_TEST_BASE_IMAGE, else a local Debian image.

    The local image is made once with debootstrap and then reused (the script is a no-op
    when the image exists).
    """
    override = os.environ.get("BERTH_TEST_BASE_IMAGE")
    if override:
        return override
    result = run(["bash", str(MAKE_BASE_IMAGE), DEFAULT_BASE_IMAGE], timeout=600)
    if result.returncode != 0:
        raise AssertionError(
            f"{MAKE_BASE_IMAGE.name} could not make {DEFAULT_BASE_IMAGE}:\n{result.stderr}\n"
            "Fix the error above, or set BERTH_TEST_BASE_IMAGE to an image with python3 (e.g. python:3.11-slim-bookworm)"
        )
    return DEFAULT_BASE_IMAGE


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def http_get(
    url: str, timeout: float = 5, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def wait_for_http(url: str, within: float) -> tuple[int, dict[str, str], bytes]:
    """First answer from `url` within `within` seconds; the last connection error otherwise."""
    deadline = time.monotonic() + within
    while True:
        try:
            return http_get(url, timeout=2)
        except (urllib.error.URLError, OSError) as error:
            if time.monotonic() > deadline:
                raise AssertionError(f"{url} did not answer within {within} s: {error}") from error
            time.sleep(0.2)


class LocalRegistry:
    """Debian's docker-registry (distribution) serving on 127.0.0.1:<free port>, storage in a temp dir."""

    def __init__(self) -> None:
        self.port = free_port()
        self.host = f"127.0.0.1:{self.port}"
        self._dir = tempfile.TemporaryDirectory(prefix="berth-registry-")
        self._process: subprocess.Popen | None = None

    def start(self) -> LocalRegistry:
        config = Path(self._dir.name) / "config.yml"
        # The Docker daemon treats 127.0.0.0/8 registries as insecure by default, so plain HTTP works.
        config.write_text(
            json.dumps(
                {
                    "version": 0.1,
                    "log": {"level": "warn"},
                    "storage": {"filesystem": {"rootdirectory": str(Path(self._dir.name) / "data")}},
                    "http": {"addr": self.host},
                }
            )
        )
        self._log = open(Path(self._dir.name) / "registry.log", "w")  # noqa: SIM115 (closed in stop)
        self._process = subprocess.Popen(
            ["docker-registry", "serve", str(config)],
            stdout=self._log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        status, _, _ = wait_for_http(f"http://{self.host}/v2/", within=15)
        if status != 200:
            raise AssertionError(f"registry at {self.host} answered {status} on /v2/, expected 200")
        return self

    def stop(self) -> None:
        if self._process is not None:
            self._process.terminate()
            self._process.wait(timeout=10)
        self._log.close()
        self._dir.cleanup()
