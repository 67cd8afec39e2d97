"""What every rule uses: findings, the two policy builders and config-schema conversion.

A rule's validator receives plain model values (see model.values) and a `Findings`; the
builders here turn pulumi-policy's validation arguments into those and back.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from pulumi_policy import (
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.proxy import UnknownValueError

from model.stack_index import StackIndex
from model.values import Resource, plain

INCONCLUSIVE_PREFIX = "Cannot be verified until update:"


def resource_from_policy_resource(policy_resource: Any) -> Resource:
    """Build a Resource from a pulumi-policy PolicyResource (stack validation)."""
    parent = getattr(policy_resource, "parent", None)
    provider = getattr(policy_resource, "provider", None)
    return Resource(
        type=policy_resource.resource_type,
        name=policy_resource.name,
        urn=policy_resource.urn,
        props=plain(policy_resource.props) or {},
        parent=parent.urn if parent is not None else None,
        dependencies=[dep.urn for dep in (policy_resource.dependencies or [])],
        property_dependencies={
            key: [dep.urn for dep in deps]
            for key, deps in (policy_resource.property_dependencies or {}).items()
        },
        provider_props=provider_config(provider),
    )


def provider_config(provider: Any) -> dict:
    """A provider's configuration with its structured values as lists and maps.

    The engine sends provider configuration as the provider's CheckConfig left it, and the AWS
    bridge (like the SDK's `pulumi:providers:aws` inputs) encodes lists and objects
    (`allowedAccountIds`, `forbiddenAccountIds`, `defaultTags`, `assumeRole`, `endpoints`) as
    JSON text; rules read them decoded.
    """
    props = plain(provider.props) if provider is not None and provider.props else {}
    return {key: _decoded(value) for key, value in props.items()}


def _decoded(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in "[{":
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def resource_from_args(args: ResourceValidationArgs) -> Resource:
    """Build a Resource from resource-validation args (no graph edges are sent there)."""
    provider = args.provider
    return Resource(
        type=args.resource_type,
        name=args.name,
        urn=args.urn,
        props=plain(args.props) or {},
        provider_props=provider_config(provider),
    )


class Inconclusive(UnknownValueError):
    """Raised once at the end of a rule: the SDK reports it as an advisory diagnostic.

    pulumi-policy turns an UnknownValueError into an ADVISORY "can't run policy ... during
    preview" diagnostic whatever the rule's enforcement level, and keeps the violations
    already reported. That is exactly "inconclusive, never a pass, never a block".
    """

    def __init__(self, message: str):
        Exception.__init__(self, message)
        self.unknown_type_sentinel = ""
        self.props = []
        self.message = message


class Findings:
    """Collects a rule's verdicts: violations are reported at once, inconclusive items at the end."""

    def __init__(
        self,
        report_violation: ReportViolation,
        mark_not_applicable: Callable[[str], None] | None = None,
    ):
        self._report = report_violation
        self._mark_not_applicable = mark_not_applicable
        self.violations: list[tuple[str, str | None]] = []
        self.inconclusive_items: list[str] = []
        self.not_applicable_reason: str | None = None

    def violation(self, message: str, urn: str | None = None) -> None:
        self.violations.append((message, urn))
        self._report(message, urn)

    def inconclusive(self, what: str) -> None:
        """`what` names the resource and the value that could not be known, and why."""
        if what not in self.inconclusive_items:
            self.inconclusive_items.append(what)

    def not_applicable(self, reason: str) -> None:
        """The rule has nothing to check here (e.g. no ECS service in the stack)."""
        self.not_applicable_reason = reason

    def finish(self) -> None:
        if self.inconclusive_items:
            raise Inconclusive(f"{INCONCLUSIVE_PREFIX} " + "; ".join(self.inconclusive_items))
        if self.not_applicable_reason and not self.violations and self._mark_not_applicable:
            # The SDK's `args.not_applicable` raises; it goes last so nothing is lost.
            self._mark_not_applicable(self.not_applicable_reason)


def with_defaults(schema: Mapping[str, Mapping[str, Any]] | None, config: Mapping[str, Any] | None) -> dict:
    """The rule's config with schema defaults filled in, as the engine does before Configure."""
    merged = {key: spec["default"] for key, spec in (schema or {}).items() if "default" in spec}
    merged.update(plain(config) if config else {})
    return merged


def _schema(properties: Mapping[str, Mapping[str, Any]] | None) -> PolicyConfigSchema | None:
    return PolicyConfigSchema(properties=dict(properties)) if properties else None


StackValidator = Callable[[Any, Findings, dict], None]
ResourceValidator = Callable[[Resource, Findings, dict], None]


def stack_policy(
    *,
    name: str,
    description: str,
    validate: StackValidator,
    severity: Severity,
    remediation_steps: str,
    url: str,
    config_schema: Mapping[str, Mapping[str, Any]] | None = None,
) -> StackValidationPolicy:
    """A stack rule; `validate(stack_index, findings, config)` sees every resource of the stack."""
    def run(args: StackValidationArgs, report_violation: ReportViolation) -> None:
        findings = Findings(report_violation, args.not_applicable)
        index = StackIndex([resource_from_policy_resource(r) for r in args.resources])
        validate(index, findings, with_defaults(config_schema, args.get_config()))
        findings.finish()

    return StackValidationPolicy(
        name=name,
        description=description,
        validate=run,
        severity=severity,
        remediation_steps=remediation_steps,
        url=url,
        config_schema=_schema(config_schema),
    )


def resource_policy(
    *,
    name: str,
    description: str,
    validate: ResourceValidator,
    severity: Severity,
    remediation_steps: str,
    url: str,
    config_schema: Mapping[str, Mapping[str, Any]] | None = None,
) -> ResourceValidationPolicy:
    """A resource rule; `validate(resource, findings, config)` sees one resource at a time."""

    def run(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
        findings = Findings(report_violation, args.not_applicable)
        validate(resource_from_args(args), findings, with_defaults(config_schema, args.get_config()))
        findings.finish()

    return ResourceValidationPolicy(
        name=name,
        description=description,
        validate=run,
        severity=severity,
        remediation_steps=remediation_steps,
        url=url,
        config_schema=_schema(config_schema),
    )
