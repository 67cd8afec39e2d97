"""The ecs, ecr, lb and cost rules end to end: raw-resource programs through preflight and the real pack."""

from __future__ import annotations

from pathlib import Path

import pytest

from preflight.api import run_preflight
from tests.support.messages import unordered

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures" / "ecs"
MY_RULES = {
    "ecs-image-pinned", "ecr-repository-hardened", "ecs-target-group-matches-container", "ecs-health-checks-consistent",
    "ecs-alb-reaches-tasks", "ecs-rollout-zero-downtime", "ecs-blue-green-valid", "fargate-task-size-valid",
    "ecs-no-plaintext-secrets", "stack-cost-within-budget",
}
IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/web:latest"
# (policy, message) of every finding on web_broken, in the report's order.
BROKEN_FINDINGS = [
    ("ecr-repository-hardened", "Repository 'web' has no lifecycle policy: untagged and old images accumulate and are "
     "billed for ever; add an aws.ecr.LifecyclePolicy for the repository (for example expire untagged images after 14 "
     "days and keep the last 30 tagged ones)"),
    ("ecr-repository-hardened", "Repository 'web' imageScanningConfiguration.scanOnPush is not set: pushed images are not "
     "scanned for vulnerabilities; set imageScanningConfiguration.scanOnPush true"),
    ("ecr-repository-hardened", "Repository 'web' imageTagMutability is not set (MUTABLE by default): a pushed tag can "
     "later point at another image; set imageTagMutability to \"IMMUTABLE\""),
    ("ecs-alb-reaches-tasks", "Service 'web' task security groups (SecurityGroup 'task') do not admit LoadBalancer 'web' "
     "(security groups: SecurityGroup 'alb') on tcp 8081: add an ingress rule to a task security group from the load "
     "balancer's security group on port 8081; until then health checks fail with \"Target.Timeout: Request timed "
     "out\" and ECS keeps replacing the tasks"),
    ("ecs-alb-reaches-tasks", "LoadBalancer 'web' security groups (SecurityGroup 'alb') do not let traffic out to "
     "Service 'web' tasks on tcp 8081: add an egress rule to the load balancer's security group towards the task "
     "security group on port 8081 (a security group created by Pulumi has no egress rule unless one is declared)"),
    ("ecs-health-checks-consistent", "Service 'web' healthCheckGracePeriodSeconds 60 is shorter than the 120 s a new "
     "task needs to pass its health checks (container 'web' startPeriod 30 + TargetGroup 'web' healthyThreshold 3 × "
     "interval 30): ECS would stop tasks that are still starting; set it to at least 120"),
    # The container's own check probes 8080, a port it maps, so it passes in the container (ECS API
    # Reference, HealthCheck: the command's exit code decides); the target group checks traffic-port 8081,
    # which nothing maps — ecs-target-group-matches-container reports that port, and the path comparison
    # needs both checks on one port, so neither "probes port 8080" nor a path drift is a finding here.
    ("ecs-image-pinned", f"TaskDefinition 'web' container 'web' image '{IMAGE}' uses the tag 'latest', which moves "
     "with every push: pin it by digest (@sha256:...) or by a tag in an ECR repository whose tags are IMMUTABLE; "
     f"nothing in this stack builds and pushes it, so tasks risk \"CannotPullContainerError: failed to resolve ref "
     f"{IMAGE} not found\""),
    ("ecs-no-plaintext-secrets", "TaskDefinition 'web' container 'web' environment DB_PASSWORD carries a literal "
     "value, stored in plain text in the task definition: move it to `secrets` with `valueFrom` (an SSM parameter or "
     "Secrets Manager secret)"),
    ("ecs-rollout-zero-downtime", "Service 'web' deploymentCircuitBreaker is not set: a failing deployment keeps "
     "replacing tasks instead of rolling back; set deploymentCircuitBreaker enable true and rollback true"),
    ("ecs-rollout-zero-downtime", "Service 'web' deploymentMinimumHealthyPercent 50 with desiredCount 1 lets a rolling "
     "deployment stop running tasks before their replacements are healthy: set it to 100 (or at least 50 with "
     "desiredCount 2 or more)"),
    ("ecs-target-group-matches-container", "Service 'web' loadBalancers[0] containerPort 8081 is not mapped by "
     "container 'web' of TaskDefinition 'web'; ECS rejects the service with \"The container web did not have a "
     "container port 8081 defined\": add portMappings containerPort 8081 or change the service's containerPort"),
    ("ecs-target-group-matches-container", "TargetGroup 'web' targetType 'instance' cannot receive Service 'web' "
     "loadBalancers[0]: awsvpc tasks register by IP address and ECS rejects the service (\"has target type "
     "instance, which is incompatible with the awsvpc network mode specified in the task definition\"); set "
     "targetType \"ip\""),
    ("fargate-task-size-valid", "TaskDefinition 'web' memory '4096' is not valid with cpu '256'; use 512, 1024 or "
     "2048, or cpu 512, 1024 or 2048 for memory 4096 (AWS: \"Invalid 'cpu' setting for task.\")"),
]
HIGH_AVAILABILITY = ("ecs-rollout-zero-downtime", "Service 'web' desiredCount 1 is below 2: one failed task or AZ "
                     "takes the service down; set desiredCount to at least 2 (requireHighAvailability)")
