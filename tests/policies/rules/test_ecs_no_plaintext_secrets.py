"""ecs-no-plaintext-secrets on plain task definitions: one change per case, exact messages."""

from __future__ import annotations

import json

import pytest

from model.values import UNKNOWN
from rules.ecs_no_plaintext_secrets import credential_name, ecs_no_plaintext_secrets
from tests.policies.rules.ecs_task_cases import fargate_task
from tests.policies.test_ecs_harness import (
    ACCOUNT,
    REGION,
    SERVICE,
    containers,
    run_resource,
    spec,
    web_container,
)


def env_task(*environment, secrets=()) -> object:
    container = web_container(environment=[{"name": n, "value": v} for n, v in environment],
                              secrets=[{"name": n, "valueFrom": v} for n, v in secrets])
    return fargate_task(containerDefinitions=containers(container))


def test_plaintext_secrets_accepts_plain_settings_and_secrets_from_value_from():
    task = env_task(("SPRING_PROFILES_ACTIVE", "prod"), ("DB_PASSWORD_ARN", f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/db"),
                    ("TOKEN_TTL", "3600"), ("DB_PASSWORD", ""),
                    secrets=[("DB_PASSWORD", f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/library/db/password")])

    outcome = run_resource(ecs_no_plaintext_secrets, task)

    assert (outcome.violations, outcome.inconclusive) == ([], None)


def test_plaintext_secrets_flags_a_credential_name_with_a_literal_value_without_echoing_it():
    outcome = run_resource(ecs_no_plaintext_secrets, env_task(("DB_PASSWORD", "hunter2")))

    assert outcome.violations == [(
        "TaskDefinition 'web-task' container 'web' environment DB_PASSWORD carries a literal value, stored in plain "
        "text in the task definition: move it to `secrets` with `valueFrom` (an SSM parameter or Secrets Manager "
        "secret)",
        "urn:pulumi:test::berth::aws:ecs/taskDefinition:TaskDefinition::web-task",
    )]
    assert "hunter2" not in outcome.messages[0]


def test_plaintext_secrets_flags_a_datasource_url_with_a_password():
    outcome = run_resource(ecs_no_plaintext_secrets,
                           env_task(("SPRING_DATASOURCE_URL", "postgresql://app:s3cret@db.internal:5432/library")))

    assert outcome.messages == [
        "TaskDefinition 'web-task' container 'web' environment SPRING_DATASOURCE_URL carries a URL with a password "
        "in it, stored in plain text in the task definition: move it to `secrets` with `valueFrom` (an SSM "
        "parameter or Secrets Manager secret)"
    ]


@pytest.mark.parametrize("name,credential", [
    ("PASSWORD", True), ("DB_PASSWORD", True), ("dbPassword", True), ("JWT_SECRET", True), ("GITHUB_TOKEN", True),
    ("STRIPE_API_KEY", True), ("apiKey", True), ("SSH_PRIVATE_KEY", True), ("AWS_SECRET_ACCESS_KEY", True),
    ("GOOGLE_APPLICATION_CREDENTIALS_JSON", True), ("AWS_ACCESS_KEY_ID", False), ("DB_PASSWORD_ARN", False),
    ("SECRET_NAME", False), ("TOKEN_TTL", False), ("TOKENIZER_MODEL", False), ("KEYCLOAK_URL", False),
    ("LOG_LEVEL", False),
])
def test_credential_names(name, credential):
    assert credential_name(name) is credential


def test_plaintext_secrets_config_ignores_named_variables():
    outcome = run_resource(ecs_no_plaintext_secrets, env_task(("CSRF_TOKEN", "not-a-secret")),
                           {"ignoredNames": ["CSRF_TOKEN"]})

    assert outcome.violations == []


def test_plaintext_secrets_is_inconclusive_on_unknown_definitions_and_ignores_other_types():
    unknown = run_resource(ecs_no_plaintext_secrets, fargate_task(containerDefinitions=UNKNOWN))
    other = run_resource(ecs_no_plaintext_secrets, spec(SERVICE, "web", {"environment": [{"name": "PASSWORD", "value": "x"}]}))

    assert (unknown.violations, unknown.unknowns) == ([], ["TaskDefinition 'web-task' containerDefinitions (environment values)"])
    assert (other.violations, other.inconclusive) == ([], None)


def test_plaintext_secrets_reads_structured_definitions_too():
    # Some programs pass containerDefinitions as a list rather than a JSON string.
    task = fargate_task(containerDefinitions=json.loads(containers(web_container(environment=[
        {"name": "API_KEY", "value": "abc"}]))))

    assert len(run_resource(ecs_no_plaintext_secrets, task).violations) == 1
