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

import ipaddress
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from functools import lru_cache
from typing import Any

from model.values import Malformed, is_unknown

# Stands for the part of a string that is not known yet (the random suffix of a key ARN,
# a log stream name). A policy pattern matches it only through `*`.
UNKNOWN_PART = "\uffff"

# A context value that is known to be missing from the request.
ABSENT = object()


class Tri(Enum):
    YES = "yes"
    NO = "no"
    MAYBE = "maybe"


def all_of(values: Sequence[Tri]) -> Tri:
    if Tri.NO in values:
        return Tri.NO
    return Tri.MAYBE if Tri.MAYBE in values else Tri.YES


def any_of(values: Sequence[Tri]) -> Tri:
    if Tri.YES in values:
        return Tri.YES
    return Tri.MAYBE if Tri.MAYBE in values else Tri.NO


def negate(value: Tri) -> Tri:
    return {Tri.YES: Tri.NO, Tri.NO: Tri.YES, Tri.MAYBE: Tri.MAYBE}[value]


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
    decision: Decision
    reason: str
    source: str | None = None
    statement: Any = None

    @property
    def allowed(self) -> bool:
        return self.decision is Decision.ALLOWED


def partly_known(*parts: str | None) -> str:
    """Join string parts, each None standing for a part that is not known yet."""
    return "".join(UNKNOWN_PART if part is None or is_unknown(part) else str(part) for part in parts)


def unknown_token(identity: str) -> str:
    """The not-yet-known part of one resource's ARN. Two tokens are equal only for the same
    resource, so a policy whose Resource is that resource's (unknown) ARN matches it exactly."""
    return f"{UNKNOWN_PART}{identity}{UNKNOWN_PART}"


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


_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_ESCAPES = {"*": "\x00star\x00", "?": "\x00qmark\x00", "$": "$"}


def substitute_variables(text: str, context: dict) -> str | None:
    """Replace `${key}` (and `${key, 'default'}`) from the context; None when a value is not known."""
    unresolved = False

    def replace(match: re.Match) -> str:
        nonlocal unresolved
        body = match.group(1).strip()
        if body in _ESCAPES:
            return _ESCAPES[body]
        key, _, default = body.partition(",")
        value = context.get(key.strip().lower())
        if value is None:
            unresolved = True
            return ""
        if value is ABSENT or isinstance(value, list):
            fallback = default.strip().strip("'")
            if default and value is ABSENT:
                return fallback
            unresolved = True
            return ""
        return str(value)

    replaced = _VARIABLE.sub(replace, text)
    if unresolved:
        return None
    # Escaped wildcards are literal characters, which glob_match spells as `[*]` and `[?]`.
    return replaced.replace(_ESCAPES["*"], "\x01*").replace(_ESCAPES["?"], "\x01?")


@lru_cache(maxsize=4096)
def _glob_regex(pattern: str) -> re.Pattern:
    out = []
    literal_next = False
    for char in pattern:
        if literal_next:
            out.append(re.escape(char))
            literal_next = False
        elif char == "\x01":
            literal_next = True
        elif char == "*":
            out.append(".*")
        elif char == "?":
            out.append(f"[^{UNKNOWN_PART}]")
        else:
            out.append(re.escape(char))
    return re.compile("".join(out), re.DOTALL)


def _literal_prefix(text: str, stops: str) -> str:
    cut = min((i for i, char in enumerate(text) if char in stops), default=len(text))
    return text[:cut]


def glob_match(pattern: str, value: str) -> Tri:
    """Glob match where `value` may hold unknown parts: YES when every possible value matches,
    NO when none can, MAYBE otherwise.

    A bare UNKNOWN_PART is a value we do not know (an account ID); an `unknown_token` is a
    value not assigned yet (a new key's ID), which only a wildcard or the same token matches.
    """
    if _glob_regex(pattern).fullmatch(value):
        return Tri.YES
    if UNKNOWN_PART not in value:
        return Tri.NO
    known_value = _literal_prefix(value, UNKNOWN_PART)
    known_pattern = _literal_prefix(pattern, "*?\x01")
    if not (known_value.startswith(known_pattern) or known_pattern.startswith(known_value)):
        return Tri.NO
    if not any(char in pattern for char in "*?"):
        return Tri.MAYBE if _value_regex(value).fullmatch(pattern) else Tri.NO
    return Tri.MAYBE


