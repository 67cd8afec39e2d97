"""A resource monitor that records every registration as the engine would see it.

It extends the SDK's `MockMonitor` (which `pulumi.runtime.set_mocks` installs) so that:
- URNs are minted as the engine mints them: the parent's full qualified type chain,
  except that children of the root `pulumi:pulumi:Stack` get no parent type;
- each request is kept in wire form: type, name, parent, custom, provider, dependencies,
  property dependencies and the inputs as sent, camelCase;
- resources get a default provider (`pulumi:providers:<package>::default_<version>`)
  whose inputs are the stack config of that package, as the engine's default providers do;
- outputs follow the mode: a preview of a first deployment knows only the (checked)
  inputs; an update gets the deterministic outputs of `aws_outputs`;
- `RegisterResourceOutputs` is captured (the stack's outputs are the program's exports).
"""

from __future__ import annotations

import sys
import threading
import traceback
from collections.abc import Callable
from typing import Any

from google.protobuf import empty_pb2
from pulumi.runtime.mocks import MockCallArgs, MockMonitor, MockResourceArgs, Mocks
from pulumi.runtime.proto import resource_pb2

from . import prior, provider_check, see_through
from .aws_outputs import Context, autoname, autonamed_property, computed_outputs, documents_as_json, has_model
from .construction import Constructions, sent_position
from .invokes import InvokeError, Invokes
from .wire import SECRET_SIG, SIG_KEY, UNKNOWN, is_secret, struct_to_wire, to_struct

ROOT_STACK_TYPE = "pulumi:pulumi:Stack"
STACK_REFERENCE_TYPE = "pulumi:pulumi:StackReference"


class MissingStackOutputs(Exception):
    def __init__(self, stack_name: str):
        super().__init__(f"no --stack-outputs file for the StackReference to {stack_name!r}")
        self.stack_name = stack_name


class InvokeAnswers(Mocks):
    """`Mocks.call` backed by `Invokes`; remembers the calls it could not answer."""

    def __init__(self, invokes: Invokes):
        self.invokes = invokes
        self.failures: list[InvokeError] = []

    def call(self, args: MockCallArgs):
        try:
            # A see-through marker (an id AWS assigns) is a value the engine's preview does not know.
            arguments, _ = see_through.resolve_properties(dict(args.args), {}, {})
            return self.invokes.answer(args.token, arguments)
        except InvokeError as error:
            # The call runs on an executor thread; the program's own frames are on the main
            # thread, which waits for the answer right now.
            main_frame = sys._current_frames().get(threading.main_thread().ident)
            error.call_site = traceback.extract_stack(main_frame) if main_frame is not None else []
            self.failures.append(error)
            raise

    def new_resource(self, args: MockResourceArgs):
        raise AssertionError("RecordingMonitor registers resources itself")


class CheckFailed(Exception):
    """The provider's Check rejects a resource's inputs: the engine ends the deployment there."""

    def __init__(self, failures: list[str]):
        super().__init__("; ".join(failures))
        self.failures = failures


