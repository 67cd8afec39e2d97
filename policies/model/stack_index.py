"""An index over a stack's resources that follows references by value or through the graph.

During a first preview the ID of a subnet, role or key created in the same stack is
unknown, yet the resource that will supply it is known: the referring property's
dependencies (pulumi's `propertyDependencies`) name it. `refs()` uses the value when it
is known and the graph when it is not, so rules stay conclusive at preview for
resources created in the stack, and can tell "outside the stack" (a known ID that no
resource here has) from "cannot tell" (an unknown value with no dependency to follow).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from typing import Any

from model.values import UNKNOWN, Resource, in_words, is_unknown

TypeSpec = str | tuple[str, ...]

# The properties whose value identifies a resource, in the order they are tried.
DEFAULT_KEYS = ("id", "arn")


def _types(*specs: TypeSpec) -> set[str]:
    found: set[str] = set()
    for spec in specs:
        found.update((spec,) if isinstance(spec, str) else spec)
    return found


@dataclass(frozen=True)
class Ref:
    """One referenced resource: `resource` is None when it is not in the stack.

    `value` is the literal reference (an ID or ARN) or UNKNOWN. A Ref with neither a
    resource nor a known value is unresolved: a rule must treat it as inconclusive.
    """

    value: Any
    resource: Resource | None

    @property
    def in_stack(self) -> bool:
        return self.resource is not None

    @property
    def resolved(self) -> bool:
        return self.resource is not None or not is_unknown(self.value)

    def describe(self) -> str:
        if self.resource is not None:
            return self.resource.label
        return "an unknown value" if is_unknown(self.value) else in_words(self.value)


class StackIndex:
    def __init__(self, resources: Iterable[Resource]):
        self.resources: list[Resource] = list(resources)
        self._by_urn = {r.urn: r for r in self.resources}
        self._by_type: dict[str, list[Resource]] = {}
        for resource in self.resources:
            self._by_type.setdefault(resource.type, []).append(resource)
        self._value_tables: dict[tuple[str, str], dict[Any, list[Resource]]] = {}

    def of_type(self, *types: TypeSpec) -> list[Resource]:
        return [r for t in sorted(_types(*types)) for r in self._by_type.get(t, [])]

    def get(self, urn: str | None) -> Resource | None:
        return self._by_urn.get(urn) if urn else None

    def parent(self, resource: Resource) -> Resource | None:
        return self.get(resource.parent)

    def match(self, value: Any, types: TypeSpec, keys: tuple[str, ...] = DEFAULT_KEYS) -> list[Resource]:
        """Resources of `types` one of whose `keys` properties equals the known `value`."""
        if value is None or is_unknown(value) or not isinstance(value, Hashable):
            return []
        found: list[Resource] = []
        for type_ in sorted(_types(types)):
            for key in keys:
                for resource in self._by_value(type_, key).get(value, ()):
                    if resource not in found:
                        found.append(resource)
        return found

    def _by_value(self, type_: str, key: str) -> dict[Any, list[Resource]]:
        # Built on first use per (type, key): rules look references up many times, and a
        # scan per look-up made large stacks quadratic.
        table = self._value_tables.get((type_, key))
        if table is None:
            table = {}
            for resource in self._by_type.get(type_, []):
                value = resource.props.get(key)
                if isinstance(value, Hashable) and not is_unknown(value):
                    table.setdefault(value, []).append(resource)
            self._value_tables[(type_, key)] = table
        return table

    def dependencies_of_type(self, resource: Resource, prop: str, types: TypeSpec) -> list[Resource]:
        """What `resource`'s property `prop` (a top-level, camelCase name) depends on, of `types`."""
        wanted = _types(types)
        found = [self.get(urn) for urn in resource.property_dependencies.get(prop, [])]
        return [r for r in found if r is not None and r.type in wanted]

    def refs(
        self,
        resource: Resource,
        prop: str,
        value: Any,
        types: TypeSpec,
        keys: tuple[str, ...] = DEFAULT_KEYS,
    ) -> list[Ref]:
        """The resources that `value`, read from `resource`'s top-level property `prop`, refers to.

        `value` may be one reference or a list of them (each may be unknown), or UNKNOWN for
        a whole list. Known values are matched by `keys`; unknown ones are matched to the
        property's dependencies of the right type that no known value already claimed.
        """
        if value is None:
            return []
        values = value if isinstance(value, list) else [value]
        known_refs: list[Ref] = []
        claimed: set[str] = set()
        unknown_count = 0
        for item in values:
            if is_unknown(item):
                unknown_count += 1
                continue
            matches = self.match(item, types, keys)
            if matches:
                claimed.update(m.urn for m in matches)
                known_refs.append(Ref(item, matches[0]))
            else:
                known_refs.append(Ref(item, None))
        if not unknown_count:
            return known_refs
        candidates = [r for r in self.dependencies_of_type(resource, prop, types) if r.urn not in claimed]
        if not candidates:
            return known_refs + [Ref(UNKNOWN, None)] * unknown_count
        # A whole-list unknown, or as many unknown items as candidates, maps onto the
        # candidates; with fewer candidates than unknown items some stay unresolved.
        if is_unknown(value) or unknown_count >= len(candidates):
            unresolved = 0 if is_unknown(value) else unknown_count - len(candidates)
            return known_refs + [Ref(UNKNOWN, c) for c in candidates] + [Ref(UNKNOWN, None)] * unresolved
        # More candidates than unknown items: the property also depends on resources that
        # are not referenced by these items (e.g. security groups beside subnets), so the
        # mapping is ambiguous.
        return known_refs + [Ref(UNKNOWN, None)] * unknown_count

    def referrers(
        self,
        target: Resource,
        types: TypeSpec,
        prop: str,
        path: tuple[str | int, ...] = (),
        keys: tuple[str, ...] = DEFAULT_KEYS,
    ) -> list[Resource]:
        """Resources of `types` whose property `prop` (at `path` below it) refers to `target`."""
        found = []
        for candidate in self.of_type(types):
            value = candidate.get(prop, *path)
            refs = self.refs(candidate, prop, value, target.type, keys)
            if any(ref.resource is target for ref in refs):
                found.append(candidate)
        return found
