"""Verdicts only see-through preview decides are marked: `pulumi preview` would leave them inconclusive.

The program host marks the input paths it knows at preview that the engine would not
(`seeThrough`); a created resource's computed outputs are unknown to the engine's preview.
preflight re-analyses those resources and the stack with those paths unknown, as the engine
would see them, with the same pack.
"""

from __future__ import annotations

from preflight.api import run_preflight
from preflight.engine_view import engine_view, output_paths, set_unknown
from preflight.host.wire import UNKNOWN

from .conftest import PACKS, PROJECTS

PATHS = "app.arn, app.registryId, app.repositoryUrl, execution.arn, logs.arn"


def verdicts(report) -> dict[str, dict]:
    return {item["policy"]: item for item in report.policy_verdicts()}


def test_verdicts_decided_only_by_seeing_through_are_marked():
    # The fixture pack's stack rules read the repository URL and the role ARN: see-through preview
    # knows both (named resources), the engine's first preview would not.
    report = run_preflight(PROJECTS / "basic", stack="dev", mode="preview", policy_pack=PACKS / "basic")

    assert report.preview_inconclusive == {"repository-urls-known": PATHS, "role-arns-known": PATHS}
    assert verdicts(report)["repository-urls-known"] == {
        "policy": "repository-urls-known", "enforcement": "advisory", "verdict": "passed", "detail": "",
        "pulumiPreview": "inconclusive"}
    # Rules that read no see-through value keep their verdict unmarked.
    assert "pulumiPreview" not in verdicts(report)["log-retention"]
    assert "pulumiPreview" not in verdicts(report)["ecr-scan-on-push"]


def test_an_update_marks_nothing():
    report = run_preflight(PROJECTS / "basic", stack="dev", mode="update", policy_pack=PACKS / "basic")

    assert report.preview_inconclusive == {}
    assert all("pulumiPreview" not in item for item in report.policy_verdicts())


def test_explicit_output_paths_win_over_the_create_rule():
    created = {"urn": "u", "custom": True, "change": "create", "inputs": {"name": "app"},
               "outputs": {"name": "app", "arn": "arn:aws:ecr:x", "tagsAll": {}, "id": UNKNOWN}}

    assert output_paths(created) == ["arn"]
    assert output_paths({**created, "seeThroughOutputs": []}) == []
    assert output_paths({**created, "change": "same"}) == []
    assert output_paths({**created, "change": "update"}) == []
    assert output_paths({**created, "change": "replace"}) == ["arn"]
    assert output_paths({**created, "custom": False}) == []


def test_engine_view_makes_each_path_unknown_in_inputs_and_outputs():
    record = {"urn": "u", "inputs": {"tags": {"Name": "web"}, "ingress": [{"cidrBlocks": ["10.0.0.0/8"]}]},
              "outputs": {"tags": {"Name": "web"}, "arn": "arn:aws:x", "ingress": [{"cidrBlocks": ["10.0.0.0/8"]}]},
              "seeThrough": ["tags.Name", "ingress[0].cidrBlocks"], "seeThroughOutputs": ["arn"]}

    view = engine_view(record)

    assert view["inputs"] == {"tags": {"Name": UNKNOWN}, "ingress": [{"cidrBlocks": UNKNOWN}]}
    assert view["outputs"] == {"tags": {"Name": UNKNOWN}, "arn": UNKNOWN, "ingress": [{"cidrBlocks": UNKNOWN}]}
    assert record["inputs"]["tags"] == {"Name": "web"}, "the record itself is not changed"


def test_a_path_that_does_not_resolve_makes_its_top_level_property_unknown():
    properties = {"containerDefinitions": "[{\"image\": \"x\"}]"}

    set_unknown(properties, "containerDefinitions[0].image")

    assert properties == {"containerDefinitions": UNKNOWN}