class RecordingMonitor(MockMonitor):
    def __init__(self, answers: InvokeAnswers, *, project: str, stack: str, preview: bool,
                 config: dict[str, str], stack_outputs: dict[str, dict[str, Any]],
                 emit: Callable[[dict[str, Any]], None] | None = None,
                 constructions: Constructions | None = None,
                 prior_state: dict[str, dict[str, Any]] | None = None, see_through: bool = True):
        super().__init__(answers)
        self.constructions = constructions
        # `pulumi stack export` of the stack being previewed: URN -> {type, id, inputs, outputs}.
        self.prior_state = prior_state or {}
        # Called with each registration as it happens, so the pack can analyse it while the
        # program goes on (the engine analyses each resource when it is registered).
        self.emit = emit or (lambda record: None)
        self.project = project
        self.stack = stack
        self.preview = preview
        # See-through first preview (preflight's own); off: every computed output unknown, as the engine.
        self.see_through = preview and see_through
        self.config = config
        self.stack_outputs = stack_outputs
        self.region = config.get("aws:region") or "us-east-1"
        self.records: dict[str, dict[str, Any]] = {}
        self.order: list[str] = []
        self.default_providers: dict[str, dict[str, Any]] = {}
        self.missing_stacks: list[str] = []
        self.check_failures: list[str] = []
        # See-through preview: the known computed strings (and see-through inputs) of each resource.
        self.see_through_values: dict[str, list[str]] = {}
        self._construction_by_urn: dict[str, dict[str, Any]] = {}
        self.unknown_output_urns: set[str] = set()
        self._lock = threading.Lock()

    # -- URNs ---------------------------------------------------------------------------
    def make_urn(self, parent: str, type_: str, name: str) -> str:
        qualified = type_
        if parent:
            parent_type = parent.split("::")[2]
            if parent_type != ROOT_STACK_TYPE:
                qualified = f"{parent_type}${type_}"
        return f"urn:pulumi:{self.stack}::{self.project}::{qualified}::{name}"

    # -- registrations --------------------------------------------------------------------
    def RegisterResource(self, request):
        urn = self.make_urn(request.parent, request.type, request.name)
        raw_inputs = struct_to_wire(request.object)
        inputs, see_through_paths = self._resolve(raw_inputs, request)
        if request.type == ROOT_STACK_TYPE:
            self._record(urn, request, inputs=inputs, outputs={}, resource_id="", see_through_paths=see_through_paths)
            return resource_pb2.RegisterResourceResponse(urn=urn)
        if not request.custom:
            # A remote component's outputs come from its provider's Construct, which preflight does
            # not run: unknown in both modes, never missing (`lb.load_balancer.dns_name` must not
            # meet None). A component of the program's own registers its outputs itself.
            outputs = ({name: UNKNOWN for name in self._constructed(request, urn).get("propertyNames", [])
                        if name not in ("id", "urn")}
                       if getattr(request, "remote", False) else {})
            self._record(urn, request, inputs=inputs, outputs=outputs, resource_id="",
                         see_through_paths=see_through_paths)
            return resource_pb2.RegisterResourceResponse(urn=urn, object=to_struct(outputs))

        ctx = Context(urn=urn, name=request.name, region=self.region)
        match = (prior.find(self.prior_state, urn, self._alias_urns(request))
                 if self.prior_state and not _is_provider(request.type) else None)
        if match is not None:
            inputs = prior.restore_ignored(inputs, match.inputs, list(request.ignoreChanges))
            named = autonamed_property(request.type)
            if named and named not in inputs and f"{named}Prefix" not in inputs and named in match.inputs:
                # The provider's Check keeps the name it gave before.
                inputs = {**inputs, named: match.inputs[named]}
        checked = autoname(request.type, request.name, inputs, ctx) if not _is_provider(request.type) else inputs
        checked = documents_as_json(request.type, checked)
        if self.see_through:
            # A structured document turned into JSON text may hold markers: resolve them in the text.
            checked, document_paths = self._resolve(checked, request)
            see_through_paths = sorted(set(see_through_paths) | set(document_paths))
        if not _is_provider(request.type):
            failures = []
            for name in self._constructed(request, urn).get("requiredInputs", []):
                if checked.get(name) is not None:
                    continue
                with self._lock:
                    from_unknown = bool(set(self._dependencies_of(request, name)) & self.unknown_output_urns)
                if from_unknown:
                    # Read from an output preflight cannot know (the SDK hands the program None for
                    # it outside a preview): unknown, not missing.
                    checked = {**checked, name: UNKNOWN}
                else:
                    failures.append(f"{request.type} '{request.name}': the required input `{name}` has no value "
                                    f"(the value the program gave resolved to None); give `{name}` a value")
            failures += provider_check.check(request.type, request.name, checked)
            if failures:
                with self._lock:
                    self.check_failures.extend(failures)
                raise CheckFailed(failures)
        computed = {} if _is_provider(request.type) else computed_outputs(request.type, checked, ctx)
        response_id = None
        change = "create"
        if match is not None:
            change = prior.change_kind(request.type, prior.changed_properties(checked, match.inputs))
        if change in ("same", "update"):
            # The resource exists: its id and what the provider does not recompute are known.
            resource_id = match.id
            if change == "same":
                outputs = {**match.outputs, "id": match.id}
            else:
                outputs = {**prior.updated_outputs(checked, match.outputs, computed), "id": match.id}
            program_outputs = outputs
        elif self.preview and not self.see_through:
            resource_id = ""
            outputs = {**checked, **{key: UNKNOWN for key in computed if key not in checked}}
            if "tagsAll" in computed:
                # Known at preview: the tags merged with the provider's default tags.
                outputs["tagsAll"] = computed["tagsAll"]
            program_outputs = outputs
        elif self.preview:
            resource_id = ""
            # An input holding a value chosen at creation (a random suffix in a log group's name) is
            # unknown to the engine, but the program is handed it with its marker, so what it builds
            # from it is unknown only at that leaf (a container definition's awslogs-group).
            marked = {key: raw_inputs[key] if value == UNKNOWN and isinstance(raw_inputs.get(key), str)
                      and see_through.has_marker(raw_inputs[key]) else value for key, value in checked.items()}
            if marked != checked and not _is_provider(request.type):
                computed = computed_outputs(request.type, marked, ctx)
            other = {} if _is_provider(request.type) else computed_outputs(
                request.type, marked, Context(urn=urn, name=request.name, region=self.region, seed="other"))
            to_program, to_record = see_through.split_outputs(request.type, computed, other, checked)
            program_id = to_program.pop("id", UNKNOWN)
            to_record["id"] = UNKNOWN
            if isinstance(program_id, str) and program_id != UNKNOWN:
                # Known to the program (log groups, roles, repositories are named by their id), or a
                # marker where AWS picks it (subnet-<marker>), so what is built from it is unknown
                # only at that leaf (a state machine definition's Subnets); the engine's record of a
                # resource not yet created still has no id.
                response_id = program_id
            outputs = {**checked, **to_record}
            program_outputs = {**marked, **to_program}
            with self._lock:
                self.see_through_values[urn] = (
                    see_through.see_through_strings(
                        {key: value for key, value in to_record.items() if key != "tagsAll"})
                    + [value for value in _values_at(checked, see_through_paths) if isinstance(value, str)]
                    # An id the program is handed (the engine's preview has none) - unless an input has
                    # the same text, which the program may have read instead (a role's name is its id).
                    + ([response_id] if response_id and not see_through.has_marker(response_id)
                       and response_id not in _strings_of(checked) else []))
        else:
            resource_id = computed.pop("id", None) or ctx.uuid("provider")
            outputs = {**checked, **computed, "id": resource_id}
            program_outputs = outputs
        if not _is_provider(request.type) and not has_model(request.type):
            # Outputs of a type preflight does not model are unknown, never missing (None).
            missing = {name: UNKNOWN for name in self._constructed(request, urn).get("outputNames", [])
                       if name not in outputs and name not in ("id", "urn")}
            if missing:
                with self._lock:
                    self.unknown_output_urns.add(urn)
            outputs = {**outputs, **missing}
            program_outputs = {**program_outputs, **missing}
        outputs = _mark_secret_outputs(outputs, list(request.additionalSecretOutputs))
        program_outputs = _mark_secret_outputs(program_outputs, list(request.additionalSecretOutputs))
        provider_urn = self._provider_urn(request)
        self._record(urn, request, inputs=checked, outputs=outputs, resource_id=resource_id,
                     provider_urn=provider_urn, see_through_paths=see_through_paths, change=change,
                     alias_of=match.urn if match is not None and match.urn != urn else None)
        with self._lock:
            self.resources[urn] = MockMonitor.ResourceRegistration(urn, resource_id, outputs)
        # The SDK resolves outputs from this object; the engine drops `id` from it.
        response_object = {key: value for key, value in program_outputs.items() if key != "id"}
        return resource_pb2.RegisterResourceResponse(urn=urn, id=response_id or resource_id,
                                                     object=to_struct(response_object))

    def _constructed(self, request, urn: str) -> dict[str, Any]:
        """What the construction hook saw for this registration (taken once, then kept by URN)."""
        with self._lock:
            cached = self._construction_by_urn.get(urn)
        if cached is not None:
            return cached
        found = (self.constructions.take(request.type, request.name) if self.constructions is not None
                 else {"createdInApply": False, "sourcePosition": None, "outputNames": []})
        with self._lock:
            self._construction_by_urn[urn] = found
        return found

    @staticmethod
    def _dependencies_of(request, name: str) -> list[str]:
        dependencies = request.propertyDependencies.get(name)
        return list(dependencies.urns) if dependencies is not None else list(request.dependencies)

    def _alias_urns(self, request) -> list[str]:
        """The URNs a registration's aliases name: `aliasURNs`, or alias specs on SDKs that send them."""
        urns = list(request.aliasURNs)
        for alias in getattr(request, "aliases", []):
            if alias.urn:
                urns.append(alias.urn)
                continue
            spec = alias.spec
            parent = "" if spec.noParent else (spec.parentUrn or request.parent)
            urn = self.make_urn(parent, spec.type or request.type, spec.name or request.name)
            if spec.stack or spec.project:
                tail = urn.split("::", 2)[2]
                urn = f"urn:pulumi:{spec.stack or self.stack}::{spec.project or self.project}::{tail}"
            urns.append(urn)
        return urns

    def _resolve(self, properties: dict[str, Any], request) -> tuple[dict[str, Any], list[str]]:
        if not self.see_through:
            return properties, []
        dependencies = {key: list(value.urns) for key, value in request.propertyDependencies.items()}
        with self._lock:
            known = dict(self.see_through_values)
        return see_through.resolve_properties(properties, dependencies, known)

    def ReadResource(self, request):
        urn = self.make_urn(request.parent, request.type, request.name)
        inputs = struct_to_wire(request.properties)
        if request.type != STACK_REFERENCE_TYPE:
            raise InvokeError(f"read {request.type}", {"id": request.id},
                              "preflight answers resource reads (`Resource.get`) only for StackReference; "
                              "look the resource up with a data-source function (`get_*`) and answer it with "
                              "--invokes")
        target = inputs.get("name") or request.id
        if target not in self.stack_outputs:
            with self._lock:
                self.missing_stacks.append(target)
            raise MissingStackOutputs(target)
        outputs = {"name": target, "outputs": self.stack_outputs[target], "secretOutputNames": []}
        self._record(urn, request, inputs=inputs, outputs=outputs, resource_id=request.id,
                     provider_urn=self._provider_urn(request), custom=True, read=True)
        with self._lock:
            self.resources[urn] = MockMonitor.ResourceRegistration(urn, request.id, outputs)
        return resource_pb2.ReadResourceResponse(urn=urn, properties=to_struct(outputs))

    def RegisterResourceOutputs(self, request):
        outputs = struct_to_wire(request.outputs)
        if self.see_through:
            outputs, _ = see_through.resolve_properties(outputs, {}, {})
        with self._lock:
            record = self.records.get(request.urn)
            if record is not None:
                record["outputs"] = outputs
        return empty_pb2.Empty()

    # -- helpers --------------------------------------------------------------------------
    def _record(self, urn: str, request, *, inputs: dict[str, Any], outputs: dict[str, Any],
                resource_id: str, provider_urn: str = "", custom: bool | None = None,
                read: bool = False, see_through_paths: list[str] | None = None, change: str | None = None,
                alias_of: str | None = None) -> None:
        # The SDK collects dependencies in sets, so their order varies from run to run and
        # means nothing; sorted, two runs of a program record the same thing.
        dependencies = sorted(set(request.dependencies))
        property_dependencies = {}
        if not read:
            property_dependencies = {
                key: sorted(set(value.urns)) for key, value in request.propertyDependencies.items() if value.urns
            }
        options: dict[str, Any] = {}
        if not read:
            options = {
                "protect": bool(request.protect),
                "ignoreChanges": list(request.ignoreChanges),
                "deleteBeforeReplace": bool(request.deleteBeforeReplace),
                "deleteBeforeReplaceDefined": bool(request.deleteBeforeReplaceDefined),
                "additionalSecretOutputs": list(request.additionalSecretOutputs),
                "aliases": list(request.aliasURNs),
            }
            if request.HasField("customTimeouts"):
                timeouts = request.customTimeouts
                options["customTimeouts"] = {"create": timeouts.create, "update": timeouts.update,
                                             "delete": timeouts.delete}
        record = {
            "urn": urn,
            "type": request.type,
            "name": request.name,
            "parent": request.parent or None,
            "custom": bool(request.custom) if custom is None else custom,
            "id": resource_id,
            "provider": provider_urn or None,
            "dependencies": dependencies,
            "propertyDependencies": property_dependencies,
            "options": options,
            "inputs": inputs,
            "outputs": outputs,
            "read": read,
        }
        if not read:
            # Input paths the engine's own preview would not know (known here by see-through).
            record["seeThrough"] = list(see_through_paths or [])
            constructed = self._constructed(request, urn)
            sent = sent_position(request)
            # The SDK's guess lands in an SDK's own file for some constructors (explicit providers);
            # a position outside the project locates nothing for the user.
            if sent is not None and self.constructions is not None and not self.constructions.inside(sent["uri"]):
                sent = None
            record["sourcePosition"] = sent or constructed["sourcePosition"]
            record["createdInApply"] = constructed["createdInApply"]
            # A multi-language component: its children are created by a provider plugin preflight does not run.
            record["remote"] = bool(getattr(request, "remote", False))
            if change is not None:
                # Against --prior-state: create, same, update or replace (as the engine's step would be).
                record["change"] = change
            if alias_of is not None:
                record["aliasOf"] = alias_of
        with self._lock:
            if urn not in self.records:
                self.order.append(urn)
            self.records[urn] = record
        if not read:
            self.emit(record)

    def _provider_urn(self, request) -> str:
        if _is_provider(request.type):
            return ""
        if request.provider:
            return request.provider.rsplit("::", 1)[0]
        package = request.type.split(":", 1)[0]
        version = request.version
        name = f"default_{version.replace('.', '_').replace('-', '_')}" if version else "default"
        urn = f"urn:pulumi:{self.stack}::{self.project}::pulumi:providers:{package}::{name}"
        created = None
        with self._lock:
            if urn not in self.default_providers:
                created = self.default_providers[urn] = {
                    "urn": urn,
                    "type": f"pulumi:providers:{package}",
                    "name": name,
                    "inputs": self._provider_config(package, version),
                    "default_provider": True,
                }
        if created is not None:
            self.emit(created)
        return urn

    def _provider_config(self, package: str, version: str) -> dict[str, Any]:
        # The engine's default provider takes the stack config of its package as inputs.
        prefix = f"{package}:"
        inputs: dict[str, Any] = {key[len(prefix):]: value for key, value in self.config.items()
                                  if key.startswith(prefix)}
        if version:
            inputs["version"] = version
        return inputs


def _strings_of(value: Any) -> set[str]:
    if isinstance(value, str):
        return {value}
    if isinstance(value, dict):
        return set().union(*(_strings_of(item) for item in value.values())) if value else set()
    if isinstance(value, list):
        return set().union(*(_strings_of(item) for item in value)) if value else set()
    return set()


def _values_at(properties: dict[str, Any], paths: list[str]) -> list[Any]:
    """The values at top-level `paths` (nested paths are found through their top-level property)."""
    found = []
    for path in paths:
        key = path.split(".", 1)[0].split("[", 1)[0]
        if key in properties:
            found.append(properties[key])
    return found


def _mark_secret_outputs(outputs: dict[str, Any], names: list[str]) -> dict[str, Any]:
    """`additionalSecretOutputs` (RandomPassword's `result`...): the engine stores them as secrets."""
    if not names:
        return outputs
    marked = dict(outputs)
    for name in names:
        if name in marked and not is_secret(marked[name]) and marked[name] != UNKNOWN:
            marked[name] = {SIG_KEY: SECRET_SIG, "value": marked[name]}
    return marked


def _is_provider(type_: str) -> bool:
    return type_.startswith("pulumi:providers:")
