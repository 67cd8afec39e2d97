"""Reading the image test's expectations from a stack's own task definition and target group."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.app.task_contract import AGREED_CONTRACT, TaskContract, contract_for

FIXTURE = Path(__file__).parent / "fixtures" / "web_stack"


def test_contract_comes_from_the_container_and_target_group_the_service_balances_to() -> None:
    contract = contract_for(FIXTURE, "dev")

    assert contract == TaskContract(
        container_port=9000,
        health_command=("CMD-SHELL", "python3 /srv/check.py || exit 1"),
        health_path="/ready",
        source=f"stack 'dev' of {FIXTURE}",
        environment=(("PORT", "9000"), ("LOG_LEVEL", "info")),
    )


def test_a_directory_without_a_pulumi_program_falls_back_to_the_agreed_contract(tmp_path: Path) -> None:
    assert contract_for(tmp_path, "dev") is AGREED_CONTRACT


@pytest.mark.parametrize(
    ("command", "argv"),
    [
        (("CMD", "python3", "/app/healthcheck.py"), ["python3", "/app/healthcheck.py"]),
        (
            ("CMD-SHELL", "curl -f http://localhost/ || exit 1"),
            ["/bin/sh", "-c", "curl -f http://localhost/ || exit 1"],
        ),
    ],
)
def test_health_check_command_runs_as_the_ecs_agent_runs_it(
    command: tuple[str, ...], argv: list[str]
) -> None:
    assert TaskContract(8080, command, "/health", "test").exec_argv() == argv


def test_a_health_check_command_without_cmd_or_cmd_shell_is_an_error_naming_the_fix() -> None:
    with pytest.raises(ValueError) as error:
        TaskContract(8080, ("python3", "/app/healthcheck.py"), "/health", "test").exec_argv()

    assert str(error.value) == (
        "health check command ['python3', '/app/healthcheck.py'] starts with 'python3'; "
        "ECS accepts only 'CMD' or 'CMD-SHELL' there"
    )
