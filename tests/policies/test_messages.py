"""Every rule's messages, rendered with every shape of value a stack can hold, read as a user reads them.

The stacks are the repository's own `dev` and `prod` programs and three usual-style programs whose
tasks a schedule or a state machine starts, as preflight records them (update mode: every output
known). Each property a rule reads — and each leaf inside a JSON
string such as `containerDefinitions` or a policy document — is replaced in turn by one of the
shapes a real stack can hold: missing (null), a boolean, an empty list or map, an unknown (at
the top level the marker the pack reads unknowns as; inside JSON strings the engine's unknown
sentinel, as a see-through preview sends it), numbers (as the doubles the engine sends), empty
and short strings. The rules that read that property run on the variant, and every message they
give — violations, inconclusive items, not-applicable reasons — must read as prose: no Python
literal (`None`, `True`, `[]`, `{}`, `['x']`, reprs), no wire detail (the unknown sentinel,
`8443.0`), no ARN called by the wrong kind of resource, and no crash.

Each rule is its own test case, and each reports every offending message at once.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from pulumi_policy import StackValidationPolicy
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE

from kit import Findings, Inconclusive, with_defaults
from model.stack_index import StackIndex
from model.values import UNKNOWN, Resource
from preflight.api import run_preflight
from rules import POLICIES

REPO = Path(__file__).resolve().parents[2]
CONFIG = {"liveLookups": "off"}
# A number a message must print as 8443, never as the double the engine sends.
PORT_LIKE = 8443
SHAPES: list[Any] = [None, True, False, [], {}, UNKNOWN_STRING_VALUE, 0, PORT_LIKE, "", "x"]
CRASH = "the rule crashed: "

PYTHON_LITERALS = re.compile(
    r"\bis None\b|\bNone\b|\bTrue\b|\bFalse\b|\[\]|\{\}|\['|\{'|\(\)|object at 0x|Malformed\(|"
    + re.escape(UNKNOWN_STRING_VALUE) + "|" + re.escape(f"{PORT_LIKE}.0")
)

# What each kind of ARN is, by the resource part after the account.
_ARN_KINDS = {
    "loadbalancer/": "load balancer", "targetgroup/": "target group", "listener/": "listener",
    "listener-rule/": "listener rule", "role/": "role", "policy/": "policy", "secret:": "secret",
    "parameter/": "parameter", "key/": "key", "repository/": "repository", "log-group:": "log group",
    "task-definition/": "task definition", "cluster/": "cluster", "service/": "service",
}
_KIND_NAMES = {kind: {kind, kind.title().replace(" ", "")} for kind in _ARN_KINDS.values()}
_NAMED_ARN = re.compile(
    r"(?P<noun>" + "|".join(sorted({n for names in _KIND_NAMES.values() for n in names}, key=len, reverse=True))
    + r")\s+'?(?P<arn>arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:\d*:[^\s',;)]+)"
)


def offences(message: str) -> list[str]:
    """What is wrong with a message as prose: Python literals, wire details, misnamed ARNs, crashes."""
    if message.startswith(CRASH):
        return ["crashes instead of judging"]
    found = [f"prints {match.group(0)!r}" for match in PYTHON_LITERALS.finditer(message)]
    for match in _NAMED_ARN.finditer(message):
        resource_part = match.group("arn").split(":", 5)[-1]
        kind = next((k for prefix, k in _ARN_KINDS.items() if resource_part.startswith(prefix)), None)
        if kind is not None and match.group("noun") not in _KIND_NAMES[kind]:
            found.append(f"calls a {kind} ARN a {match.group('noun')}")
    return found


# --- the rules, called as the kit calls them ------------------------------------------------------

@dataclass(frozen=True)
class Rule:
    name: str
    stack: bool
    validate: Callable[..., None]
    config: dict


def _rule(policy: Any) -> Rule:
    # The kit wraps each validator in the SDK's callback; the variants call the validator itself,
    # on model Resources, so that hundreds of variants run in seconds.
    stack = isinstance(policy, StackValidationPolicy)
    run = getattr(policy, "_StackValidationPolicy__validate" if stack else "_ResourceValidationPolicy__validate")
    cells = dict(zip(run.__code__.co_freevars, run.__closure__ or (), strict=True))
    assert {"validate", "config_schema"} <= cells.keys(), f"{policy.name} is not built by kit's policy builders"
    schema = cells["config_schema"].cell_contents
    return Rule(policy.name, stack, cells["validate"].cell_contents, with_defaults(schema, CONFIG))


RULES = [_rule(policy) for policy in POLICIES]


def messages_of(rule: Rule, resources: list[Resource], only: Resource | None = None) -> list[str]:
    """Every message a rule gives: violations, the inconclusive text, the not-applicable reason."""
    found: list[str] = []
    for subject in ([None] if rule.stack else [only] if only is not None else resources):
        findings = Findings(lambda message, urn=None: found.append(message), found.append)
        try:
            rule.validate(StackIndex(resources) if rule.stack else subject, findings, dict(rule.config))
            findings.finish()
        except Inconclusive as inconclusive:
            found.append(inconclusive.message)
        except Exception as error:  # noqa: BLE001 - a crash is an offence to report, not to stop at
            found.append(f"{CRASH}{type(error).__name__}: {error}")
    return found


# --- the stacks -----------------------------------------------------------------------------------

# berth's own stacks, and usual-style programs for what berth's stacks do not hold (tasks that
# schedules and state machines start).
USUAL = REPO / "tests" / "fixtures" / "usual"
STACKS = {
    "dev": (REPO, "dev"), "prod": (REPO, "prod"),
    "eventbridge": (USUAL / "eventbridge-scheduled-task", "dev"),
    "scheduler": (USUAL / "scheduler-schedule", "dev"),
    "step-functions": (USUAL / "step-functions-run-task", "dev"),
}


@cache
def recorded_stack(stack: str) -> tuple[dict, ...]:
    program, name = STACKS[stack]
    config = program / "policies" / "config" / f"{name}.json"
    report = run_preflight(program, stack=name, mode="update", evaluate_all=True,
                           policy_config=config if config.is_file() else None)
    return tuple(r for r in report.records if r.get("custom") and not r["type"].startswith("pulumi:providers:"))


def as_read(value: Any) -> Any:
    """A wire value as the kit hands it to rules: numbers as doubles, a top-level sentinel as UNKNOWN.

    A sentinel inside a JSON string stays a string: reading it as unknown is the model's job.
    """
    if value == UNKNOWN_STRING_VALUE:
        return UNKNOWN
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return float(value)
    if isinstance(value, dict):
        return {k: as_read(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_read(v) for v in value]
    return value


def resource_of(record: dict, props: Any = None) -> Resource:
    return Resource(
        type=record["type"], name=record["name"], urn=record["urn"],
        props=as_read(record["outputs"] if props is None else props) or {}, parent=record.get("parent"),
        dependencies=list(record.get("dependencies") or []),
        property_dependencies={k: list(v) for k, v in (record.get("propertyDependencies") or {}).items()},
        provider_props={"region": "eu-west-1"},
    )


class _Reads(dict):
    """Props that record which keys a rule reads, as (type, path) with list items at index 0."""

    def __init__(self, data: dict, where: tuple, reads: set):
        super().__init__({key: _traced(value, (*where, key), reads) for key, value in data.items()})
        self._where, self._reads = where, reads

    def _read(self, key: Any) -> None:
        self._reads.add((*self._where, key))

    def get(self, key: Any, default: Any = None) -> Any:
        self._read(key)
        return super().get(key, default)

    def __getitem__(self, key: Any) -> Any:
        self._read(key)
        return super().__getitem__(key)

    def __contains__(self, key: object) -> bool:
        self._read(key)
        return super().__contains__(key)

    def items(self):  # noqa: ANN201 - dict's own signature
        for key in self.keys():
            self._read(key)
        return super().items()


def _traced(value: Any, where: tuple, reads: set) -> Any:
    if isinstance(value, dict):
        return _Reads(value, where, reads)
    if isinstance(value, list):
        return [_traced(item, (*where, 0), reads) for item in value]
    return value


@cache
def reads_of(stack: str) -> dict[str, frozenset]:
    """rule name -> the (type, top-level path) of every property it reads on the recorded stack."""
    records = recorded_stack(stack)
    reads = {}
    for rule in RULES:
        seen: set = set()
        resources = [resource_of(r) for r in records]
        for resource in resources:
            resource.props = _traced(resource.props, (resource.type,), seen)
        messages_of(rule, resources)
        reads[rule.name] = frozenset(seen)
    return reads


def _paths(value: Any, path: tuple = ()) -> Iterator[tuple]:
    """Every path into a value, descending into JSON strings (marked by "<json>")."""
    if path:
        yield path
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, (*path, key))
    elif isinstance(value, list):
        for number, item in enumerate(value):
            yield from _paths(item, (*path, number))
    elif isinstance(value, str) and value[:1] in "[{":
        try:
            document = json.loads(value)
        except ValueError:
            return
        for inner in _paths(document):
            yield (*path, "<json>", *inner)


def _normal(path: tuple) -> tuple:
    return tuple(0 if isinstance(step, int) else step for step in path)


def _replaced(value: Any, path: tuple, shape: Any) -> Any:
    if not path:
        return shape
    if path[0] == "<json>":
        return json.dumps(_replaced(json.loads(value), path[1:], shape))
    copy = dict(value) if isinstance(value, dict) else list(value)
    copy[path[0]] = _replaced(value[path[0]], path[1:], shape)
    return copy


def _leaf(value: Any, path: tuple) -> Any:
    for step in path:
        value = json.loads(value) if step == "<json>" else value[step]
    return value


def _elsewhere(outputs: dict, path: tuple) -> list[str]:
    """For an ARN, the same kind of ARN outside the stack: messages then name it by its kind."""
    value = _leaf(outputs, path)
    return [f"{value}0"] if isinstance(value, str) and value.startswith("arn:") else []


@cache
def all_messages() -> dict[str, dict[str, str]]:
    """rule name -> {message: the first variant that produced it}.

    A path is varied on the first two resources of its type that have it (which of several
    subnets or groups a rule follows depends on the stack), once across both stacks.
    """
    rendered: dict[str, dict[str, str]] = {rule.name: {} for rule in RULES}
    varied: dict[tuple, int] = {}
    for stack in STACKS:
        records = recorded_stack(stack)
        base = [resource_of(r) for r in records]
        reads = reads_of(stack)
        for rule in RULES:
            for message in messages_of(rule, base):
                rendered[rule.name].setdefault(message, f"{stack} as recorded")
        for number, record in enumerate(records):
            for path in _paths(record["outputs"]):
                top = (record["type"], *_normal(path[:path.index("<json>")] if "<json>" in path else path))
                readers = [rule for rule in RULES if top in reads[rule.name]]
                key = (record["type"], *_normal(path))
                if not readers or varied.get(key, 0) >= 2:
                    continue
                varied[key] = varied.get(key, 0) + 1
                for shape in [*SHAPES, *_elsewhere(record["outputs"], path)]:
                    changed = resource_of(record, _replaced(record["outputs"], path, shape))
                    resources = [*base[:number], changed, *base[number + 1:]]
                    label = f"{stack}: {record['name']}.{'.'.join(str(p) for p in path)} = {shape!r}"
                    for rule in readers:
                        for message in messages_of(rule, resources, only=changed):
                            rendered[rule.name].setdefault(message, label)
    return rendered


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.name)
def test_messages_read_as_prose_for_every_shape_of_value(rule):
    bad = []
    for message, variant in all_messages()[rule.name].items():
        problems = offences(message)
        if problems:
            bad.append(f"{'; '.join(problems)} ({variant}):\n    {message}")

    assert not bad, f"{len(bad)} message(s) of {rule.name}:\n" + "\n".join(bad)


def test_every_rule_is_rendered_and_varied():
    # Guards the test above: a harness that renders nothing, or varies nothing a rule reads, passes it.
    rendered = all_messages()
    reads = {rule.name: set().union(*(reads_of(stack)[rule.name] for stack in STACKS)) for rule in RULES}

    assert [name for name, messages in rendered.items() if len(messages) < 2] == []
    assert [rule.name for rule in RULES if not reads[rule.name]] == []


UNRELATED = {"urn": "urn:pulumi:test::berth::aws:s3/bucket:Bucket::assets", "type": "aws:s3/bucket:Bucket",
             "name": "assets", "outputs": {"bucket": "assets"}}


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.name)
def test_a_rule_with_nothing_to_judge_is_not_applicable_with_its_reason(rule):
    resources = [resource_of(UNRELATED)]
    verdicts: list[tuple[str, str]] = []
    findings = Findings(lambda message, urn=None: verdicts.append(("violation", message)),
                        lambda reason: verdicts.append(("not applicable", reason)))
    try:
        rule.validate(StackIndex(resources) if rule.stack else resources[0], findings, dict(rule.config))
        findings.finish()
    except Inconclusive as inconclusive:
        verdicts.append(("inconclusive", inconclusive.message))

    assert len(verdicts) == 1 and verdicts[0][0] == "not applicable", verdicts
    assert verdicts[0][1] and not offences(verdicts[0][1]), verdicts[0][1]


@pytest.mark.parametrize("message,problems", [
    ("Repository 'web' scanOnPush is None", ["prints 'is None'"]),
    ("Service 'web' assignPublicIp True", ["prints 'True'"]),
    ("TargetGroup 'web' port 8443.0 differs", ["prints '8443.0'"]),
    ("securityGroups [] admits nothing", ["prints '[]'"]),
    ("subnets ['subnet-a'] have no route", ["prints \"['\""]),
    ("value <model.values._Unknown object at 0x7f00> is not known", ["prints 'object at 0x'"]),
    # How the IAM messages show the unknown part of a partly known ARN: deliberate, not a literal.
    ("on arn:aws:logs:eu-west-1:123456789012:log-group:x:log-stream:<unknown>", []),
    (f"image {UNKNOWN_STRING_VALUE} is not pinned", [f"prints {UNKNOWN_STRING_VALUE!r}"]),
    ("load balancer arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/web/0123/1111 is not in "
     "this stack", ["calls a listener ARN a load balancer"]),
    ("listener 'arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/web/0123/1111' is not in this "
     "stack", []),
    ("Service 'web' healthCheckGracePeriodSeconds is not set", []),
    (f"{CRASH}TypeError: unhashable type: 'list'", ["crashes instead of judging"]),
])
def test_the_reader_finds_literals_misnamed_arns_and_crashes(message, problems):
    assert offences(message) == problems
