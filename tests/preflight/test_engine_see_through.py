"""Verdicts only see-through preview decides are marked: `pulumi preview` would leave them inconclusive.

The program host marks the paths it knows at preview that the engine would not (`seeThrough`,
`seeThroughOutputs`); preflight re-analyses those resources and the stack with the paths
unknown, as the engine would see them, with the same pack.
"""

from __future__ import annotations

import pytest

import preflight.api
from preflight.api import run_preflight
from preflight.engine_view import engine_view, set_unknown
from preflight.host.wire import UNKNOWN

from .conftest import PACKS, PROJECTS

URL = "123456789012.dkr.ecr.us-east-1.amazonaws.com/basic-app"


@pytest.fixture
def repository_url_seen_through(monkeypatch: pytest.MonkeyPatch) -> None:
    """The host's see-through preview, for the repository URL: known, and marked as such."""
    real = preflight.api.run_program

    def run_program(*args, **kwargs):
        run = real(*args, **kwargs)
        for record in run.resources:
            if record["type"] == "aws:ecr/repository:Repository":
                record["outputs"]["repositoryUrl"] = URL
                record["seeThroughOutputs"] = ["repositoryUrl"]
        return run

    monkeypatch.setattr(preflight.api, "run_program", run_program)


def verdicts(report) -> dict[str, dict]:
    return {item["policy"]: item for item in report.policy_verdicts()}


def test_a_verdict_decided_only_by_seeing_through_is_marked(repository_url_seen_through):
    report = run_preflight(PROJECTS / "basic", stack="dev", mode="preview", policy_pack=PACKS / "basic")

    assert report.preview_inconclusive == {"repository-urls-known": "app.repositoryUrl"}
    assert verdicts(report)["repository-urls-known"] == {
        "policy": "repository-urls-known", "enforcement": "advisory", "verdict": "passed", "detail": "",
        "pulumiPreview": "inconclusive"}
    # Still unknown to preflight too, so inconclusive and not marked.
    assert verdicts(report)["role-arns-known"]["verdict"] == "inconclusive"
    assert "pulumiPreview" not in verdicts(report)["role-arns-known"]
    # Rules that do not read the path keep their verdict unmarked.
    assert "pulumiPreview" not in verdicts(report)["log-retention"]


def test_without_see_through_values_nothing_is_marked():
    report = run_preflight(PROJECTS / "basic", stack="dev", mode="preview", policy_pack=PACKS / "basic")

    assert report.preview_inconclusive == {}


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
