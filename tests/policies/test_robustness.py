"""No rule ever raises: every rule of the pack on missing, None, unknown, wrong-typed and random properties.

Two parts. A sweep takes a stack that exercises every area (service, task definition,
network path, roles, load balancer, blue/green, repository) and, one property at a time,
makes it unknown, missing, None, a number, a list and a dict. Then hypothesis generates
stacks of every resource type the pack reads, with property names the pack reads and
random nested values (including JSON strings). Each case runs a rule through the real
pulumi-policy validate path; the only exception allowed is the SDK-handled unknown
(inconclusive) path, and every violation message must be a non-empty string naming a
resource of the stack.
"""

from __future__ import annotations

import ast
import copy
import json
import re
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pulumi_policy import ResourceValidationPolicy, StackValidationPolicy

import pack
from kit import INCONCLUSIVE_PREFIX
from model.values import UNKNOWN
from tests.policies.test_ecs_harness import (
    ACCOUNT,
    GROUP_TYPE,
    REGION,
    Spec,
    code_deploy_resources,
    run_resource,
    run_stack,
    spec,
    web_stack,
)

POLICIES = pack.all_policies()
POLICY_DIR = Path(pack.__file__).resolve().parent
# Every rule sees the same config the engine would send, with look-ups off so no case calls AWS.
CONFIG = {"liveLookups": "off"}
EXAMPLES = 320  # generated stacks per run; every rule validates each: 320 × 16 rules = 5,120 cases


def _pack_strings() -> set[str]:
    found: set[str] = set()
    # Every module of the pack, in its packages too; the pack's own virtualenv is not the pack.
    for path in sorted(p for p in POLICY_DIR.rglob("*.py") if ".venv" not in p.relative_to(POLICY_DIR).parts):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                found.add(node.value)
    return found


PACK_STRINGS = _pack_strings()
# The resource types the pack reads: every type token written in its modules.
TYPES = sorted(s for s in PACK_STRINGS if re.fullmatch(r"[a-z0-9-]+:[a-zA-Z0-9/]+:[A-Za-z0-9]+", s))
# The property names the pack reads (wire names, policy-document keys, container-definition keys).
KEYS = sorted(s for s in PACK_STRINGS if re.fullmatch(r"[A-Za-z][A-Za-z0-9]{1,40}", s))
NAMES = [f"r{i}" for i in range(6)]
PLAUSIBLE = [
    "FARGATE", "EC2", "awsvpc", "bridge", "tcp", "-1", "6", "all", "0.0.0.0/0", "10.0.0.0/16", "10.0.1.0/24",
    "traffic-port", "ip", "instance", "ingress", "egress", "Interface", "Gateway", "IMMUTABLE", "MUTABLE",
    "CODE_DEPLOY", "ECS", "ROLLING", "BLUE_GREEN", "LINEAR", "CANARY", "network", "application", "awslogs",
    "ENHANCED", "HTTP", "TCP", "Allow", "Deny", "*", "ecs-tasks.amazonaws.com", "sts:AssumeRole", "256", "512",
    "1 vCPU", "2 GB", "/health", "CodeDeployDefault.ECSAllAtOnce", "CodeDeployDefault.OneAtATime",
    f"arn:aws:iam::{ACCOUNT}:role/r0", "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy",
    f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/app/db", "/app/db",
    f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:db-AbCdEf:password::",
    f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1234", f"com.amazonaws.{REGION}.ecr.api", f"com.amazonaws.{REGION}.s3",
    f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/web:latest", "nginx", "sg-1", "subnet-1", "vpc-1", "rtb-1",
    "igw-1", "nat-1", "us-east-1a", "us-east-1b", *NAMES,
]


# --- the sweep: one property at a time -------------------------------------------------------------

