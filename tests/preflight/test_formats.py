"""text, markdown and sarif renderings of one fixed report; SARIF checked against the 2.1.0 schema."""

from __future__ import annotations

import json

import jsonschema
import pytest

from preflight.analyzer import Diagnostic, PackInfo, PolicyInfo
from preflight.render import render
from preflight.report import Report

from .conftest import FIXTURES, PROJECTS

STACK = "urn:pulumi:dev::shop::pulumi:pulumi:Stack::shop-dev"
REPO = "urn:pulumi:dev::shop::aws:ecr/repository:Repository::app"
ROLE = "urn:pulumi:dev::shop::aws:iam/role:Role::exec"
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
SECRET = {"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", "value": "hunter2"}


def record(urn: str, type_: str, name: str, parent: str | None, custom: bool, inputs: dict, outputs: dict) -> dict:
    return {"urn": urn, "type": type_, "name": name, "parent": parent, "custom": custom, "inputs": inputs,
            "outputs": outputs}


@pytest.fixture
def report() -> Report:
    pack = PackInfo(
        name="shop-pack", version="2.0.0", initial_config={},
        policies=[
            PolicyInfo("ecr-scan", "Repositories scan on push.", "mandatory", "high", "resource",
                       "Set scanOnPush to true.", "https://example.com/ecr-scan", {}),
            PolicyInfo("role-known", "Roles are known.", "advisory", None, "stack", "", "", {}),
        ],
    )
    diagnostics = [
        Diagnostic("role-known", "shop-pack", "advisory", None, None,
                   "Cannot be verified until update: Role 'exec' arn.", True),
        Diagnostic("ecr-scan", "shop-pack", "mandatory", "high", REPO, "Repository 'app' | scanOnPush is false.",
                   False),
    ]
    records = [
        record(ROLE, "aws:iam/role:Role", "exec", STACK, True, {"name": "exec", "token": SECRET}, {}),
        record(STACK, "pulumi:pulumi:Stack", "shop-dev", None, False, {}, {"url": UNKNOWN, "password": SECRET}),
        record(REPO, "aws:ecr/repository:Repository", "app", STACK, True, {"name": "app", "arn": UNKNOWN}, {}),
    ]
    return Report.build(project="shop", stack="dev", mode="preview", records=records, diagnostics=diagnostics,
                        pack=pack, timings={"program_s": 1.23456, "policies_s": 0.5, "total_s": 1.8},
                        program_logs=[], program_main=str(PROJECTS / "basic"))


def test_json_replaces_unknowns_and_secrets_and_orders_deterministically(report: Report):
    assert json.loads(render(report, "json")) == {
        "project": "shop",
        "stack": "dev",
        "mode": "preview",
        "evaluation": "as-engine",
        "organization": "",
        "resources": [
            {"urn": STACK, "type": "pulumi:pulumi:Stack", "name": "shop-dev", "parent": None, "custom": False,
             "inputs": {}, "dependencies": []},
            {"urn": REPO, "type": "aws:ecr/repository:Repository", "name": "app", "parent": STACK, "custom": True,
             "inputs": {"name": "app", "arn": "<unknown>"}, "dependencies": []},
            {"urn": ROLE, "type": "aws:iam/role:Role", "name": "exec", "parent": STACK, "custom": True,
             "inputs": {"name": "exec", "token": "[secret]"}, "dependencies": []},
        ],
        "diagnostics": [
            {"policy": "ecr-scan", "pack": "shop-pack", "enforcement": "mandatory", "severity": "high", "urn": REPO,
             "message": "Repository 'app' | scanOnPush is false.", "inconclusive": False},
            {"policy": "role-known", "pack": "shop-pack", "enforcement": "advisory", "severity": None, "urn": None,
             "message": "Cannot be verified until update: Role 'exec' arn.", "inconclusive": True},
        ],
        "verdicts": [
            {"policy": "ecr-scan", "enforcement": "mandatory", "verdict": "violated", "detail": "1 violation(s)"},
            {"policy": "role-known", "enforcement": "advisory", "verdict": "inconclusive",
             "detail": "Cannot be verified until update: Role 'exec' arn."},
        ],
        "stages": [],
        "outputs": {"url": "<unknown>", "password": "[secret]"},
        "notes": [],
        "summary": {"resources": 3, "mandatory": 1, "advisory": 1, "inconclusive": 1},
        "timings": {"program_s": 1.235, "policies_s": 0.5, "total_s": 1.8},
    }
    assert "hunter2" not in render(report, "json")


