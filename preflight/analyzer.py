"""Drive a running policy pack over Pulumi's Analyzer gRPC protocol, with Pulumi's own stubs.

What the engine sends, and what is sent here (pulumi/pulumi pkg/resource/deploy/
step_generator.go `generateSteps` and `AnalyzeResources`, sdk/go/common/resource/plugin/
analyzer_plugin.go):
- `GetAnalyzerInfo`, then `ConfigureStack` (stack, project, organization, stack tags, dry
  run, config, secret config keys) and `Configure` with the reconciled policy config of
  every policy (`policy_config`).
- For each registered resource (the stack, components and providers included; not for
  reads such as StackReference), one at a time in registration order - the step generator
  handles one event at a time: `Remediate` first, then `Analyze` with the remediated
  inputs. A remediation's properties replace the resource's inputs from then on (they are
  what the provider would get); a remediation's diagnostic is reported as an advisory
  violation. Both requests carry the checked *inputs*, the options (`parent` included) and
  the provider (URN, type, name, the provider's inputs). Properties are marshalled with
  unknowns and secrets kept and, for `Analyze`, internal `__` keys dropped. Every `Analyze`
  diagnostic is reported against the analysed resource's URN; the response's
  `not_applicable` entries say which policies did not apply to that resource.
- `AnalyzeStack` once, with every resource of the deployment (default providers and reads
  too), each with its *outputs* - in a preview of a first deployment, the checked inputs
  plus unknowns for what the provider computes - and its parent, dependencies, property
  dependencies, options and provider. A diagnostic whose URN names no resource of the
  deployment (or none) is reported against the root stack's URN.
The pack's diagnostics are taken as they are; nothing is re-evaluated here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import grpc
from google.protobuf import empty_pb2, json_format
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc

from .host.wire import normalize, struct_to_wire, to_struct
from .pack_process import PackProcess
from .policy_config import PolicyConfig

MAX_MESSAGE_BYTES = 400 * 1024 * 1024
LEVEL_NAMES = {
    analyzer_pb2.ADVISORY: "advisory",
    analyzer_pb2.MANDATORY: "mandatory",
    analyzer_pb2.REMEDIATE: "remediate",
    analyzer_pb2.DISABLED: "disabled",
}
LEVEL_VALUES = {name: value for value, name in LEVEL_NAMES.items()}
SEVERITY_NAMES = {
    analyzer_pb2.POLICY_SEVERITY_LOW: "low",
    analyzer_pb2.POLICY_SEVERITY_MEDIUM: "medium",
    analyzer_pb2.POLICY_SEVERITY_HIGH: "high",
    analyzer_pb2.POLICY_SEVERITY_CRITICAL: "critical",
}
INCONCLUSIVE_PREFIX = "Cannot be verified until update:"
PREVIEW_UNKNOWN_MARK = "during preview: "


@dataclass(frozen=True)
class PolicyInfo:
    name: str
    description: str
    enforcement: str
    severity: str | None
    kind: str
    remediation_steps: str
    url: str
    schema: dict[str, Any]


@dataclass(frozen=True)
class PackInfo:
    name: str
    version: str
    policies: list[PolicyInfo]
    initial_config: dict[str, PolicyConfig]

    def policy(self, name: str) -> PolicyInfo | None:
        return next((policy for policy in self.policies if policy.name == name), None)


@dataclass(frozen=True)
class Diagnostic:
    policy: str
    pack: str
    enforcement: str
    severity: str | None
    urn: str | None
    message: str
    inconclusive: bool
    # Which call produced it: "analyze", "remediate" or "analyze-stack".
    stage: str = "analyze"

    def as_dict(self) -> dict[str, Any]:
        return {
            "policy": self.policy,
            "pack": self.pack,
            "enforcement": self.enforcement,
            "severity": self.severity,
            "urn": self.urn,
            "message": self.message,
            "inconclusive": self.inconclusive,
        }


@dataclass
class AnalyzeResult:
    """One resource's Remediate + Analyze: its diagnostics, the inputs analysed (remediated ones
    when a remediation changed them) and the policies the pack said do not apply to it."""

    urn: str
    diagnostics: list[Diagnostic]
    inputs: dict[str, Any]
    remediated_by: list[str] = field(default_factory=list)
    not_applicable: dict[str, str] = field(default_factory=dict)


def root_stack_urn(project: str, stack: str) -> str:
    """`resource.DefaultRootStackURN`: where the engine reports a stack diagnostic without a URN."""
    return f"urn:pulumi:{stack}::{project}::pulumi:pulumi:Stack::{project}-{stack}"


def rule_message(message: str, description: str) -> str:
    """The rule's own text: pulumi-policy sends `description + "\\n" + message`."""
    prefix = f"{description}\n"
    if description and message.startswith(prefix):
        return message[len(prefix):]
    return message


def is_inconclusive(message: str) -> bool:
    """The SDK's "can't run policy ... during preview: ..." (an UnknownValueError), or a rule's own
    "Cannot be verified until update: ..."."""
    if message.startswith("can't run policy '") and PREVIEW_UNKNOWN_MARK in message:
        return True
    return message.startswith(INCONCLUSIVE_PREFIX)


