"""ecs-health-checks-consistent on stacks built from plain resources: one change per case, exact messages."""

from __future__ import annotations

import pytest

from model.values import UNKNOWN
from tests.policies.rules.ecs_traffic_cases import HEALTH, OFF, SERVICE_URN, TASK_URN, TG_URN, health_check
from tests.policies.test_ecs_harness import DELETE, containers, replace, run_stack, web_container, web_stack


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


def test_health_checks_flag_a_container_probe_on_a_port_the_container_does_not_map():
    specs = replace(web_stack(), "web-task", containerDefinitions=containers(web_container(healthCheck={
        "command": ["CMD-SHELL", "curl -f http://localhost:8081/health || exit 1"], "startPeriod": 30})))

    assert run_stack(HEALTH, specs, OFF).violations == [(
        "TaskDefinition 'web-task' container 'web' healthCheck probes port 8081 (curl), which the container does "
        "not serve (it maps 8080): the check fails, ECS marks the container UNHEALTHY and replaces the task; point "
        "the health check at a port the container maps",
        TASK_URN,
    )]


def test_health_checks_accept_a_container_probe_on_another_port_the_container_maps():
    specs = replace(web_stack(), "web-task", containerDefinitions=containers(web_container(
        portMappings=[{"containerPort": 8080}, {"containerPort": 8081}],
        healthCheck={"command": ["CMD-SHELL", "curl -f http://localhost:8081/health || exit 1"], "startPeriod": 30})))

    assert run_stack(HEALTH, specs, OFF).violations == []


@pytest.mark.parametrize("command", [
    ["CMD-SHELL", "curl -f http://localhost:${PORT}/health || exit 1"],
    ["CMD-SHELL", "wget -q -O /dev/null http://127.0.0.1:$PORT/health || exit 1"],
    ["CMD-SHELL", "curl -f http://localhost:${APP_PORT:-8080}/health"],
])
def test_health_checks_read_container_commands_with_the_container_environment(command):
    specs = replace(web_stack(), "web-task", containerDefinitions=containers(web_container(
        environment=[{"name": "PORT", "value": "8080"}], healthCheck={"command": command, "startPeriod": 30})))

    outcome = run_stack(HEALTH, specs, OFF)

    assert (outcome.violations, outcome.inconclusive) == ([], None)


def test_health_checks_flag_an_environment_port_the_container_does_not_map():
    specs = replace(web_stack(), "web-task", containerDefinitions=containers(web_container(
        environment=[{"name": "PORT", "value": "9000"}],
        healthCheck={"command": ["CMD-SHELL", "curl -f http://localhost:${PORT}/health"], "startPeriod": 30})))

    assert run_stack(HEALTH, specs, OFF).messages == [
        "TaskDefinition 'web-task' container 'web' healthCheck probes port 9000 (curl), which the container does "
        "not serve (it maps 8080): the check fails, ECS marks the container UNHEALTHY and replaces the task; point "
        "the health check at a port the container maps"
    ]


@pytest.mark.parametrize("command,reason", [
    (["CMD-SHELL", "/app/healthcheck.sh"], "the command runs /app/healthcheck.sh, which the rule cannot read"),
    (["CMD", "python3", "/app/healthcheck.py"],
     "python runs the script /app/healthcheck.py from the image, whose code the stack does not show"),
    (["CMD-SHELL", "curl -f http://localhost:${MGMT_PORT}/health"],
     "the probe URL reads $MGMT_PORT, which is not in the container's environment (it may come from the image)"),
    (["CMD", "curl", "-f", "http://localhost:8080/${HEALTH_PATH}"],
     "CMD runs curl without a shell, so 'http://localhost:8080/${HEALTH_PATH}' is passed unexpanded (use "
     "CMD-SHELL to expand variables)"),
])
def test_health_checks_are_inconclusive_on_commands_they_cannot_read(command, reason):
    specs = replace(web_stack(), "web-task", containerDefinitions=containers(web_container(
        healthCheck={"command": command, "startPeriod": 30})))

    outcome = run_stack(HEALTH, specs, OFF)

    assert outcome.violations == []
    assert outcome.unknowns == [
        f"TaskDefinition 'web-task' container 'web' healthCheck.command: which port and path it probes ({reason})"]