def test_text(report: Report):
    assert render(report, "text") == (
        "preflight shop / dev (preview)\n"
        "\n"
        "Resources (3):\n"
        "  aws:ecr/repository:Repository  1\n"
        "  aws:iam/role:Role              1\n"
        "  pulumi:pulumi:Stack            1\n"
        "\n"
        "Policy diagnostics:\n"
        "  [mandatory] ecr-scan (shop-pack): 1\n"
        f"    - {REPO}\n"
        "      Repository 'app' | scanOnPush is false.\n"
        "  [advisory] role-known (shop-pack): 1\n"
        "    - (stack) (inconclusive)\n"
        "      Cannot be verified until update: Role 'exec' arn.\n"
        "\n"
        "Policies (shop-pack 2.0.0, 2):\n"
        "  violated       mandatory ecr-scan  1 violation(s)\n"
        "  inconclusive   advisory  role-known  Cannot be verified until update: Role 'exec' arn.\n"
        "\n"
        "FAIL: 3 resources, 1 mandatory, 1 advisory, 1 inconclusive\n"
        "program 1.24 s, policies 0.50 s, total 1.80 s\n"
    )


def test_policy_verdicts_follow_the_configured_level_and_what_the_pack_said(report: Report):
    pack = PackInfo(
        name="p", version="1.0.0", initial_config={},
        policies=[PolicyInfo(name, "Checks.", "advisory", None, "stack", "", "", {})
                  for name in ("quiet", "off", "elsewhere", "role-known")],
    )
    diagnostics = [Diagnostic("role-known", "p", "mandatory", None, ROLE, "Role 'exec' cannot be assumed.", False),
                   Diagnostic("role-known", "p", "mandatory", None, ROLE, "Role 'exec' has no policy.", False)]
    verdicts = Report.build(
        project="shop", stack="dev", mode="update", records=[], diagnostics=diagnostics, pack=pack,
        timings={"program_s": 0, "policies_s": 0, "total_s": 0}, program_logs=[],
        levels={"quiet": "mandatory", "off": "disabled", "elsewhere": "advisory", "role-known": "mandatory"},
        not_applicable={"elsewhere": "no ECS service in the stack"},
    ).policy_verdicts()

    assert verdicts == [
        {"policy": "quiet", "enforcement": "mandatory", "verdict": "passed", "detail": ""},
        {"policy": "off", "enforcement": "disabled", "verdict": "disabled", "detail": ""},
        {"policy": "elsewhere", "enforcement": "advisory", "verdict": "not applicable",
         "detail": "no ECS service in the stack"},
        {"policy": "role-known", "enforcement": "mandatory", "verdict": "violated", "detail": "2 violation(s)"},
    ]


def test_text_colour_only_when_asked(report: Report):
    coloured = render(report, "text", colour=True)
    assert "\033[31m[mandatory]\033[0m ecr-scan" in coloured
    assert "\033[31mFAIL\033[0m: 3 resources" in coloured
    assert "\033[" not in render(report, "text")


def test_markdown(report: Report):
    assert render(report, "markdown") == (
        "### preflight: `shop` / `dev` (preview)\n"
        "\n"
        "**❌ blocked: mandatory policy violations**\n"
        "\n"
        "| resources | mandatory | advisory | inconclusive |\n"
        "|---:|---:|---:|---:|\n"
        "| 3 | 1 | 1 | 1 |\n"
        "\n"
        "#### Violations\n"
        "\n"
        "| level | policy | resource | message |\n"
        "|---|---|---|---|\n"
        "| mandatory | `ecr-scan` | `app` | Repository 'app' \\| scanOnPush is false. |\n"
        "| advisory (inconclusive) | `role-known` | (stack) | Cannot be verified until update: Role 'exec' arn. |\n"
        "\n"
        "<details><summary>Policies (2)</summary>\n"
        "\n"
        "| verdict | level | policy | reason |\n"
        "|---|---|---|---|\n"
        "| violated | mandatory | `ecr-scan` | 1 violation(s) |\n"
        "| inconclusive | advisory | `role-known` | Cannot be verified until update: Role 'exec' arn. |\n"
        "\n"
        "</details>\n"
        "\n"
        "<details><summary>Resources (3)</summary>\n"
        "\n"
        "| type | count |\n"
        "|---|---:|\n"
        "| `aws:ecr/repository:Repository` | 1 |\n"
        "| `aws:iam/role:Role` | 1 |\n"
        "| `pulumi:pulumi:Stack` | 1 |\n"
        "\n"
        "</details>\n"
        "\n"
        "<sub>program 1.24 s · policies 0.50 s · total 1.80 s</sub>\n"
    )


def test_sarif_is_valid_sarif_2_1_0(report: Report):
    schema = json.loads((FIXTURES / "sarif-schema-2.1.0.json").read_text())
    document = json.loads(render(report, "sarif"))
    jsonschema.Draft4Validator.check_schema(schema)
    errors = sorted(jsonschema.Draft4Validator(schema).iter_errors(document), key=str)
    assert errors == []