class AnalyzerClient:
    def __init__(self, process: PackProcess):
        self.process = process
        self.timeout = process.timeout
        self.channel = grpc.insecure_channel(
            f"127.0.0.1:{process.port}",
            options=[("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
                     ("grpc.max_send_message_length", MAX_MESSAGE_BYTES)],
        )
        try:
            grpc.channel_ready_future(self.channel).result(timeout=self.timeout)
        except grpc.FutureTimeoutError:
            raise process.error(f"did not accept a connection on port {process.port} within {self.timeout:g} s") from None
        self.stub = analyzer_pb2_grpc.AnalyzerStub(self.channel)
        self.info: PackInfo | None = None
        # What the pack was configured with, and the stack policies it said do not apply.
        self.configured: dict[str, PolicyConfig] = {}
        self.not_applicable: dict[str, str] = {}

    def _call(self, method, request, call: str, subject: str = "", optional: bool = False):
        """One RPC, bounded in time; `optional` calls return None when the pack lacks them."""
        what = f"{call} for {subject}" if subject else call
        try:
            return method(request, timeout=self.timeout)
        except grpc.RpcError as error:
            code = error.code()
            if optional and code == grpc.StatusCode.UNIMPLEMENTED:
                return None
            exit_code = self.process.exit_code(wait_s=0 if code == grpc.StatusCode.DEADLINE_EXCEEDED else 1.0)
            if exit_code is not None:
                raise self.process.error(f"crashed during {what} (exit code {exit_code})") from None
            if code == grpc.StatusCode.DEADLINE_EXCEEDED:
                raise self.process.error(f"did not answer {what} within {self.timeout:g} s "
                                         "(set PREFLIGHT_PACK_TIMEOUT to allow longer)") from None
            raise self.process.error(f"failed during {what}: {error.details()}") from None

    def get_info(self, manifest_version: str) -> PackInfo:
        response = self._call(self.stub.GetAnalyzerInfo, empty_pb2.Empty(), "GetAnalyzerInfo")
        policies = [
            PolicyInfo(
                name=policy.name,
                description=policy.description,
                enforcement=LEVEL_NAMES.get(policy.enforcementLevel, "advisory"),
                severity=SEVERITY_NAMES.get(policy.severity),
                kind="stack" if policy.policy_type == analyzer_pb2.POLICY_TYPE_STACK else "resource",
                remediation_steps=policy.remediation_steps,
                url=policy.url,
                schema={
                    "properties": normalize(json_format.MessageToDict(policy.configSchema.properties)),
                    "required": list(policy.configSchema.required),
                },
            )
            for policy in response.policies
        ]
        initial = {
            name: PolicyConfig(LEVEL_NAMES.get(config.enforcementLevel, "advisory"),
                               normalize(json_format.MessageToDict(config.properties)))
            for name, config in response.initialConfig.items()
        }
        # As the engine does, the version in PulumiPolicy.yaml wins over the pack's own.
        self.info = PackInfo(response.name, manifest_version or response.version, policies, initial)
        return self.info

    def configure_stack(self, *, project: str, stack: str, organization: str, dry_run: bool,
                        config: dict[str, Any], secret_keys: list[str], tags: dict[str, str]) -> None:
        request = analyzer_pb2.AnalyzerStackConfigureRequest(
            stack=stack, project=project, organization=organization, dry_run=dry_run,
            config_secret_keys=secret_keys,
        )
        request.config.update(config)
        request.tags.update(tags)
        self._call(self.stub.ConfigureStack, request, "ConfigureStack", optional=True)

    def configure(self, config: dict[str, PolicyConfig]) -> None:
        request = analyzer_pb2.ConfigureAnalyzerRequest()
        for name, policy_config in config.items():
            entry = request.policyConfig[name]
            entry.enforcementLevel = LEVEL_VALUES[policy_config.enforcement_level or "advisory"]
            entry.properties.update(policy_config.properties)
        self._call(self.stub.Configure, request, "Configure")
        self.configured = config

    def analyze(self, resource: dict[str, Any], provider: dict[str, Any] | None) -> AnalyzeResult:
        """`Remediate`, then `Analyze` with the remediated inputs, for one registration."""
        inputs = resource["inputs"]
        result = AnalyzeResult(urn=resource["urn"], diagnostics=[], inputs=inputs)
        remediation = self._call(self.stub.Remediate, self._request(resource, inputs, provider), "Remediate",
                                 resource["urn"], optional=True)
        for item in remediation.remediations if remediation is not None else []:
            if item.diagnostic:
                result.diagnostics.append(self._remediation_diagnostic(item, resource["urn"]))
            elif item.HasField("properties"):
                # As the engine does: the transformed inputs replace the old ones from here on.
                inputs = struct_to_wire(item.properties)
                result.remediated_by.append(item.policyName)
        result.inputs = inputs
        response = self._call(self.stub.Analyze, self._request(resource, inputs, provider), "Analyze", resource["urn"])
        # The engine reports every Analyze diagnostic against the analysed resource.
        result.diagnostics += [self._diagnostic(item, resource["urn"]) for item in response.diagnostics]
        result.not_applicable = {item.policy_name: item.reason for item in response.not_applicable}
        return result

    @staticmethod
    def _request(resource: dict[str, Any], inputs: dict[str, Any],
                 provider: dict[str, Any] | None) -> analyzer_pb2.AnalyzeRequest:
        request = analyzer_pb2.AnalyzeRequest(
            urn=resource["urn"], type=resource["type"], name=resource["name"],
            properties=to_struct(inputs), options=_options(resource, with_parent=True),
        )
        if provider is not None:
            request.provider.CopyFrom(_provider(provider))
        return request

    def analyze_stack(self, resources: list[dict[str, Any]], providers: dict[str, dict[str, Any]],
                      root_urn: str) -> list[Diagnostic]:
        request = analyzer_pb2.AnalyzeStackRequest()
        for resource in resources:
            item = request.resources.add(
                urn=resource["urn"], type=resource["type"], name=resource["name"],
                properties=to_struct(resource["outputs"]), options=_options(resource, with_parent=False),
                parent=resource.get("parent") or "", dependencies=resource.get("dependencies") or [],
            )
            for key, urns in (resource.get("propertyDependencies") or {}).items():
                if urns:  # the engine skips properties without dependencies
                    item.propertyDependencies[key].urns.extend(urns)
            provider = providers.get(resource.get("provider") or "")
            if provider is not None:
                item.provider.CopyFrom(_provider(provider))
        response = self._call(self.stub.AnalyzeStack, request, "AnalyzeStack", optional=True)
        if response is None:
            return []
        for item in response.not_applicable:
            self.not_applicable[item.policy_name] = item.reason
        known = {resource["urn"] for resource in resources}
        # A diagnostic naming no resource of the deployment goes to the root stack, as in the engine.
        return [self._diagnostic(item, item.urn if item.urn in known else root_urn, stage="analyze-stack")
                for item in response.diagnostics]

    def _remediation_diagnostic(self, item, urn: str) -> Diagnostic:
        info = self.info.policy(item.policyName) if self.info else None
        return Diagnostic(
            policy=item.policyName, pack=item.policyPackName, enforcement="advisory",
            severity=info.severity if info else None, urn=urn, message=item.diagnostic,
            inconclusive=is_inconclusive(item.diagnostic.replace("can't run remediation '", "can't run policy '", 1)),
            stage="remediate",
        )

    def _diagnostic(self, item, urn: str | None, stage: str = "analyze") -> Diagnostic:
        info = self.info.policy(item.policyName) if self.info else None
        description = item.description or (info.description if info else "")
        message = rule_message(item.message, description)
        level = LEVEL_NAMES.get(item.enforcementLevel, "advisory")
        return Diagnostic(
            policy=item.policyName,
            pack=item.policyPackName,
            # A remediate-level violation is reported as mandatory (as the SDK and engine do).
            enforcement="mandatory" if level == "remediate" else level,
            severity=SEVERITY_NAMES.get(item.severity) or (info.severity if info else None),
            urn=urn,
            message=message,
            inconclusive=is_inconclusive(message),
            stage=stage,
        )

    def close(self) -> None:
        self.channel.close()


def _options(resource: dict[str, Any], *, with_parent: bool) -> analyzer_pb2.AnalyzerResourceOptions:
    """The resource's options; `parent` only for Analyze and Remediate, as the engine fills it in
    `generateSteps` but not in `AnalyzeResources` (AnalyzeStack has a `parent` field of its own)."""
    options = resource.get("options") or {}
    message = analyzer_pb2.AnalyzerResourceOptions(
        protect=options.get("protect", False),
        ignoreChanges=options.get("ignoreChanges", []),
        deleteBeforeReplace=options.get("deleteBeforeReplace", False),
        deleteBeforeReplaceDefined=options.get("deleteBeforeReplaceDefined", False),
        additionalSecretOutputs=options.get("additionalSecretOutputs", []),
        aliases=options.get("aliases", []),
        parent=(resource.get("parent") or "") if with_parent else "",
    )
    timeouts = options.get("customTimeouts") or {}
    message.customTimeouts.create = duration_seconds(timeouts.get("create", ""))
    message.customTimeouts.update = duration_seconds(timeouts.get("update", ""))
    message.customTimeouts.delete = duration_seconds(timeouts.get("delete", ""))
    return message


DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(h|ms|m|s)")
DURATION_UNITS = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001}


def duration_seconds(text: str) -> float:
    """A resource option's timeout ("1h30m", "10m", "45s"; Go duration syntax) in seconds."""
    return sum(float(amount) * DURATION_UNITS[unit] for amount, unit in DURATION_PART.findall(text or ""))


def _provider(provider: dict[str, Any]) -> analyzer_pb2.AnalyzerProviderResource:
    return analyzer_pb2.AnalyzerProviderResource(
        urn=provider["urn"], type=provider["type"], name=provider["name"],
        properties=to_struct(provider["inputs"]),
    )
