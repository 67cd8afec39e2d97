"""ecr-repository-hardened: ECR repositories scan on push, use immutable tags and have a lifecycle policy.

It is a stack rule although it judges one repository at a time: the lifecycle policy and
registry-wide scanning are separate resources that only a stack rule can see.

Mechanisms (what AWS evaluates to decide this):
- **Basic scanning on push** (`imageScanningConfiguration.scanOnPush`) — modelled.
  [Image scanning](https://docs.aws.amazon.com/AmazonECR/latest/userguide/image-scanning.html)
- **Registry scanning configuration** (`aws.ecr.RegistryScanningConfiguration`, enhanced scanning,
  which overrides the repository setting) — modelled when in the stack; one whose `scanType` is not
  known is inconclusive, named. A registry configuration made outside the stack is invisible: the
  repository's own setting decides. [Enhanced scanning](https://docs.aws.amazon.com/AmazonECR/latest/userguide/image-scanning-enhanced.html)
- **Tag mutability** (`IMMUTABLE`, and `IMMUTABLE_WITH_EXCLUSION` unless `allowImmutableWithExclusion`
  is false) — modelled. [Image tag mutability](https://docs.aws.amazon.com/AmazonECR/latest/userguide/image-tag-mutability.html)
- **Lifecycle policy** (`aws.ecr.LifecyclePolicy` naming the repository) — modelled; a policy whose
  repository is not known is inconclusive, named. [Lifecycle policies](https://docs.aws.amazon.com/AmazonECR/latest/userguide/LifecyclePolicies.html)

Inconclusive by design: a repository setting or lifecycle-policy target not known until update.
"""

from __future__ import annotations

from pulumi_policy import Severity

from kit import Findings, stack_policy
from kit.shown import shown
from model.aws_types import ECR_LIFECYCLE_POLICY, ECR_REPOSITORY
from model.stack_index import StackIndex
from model.values import Resource, get_path, is_unknown

ECR_REGISTRY_SCANNING_CONFIGURATION = "aws:ecr/registryScanningConfiguration:RegistryScanningConfiguration"
IMMUTABLE_MODES = ("IMMUTABLE", "IMMUTABLE_WITH_EXCLUSION")


def _registry_scans(index: StackIndex) -> bool | None:
    """Whether a registry scanning configuration here turns enhanced scanning on (it overrides scanOnPush)."""
    unknown = False
    for configuration in index.of_type(ECR_REGISTRY_SCANNING_CONFIGURATION):
        scan_type = configuration.props.get("scanType")
        if is_unknown(scan_type):
            unknown = True
        elif scan_type == "ENHANCED":
            return True
    return None if unknown else False


def _lifecycle_policy_state(index: StackIndex, repository: Resource) -> bool | None:
    """True when a lifecycle policy targets the repository, None when some policy's target is unknown."""
    if index.referrers(repository, ECR_LIFECYCLE_POLICY, "repository", keys=("name", "id")):
        return True
    for policy in index.of_type(ECR_LIFECYCLE_POLICY):
        refs = index.refs(policy, "repository", policy.props.get("repository"), ECR_REPOSITORY, ("name", "id"))
        if any(not ref.resolved for ref in refs):
            return None
    return False


def validate_repository_hardened(index: StackIndex, findings: Findings, config: dict) -> None:
    if not index.of_type(ECR_REPOSITORY):
        findings.not_applicable("the stack has no ECR repository")
    registry_scans = _registry_scans(index)
    for repository in index.of_type(ECR_REPOSITORY):
        _check_scanning(repository, registry_scans, findings)
        _check_mutability(repository, config, findings)
        lifecycle = _lifecycle_policy_state(index, repository)
        if lifecycle is None:
            findings.inconclusive(f"which repository the lifecycle policies in the stack apply to ({repository.label})")
        elif not lifecycle and config.get("requireLifecyclePolicy") is not False:
            findings.violation(
                f"{repository.label} has no lifecycle policy: untagged and old images accumulate and are billed "
                "for ever; add an aws.ecr.LifecyclePolicy for the repository (for example expire untagged images "
                "after 14 days and keep the last 30 tagged ones)",
                repository.urn,
            )


def _check_scanning(repository: Resource, registry_scans: bool | None, findings: Findings) -> None:
    scan_on_push = get_path(repository.props.get("imageScanningConfiguration"), "scanOnPush")
    if is_unknown(scan_on_push):
        findings.inconclusive(f"{repository.label} imageScanningConfiguration.scanOnPush")
        return
    if scan_on_push is True or registry_scans is True:
        return
    if registry_scans is None:
        findings.inconclusive(f"{repository.label} scanning (a registry scanning configuration's scanType)")
        return
    findings.violation(
        f"{repository.label} imageScanningConfiguration.scanOnPush is {shown(scan_on_push)}: pushed images are not "
        "scanned for vulnerabilities; set imageScanningConfiguration.scanOnPush true",
        repository.urn,
    )


def _check_mutability(repository: Resource, config: dict, findings: Findings) -> None:
    mode = repository.props.get("imageTagMutability")
    if is_unknown(mode):
        findings.inconclusive(f"{repository.label} imageTagMutability")
        return
    allowed = IMMUTABLE_MODES if config.get("allowImmutableWithExclusion") is not False else ("IMMUTABLE",)
    if mode not in allowed:
        said = "is not set (MUTABLE by default)" if mode is None else f"is {shown(mode)}"
        findings.violation(
            f"{repository.label} imageTagMutability {said}: a pushed tag can later point at another image; set "
            "imageTagMutability to \"IMMUTABLE\"",
            repository.urn,
        )


ecr_repository_hardened = stack_policy(
    name="ecr-repository-hardened",
    description="ECR repositories scan images on push, keep tags immutable and have a lifecycle policy.",
    validate=validate_repository_hardened,
    severity=Severity.MEDIUM,
    remediation_steps=(
        "Set imageScanningConfiguration.scanOnPush true (or enable enhanced scanning for the registry), "
        "imageTagMutability \"IMMUTABLE\", and add an aws.ecr.LifecyclePolicy that expires untagged and old images."
    ),
    url="https://docs.aws.amazon.com/AmazonECR/latest/userguide/image-scanning.html",
    config_schema={
        "requireLifecyclePolicy": {
            "type": "boolean",
            "default": True,
            "description": "Require an aws.ecr.LifecyclePolicy for every repository in the stack.",
        },
        "allowImmutableWithExclusion": {
            "type": "boolean",
            "default": True,
            "description": "Accept IMMUTABLE_WITH_EXCLUSION (immutable except for tags matching exclusion filters).",
        },
    },
)

POLICIES: list = [ecr_repository_hardened]
