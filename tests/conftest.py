"""Session-wide fixtures: AWS API endpoints on loopback for the live look-up tests."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from model import live_aws
from tests.support.aws_endpoints import FaultyEndpoint, MotoServer


def pytest_configure(config: pytest.Config) -> None:
    # No test may reach for an instance metadata endpoint when it resolves AWS credentials:
    # the only AWS endpoints tests talk to are on loopback. Processes the tests start
    # (preflight's program and pack) inherit this.
    os.environ["AWS_EC2_METADATA_DISABLED"] = "true"
    # The session runs as from an activated environment, the way a user runs preflight: programs
    # without a `virtualenv` option run with the `python3` of PATH, as the Pulumi CLI runs them.
    os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Under `pytest -n`, the tests that build, run and push images share one Docker daemon and
    # its registry: they run in one worker, one after another (`--dist loadgroup`).
    for item in items:
        if item.get_closest_marker("docker"):
            item.add_marker(pytest.mark.xdist_group("docker"))


@pytest.fixture(autouse=True)
def _fresh_live_lookups() -> Iterator[None]:
    """The pack shares look-up answers for the life of its process; each test starts clean."""
    live_aws.forget_shared()
    yield
    live_aws.forget_shared()


@pytest.fixture(scope="session")
def moto_server() -> Iterator[MotoServer]:
    """A real moto_server on a free 127.0.0.1 port, with AWS-managed IAM policies loaded."""
    server = MotoServer().start()
    yield server
    server.stop()


@pytest.fixture
def moto(moto_server: MotoServer) -> MotoServer:
    """moto_server, emptied before the test."""
    moto_server.reset()
    return moto_server


@pytest.fixture
def aws_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """Dummy credentials and region, so look-ups are attempted (against loopback only)."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def no_aws_credentials(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


@pytest.fixture
def faulty_endpoint(moto_server: MotoServer) -> Iterator[callable]:
    """Factory: faulty_endpoint('silent' | 'denied-ec2' | 'denied-iam' | 'slow', delay=...)."""
    started: list[FaultyEndpoint] = []

    def make(mode: str, delay: float = 0.0) -> FaultyEndpoint:
        endpoint = FaultyEndpoint(mode, upstream=moto_server.url, delay=delay).start()
        started.append(endpoint)
        return endpoint

    yield make
    for endpoint in started:
        endpoint.stop()
