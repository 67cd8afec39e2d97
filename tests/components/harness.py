"""Run the program (or a function creating components) under Pulumi's mock runtime and record it.

Each run configures a fresh mock runtime (settings, root stack, config, event loop), so
runs in one process do not see each other's resources. The recorder answers the invokes
the program calls with one fixed account (123456789012) in eu-west-1, with two zones.
In preview mode a new resource's outputs are only its inputs, as in the engine's preview
of a first deployment: every computed output (ARNs, IDs, DNS names) is unknown.
"""

from __future__ import annotations

import asyncio
import base64
import json
import runpy
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
import pulumi.runtime
from pulumi.output import Unknown
from pulumi.runtime import rpc
from pulumi.runtime.mocks import MockEngine, MockMonitor, MockSettings
from pulumi.runtime.settings import configure, reset_options
from pulumi.runtime.stack import run_in_stack

REPO_ROOT = Path(__file__).resolve().parents[2]
ACCOUNT = "123456789012"
REGION = "eu-west-1"
ZONES = ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
UNKNOWN = rpc.UNKNOWN
# Adopted-VPC fixtures: subnet -> zone, subnet -> route table.
SUBNET_ZONES = {
    "subnet-0aaaaaaaaaaaaaaa1": "eu-west-1a", "subnet-0aaaaaaaaaaaaaaa2": "eu-west-1b",
    "subnet-0bbbbbbbbbbbbbbb1": "eu-west-1a", "subnet-0bbbbbbbbbbbbbbb2": "eu-west-1b",
}
SUBNET_TABLES = {
    "subnet-0aaaaaaaaaaaaaaa1": "rtb-0aaaaaaaaaaaaaaa0", "subnet-0aaaaaaaaaaaaaaa2": "rtb-0aaaaaaaaaaaaaaa0",
    "subnet-0bbbbbbbbbbbbbbb1": "rtb-0bbbbbbbbbbbbbbb1", "subnet-0bbbbbbbbbbbbbbb2": "rtb-0bbbbbbbbbbbbbbb2",
}


@dataclass
class Registration:
    type: str
    name: str
    inputs: dict[str, Any]
    custom: bool
    options: dict[str, Any] = field(default_factory=dict)
    """Resource options as the engine receives them: dependencies (URN names), ignoreChanges, customTimeouts."""


@dataclass
class Run:
    registrations: list[Registration] = field(default_factory=list)
    invokes: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    outputs: dict[str, Any] = field(default_factory=dict)
    error: BaseException | None = None
    options: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)

    def of_type(self, type_: str) -> list[Registration]:
        return [r for r in self.registrations if r.type == type_]

    def one(self, type_: str, name: str | None = None) -> Registration:
        found = [r for r in self.of_type(type_) if name is None or r.name == name]
        assert len(found) == 1, f"{len(found)} registrations of {type_} {name or ''}: {[r.name for r in found]}"
        return found[0]

    def counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for registration in self.registrations:
            counts[registration.type] = counts.get(registration.type, 0) + 1
        return dict(sorted(counts.items()))