def test_health_checks_flag_a_command_that_fails_on_every_run():
    # CMD execs curl without a shell (ECS API Reference, HealthCheck): "${PORT}" reaches it as written.
    specs = replace(web_stack(), "web-task", containerDefinitions=containers(web_container(
        healthCheck={"command": ["CMD", "curl", "-f", "http://localhost:${PORT}/health"], "startPeriod": 30})))

    assert run_stack(HEALTH, specs, OFF).violations == [(
        "TaskDefinition 'web-task' container 'web' healthCheck.command fails on every run (CMD runs curl without a "
        "shell, so ${PORT} reaches it as written and the URL 'http://localhost:${PORT}/health' names no valid host "
        "and port; use CMD-SHELL to expand it): ECS marks the container UNHEALTHY and replaces the task",
        "urn:pulumi:test::berth::aws:ecs/taskDefinition:TaskDefinition::web-task",
    )]


def test_health_checks_flag_a_target_group_probing_a_port_no_container_maps():
    specs = replace(web_stack(), "web-tg", healthCheck=health_check(port="9000"))

    assert run_stack(HEALTH, specs, OFF).violations == [(
        "TargetGroup 'web-tg' healthCheck.port 9000 is not a port TaskDefinition 'web-task' serves (its containers "
        "map 8080): health checks of Service 'web' loadBalancers[0] fail and its targets never become healthy; set "
        "healthCheck.port to \"traffic-port\" or a port a container maps",
        TG_URN,
    )]


def _management_port_stack(admitted: bool) -> list:
    specs = replace(web_stack(), "web-tg", healthCheck=health_check(port="8081", path="/actuator/health"))
    specs = replace(specs, "web-task", containerDefinitions=containers(web_container(
        portMappings=[{"containerPort": 8080}, {"containerPort": 8081}],
        healthCheck={"command": ["CMD-SHELL", "curl -f http://localhost:8081/actuator/health"], "startPeriod": 30})))
    ports = [(8080, 8081)] if admitted else [(8080, 8080)]
    return replace(specs, "task-sg", ingress=[
        {"protocol": "tcp", "fromPort": low, "toPort": high, "securityGroups": ["sg-alb"]} for low, high in ports])


def test_health_checks_accept_a_management_port_the_task_maps_and_admits():
    specs = replace(_management_port_stack(admitted=True), "alb-sg", egress=[
        {"protocol": "tcp", "fromPort": 8080, "toPort": 8081, "cidrBlocks": ["10.0.0.0/16"]}])

    outcome = run_stack(HEALTH, specs, OFF)

    assert (outcome.violations, outcome.inconclusive) == ([], None)


def test_health_checks_flag_a_management_port_the_task_security_group_does_not_admit():
    specs = replace(_management_port_stack(admitted=False), "alb-sg", egress=[
        {"protocol": "tcp", "fromPort": 8080, "toPort": 8081, "cidrBlocks": ["10.0.0.0/16"]}])

    assert run_stack(HEALTH, specs, OFF).violations == [(
        "Service 'web' task security groups (SecurityGroup 'task-sg') do not admit LoadBalancer 'alb' on tcp 8081, "
        "the port TargetGroup 'web-tg' health-checks: health checks time out (Target.Timeout), the targets stay "
        "unhealthy and ECS keeps replacing the tasks; add an ingress rule to a task security group from the load "
        "balancer's security group on port 8081",
        SERVICE_URN,
    )]


def test_health_checks_flag_a_management_port_the_load_balancer_may_not_send_to():
    outcome = run_stack(HEALTH, _management_port_stack(admitted=True), OFF)

    assert outcome.violations == [(
        "LoadBalancer 'alb' security groups (SecurityGroup 'alb-sg') do not let health checks out to Service 'web' "
        "tasks on tcp 8081, the port TargetGroup 'web-tg' health-checks: add an egress rule to the load balancer's "
        "security group towards the task security group on port 8081",
        "urn:pulumi:test::berth::aws:lb/loadBalancer:LoadBalancer::alb",
    )]


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
