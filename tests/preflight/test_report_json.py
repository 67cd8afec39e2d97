"""The json report, compared exactly, for each mode and with the default and explicit policy config."""

from __future__ import annotations

from pathlib import Path

import pytest

from preflight.api import PreflightError, run_preflight

from .conftest import PACKS, POLICY_CONFIGS, PROJECTS

STACK_URN = "urn:pulumi:dev::basic::pulumi:pulumi:Stack::basic-dev"
MAIN = "tests/fixtures/preflight/projects/basic/__main__.py"
ASSUME_ROLE_POLICY = (
    '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", '
    '"Principal": {"Service": "ecs-tasks.amazonaws.com"}}]}'
)
RESOURCES = [
    {"urn": STACK_URN, "type": "pulumi:pulumi:Stack", "name": "basic-dev", "parent": None, "custom": False,
     "inputs": {}, "dependencies": []},
    {"urn": "urn:pulumi:dev::basic::aws:cloudwatch/logGroup:LogGroup::logs",
     "type": "aws:cloudwatch/logGroup:LogGroup", "name": "logs", "parent": STACK_URN, "custom": True,
     # The provider's auto-name is part of the checked inputs the engine analyses.
     "inputs": {"retentionInDays": 7, "name": "logs-0fe1af9"}, "dependencies": [],
     "sourcePosition": {"uri": MAIN, "line": 13}, "change": "create"},
    {"urn": "urn:pulumi:dev::basic::aws:ecr/repository:Repository::app",
     "type": "aws:ecr/repository:Repository", "name": "app", "parent": STACK_URN, "custom": True,
     "inputs": {"name": "basic-app", "imageScanningConfiguration": {"scanOnPush": True},
                "imageTagMutability": "IMMUTABLE"}, "dependencies": [],
     "sourcePosition": {"uri": MAIN, "line": 7}, "change": "create"},
    {"urn": "urn:pulumi:dev::basic::aws:iam/role:Role::execution",
     "type": "aws:iam/role:Role", "name": "execution", "parent": STACK_URN, "custom": True,
     "inputs": {"tags": {"team": "payments"}, "assumeRolePolicy": ASSUME_ROLE_POLICY, "name": "execution-985a0a4"},
     "dependencies": [], "sourcePosition": {"uri": MAIN, "line": 14}, "change": "create"},
]
LOG_RETENTION = {
    "policy": "log-retention", "pack": "preflight-fixture", "enforcement": "advisory", "severity": "low",
    "urn": "urn:pulumi:dev::basic::aws:cloudwatch/logGroup:LogGroup::logs",
    "message": "LogGroup 'logs' keeps logs 7 days; keep them at least 14 days.", "inconclusive": False,
    "location": {"uri": MAIN, "line": 13},
}
KNOWN_OUTPUTS = {
    "repositoryUrl": "123456789012.dkr.ecr.eu-west-1.amazonaws.com/basic-app",
    "logGroup": "logs-0fe1af9",
    "roleArn": "arn:aws:iam::123456789012:role/execution-985a0a4",
}


def verdicts(**found: tuple[str, str]) -> list[dict]:
    levels = {"ecr-scan-on-push": "mandatory", "log-retention": "advisory", "role-arns-known": "advisory",
              "repository-urls-known": "advisory"}
    return [{"policy": policy, "enforcement": level, "verdict": found.get(policy.replace("-", "_"), ("passed", ""))[0],
             "detail": found.get(policy.replace("-", "_"), ("passed", ""))[1]} for policy, level in levels.items()]


PREVIEW_STAGE = {"stage": "preview", "mandatory": 0, "advisory": 1, "stoppedAt": None}


def report_without_timings(*args, **kwargs) -> dict:
    report = run_preflight(*args, **kwargs).to_json()
    assert set(report.pop("timings")) == {"program_s", "policies_s", "total_s"}
    return report


def test_preview_sees_through_named_resources_and_marks_what_pulumi_preview_would_not_decide():
    report = report_without_timings(PROJECTS / "basic", stack="dev", mode="preview", policy_pack=PACKS / "basic")
    assert report == {
        "project": "basic",
        "stack": "dev",
        "mode": "preview",
        "evaluation": "as-engine",
        "organization": "organization",
        "resources": RESOURCES,
        # The repository URL and role ARN follow from the names, so the stack rules can judge them.
        "diagnostics": [LOG_RETENTION],
        "verdicts": [
            {"policy": "ecr-scan-on-push", "enforcement": "mandatory", "verdict": "passed", "detail": ""},
            {"policy": "log-retention", "enforcement": "advisory", "verdict": "violated", "detail": "1 violation(s)"},
            {"policy": "role-arns-known", "enforcement": "advisory", "verdict": "passed", "detail": "",
             "pulumiPreview": "inconclusive"},
            {"policy": "repository-urls-known", "enforcement": "advisory", "verdict": "passed", "detail": "",
             "pulumiPreview": "inconclusive"},
        ],
        "stages": [PREVIEW_STAGE],
        "outputs": KNOWN_OUTPUTS,
        "notes": [],
        "summary": {"resources": 4, "mandatory": 0, "advisory": 1, "inconclusive": 0},
    }