_TOKEN = re.compile(f"{UNKNOWN_PART}[^{UNKNOWN_PART}]+{UNKNOWN_PART}")


def _value_regex(value: str) -> re.Pattern:
    """What a partly known value may turn out to be, as a regex over literal text."""
    out = []
    for index, piece in enumerate(_TOKEN.split(value)):
        if index:
            out.append("(?!)")  # a value not assigned yet cannot be written down literally
        out.append(".+".join(re.escape(part) for part in piece.split(UNKNOWN_PART)))
    return re.compile("".join(out), re.DOTALL)


# ---------------------------------------------------------------- conditions

_STRING_OPS = {"stringequals", "stringnotequals", "stringequalsignorecase", "stringnotequalsignorecase",
               "stringlike", "stringnotlike"}
_ARN_OPS = {"arnequals", "arnlike", "arnnotequals", "arnnotlike"}
_NUMERIC_OPS = {"numericequals", "numericnotequals", "numericlessthan", "numericlessthanequals",
                "numericgreaterthan", "numericgreaterthanequals"}
_IP_OPS = {"ipaddress", "notipaddress"}
_NEGATED = {"stringnotequals", "stringnotequalsignorecase", "stringnotlike", "arnnotequals", "arnnotlike",
            "numericnotequals", "notipaddress"}


def conditions_hold(block: Any, context: dict, variables: bool = True) -> tuple[Tri, str]:
    """All operators, all keys under each, must hold (AND); the values of one key are ORed."""
    if is_unknown(block):
        return Tri.MAYBE, "its Condition is not known yet"
    if not isinstance(block, dict):
        return Tri.NO, ""
    results: list[tuple[Tri, str]] = []
    for operator, keys in block.items():
        if is_unknown(keys):
            results.append((Tri.MAYBE, f"condition {operator} is not known yet"))
            continue
        if not isinstance(keys, dict):
            return Tri.NO, ""
        for key, values in keys.items():
            results.append(_one_condition(str(operator), str(key), values, context, variables))
    verdict = all_of([result for result, _ in results])
    if verdict is not Tri.MAYBE:
        return verdict, ""
    return Tri.MAYBE, "; ".join(detail for result, detail in results if result is Tri.MAYBE)


def _one_condition(operator: str, key: str, raw_values: Any, context: dict, variables: bool) -> tuple[Tri, str]:
    text = f"condition {operator} {{{key!r}: {raw_values!r}}}"
    if is_unknown(raw_values):
        return Tri.MAYBE, f"{text}: its value is not known yet"
    values = raw_values if isinstance(raw_values, list) else [raw_values]
    if any(is_unknown(v) for v in values):
        return Tri.MAYBE, f"{text}: a value is not known yet"
    values = [_condition_text(v) for v in values]
    qualifier, _, op = operator.rpartition(":")
    qualifier, op = qualifier.lower(), op.lower()
    if_exists = op.endswith("ifexists")
    if if_exists:
        op = op.removesuffix("ifexists")
    if qualifier not in ("", "foranyvalue", "forallvalues"):
        return Tri.MAYBE, f"{text}: qualifier {operator.rpartition(':')[0]} is not supported"
    lowered = key.lower()
    if lowered not in context:
        return Tri.MAYBE, f"{text}: key {key} is not known for this request"
    present = context[lowered]
    if op == "null":
        if qualifier or if_exists:
            return Tri.MAYBE, f"{text}: operator {operator} is not supported"
        is_absent = present is ABSENT or present == []
        wants = [v.lower() for v in values]
        return any_of([Tri.YES if (w == "true") == is_absent else Tri.NO for w in wants if w in ("true", "false")]), ""
    compare = _comparer(op)
    if compare is None:
        return Tri.MAYBE, f"{text}: operator {operator} is not supported"
    if variables and op in _STRING_OPS | _ARN_OPS:
        substituted = [substitute_variables(v, context) if "${" in v else v for v in values]
        if any(v is None for v in substituted):
            return Tri.MAYBE, f"{text}: a policy variable is not known for this request"
        values = substituted
    negated = op in _NEGATED
    if present is ABSENT or present == []:
        if if_exists:
            return Tri.YES, ""
        if qualifier == "forallvalues":
            return Tri.YES, ""
        if qualifier == "foranyvalue":
            return Tri.NO, ""
        return (Tri.YES if negated else Tri.NO), ""
    request_values = present if isinstance(present, list) else [present]
    if not qualifier and len(request_values) != 1:
        return Tri.MAYBE, f"{text}: key {key} has several values; use ForAnyValue or ForAllValues"

    def one(request_value: str) -> Tri:
        matched = any_of([compare(str(request_value), value) for value in values])
        return negate(matched) if negated else matched

    per_value = [one(v) for v in request_values]
    result = all_of(per_value) if qualifier == "forallvalues" else any_of(per_value)
    if result is Tri.MAYBE:
        return result, f"{text}: the request's value of {key} is only partly known"
    return result, ""


