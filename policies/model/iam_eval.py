"""Evaluate IAM identity policies for one request: allowed, explicitly denied, implicitly denied, or inconclusive.

The order follows AWS's documented policy evaluation logic for a principal in one
account without permission boundaries, SCPs or session policies: an explicit `Deny`
in any statement wins, then any `Allow`, otherwise the implicit deny.

Every part of a statement is decided three-valued (yes, no, cannot tell). "Cannot tell"
comes from values unknown at preview (the `UNKNOWN` marker, or the `UNKNOWN_PART`
character inside a partly known ARN), from condition keys the request context does not
define, and from operators this module does not implement. A grant that cannot be told
is never counted as an allow; a deny that cannot be told keeps the answer inconclusive.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from model.iam_conditions import (
    UNKNOWN_PART,
    Tri,
    all_of,
    any_of,
    condition_results,
    conditions_hold,
    glob_match,
    negate,
    substitute_variables,
)
from model.values import Malformed, is_unknown


class Decision(Enum):
    ALLOWED = "allowed"
    DENIED = "denied"
    IMPLICIT_DENY = "implicit deny"
    INCONCLUSIVE = "inconclusive"


@dataclass(frozen=True)
class Policy:
    """One policy document and where it comes from (`source` is how messages name it).

    `document` is a parsed dict, UNKNOWN (cannot be read: it may allow or deny anything),
    or `Malformed` (AWS rejects it, so it grants nothing).
    """

    source: str
    document: Any


@dataclass(frozen=True)
class Request:
    """`resource` is an ARN, possibly containing UNKNOWN_PART; `context` maps condition keys
    (case-insensitive) to a string, a list of strings (multivalued keys) or ABSENT. A key
    that is not in `context` is not known, so a condition on it cannot be decided."""

    action: str
    resource: str
    context: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Verdict:
    """`layer` says which kind of policy decided: "identity", "boundary" (permissions boundary),
    "resource" (a resource-based policy: secret, repository or key policy) or "organization"."""

    decision: Decision
    reason: str
    source: str | None = None
    statement: Any = None
    layer: str = "identity"

    @property
    def allowed(self) -> bool:
        return self.decision is Decision.ALLOWED


_SHOWN_UNKNOWN = re.compile(f"{UNKNOWN_PART}[^{UNKNOWN_PART}]*{UNKNOWN_PART}|{UNKNOWN_PART}")


def shown(text: str) -> str:
    """A partly known string as messages print it."""
    return _SHOWN_UNKNOWN.sub("<unknown>", text)


def evaluate(policies: Sequence[Policy], request: Request) -> Verdict:
    context = {str(key).lower(): value for key, value in request.context.items()}
    denies: list[tuple[Tri, str, str, Any]] = []
    allows: list[tuple[Tri, str, str, Any]] = []
    for policy in policies:
        for outcome in _policy_outcomes(policy, request, context):
            (denies if outcome[0] == "Deny" else allows).append(outcome[1:])
    what = f"{request.action} on {shown(request.resource)}"
    for applies, source, why, statement in denies:
        if applies is Tri.YES:
            return Verdict(Decision.DENIED, f"{what} is denied by {why}", source, statement)
    for applies, source, why, statement in denies:
        if applies is Tri.MAYBE:
            return Verdict(Decision.INCONCLUSIVE, f"{what} may be denied by {why}", source, statement)
    for applies, source, why, statement in allows:
        if applies is Tri.YES:
            return Verdict(Decision.ALLOWED, f"{what} is allowed by {why}", source, statement)
    for applies, source, why, statement in allows:
        if applies is Tri.MAYBE:
            return Verdict(Decision.INCONCLUSIVE, f"{what} may be allowed by {why}", source, statement)
    return Verdict(Decision.IMPLICIT_DENY, f"no statement allows {what}")


def _policy_outcomes(policy: Policy, request: Request, context: dict) -> list[tuple]:
    """(effect, applies, source, why, statement) for every statement that might apply."""
    document = policy.document
    if isinstance(document, Malformed) or document is None:
        return []
    if is_unknown(document):
        why = f"{policy.source}, which is not known yet"
        return [("Deny", Tri.MAYBE, policy.source, why, None), ("Allow", Tri.MAYBE, policy.source, why, None)]
    if not isinstance(document, dict):
        return []
    statements = document.get("Statement")
    if is_unknown(statements):
        why = f"the statements of {policy.source}, which are not known yet"
        return [("Deny", Tri.MAYBE, policy.source, why, None), ("Allow", Tri.MAYBE, policy.source, why, None)]
    if isinstance(statements, dict):
        statements = [statements]
    if not isinstance(statements, list):
        return []
    variables = document.get("Version") == "2012-10-17"
    outcomes = []
    for number, statement in enumerate(statements, start=1):
        name = f"statement {number}"
        if isinstance(statement, dict) and isinstance(statement.get("Sid"), str) and statement["Sid"]:
            name = f"statement {number} ({statement['Sid']})"
        label = f"{name} of {policy.source}"
        if is_unknown(statement):
            outcomes.append(("Deny", Tri.MAYBE, policy.source, f"{label}, which is not known yet", None))
            outcomes.append(("Allow", Tri.MAYBE, policy.source, f"{label}, which is not known yet", None))
            continue
        if not isinstance(statement, dict):
            continue
        effect = statement.get("Effect")
        applies, detail = statement_applies(statement, request, context, variables)
        if applies is Tri.NO:
            continue
        why = label if not detail else f"{label} ({detail})"
        if is_unknown(effect):
            outcomes.append(("Deny", Tri.MAYBE, policy.source, f"{label}, whose Effect is not known yet", statement))
            outcomes.append(("Allow", Tri.MAYBE, policy.source, f"{label}, whose Effect is not known yet", statement))
        elif effect in ("Allow", "Deny"):
            outcomes.append((effect, applies, policy.source, why, statement))
    return outcomes


def policy_outcomes(policy: Policy, request: Request, context: dict) -> list[tuple]:
    """(effect, applies, source, why, statement) for every statement of `policy` that might apply
    to `request`; `context` has lowercased keys."""
    return _policy_outcomes(policy, request, context)


def unmet_conditions(policies: Sequence[Policy], request: Request) -> list[str]:
    """The Allow statements whose Action and Resource cover the request but whose condition does
    not hold, each named with the conditions that fail: why an implicit deny happened."""
    context = {str(key).lower(): value for key, value in request.context.items()}
    found = []
    for policy in policies:
        document = policy.document
        statements = document.get("Statement") if isinstance(document, dict) else None
        statements = [statements] if isinstance(statements, dict) else statements
        variables = isinstance(document, dict) and document.get("Version") == "2012-10-17"
        for number, statement in enumerate(statements if isinstance(statements, list) else [], start=1):
            if not isinstance(statement, dict) or statement.get("Effect") != "Allow" or "Condition" not in statement:
                continue
            bare = {k: v for k, v in statement.items() if k != "Condition"}
            if statement_applies(bare, request, context, variables)[0] is not Tri.YES:
                continue
            failed = [text for result, text in condition_results(statement["Condition"], context, variables)
                      if result is Tri.NO]
            if failed:
                found.append(f"statement {number} of {policy.source} would allow it, but its condition "
                             f"{' and '.join(failed)} does not hold")
    return found


def statement_applies(statement: dict, request: Request, context: dict, variables: bool = True) -> tuple[Tri, str]:
    """Whether the statement covers the request, and when it cannot tell, why."""
    checks: list[tuple[Tri, str]] = []
    if "Action" in statement:
        checks.append(_element(statement["Action"], request.action, action_matches, "Action"))
    elif "NotAction" in statement:
        found, detail = _element(statement["NotAction"], request.action, action_matches, "NotAction")
        checks.append((negate(found), detail))
    else:
        return Tri.NO, ""
    matcher = _resource_matcher(context if variables else None)
    if "Resource" in statement:
        checks.append(_element(statement["Resource"], request.resource, matcher, "Resource"))
    elif "NotResource" in statement:
        found, detail = _element(statement["NotResource"], request.resource, matcher, "NotResource")
        checks.append((negate(found), detail))
    else:
        return Tri.NO, ""
    if "Condition" in statement:
        checks.append(conditions_hold(statement["Condition"], context, variables))
    verdict = all_of([check for check, _ in checks])
    if verdict is not Tri.MAYBE:
        return verdict, ""
    return Tri.MAYBE, "; ".join(detail for check, detail in checks if check is Tri.MAYBE and detail)


def _element(patterns: Any, value: str, matcher, element: str) -> tuple[Tri, str]:
    if is_unknown(patterns):
        return Tri.MAYBE, f"its {element} is not known yet"
    items = patterns if isinstance(patterns, list) else [patterns]
    results = []
    for item in items:
        if is_unknown(item):
            results.append(Tri.MAYBE)
        elif isinstance(item, str):
            results.append(matcher(item, value))
    found = any_of(results)
    if found is Tri.MAYBE:
        return found, f"its {element} cannot be matched until its values are known"
    return found, ""


def action_matches(pattern: str, action: str) -> Tri:
    """Actions compare case-insensitively; `*` and `?` are wildcards."""
    return glob_match(pattern.lower(), action.lower())


def _resource_matcher(context: dict | None):
    def match(pattern: str, resource: str) -> Tri:
        if context is not None and "${" in pattern:
            pattern = substitute_variables(pattern, context)
            if pattern is None:
                return Tri.MAYBE
        return glob_match(pattern, resource)

    return match


def evaluate_trust(policy: Policy, service: str, context: Mapping[str, Any] | None = None,
                   action: str = "sts:AssumeRole") -> Verdict:
    """Whether a role's trust policy lets the AWS service principal `service` call `action`.

    Trust policies are resource policies: statements name a Principal instead of a Resource.
    """
    lowered = {str(key).lower(): value for key, value in (context or {}).items()}
    what = f"{service} calling {action}"
    document = policy.document
    if is_unknown(document):
        return Verdict(Decision.INCONCLUSIVE, f"{policy.source} is not known yet", policy.source)
    if isinstance(document, Malformed):
        return Verdict(Decision.IMPLICIT_DENY, f"{policy.source} is not valid JSON ({document.error})", policy.source)
    statements = document.get("Statement") if isinstance(document, dict) else None
    if is_unknown(statements):
        return Verdict(Decision.INCONCLUSIVE, f"the statements of {policy.source} are not known yet", policy.source)
    if isinstance(statements, dict):
        statements = [statements]
    outcomes: list[tuple[str, Tri, str, Any]] = []
    missed: list[str] = []
    for number, statement in enumerate(statements if isinstance(statements, list) else [], start=1):
        label = f"statement {number} of {policy.source}"
        if is_unknown(statement):
            outcomes += [("Deny", Tri.MAYBE, f"{label}, which is not known yet", None),
                         ("Allow", Tri.MAYBE, f"{label}, which is not known yet", None)]
            continue
        if not isinstance(statement, dict) or statement.get("Effect") not in ("Allow", "Deny"):
            continue
        checks = [_trust_action(statement, action), _trust_principal(statement, service)]
        if "Condition" in statement:
            checks.append(conditions_hold(statement["Condition"], lowered))
        applies = all_of([check for check, _ in checks])
        if applies is Tri.NO:
            if statement["Effect"] == "Allow" and all_of([c for c, _ in checks[:2]]) is Tri.YES:
                failed = [text for result, text in condition_results(statement.get("Condition"), lowered)
                          if result is Tri.NO]
                if failed:
                    missed.append(f"{label} names {service}, but its condition {' and '.join(failed)} does not hold "
                                  "for this request")
            continue
        detail = "; ".join(d for c, d in checks if c is Tri.MAYBE and d)
        why = f"{label} ({detail})" if detail else label
        if statement["Effect"] == "Deny" and applies is Tri.YES and isinstance(statement.get("Condition"), dict):
            held = [text for result, text in condition_results(statement["Condition"], lowered) if result is Tri.YES]
            if held:
                why = f"{label}, whose condition {' and '.join(held)} holds for {service}"
        outcomes.append((statement["Effect"], applies, why, statement))
    for effect, decision, word in (("Deny", Decision.DENIED, "denied"), ("Allow", Decision.ALLOWED, "allowed")):
        for applies in (Tri.YES, Tri.MAYBE):
            for outcome_effect, outcome_applies, why, statement in outcomes:
                if outcome_effect == effect and outcome_applies is applies:
                    if applies is Tri.YES:
                        return Verdict(decision, f"{what} is {word} by {why}", policy.source, statement)
                    return Verdict(Decision.INCONCLUSIVE, f"{what} may be {word} by {why}", policy.source, statement)
    detail = f": {'; '.join(missed)}" if missed else ""
    return Verdict(Decision.IMPLICIT_DENY, f"no statement of {policy.source} lets {what}{detail}", policy.source)


def _trust_action(statement: dict, action: str) -> tuple[Tri, str]:
    if "Action" in statement:
        return _element(statement["Action"], action, action_matches, "Action")
    if "NotAction" in statement:
        found, detail = _element(statement["NotAction"], action, action_matches, "NotAction")
        return negate(found), detail
    return Tri.NO, ""


def _trust_principal(statement: dict, service: str) -> tuple[Tri, str]:
    if "Principal" in statement:
        found, detail = _principal_names(statement["Principal"], service)
        return found, detail
    if "NotPrincipal" in statement:
        found, detail = _principal_names(statement["NotPrincipal"], service)
        return negate(found), detail
    return Tri.NO, ""


def _principal_names(principal: Any, service: str) -> tuple[Tri, str]:
    if is_unknown(principal):
        return Tri.MAYBE, "its Principal is not known yet"
    if principal == "*":
        return Tri.YES, ""
    if not isinstance(principal, dict):
        return Tri.NO, ""
    results = []
    for kind, names in principal.items():
        items = names if isinstance(names, list) else [names]
        for name in items:
            if is_unknown(name):
                results.append(Tri.MAYBE)
            elif kind == "Service" and isinstance(name, str):
                results.append(Tri.YES if name.lower() == service.lower() else Tri.NO)
    found = any_of(results)
    return found, ("its Principal is not known yet" if found is Tri.MAYBE else "")