def _computed(type_: str, name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    """What a create returns in update mode: enough computed outputs for the program's exports."""
    service = type_.split(":")[1].split("/")[0]
    arn = f"arn:aws:{service}:{REGION}:{ACCOUNT}:{name}"
    outputs: dict[str, Any] = {"arn": arn}
    if type_ == "aws:lb/loadBalancer:LoadBalancer":
        outputs.update(dnsName=f"{name}-1234567890.{REGION}.elb.amazonaws.com", arnSuffix=f"app/{name}/0123456789abcdef")
    if type_ == "aws:lb/targetGroup:TargetGroup":
        outputs.update(arnSuffix=f"targetgroup/{name}/0123456789abcdef")
    if type_ == "docker-build:index:Image":
        outputs.update(digest="sha256:" + "ab" * 32)
    if type_ == "aws:ecs/service:Service":
        outputs["arn"] = f"arn:aws:ecs:{REGION}:{ACCOUNT}:service/{name}"
    return outputs


class Recorder(pulumi.runtime.Mocks):
    def __init__(self, run: Run, preview: bool, stack_outputs: dict[str, dict[str, Any]]):
        self.run = run
        self.preview = preview
        self.stack_outputs = stack_outputs

    def new_resource(self, args: pulumi.runtime.MockResourceArgs):
        if args.typ == "pulumi:pulumi:StackReference":
            name = args.inputs["name"]
            return name, {"name": name, "outputs": self.stack_outputs[name], "secretOutputNames": []}
        self.run.registrations.append(Registration(args.typ, args.name, dict(args.inputs), bool(args.custom)))
        if self.preview:
            return "", dict(args.inputs)
        return f"{args.name}-id", {**args.inputs, **_computed(args.typ, args.name, args.inputs)}

    def call(self, args: pulumi.runtime.MockCallArgs):
        self.run.invokes.append((args.token, dict(args.args)))
        answers: dict[str, Callable[[dict], dict]] = {
            "aws:index/getCallerIdentity:getCallerIdentity": lambda a: {
                "accountId": ACCOUNT, "arn": f"arn:aws:iam::{ACCOUNT}:user/ci", "id": ACCOUNT, "userId": "AIDA"},
            "aws:index/getPartition:getPartition": lambda a: {
                "id": "aws", "partition": "aws", "dnsSuffix": "amazonaws.com", "reverseDnsPrefix": "com.amazonaws"},
            "aws:index/getRegion:getRegion": lambda a: {
                "id": REGION, "name": REGION, "region": REGION, "description": "Europe (Ireland)",
                "endpoint": f"ec2.{REGION}.amazonaws.com"},
            "aws:index/getAvailabilityZones:getAvailabilityZones": lambda a: {
                "id": REGION, "names": ZONES, "zoneIds": ["euw1-az1", "euw1-az2", "euw1-az3"]},
            "aws:ec2/getSubnet:getSubnet": lambda a: {
                "id": a["id"], "availabilityZone": SUBNET_ZONES[a["id"]], "vpcId": "vpc-0123456789abcdef0"},
            "aws:ec2/getRouteTable:getRouteTable": lambda a: {
                "id": SUBNET_TABLES[a["subnetId"]], "routeTableId": SUBNET_TABLES[a["subnetId"]]},
            "aws:ecr/getAuthorizationToken:getAuthorizationToken": lambda a: {
                "id": REGION, "userName": "AWS", "password": "token-password",
                "authorizationToken": base64.b64encode(b"AWS:token-password").decode(),
                "proxyEndpoint": f"https://{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com", "expiresAt": "2030-01-01"},
        }
        if args.token not in answers:
            raise AssertionError(f"the program called an invoke the team has not agreed on: {args.token}")
        return answers[args.token](dict(args.args))


class _OutputsMonitor(MockMonitor):
    """Keeps the stack's exports, which the plain MockMonitor drops."""

    def __init__(self, mocks: Recorder, run: Run):
        super().__init__(mocks)
        self._run = run

    def RegisterResource(self, request):
        response = super().RegisterResource(request)
        if request.type != "pulumi:pulumi:Stack":
            timeouts = request.customTimeouts
            self._run.options[(request.type, request.name)] = {
                "dependencies": sorted(urn.split("::")[-1] for urn in request.dependencies),
                "ignoreChanges": list(request.ignoreChanges),
                "customTimeouts": {key: value for key, value in (("create", timeouts.create),
                                   ("update", timeouts.update), ("delete", timeouts.delete)) if value},
                "retainOnDelete": request.retainOnDelete,
            }
        return response

    def RegisterResourceOutputs(self, request):
        if "::pulumi:pulumi:Stack::" in request.urn:
            self._run.outputs = rpc.deserialize_properties(request.outputs, keep_unknowns=True)
        return super().RegisterResourceOutputs(request)


def _root_cause(error: BaseException) -> BaseException:
    """The program's own error: the SDK re-raises it wrapped ("While processing input: ...")
    by whichever resource input happened to be serialized first, which varies run to run."""
    while error.__cause__ is not None:
        error = error.__cause__
    return error


def run_pulumi(body: Callable[[], Any], *, config: dict[str, str] | None = None, stack: str = "dev",
               preview: bool = False, project: str = "berth",
               stack_outputs: dict[str, dict[str, Any]] | None = None) -> Run:
    """Run `body` as a Pulumi program under mocks; the run's error (if any) is in `Run.error`.

    `stack_outputs` answers StackReferences: stack name -> its outputs.
    """
    run = Run()
    mocks = Recorder(run, preview, stack_outputs or {})
    monitor = _OutputsMonitor(mocks, run)
    reset_options(project=project, stack=stack, preview=preview)
    configure(MockSettings(
        monitor=monitor, monitor_features=set(monitor.GetDeploymentInfo(None).supportedFeatures),
        engine=MockEngine(None), project=project, stack=stack, dry_run=preview, organization="organization",
        callbacks=None, root_directory=str(REPO_ROOT),
    ))
    pulumi.runtime.set_all_config(dict(config or {}), [])
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        loop.run_until_complete(run_in_stack(body))
    except BaseException as error:  # noqa: BLE001 - the test inspects it
        run.error = _root_cause(error)
    finally:
        loop.close()
        asyncio.set_event_loop(None)
        reset_options()
        pulumi.runtime.set_all_config({}, [])
    run.registrations = [r for r in run.registrations if r.type != "pulumi:pulumi:Stack"]
    for registration in run.registrations:
        registration.options = run.options.get((registration.type, registration.name), {})
    return run


def run_program(config: dict[str, str], *, stack: str = "dev", preview: bool = False) -> Run:
    """The project's own __main__.py with `config` (key -> text, as the language host passes it)."""
    return run_pulumi(lambda: runpy.run_path(str(REPO_ROOT / "__main__.py"), run_name="__main__"),
                      config=config, stack=stack, preview=preview)


def stack_config(stack: str) -> dict[str, str]:
    """Pulumi.<stack>.yaml's config as the language host passes it (structured values as JSON text)."""
    import yaml

    document = yaml.safe_load((REPO_ROOT / f"Pulumi.{stack}.yaml").read_text())
    return {key: value if isinstance(value, str) else json.dumps(value)
            for key, value in document["config"].items()}


def config_of(**values: Any) -> dict[str, str]:
    """`berth:` config from keyword arguments; structured values become JSON text."""
    return {f"berth:{key}": value if isinstance(value, str) else json.dumps(value) for key, value in values.items()}


def is_known(value: Any) -> bool:
    """False when any part of an input is unknown (an output of a resource not yet created)."""
    if isinstance(value, Unknown):
        return False
    if isinstance(value, str):
        return UNKNOWN not in value
    if isinstance(value, list):
        return all(is_known(item) for item in value)
    if isinstance(value, dict):
        return all(is_known(item) for item in value.values())
    return value is not None
