"""The image test never skips in CI: a missing daemon or registry fails there and skips elsewhere."""

from __future__ import annotations

import pytest

from tests.app.docker_env import daemon_problem, unavailable


def test_missing_tool_fails_when_ci_is_true(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")

    with pytest.raises(pytest.fail.Exception) as outcome:
        unavailable("docker-registry is not installed", "apt-get install -y docker-registry")

    assert str(outcome.value) == (
        "docker-registry is not installed; CI=true, so this test must run: apt-get install -y docker-registry"
    )


@pytest.mark.parametrize("ci", ["", "false"])
def test_missing_tool_skips_with_the_fix_outside_ci(monkeypatch: pytest.MonkeyPatch, ci: str) -> None:
    monkeypatch.setenv("CI", ci)

    with pytest.raises(pytest.skip.Exception) as outcome:
        unavailable("docker-registry is not installed", "apt-get install -y docker-registry")

    assert str(outcome.value) == "docker-registry is not installed; apt-get install -y docker-registry"


def test_daemon_problem_says_when_the_docker_cli_is_missing(
    monkeypatch: pytest.MonkeyPatch, tmp_path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))

    assert daemon_problem() == "the docker CLI is not installed"