def test_update_reports_deterministic_outputs_and_no_inconclusive_checks():
    report = report_without_timings(PROJECTS / "basic", stack="dev", mode="update", policy_pack=PACKS / "basic")

    assert report == {
        "project": "basic",
        "stack": "dev",
        "mode": "update",
        "evaluation": "as-engine",
        "organization": "organization",
        "resources": RESOURCES,
        "diagnostics": [LOG_RETENTION],
        "verdicts": verdicts(log_retention=("violated", "1 violation(s)")),
        # `pulumi up`: the preview first, then the update.
        "stages": [PREVIEW_STAGE, {"stage": "update", "mandatory": 0, "advisory": 1, "stoppedAt": None}],
        "notes": [],
        "outputs": KNOWN_OUTPUTS,
        "summary": {"resources": 4, "mandatory": 0, "advisory": 1, "inconclusive": 0},
    }


def test_pack_config_for_the_stack_is_used_when_present():
    # packs/basic/config/prod.json: everything mandatory, log-retention advisory with 30 days.
    # --evaluate-all: the preview stage of `pulumi up` would stop at the mandatory violation; here the
    # update itself is judged.
    report = run_preflight(PROJECTS / "basic", stack="prod", mode="update", policy_pack=PACKS / "basic",
                           evaluate_all=True)

    assert report.diagnostics == [
        {"policy": "ecr-scan-on-push", "pack": "preflight-fixture", "enforcement": "mandatory", "severity": "high",
         "urn": "urn:pulumi:prod::basic::aws:ecr/repository:Repository::app",
         "message": "Repository 'app' has imageScanningConfiguration.scanOnPush unset; set it to true.",
         "inconclusive": False, "location": {"uri": MAIN, "line": 7}},
        {"policy": "log-retention", "pack": "preflight-fixture", "enforcement": "advisory", "severity": "low",
         "urn": "urn:pulumi:prod::basic::aws:cloudwatch/logGroup:LogGroup::logs",
         "message": "LogGroup 'logs' keeps logs 7 days; keep them at least 30 days.", "inconclusive": False,
         "location": {"uri": MAIN, "line": 13}},
    ]
    assert report.summary == {"resources": 4, "mandatory": 1, "advisory": 1, "inconclusive": 0}
    assert report.exit_code == 1


def test_explicit_policy_config_sets_levels_and_properties():
    report = run_preflight(PROJECTS / "basic", stack="prod", mode="preview", policy_pack=PACKS / "basic",
                           policy_config=POLICY_CONFIGS / "lenient.json")

    # ecr-scan-on-push disabled; log-retention satisfied by 5 days; repository-urls-known raised to mandatory.
    assert report.diagnostics == []
    assert [(v["policy"], v["enforcement"], v["verdict"]) for v in report.policy_verdicts()] == [
        ("ecr-scan-on-push", "disabled", "disabled"),
        ("log-retention", "advisory", "passed"),
        ("role-arns-known", "advisory", "passed"),
        ("repository-urls-known", "mandatory", "passed"),
    ]
    assert report.exit_code == 0


@pytest.mark.parametrize(
    ("config_file", "message"),
    [
        ("misspelt.json", "'log-retension' is not a policy of this pack; did you mean 'log-retention'?"),
        ("bad-level.json", "'log-retention' has enforcement level \"blocking\"; "
                           "use one of advisory, mandatory, remediate, disabled"),
        ("below-minimum.json", "the policy config is not valid for this pack:\n"
                               "  log-retention.minimumDays: 0 is less than the minimum of 1"),
    ],
)
def test_invalid_policy_config_is_an_error_naming_the_key(config_file: str, message: str):
    path = POLICY_CONFIGS / config_file
    with pytest.raises(PreflightError) as raised:
        run_preflight(PROJECTS / "basic", stack="dev", policy_pack=PACKS / "basic", policy_config=path)
    prefix = "--policy-config " if config_file == "bad-level.json" else ""
    assert raised.value.message == f"{prefix}{path}: {message}"


def test_unknown_mode_and_missing_project_are_errors(tmp_path: Path):
    with pytest.raises(PreflightError) as raised:
        run_preflight(PROJECTS / "basic", stack="dev", mode="destroy", policy_pack=PACKS / "basic")
    assert raised.value.message == "mode 'destroy' is not known; use preview or update"

    with pytest.raises(PreflightError) as raised:
        run_preflight(tmp_path, stack="dev", policy_pack=PACKS / "basic")
    assert raised.value.message == f"{tmp_path}: no Pulumi.yaml; pass the project directory as PROJECT_DIR"