def rich_stack() -> list[Spec]:
    """A stack that reaches deep into every rule: the web service, blue/green, roles, network path."""
    specs = web_stack()
    web = next(s for s in specs if s.name == "web")
    api = spec(web.type, "api", {**copy.deepcopy(web.props), "name": "api",
                                 "deploymentController": {"type": "CODE_DEPLOY"}}, copy.deepcopy(web.deps))
    specs += [api, *code_deploy_resources(service="api")]
    role_policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {
        "Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
    read_secrets = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["ssm:GetParameters", "kms:Decrypt"], "Resource": "*"}]}
    specs += [
        spec("aws:iam/role:Role", "execution", {"name": "web-execution", "arn": f"arn:aws:iam::{ACCOUNT}:role/web-execution",
                                               "assumeRolePolicy": json.dumps(role_policy)}),
        spec("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "execution-managed", {
            "role": "web-execution",
            "policyArn": "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"}),
        spec("aws:iam/rolePolicy:RolePolicy", "execution-secrets", {"role": "web-execution",
                                                                    "policy": json.dumps(read_secrets)}),
        spec("aws:ssm/parameter:Parameter", "db-password", {"name": "/app/db", "type": "SecureString",
                                                            "arn": f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/app/db"}),
        spec("aws:ec2/internetGateway:InternetGateway", "igw", {"id": "igw-1", "vpcId": "vpc-1"}),
        spec("aws:ec2/natGateway:NatGateway", "nat", {"id": "nat-1", "subnetId": "subnet-a"}),
        spec("aws:ec2/routeTable:RouteTable", "private", {"id": "rtb-1", "vpcId": "vpc-1", "routes": [
            {"cidrBlock": "0.0.0.0/0", "natGatewayId": "nat-1"}]}),
        spec("aws:ec2/routeTableAssociation:RouteTableAssociation", "private-a-rt", {"subnetId": "subnet-a",
                                                                                     "routeTableId": "rtb-1"}),
        spec("aws:ec2/route:Route", "default", {"routeTableId": "rtb-1", "destinationCidrBlock": "0.0.0.0/0",
                                                 "gatewayId": "igw-1"}),
        spec("aws:ec2/vpcEndpoint:VpcEndpoint", "ecr-api", {
            "vpcId": "vpc-1", "serviceName": f"com.amazonaws.{REGION}.ecr.api", "vpcEndpointType": "Interface",
            "privateDnsEnabled": True, "subnetIds": ["subnet-a", "subnet-b"], "securityGroupIds": ["sg-task"]}),
        spec("aws:ec2/vpcEndpoint:VpcEndpoint", "s3", {
            "vpcId": "vpc-1", "serviceName": f"com.amazonaws.{REGION}.s3", "vpcEndpointType": "Gateway",
            "routeTableIds": ["rtb-1"]}),
    ]
    task = next(s for s in specs if s.name == "web-task")
    definitions = json.loads(task.props["containerDefinitions"])
    definitions[0]["secrets"] = [{"name": "DB_PASSWORD", "valueFrom": f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/app/db"}]
    definitions[0]["environment"] = [{"name": "DB_USER", "value": "app"}]
    task.props.update(containerDefinitions=json.dumps(definitions),
                      executionRoleArn=f"arn:aws:iam::{ACCOUNT}:role/web-execution")
    return specs


MODES = ("unknown", "missing", "none", "wrong type")


def wrong_type(value):
    """A value of another JSON type than `value`, nested unknown included where it is a container."""
    if isinstance(value, bool):
        return "yes"
    if isinstance(value, str):
        return 7
    if isinstance(value, int | float):
        return [1, "x", None]
    if isinstance(value, list):
        return {"a": {"b": UNKNOWN}}
    return [UNKNOWN, 3]


def sweep_cases() -> list[tuple[str, str, str]]:
    return [(s.name, key, mode) for s in rich_stack() for key in s.props for mode in MODES]


def mutated(name: str, key: str, mode: str) -> list[Spec]:
    specs = rich_stack()
    target = next(s for s in specs if s.name == name)
    if mode == "missing":
        del target.props[key]
    else:
        target.props[key] = {"unknown": UNKNOWN, "none": None}.get(mode) if mode != "wrong type" else wrong_type(
            target.props[key])
    return specs


def run(policy, specs: list[Spec]) -> list:
    """Every outcome of one rule on a stack: one for a stack rule, one per resource for a resource rule."""
    if isinstance(policy, StackValidationPolicy):
        return [run_stack(policy, specs, CONFIG)]
    assert isinstance(policy, ResourceValidationPolicy)
    return [run_resource(policy, s, CONFIG) for s in specs]


def assert_well_formed(outcomes: list, specs: list[Spec]) -> None:
    names = {s.name for s in specs}
    urns = {s.urn for s in specs}
    for outcome in outcomes:
        for message, urn in outcome.violations:
            assert isinstance(message, str) and message.strip(), message
            assert urn is None or urn in urns, urn
            named = {m for m in re.findall(r"'([^']+)'", message)} & names
            assert named, f"message names no resource of the stack: {message}"
        if outcome.inconclusive is not None:
            assert outcome.inconclusive.startswith(INCONCLUSIVE_PREFIX + " ") and len(outcome.inconclusive) > len(
                INCONCLUSIVE_PREFIX) + 1


def test_every_property_unknown_missing_none_or_of_the_wrong_type():
    cases = sweep_cases()
    for name, key, mode in cases:
        specs = mutated(name, key, mode)
        for policy in POLICIES:
            try:
                outcomes = run(policy, specs)
            except Exception as error:  # noqa: BLE001 - the failing rule and case are the report
                raise AssertionError(f"{policy.name} raised on {name}.{key} = {mode}: {error!r}") from error
            assert_well_formed(outcomes, specs)
    assert len(cases) > 400


def test_the_rich_stack_reaches_the_rules():
    # The sweep is only as good as its base stack: it must be one the traffic and blue/green rules read fully.
    for policy in POLICIES:
        outcomes = run(policy, rich_stack())
        assert all(o.inconclusive is None for o in outcomes), (policy.name, [o.inconclusive for o in outcomes])


# --- generated stacks ------------------------------------------------------------------------------

leaves = st.one_of(
    st.none(), st.just(UNKNOWN), st.booleans(), st.integers(-3, 70000),
    st.floats(allow_nan=False, allow_infinity=False, width=32), st.text(max_size=8), st.sampled_from(PLAUSIBLE),
)
keys = st.one_of(st.sampled_from(KEYS), st.text(max_size=4))


def _json_string(children):
    plain = st.recursive(
        st.one_of(st.none(), st.booleans(), st.integers(-3, 70000), st.text(max_size=8), st.sampled_from(PLAUSIBLE)),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(keys, inner, max_size=4),
        max_leaves=10,
    )
    return plain.map(json.dumps)


values = st.recursive(
    leaves | _json_string(None),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(keys, children, max_size=5),
    max_leaves=14,
)


@st.composite
def random_stacks(draw) -> list[Spec]:
    """Stacks of any types the pack reads, with any properties it reads, and random graph edges."""
    count = draw(st.integers(1, 6))
    specs = []
    for number in range(count):
        props = draw(st.dictionaries(st.sampled_from(KEYS), values, max_size=8))
        specs.append(spec(draw(st.sampled_from(TYPES)), NAMES[number], props))
    for resource in specs:
        for key in draw(st.lists(st.sampled_from(KEYS), max_size=3)):
            resource.deps[key] = draw(st.lists(st.sampled_from([s.name for s in specs]), max_size=3))
    return specs


def _mutate(draw, value):
    """`value` with one place somewhere inside it (JSON strings included) replaced by a generated value."""
    if isinstance(value, str) and value[:1] in "[{":
        try:
            parsed = json.loads(value)
        except ValueError:
            parsed = None
        if parsed is not None:
            return json.dumps(_mutate(draw, parsed), default=lambda _: None)
    if isinstance(value, dict) and value and draw(st.booleans()):
        key = draw(st.sampled_from(sorted(value)))
        return {**value, key: _mutate(draw, value[key])}
    if isinstance(value, list) and value and draw(st.booleans()):
        index = draw(st.integers(0, len(value) - 1))
        return [*value[:index], _mutate(draw, value[index]), *value[index + 1:]]
    return draw(values)


@st.composite
def mutated_rich_stacks(draw) -> list[Spec]:
    """The rich stack with one to four places changed, deep inside properties as well as at the top."""
    specs = rich_stack()
    for _ in range(draw(st.integers(1, 4))):
        target = draw(st.sampled_from([s for s in specs if s.props]))
        key = draw(st.sampled_from(sorted(target.props)))
        if draw(st.integers(0, 9)) == 0:
            del target.props[key]
        else:
            target.props[key] = _mutate(draw, target.props[key])
    return specs


@settings(max_examples=EXAMPLES, derandomize=True, database=None, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much])
@given(specs=st.one_of(random_stacks(), mutated_rich_stacks()))
def test_generated_stacks_never_make_a_rule_raise(specs):
    for policy in POLICIES:
        try:
            outcomes = run(policy, specs)
        except Exception as error:  # noqa: BLE001 - the failing rule and stack are the report
            raise AssertionError(f"{policy.name} raised {error!r}") from error
        assert_well_formed(outcomes, specs)


def test_generated_cases_per_run():
    assert EXAMPLES * len(POLICIES) >= 5000


def test_the_generator_covers_every_type_the_pack_reads():
    assert {"aws:ecs/service:Service", "aws:ecs/taskDefinition:TaskDefinition", GROUP_TYPE,
            "aws:lb/targetGroup:TargetGroup", "aws:ec2/securityGroup:SecurityGroup", "aws:iam/role:Role",
            "aws:ecr/repository:Repository", "aws:ec2/vpcEndpoint:VpcEndpoint"} <= set(TYPES)
    assert {"containerDefinitions", "loadBalancers", "networkConfiguration", "healthCheck", "ingress",
            "assumeRolePolicy", "imageTagMutability", "deploymentController"} <= set(KEYS)