def test_sarif_has_one_rule_per_policy_and_one_result_per_diagnostic(report: Report):
    run = json.loads(render(report, "sarif"))["runs"][0]
    assert run["tool"]["driver"]["rules"] == [
        {"id": "ecr-scan", "name": "ecr-scan", "shortDescription": {"text": "Repositories scan on push."},
         "fullDescription": {"text": "Repositories scan on push."}, "help": {"text": "Set scanOnPush to true."},
         "defaultConfiguration": {"level": "error"}, "helpUri": "https://example.com/ecr-scan",
         "properties": {"tags": ["pulumi-policy", "resource"], "security-severity": "8.0", "verdict": "violated",
                        "verdictDetail": "1 violation(s)"}},
        {"id": "role-known", "name": "role-known", "shortDescription": {"text": "Roles are known."},
         "fullDescription": {"text": "Roles are known."}, "help": {"text": "Roles are known."},
         "defaultConfiguration": {"level": "warning"},
         "properties": {"tags": ["pulumi-policy", "stack"], "verdict": "inconclusive",
                        "verdictDetail": "Cannot be verified until update: Role 'exec' arn."}},
    ]
    results = run["results"]
    assert [(r["ruleId"], r["ruleIndex"], r["level"], r["message"]["text"]) for r in results] == [
        ("ecr-scan", 0, "error", "Repository 'app' | scanOnPush is false."),
        ("role-known", 1, "note", "Cannot be verified until update: Role 'exec' arn."),
    ]
    assert results[0]["locations"] == [{
        "physicalLocation": {"artifactLocation": {"uri": "tests/fixtures/preflight/projects/basic/__main__.py"}},
        "logicalLocations": [{"fullyQualifiedName": REPO, "name": "app", "kind": "resource"}],
    }]
    assert len({r["partialFingerprints"]["preflightDiagnostic/v1"] for r in results}) == 2


def test_sarif_schema_rejects_a_broken_document(report: Report):
    # The validator is strict enough to catch what GitHub would reject.
    schema = json.loads((FIXTURES / "sarif-schema-2.1.0.json").read_text())
    document = json.loads(render(report, "sarif"))
    document["runs"][0]["results"][0]["level"] = "fatal"
    del document["version"]
    messages = sorted(error.message for error in jsonschema.Draft4Validator(schema).iter_errors(document))
    assert messages == ["'fatal' is not one of ['none', 'note', 'warning', 'error']", "'version' is a required property"]


@pytest.fixture
def located() -> Report:
    """A report whose records carry what the program host may add: source positions, see-through
    paths, a remote component, a resource created inside apply; an update stopped part-way."""
    pack = PackInfo(
        name="shop-pack", version="2.0.0", initial_config={},
        policies=[
            PolicyInfo("ecr-scan", "Repositories scan on push.", "mandatory", "high", "resource", "", "", {}),
            PolicyInfo("role-known", "Roles are known.", "advisory", None, "stack", "", "", {}),
            PolicyInfo("task-size", "Task sizes are valid.", "advisory", None, "stack", "", "", {}),
        ],
    )
    main = PROJECTS / "basic" / "__main__.py"
    repo = record(REPO, "aws:ecr/repository:Repository", "app", STACK, True, {"name": "app"}, {})
    repo["sourcePosition"] = {"uri": main.as_uri(), "line": 12}
    repo["seeThrough"] = ["repositoryUrl"]
    service = record(STACK.replace("pulumi:pulumi:Stack::shop-dev", "awsx:ecs:FargateService::web"),
                     "awsx:ecs:FargateService", "web", STACK, False, {}, {})
    service["remote"] = True
    late = record(ROLE, "aws:iam/role:Role", "exec", STACK, True, {"name": "exec"}, {})
    late["createdInApply"] = True
    diagnostics = [Diagnostic("ecr-scan", "shop-pack", "mandatory", "high", REPO, "Repository 'app' scans not.", False)]
    return Report.build(
        project="shop", stack="dev", mode="update", records=[repo, service, late], diagnostics=diagnostics, pack=pack,
        timings={"program_s": 1, "policies_s": 0.5, "total_s": 2}, program_logs=[], program_main=str(main),
        not_applicable={"task-size": "the stack has no task definition"}, analyzed=[STACK, REPO],
        stopped_at=REPO, not_evaluated=[ROLE], project_dir=str(PROJECTS / "basic"),
        notes=["the policy config names the Pulumi ESC environment(s) payments/dev; preflight cannot open ESC "
               "environments, so the pack ran without their values"],
        preview_inconclusive={"ecr-scan": "repositoryUrl"},
    )


