"""ecs-no-plaintext-secrets on plain task definitions: one change per case, exact messages."""

from __future__ import annotations

import json

import pytest
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE as SENTINEL

from model.credential_values import credential_name
from model.values import UNKNOWN
from rules.ecs_no_plaintext_secrets import ecs_no_plaintext_secrets
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


_FIX = ("stored in plain text in the task definition: move it to `secrets` with `valueFrom` (an SSM parameter or "
        "Secrets Manager secret)")


def test_plaintext_secrets_judge_values_as_well_as_names():
    task = env_task(("ENABLE_PASSWORD_LOGIN", "true"), ("PASSWORD_MIN_LENGTH", "12"), ("TOKEN_LIFETIME", "15m"),
                    ("JWT_SECRET", "HS512"), ("DB_PASSWORD", "/run/secrets/db"), ("AUTH_TOKEN", "X-Auth-Token"),
                    ("DB_PASSWORD", "${DB_PASSWORD}"))

    outcome = run_resource(ecs_no_plaintext_secrets, task)

    assert (outcome.violations, outcome.inconclusive) == ([], None)


@pytest.mark.parametrize("name,value,where", [
    ("SPRING_APPLICATION_JSON", json.dumps({"spring": {"datasource": {"password": "s3cret"}}}),
     "JSON key spring.datasource.password"),
    ("JAVA_TOOL_OPTIONS", "-Xmx512m -Dspring.datasource.password=s3cret", "JVM option -Dspring.datasource.password"),
    ("ConnectionStrings__Default", "Server=db;User Id=app;Password=s3cret;", "connection string key Password"),
])
def test_plaintext_secrets_find_credentials_inside_structured_values(name, value, where):
    outcome = run_resource(ecs_no_plaintext_secrets, env_task((name, value)))

    assert outcome.messages == [
        f"TaskDefinition 'web-task' container 'web' environment {name} carries a credential inside its value "
        f"({where}), {_FIX}"]
    assert "s3cret" not in outcome.messages[0]


def test_plaintext_secrets_judge_log_options_and_arguments():
    task = fargate_task(containerDefinitions=containers(web_container(
        command=["serve", "--db-password=s3cret"],
        logConfiguration={"logDriver": "splunk", "options": {"splunk-url": "https://splunk:8088",
                                                             "splunk-token": "00000000-1111"}})))

    assert run_resource(ecs_no_plaintext_secrets, task).messages == [
        "TaskDefinition 'web-task' container 'web' logConfiguration option splunk-token carries a literal value, "
        "stored in plain text in the task definition: move it to `secretOptions` with `valueFrom` (an SSM parameter "
        "or Secrets Manager secret)",
        "TaskDefinition 'web-task' container 'web' command[1] carries a credential inside its value (option "
        "--db-password), stored in plain text in the task definition: pass it to the program through an environment "
        "variable from `secrets` with `valueFrom` (an SSM parameter or Secrets Manager secret)",
    ]


def test_plaintext_secrets_are_inconclusive_only_on_unknown_values_that_could_hold_one():
    # Leaf unknowns, as a see-through preview sends values derived from what AWS picks at creation.
    outcome = run_resource(ecs_no_plaintext_secrets, env_task(
        ("DATABASE_URL", SENTINEL), ("DB_HOST", SENTINEL), ("API_TOKEN", SENTINEL)))

    assert outcome.unknowns == ["TaskDefinition 'web-task' container 'web' environment DATABASE_URL value",
                                "TaskDefinition 'web-task' container 'web' environment API_TOKEN value"]


def test_plaintext_secrets_do_not_apply_to_other_resources():
    outcome = run_resource(ecs_no_plaintext_secrets, spec(SERVICE, "web", {}))

    assert outcome.not_applicable == "only ECS task definitions hold container environment variables"
