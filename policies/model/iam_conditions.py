"""The parts of an IAM statement decided three-valued: unknown parts of values, wildcard and ARN
matching, policy variables, and the condition operators.

Every answer is True, False or None (cannot tell). "Cannot tell" comes from values unknown at
preview (the `UNKNOWN` marker, or the `UNKNOWN_PART` character inside a partly known ARN), from
condition keys the request context does not define, and from operators not implemented here.
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Sequence
from enum import Enum
from functools import lru_cache
from typing import Any

from model.values import is_unknown

# Stands for the part of a string that is not known yet (the random suffix of a key ARN,
# a log stream name). A policy pattern matches it only through `*`.
UNKNOWN_PART = "\uffff"


# A context value that is known to be missing from the request.
ABSENT = object()


def context_value(context: dict, lowered_key: str) -> Any:
    """The request's value of a (lowercased) condition key; None when it is not known.

    A context entry `prefix/*` set to ABSENT says every key under the prefix that the
    context does not list is absent (a role's `aws:PrincipalTag/*` when its tags are known).
    """
    if lowered_key in context:
        return context[lowered_key]
    prefix, slash, _ = lowered_key.partition("/")
    if slash and context.get(f"{prefix}/*") is ABSENT:
        return ABSENT
    return None


def condition_text(operator: str, key: str, values: Any) -> str:
    """One condition as its JSON reads in the policy, e.g. {"StringEquals": {"aws:SourceAccount": "1234"}}."""
    if values in ([], {}, None, ""):
        return f"{operator} on {key} with no value"
    shown_values = "<unknown>" if is_unknown(values) else [
        _as_written(v) for v in values] if isinstance(values, list) else _as_written(values)
    return json.dumps({operator: {key: shown_values}}, default=str)


def _as_written(value: Any) -> Any:
    """A condition value as the policy's author wrote it: 8443, not the double the engine sends."""
    if is_unknown(value):
        return "<unknown>"
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


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


def partly_known(*parts: str | None) -> str:
    """Join string parts, each None standing for a part that is not known yet."""
    return "".join(UNKNOWN_PART if part is None or is_unknown(part) else str(part) for part in parts)


def unknown_token(identity: str) -> str:
    """The not-yet-known part of one resource's ARN. Two tokens are equal only for the same
    resource, so a policy whose Resource is that resource's (unknown) ARN matches it exactly."""
    return f"{UNKNOWN_PART}{identity}{UNKNOWN_PART}"


# Marks a token that stands for exactly six letters or digits: the suffix Secrets Manager appends
# to a secret's name in its ARN ("Troubleshoot": the ARN ends in a hyphen and six random characters).
SIX_CHARACTERS = "#six-characters"

# Samples for that suffix with no character in common: a pattern that matches all of them matches
# every possible suffix (a literal can only sit where the samples differ); one that matches none
# matches no suffix; otherwise it depends on the suffix AWS draws.
_SUFFIX_SAMPLES = ("aaaaaa", "BBBBBB", "999999")


def six_character_token(identity: str) -> str:
    return unknown_token(identity + SIX_CHARACTERS)


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
        value = context_value(context, key.strip().lower())
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
    if SIX_CHARACTERS + UNKNOWN_PART in value:
        token = re.compile(f"{UNKNOWN_PART}[^{UNKNOWN_PART}]*{re.escape(SIX_CHARACTERS)}{UNKNOWN_PART}")
        results = [glob_match(pattern, token.sub(sample, value)) for sample in _SUFFIX_SAMPLES]
        return results[0] if all(r is results[0] for r in results) else Tri.MAYBE
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


def condition_results(block: Any, context: dict, variables: bool = True) -> list[tuple[Tri, str]]:
    """Each condition of a known Condition block with its outcome and its JSON text."""
    if not isinstance(block, dict):
        return []
    found = []
    for operator, keys in block.items():
        if not isinstance(keys, dict):
            continue
        for key, values in keys.items():
            result, _ = _one_condition(str(operator), str(key), values, context, variables)
            found.append((result, condition_text(str(operator), str(key), values)))
    return found


def _one_condition(operator: str, key: str, raw_values: Any, context: dict, variables: bool) -> tuple[Tri, str]:
    text = f"condition {condition_text(operator, key, raw_values)}"
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
    present = context_value(context, lowered)
    if present is None:
        return Tri.MAYBE, f"{text}: key {key} is not known for this request"
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