RELATIVE_MAIN = "tests/fixtures/preflight/projects/basic/__main__.py"


def test_diagnostics_are_located_at_the_registration_line_relative_to_the_repository_root(located: Report):
    [diagnostic] = located.diagnostics
    results = json.loads(render(located, "sarif"))["runs"][0]["results"]

    assert diagnostic["location"] == {"uri": RELATIVE_MAIN, "line": 12}
    assert results[0]["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": RELATIVE_MAIN}, "region": {"startLine": 12}}
    assert f"    - {REPO}  ({RELATIVE_MAIN}:12)\n" in render(located, "text")
    assert f"| mandatory | `ecr-scan` | `app` at `{RELATIVE_MAIN}:12` | Repository 'app' scans not. |" in \
        render(located, "markdown")


def test_verdicts_say_where_the_update_stopped_and_what_preview_would_not_have_decided(located: Report):
    assert located.policy_verdicts() == [
        {"policy": "ecr-scan", "enforcement": "mandatory", "verdict": "violated", "detail": "1 violation(s)",
         "pulumiPreview": "inconclusive"},
        {"policy": "role-known", "enforcement": "advisory", "verdict": "not evaluated",
         "detail": f"the deployment stops at {REPO}"},
        {"policy": "task-size", "enforcement": "advisory", "verdict": "not evaluated",
         "detail": f"the deployment stops at {REPO}"},
    ]


def test_text_names_what_the_run_could_not_see(located: Report):
    text = render(located, "text")
    remote = STACK.replace("pulumi:pulumi:Stack::shop-dev", "awsx:ecs:FargateService::web")

    assert "  violated       mandatory ecr-scan  1 violation(s)  [pulumi preview: inconclusive]\n" in text
    assert (
        "Update evaluated as `pulumi up`: the preview, then the update.\n"
        f"Not evaluated: the deployment stops at {REPO} (1 later resource(s) and the stack policies).\n"
        "[pulumi preview: inconclusive]: decided by preflight's see-through preview; `pulumi preview` would leave "
        "these inconclusive.\n"
        f"Remote component {remote} (awsx:ecs:FargateService): its children are created by a provider preflight "
        "does not run; rules that may miss them: none.\n"
        f"Created inside apply: {ROLE} (`pulumi preview` would not show it).\n"
        "Note: the policy config names the Pulumi ESC environment(s) payments/dev; preflight cannot open ESC "
        "environments, so the pack ran without their values.\n"
    ) in text


def test_json_carries_the_recorded_fields_and_where_the_update_stopped(located: Report):
    document = json.loads(render(located, "json"))
    by_urn = {resource["urn"]: resource for resource in document["resources"]}

    assert by_urn[REPO]["sourcePosition"]["line"] == 12
    assert by_urn[REPO]["seeThrough"] == ["repositoryUrl"]
    assert by_urn[ROLE]["createdInApply"] is True
    assert document["notEvaluated"] == {"stoppedAt": REPO, "resources": [ROLE]}
    assert [item["verdict"] for item in document["verdicts"]] == ["violated", "not evaluated", "not evaluated"]


def test_a_policy_not_applicable_to_every_analysed_resource_is_not_applicable():
    pack = PackInfo(name="p", version="1", initial_config={},
                    policies=[PolicyInfo("only-repos", "Repos.", "advisory", None, "resource", "", "", {})])
    build = dict(project="shop", stack="dev", mode="preview", records=[], diagnostics=[], pack=pack,
                 timings={"program_s": 0, "policies_s": 0, "total_s": 0}, program_logs=[], analyzed=[STACK, ROLE])

    everywhere = Report.build(**build, resource_not_applicable={"only-repos": {STACK: "not a repository",
                                                                              ROLE: "not a repository"}})
    somewhere = Report.build(**build, resource_not_applicable={"only-repos": {STACK: "not a repository"}})

    assert everywhere.policy_verdicts()[0]["verdict"] == "not applicable"
    assert everywhere.policy_verdicts()[0]["detail"] == "not a repository"
    assert somewhere.policy_verdicts()[0]["verdict"] == "passed"


def test_a_source_position_inside_preflight_itself_locates_nothing():
    from preflight.report import PREFLIGHT_DIR, source_location

    assert source_location({"uri": (PREFLIGHT_DIR / "host" / "run.py").as_uri(), "line": 3}, str(PROJECTS)) is None
    assert source_location({"uri": (PROJECTS / "basic" / "__main__.py").as_uri(), "line": 3}, str(PROJECTS)) == {
        "uri": "tests/fixtures/preflight/projects/basic/__main__.py", "line": 3}
    assert source_location(None, str(PROJECTS)) is None
