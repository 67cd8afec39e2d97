"""ecr-repository-hardened."""

from __future__ import annotations

import pytest

from model.values import UNKNOWN
from rules.ecr_repository_hardened import ECR_REGISTRY_SCANNING_CONFIGURATION, ecr_repository_hardened
from tests.policies.test_ecs_harness import DELETE, LIFECYCLE, REPO, replace, run_stack, spec, web_stack

RULE = ecr_repository_hardened
REPO_URN = "urn:pulumi:test::berth::aws:ecr/repository:Repository::web-repo"


def repository_stack(preview: bool = False) -> list:
    return [s for s in web_stack(preview) if s.type in (REPO, LIFECYCLE)]


@pytest.mark.parametrize("preview", [False, True])
def test_accepts_a_scanned_immutable_repository_with_a_lifecycle_policy(preview):
    outcome = run_stack(RULE, repository_stack(preview))

    assert (outcome.violations, outcome.inconclusive) == ([], None)


def test_follows_the_lifecycle_policy_through_the_graph_when_the_name_is_unknown():
    specs = replace(replace(repository_stack(True), "web-repo", name=UNKNOWN), "web-repo-lifecycle", repository=UNKNOWN)

    outcome = run_stack(RULE, specs)

    assert (outcome.violations, outcome.inconclusive) == ([], None)


@pytest.mark.parametrize("scanning,shown", [({"scanOnPush": False}, "false"), (DELETE, "not set")])
def test_flags_a_repository_that_does_not_scan_on_push(scanning, shown):
    specs = replace(repository_stack(), "web-repo", imageScanningConfiguration=scanning)

    assert run_stack(RULE, specs).violations == [(
        f"Repository 'web-repo' imageScanningConfiguration.scanOnPush is {shown}: pushed images are not scanned for "
        "vulnerabilities; set imageScanningConfiguration.scanOnPush true",
        REPO_URN,
    )]


def test_accepts_enhanced_registry_scanning_instead_of_scan_on_push():
    specs = replace(repository_stack(), "web-repo", imageScanningConfiguration={"scanOnPush": False}) + [
        spec(ECR_REGISTRY_SCANNING_CONFIGURATION, "registry", {"scanType": "ENHANCED"})]

    assert run_stack(RULE, specs).violations == []


@pytest.mark.parametrize("mode,shown", [("MUTABLE", "is 'MUTABLE'"), (DELETE, "is not set (MUTABLE by default)")])
def test_flags_mutable_tags(mode, shown):
    specs = replace(repository_stack(), "web-repo", imageTagMutability=mode)

    assert run_stack(RULE, specs).messages == [
        f"Repository 'web-repo' imageTagMutability {shown}: a pushed tag can later point at another image; set "
        "imageTagMutability to \"IMMUTABLE\""
    ]


def test_config_decides_whether_immutable_with_exclusion_is_enough():
    specs = replace(repository_stack(), "web-repo", imageTagMutability="IMMUTABLE_WITH_EXCLUSION")

    assert run_stack(RULE, specs).violations == []
    assert len(run_stack(RULE, specs, {"allowImmutableWithExclusion": False}).violations) == 1


def test_flags_a_repository_without_lifecycle_policy_unless_config_waives_it():
    specs = [s for s in repository_stack() if s.type == REPO]

    assert run_stack(RULE, specs).messages == [
        "Repository 'web-repo' has no lifecycle policy: untagged and old images accumulate and are billed for ever; "
        "add an aws.ecr.LifecyclePolicy for the repository (for example expire untagged images after 14 days and "
        "keep the last 30 tagged ones)"
    ]
    assert run_stack(RULE, specs, {"requireLifecyclePolicy": False}).violations == []


def test_a_lifecycle_policy_for_another_repository_does_not_count():
    specs = replace(repository_stack(), "web-repo-lifecycle", repository="other")
    specs[1].deps = {}

    assert len(run_stack(RULE, specs).violations) == 1


def test_is_inconclusive_on_unknowns():
    specs = replace(repository_stack(True), "web-repo", imageTagMutability=UNKNOWN,
                    imageScanningConfiguration={"scanOnPush": UNKNOWN})
    unlinked = replace(repository_stack(True), "web-repo-lifecycle", repository=UNKNOWN)
    unlinked[1].deps = {}

    assert run_stack(RULE, specs).unknowns == [
        "Repository 'web-repo' imageScanningConfiguration.scanOnPush", "Repository 'web-repo' imageTagMutability"]
    assert run_stack(RULE, unlinked).unknowns == [
        "which repository the lifecycle policies in the stack apply to (Repository 'web-repo')"]


def test_ignores_other_resource_types():
    outcome = run_stack(RULE, [s for s in web_stack() if s.type not in (REPO, LIFECYCLE)])

    assert (outcome.violations, outcome.inconclusive) == ([], None)
    assert outcome.not_applicable == "the stack has no ECR repository"
