"""ecs-health-checks-consistent on stacks built from plain resources: one change per case, exact messages."""

from __future__ import annotations

import pytest

from model import ecs as ecs_model
from model.values import UNKNOWN
from rules.ecs_health_checks_consistent import container_probe
from tests.policies.rules.ecs_traffic_cases import HEALTH, OFF, SERVICE_URN, TG_URN, health_check
from tests.policies.test_ecs_harness import (
    DELETE,
    containers,
    replace,
    run_stack,
    web_container,
    web_stack,
)


@pytest.mark.parametrize("preview", [False, True])
def test_health_checks_accept_the_compliant_service(preview):
    outcome = run_stack(HEALTH, web_stack(preview), OFF)

    assert (outcome.violations, outcome.inconclusive) == ([], None)


def test_health_checks_flag_paths_that_drifted_apart():
    specs = replace(web_stack(), "web-tg", healthCheck=health_check(path="/health-check"))
    specs = replace(specs, "web-task", containerDefinitions=containers(web_container(healthCheck={
        "command": ["CMD-SHELL", "curl -f http://localhost:8080/api/v1/health-check || exit 1"], "startPeriod": 30}))
    )

    assert run_stack(HEALTH, specs, OFF).violations == [(
        "TargetGroup 'web-tg' healthCheck.path '/health-check' differs from the path '/api/v1/health-check' that "
        "container 'web' of TaskDefinition 'web-task' checks itself: the two definitions of the health endpoint have "
        "drifted; use one path in both",
        TG_URN,
    )]


def test_health_checks_flag_a_container_probe_on_another_port():
    specs = replace(web_stack(), "web-task", containerDefinitions=containers(web_container(healthCheck={
        "command": ["CMD-SHELL", "curl -f http://localhost:8081/health || exit 1"], "startPeriod": 30})))

    assert run_stack(HEALTH, specs, OFF).messages == [
        "TaskDefinition 'web-task' container 'web' healthCheck probes port 8081 but the container serves the load "
        "balancer on 8080 (Service 'web' loadBalancers[0]): point the container health check at port 8080"
    ]


def test_health_checks_flag_a_target_group_probing_another_port():
    specs = replace(web_stack(), "web-tg", healthCheck=health_check(port="9000"))

    assert len(run_stack(HEALTH, specs, OFF).violations) == 1


def test_health_checks_flag_a_grace_period_shorter_than_start_plus_health_checks():
    # The field-notes service: grace 60 s, startPeriod 60 s, target-group defaults (3 × 30 s).
    specs = replace(web_stack(), "web-tg", healthCheck={"path": "/health"})
    specs = replace(specs, "web-task", containerDefinitions=containers(web_container(healthCheck={
        "command": ["CMD-SHELL", "curl -f http://localhost:8080/health || exit 1"], "startPeriod": 60})))

    assert run_stack(HEALTH, specs, OFF).violations == [(
        "Service 'web' healthCheckGracePeriodSeconds 60 is shorter than the 150 s a new task needs to pass its "
        "health checks (container 'web' startPeriod 60 + TargetGroup 'web-tg' healthyThreshold 3 × interval 30): "
        "ECS would stop tasks that are still starting; set it to at least 150",
        SERVICE_URN,
    )]


def test_health_checks_treat_a_missing_grace_period_as_zero():
    specs = replace(web_stack(), "web", healthCheckGracePeriodSeconds=DELETE)

    assert run_stack(HEALTH, specs, OFF).messages == [
        "Service 'web' healthCheckGracePeriodSeconds 0 is shorter than the 50 s a new task needs to pass its health "
        "checks (container 'web' startPeriod 30 + TargetGroup 'web-tg' healthyThreshold 2 × interval 10): ECS would "
        "stop tasks that are still starting; set it to at least 50"
    ]


def test_health_checks_config_adds_headroom():
    outcome = run_stack(HEALTH, web_stack(), {**OFF, "extraGraceSeconds": 20})

    assert outcome.messages == [
        "Service 'web' healthCheckGracePeriodSeconds 60 is shorter than the 70 s a new task needs to pass its health "
        "checks (container 'web' startPeriod 30 + TargetGroup 'web-tg' healthyThreshold 2 × interval 10 + "
        "extraGraceSeconds 20): ECS would stop tasks that are still starting; set it to at least 70"
    ]


def test_health_checks_skip_path_comparison_for_tcp_checks_and_containers_without_url_probes():
    tcp = replace(web_stack(), "web-tg", healthCheck=health_check(protocol="TCP", path=DELETE))
    no_probe = replace(web_stack(), "web-task", containerDefinitions=containers(web_container(healthCheck={
        "command": ["CMD-SHELL", "pgrep java"], "startPeriod": 30})))

    assert run_stack(HEALTH, tcp, OFF).violations == []
    assert run_stack(HEALTH, no_probe, OFF).violations == []


def test_health_checks_are_inconclusive_on_unknowns():
    grace = replace(web_stack(True), "web", healthCheckGracePeriodSeconds=UNKNOWN)
    check = replace(web_stack(True), "web-tg", healthCheck=UNKNOWN)

    assert run_stack(HEALTH, grace, OFF).unknowns == [
        "Service 'web' healthCheckGracePeriodSeconds against the health checks"]
    assert run_stack(HEALTH, check, OFF).unknowns == [
        "TargetGroup 'web-tg' healthCheck", "Service 'web' healthCheckGracePeriodSeconds against the health checks"]


def test_container_probe_reads_port_and_path_from_common_commands():
    def probe(command):
        return container_probe(ecs_model.Container(name="c", image="i", health_check={"command": command}))

    assert probe(["CMD-SHELL", "curl -f http://localhost:8081/actuator/health || exit 1"]) == (8081, "/actuator/health")
    assert probe(["CMD", "wget", "-qO-", "http://127.0.0.1/healthz?full=1"]) == (80, "/healthz")
    assert probe(["CMD-SHELL", "exit 0"]) is None
