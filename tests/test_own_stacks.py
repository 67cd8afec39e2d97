"""The repository's own stacks through preflight with the real pack and their own policy config.

This is the program's promise: correct by construction. `dev` and `prod`, in a first
preview and in an update, raise no violation from any rule. Two diagnostics a stack-only
run cannot avoid remain, both advisory and inconclusive:
- prod's secrets live outside the stack, so the key that encrypts them can only be read with
  AWS credentials (`liveLookups`);
- the containers' health check is `["CMD", "python3", "/app/healthcheck.py"]`: ECS runs that
  file from the image without a shell (ECS API Reference, "HealthCheck":
  https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_HealthCheck.html), and its code is
  in the image, not in the stack, so which port and path it probes cannot be read — the same
  verdict as scenario lb-container-health-script. A command the rule can read (for example
  `CMD-SHELL` with `python3 -c` on `http://127.0.0.1:${PORT}/health`) would make it conclusive.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from preflight.api import run_preflight
from tests.support.messages import unordered

REPO = Path(__file__).resolve().parent.parent

PROD_SECRETS_UNREADABLE = (
    "can't run policy 'ecs-execution-role-reads-secrets' from policy pack 'berth@v0.0.1' during preview: "
    "Cannot be verified until update: TaskDefinition 'berth-prod-api-definition' container 'api' secret "
    "'DB_PASSWORD' (valueFrom 'arn:aws:ssm:eu-west-1:123456789012:parameter/berth/prod/api/db-password'): "
    "the KMS key that encrypts it (parameter /berth/prod/api/db-password is not in the stack and was not read: "
    "no AWS credentials for a live look-up (liveLookups: auto)); TaskDefinition 'berth-prod-api-definition' "
    "container 'api' secret 'SESSION_SIGNING_KEY' (valueFrom "
    "'arn:aws:secretsmanager:eu-west-1:123456789012:secret:berth/prod/api/session-key-Ab12Cd'): execution role "
    "Role 'berth-prod-api-execution' may read it by its own policies, but the resource policy of secret "
    "arn:aws:secretsmanager:eu-west-1:123456789012:secret:berth/prod/api/session-key-Ab12Cd (not read: no AWS "
    "credentials for a live look-up (liveLookups: auto)) may deny it; TaskDefinition 'berth-prod-api-definition' "
    "container 'api' secret 'SESSION_SIGNING_KEY' (valueFrom "
    "'arn:aws:secretsmanager:eu-west-1:123456789012:secret:berth/prod/api/session-key-Ab12Cd'): the KMS key that "
    "encrypts it (secret berth/prod/api/session-key is not in the stack and was not read: no AWS credentials for a "
    "live look-up (liveLookups: auto))"
)


def _script_health_check(*tasks: tuple[str, str]) -> str:
    return (
        "can't run policy 'ecs-health-checks-consistent' from policy pack 'berth@v0.0.1' during preview: Cannot be "
        "verified until update: " + "; ".join(
            f"TaskDefinition '{task}' container '{container}' healthCheck.command: which port and path it probes "
            "(python runs the script /app/healthcheck.py from the image, whose code the stack does not show)"
            for task, container in tasks)
    )


DEV_HEALTH_SCRIPT = _script_health_check(("berth-dev-web-definition", "web"))
PROD_HEALTH_SCRIPT = _script_health_check(("berth-prod-web-definition", "web"), ("berth-prod-api-definition", "api"))


@pytest.mark.parametrize("mode", ["preview", "update"])
@pytest.mark.parametrize("stack,resources,diagnostics", [
    ("dev", 50, [("ecs-health-checks-consistent", "advisory", True, DEV_HEALTH_SCRIPT)]),
    ("prod", 91, [("ecs-execution-role-reads-secrets", "advisory", True, PROD_SECRETS_UNREADABLE),
                  ("ecs-health-checks-consistent", "advisory", True, PROD_HEALTH_SCRIPT)]),
])
def test_the_stacks_pass_every_rule_of_their_policy_config(no_aws_credentials, stack, resources, diagnostics, mode):
    report = run_preflight(REPO, stack=stack, mode=mode, policy_config=REPO / "policies" / "config" / f"{stack}.json")

    assert report.summary["resources"] == resources
    assert [(d["policy"], d["enforcement"], d["inconclusive"], unordered(d["message"])) for d in report.diagnostics] == [
        (policy, enforcement, inconclusive, unordered(message)) for policy, enforcement, inconclusive, message in diagnostics]
    assert report.exit_code == 0
    assert {v["verdict"] for v in report.policy_verdicts()} <= {"passed", "not applicable", "inconclusive"}