def _condition_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _comparer(op: str):
    if op in ("stringequals", "stringnotequals"):
        return _string_equals
    if op in ("stringequalsignorecase", "stringnotequalsignorecase"):
        return lambda actual, wanted: _string_equals(actual.lower(), wanted.lower())
    if op in ("stringlike", "stringnotlike"):
        return lambda actual, wanted: glob_match(wanted, actual)
    if op in _ARN_OPS:
        return arn_like
    if op == "bool":
        return lambda actual, wanted: Tri.YES if actual.lower() == wanted.lower() else Tri.NO
    if op in _NUMERIC_OPS:
        return _numeric(op.removeprefix("numeric").removeprefix("not"))
    if op in _IP_OPS:
        return _ip_in
    return None


def _string_equals(actual: str, wanted: str) -> Tri:
    if actual == wanted:
        return Tri.YES
    if UNKNOWN_PART not in actual:
        return Tri.NO
    return Tri.MAYBE if wanted.startswith(_literal_prefix(actual, UNKNOWN_PART)) else Tri.NO


def arn_like(actual: str, wanted: str) -> Tri:
    """ArnEquals and ArnLike: the six colon-delimited parts match one by one, each as a glob."""
    actual_parts = actual.split(":", 5)
    wanted_parts = wanted.split(":", 5)
    if len(actual_parts) != 6 or len(wanted_parts) != 6:
        return Tri.NO
    return all_of([glob_match(w, a) for w, a in zip(wanted_parts, actual_parts, strict=True)])


def _numeric(kind: str):
    tests = {
        "equals": lambda a, b: a == b,
        "lessthan": lambda a, b: a < b,
        "lessthanequals": lambda a, b: a <= b,
        "greaterthan": lambda a, b: a > b,
        "greaterthanequals": lambda a, b: a >= b,
    }
    test = tests[kind]

    def compare(actual: str, wanted: str) -> Tri:
        try:
            return Tri.YES if test(float(actual), float(wanted)) else Tri.NO
        except ValueError:
            return Tri.MAYBE if UNKNOWN_PART in actual else Tri.NO

    return compare


def _ip_in(actual: str, wanted: str) -> Tri:
    try:
        return Tri.YES if ipaddress.ip_address(actual) in ipaddress.ip_network(wanted, strict=False) else Tri.NO
    except ValueError:
        return Tri.MAYBE if UNKNOWN_PART in actual else Tri.NO


# ---------------------------------------------------------------- trust policies


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
            continue
        detail = "; ".join(d for c, d in checks if c is Tri.MAYBE and d)
        outcomes.append((statement["Effect"], applies, f"{label} ({detail})" if detail else label, statement))
    for effect, decision, word in (("Deny", Decision.DENIED, "denied"), ("Allow", Decision.ALLOWED, "allowed")):
        for applies in (Tri.YES, Tri.MAYBE):
            for outcome_effect, outcome_applies, why, statement in outcomes:
                if outcome_effect == effect and outcome_applies is applies:
                    if applies is Tri.YES:
                        return Verdict(decision, f"{what} is {word} by {why}", policy.source, statement)
                    return Verdict(Decision.INCONCLUSIVE, f"{what} may be {word} by {why}", policy.source, statement)
    return Verdict(Decision.IMPLICIT_DENY, f"no statement of {policy.source} lets {what}", policy.source)


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