DEV_MANDATORY = {"ecs-target-group-matches-container", "fargate-task-size-valid"}
PROD_MANDATORY = DEV_MANDATORY | {"ecs-image-pinned", "ecs-no-plaintext-secrets", "ecs-rollout-zero-downtime"}


def preflight(fixture: str, mode: str, stack_config: str):
    return run_preflight(FIXTURES / fixture, stack="test", mode=mode, policy_pack=REPO / "policies",
                         policy_config=REPO / "policies" / "config" / f"{stack_config}.json")


def mine(report) -> list[dict]:
    return [d for d in report.diagnostics if d["policy"] in MY_RULES]


@pytest.mark.parametrize("mode,stack_config", [("preview", "dev"), ("update", "prod")])
def test_a_compliant_raw_resource_service_passes(mode, stack_config):
    report = preflight("web_ok", mode, stack_config)

    assert mine(report) == []
    assert [d for d in report.diagnostics if d["enforcement"] == "mandatory"] == []


@pytest.mark.parametrize("mode,stack_config,mandatory,extra", [
    ("update", "dev", DEV_MANDATORY, []),
    ("preview", "prod", PROD_MANDATORY, [HIGH_AVAILABILITY]),
])
def test_the_field_note_failures_are_each_reported_once_at_the_stacks_level(mode, stack_config, mandatory, extra):
    report = preflight("web_broken", mode, stack_config)
    findings = mine(report)

    assert sorted((d["policy"], d["message"]) for d in findings) == sorted(BROKEN_FINDINGS + extra)
    assert {d["policy"] for d in findings if d["enforcement"] == "mandatory"} == mandatory
    assert not any(d["inconclusive"] for d in findings)


@pytest.mark.parametrize("mode", ["preview", "update"])
def test_code_deploy_behind_a_network_load_balancer_allows_only_all_at_once(mode):
    # In preview the listener ARNs and target-group names reach the deployment group as unknowns;
    # the rule follows the deployment group's property dependencies to the listeners and the NLB.
    report = preflight("blue_green_nlb", mode, "dev")

    assert [(d["policy"], d["enforcement"], d["inconclusive"], d["message"]) for d in report.diagnostics] == [(
        "ecs-blue-green-valid", "mandatory", False,
        "DeploymentGroup 'api' deploymentConfigName 'CodeDeployDefault.ECSLinear10PercentEvery1Minutes' shifts "
        "traffic gradually, but LoadBalancer 'api' is a network load balancer, for which CodeDeploy supports only "
        "CodeDeployDefault.ECSAllAtOnce: use CodeDeployDefault.ECSAllAtOnce or an application load balancer",
    )]


# The stacks' health check runs a script from the image (["CMD", "python3", "/app/healthcheck.py"]): ECS
# runs it without a shell, and its code is not in the stack, so only which port it probes is unknown.
SCRIPT_HEALTH_CHECK = ("healthCheck.command: which port and path it probes (python runs the script "
                       "/app/healthcheck.py from the image, whose code the stack does not show)")
OWN_TASKS = {"dev": ["berth-dev-web-definition' container 'web"],
             "prod": ["berth-prod-web-definition' container 'web", "berth-prod-api-definition' container 'api"]}


@pytest.mark.parametrize("stack", ["dev", "prod"])
@pytest.mark.parametrize("mode", ["preview", "update"])
def test_the_projects_own_stacks_raise_nothing_from_these_rules_but_the_unreadable_health_script(stack, mode):
    report = run_preflight(REPO, stack=stack, mode=mode)  # with policies/config/<stack>.json, as in CI

    assert [(d["policy"], d["enforcement"], d["inconclusive"]) for d in mine(report)] == [
        ("ecs-health-checks-consistent", "advisory", True)]
    # One item per task, in the order the services registered (the program's outputs resolve in any order).
    head, items = unordered(mine(report)[0]["message"])
    assert head.endswith("Cannot be verified until update: ")
    assert items == sorted(f"TaskDefinition '{task}' {SCRIPT_HEALTH_CHECK}" for task in OWN_TASKS[stack])
