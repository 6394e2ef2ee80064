"""Where a request schema of ``schemas/`` and the official document's schema for the same body
disagree: the walk behind ``tests/spec/test_schemas_drift.py``.

Both trees are read as the same few facts, so that the two styles compare: ``schemas/`` writes
a tagged union as ``allOf`` of ``if``/``then`` on the tag and refers across files, the
documents use ``oneOf``/``anyOf`` (with or without a ``discriminator``), ``allOf`` compositions
and OpenAPI 3.0's ``nullable``. At each place the walk reaches it compares

* the JSON types allowed (a type the document allows and ``schemas/`` refuses);
* the values of an enum ``schemas/`` constrains a field with;
* an object's properties, both ways, and its required ones (a field the document gives a
  ``default`` counts as optional for Anthropic, as :mod:`tests.spec.quirks` says);
* a tagged union's tags, both ways, then each tag's members, property by property;
* array items.

An object ``schemas/`` leaves open (no ``additionalProperties: false``) refuses no property,
and a free-form object of the document (no properties, open) has no list to compare with.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Hashable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

Side = Literal["spec", "schemas"]
Kind = Literal["type", "value", "property", "tag", "required"]
Schema = dict[str, Any]
Resolve = Callable[[Schema], Schema]

TAG_KEYS = ("type", "role")
MAX_DEPTH = 24


@dataclass(frozen=True)
class Finding:
    """One disagreement. ``side`` is the side that allows (or requires) more: ``"spec"`` when
    the document moved ahead of ``schemas/`` (or ``schemas/`` fell behind), ``"schemas"`` when
    ``schemas/`` allows what the document does not."""

    path: str
    kind: Kind
    side: Side
    what: str  # the property, tag, type or value, as printed

    @property
    def key(self) -> str:
        """Where and what: ``path: what``."""
        return f"{self.path}: {self.what}" if self.path else self.what

    @property
    def listing(self) -> str:
        """How :mod:`tests.spec.exclusions` names it: ``kind path: what``."""
        return f"{self.kind} {self.key}"


@dataclass
class _Variant:
    """One alternative of a schema, as facts; ``None`` means "not constrained"."""

    types: set[str] | None = None
    values: set[Hashable] | None = None
    properties: dict[str, list[Schema]] = field(default_factory=dict)
    required: set[str] = field(default_factory=set)
    open: bool = True
    items: list[Schema] = field(default_factory=list)
    tagged: tuple[str, dict[Hashable, list[Schema]]] | None = None  # schemas/' if/then union

    def allows(self, kind: str) -> bool:
        return (
            self.types is None
            or kind in self.types
            or (kind == "integer" and "number" in self.types)
        )


def load_schemas(folder: Path) -> dict[str, Schema]:
    """Every file of ``schemas/`` by stem, its local references made file-qualified."""

    def qualify(node: Any, stem: str) -> Any:
        if isinstance(node, dict):
            return {
                key: (
                    f"{stem}.json{value}"
                    if key == "$ref" and isinstance(value, str) and value.startswith("#")
                    else qualify(value, stem)
                )
                for key, value in node.items()
            }
        if isinstance(node, list):
            return [qualify(item, stem) for item in node]
        return node

    return {
        path.stem: qualify(json.loads(path.read_text(encoding="utf-8")), path.stem)
        for path in sorted(folder.glob("*.json"))
    }


def schemas_resolver(files: dict[str, Schema]) -> Resolve:
    def resolve(node: Schema) -> Schema:
        seen = 0
        while "$ref" in node and seen < 32:
            name, _, pointer = node["$ref"].partition("#")
            target: Any = files[name.removesuffix(".json")]
            for step in filter(None, pointer.split("/")):
                target = target[step]
            node, seen = target, seen + 1
        return node

    return resolve


def spec_resolver(components: dict[str, Schema]) -> Resolve:
    def resolve(node: Schema) -> Schema:
        seen = 0
        while "$ref" in node and seen < 32:
            node, seen = components[node["$ref"].rsplit("/", 1)[-1]], seen + 1
        return node

    return resolve


@dataclass
class Walk:
    """Compares one file of ``schemas/`` with one component of a document."""

    ours: Resolve
    spec: Resolve
    relax_defaulted_required: bool
    findings: list[Finding] = field(default_factory=list)
    _seen: set[tuple[tuple[int, ...], tuple[int, ...]]] = field(default_factory=set)

    def compare(
        self, ours: list[Schema], spec: list[Schema], path: str = "", depth: int = 0
    ) -> None:
        key = (tuple(id(node) for node in ours), tuple(id(node) for node in spec))
        if key in self._seen or depth > MAX_DEPTH:
            return
        self._seen.add(key)
        mine = [v for node in ours for v in self._variants(node, self.ours, ours_side=True)]
        theirs = [v for node in spec for v in self._variants(node, self.spec, ours_side=False)]
        self._types_and_values(mine, theirs, path)
        objects_mine = [v for v in mine if v.allows("object") and _object_like(v)]
        objects_theirs = [v for v in theirs if v.allows("object") and _object_like(v)]
        if objects_mine and objects_theirs:
            self._objects(objects_mine, objects_theirs, path, depth)
        items_mine = [item for v in mine if v.allows("array") for item in v.items]
        items_theirs = [item for v in theirs if v.allows("array") for item in v.items]
        if items_mine and items_theirs:
            self.compare(items_mine, items_theirs, f"{path}[]", depth + 1)

    # ------------------------------------------------------------------ facts

    def _variants(self, node: Schema, resolve: Resolve, *, ours_side: bool) -> list[_Variant]:
        node = resolve(node)
        alternatives = [*node.get("anyOf", ()), *node.get("oneOf", ())]
        base = _leaf(node)
        if ours_side and _if_then_union(node) is not None:
            base.tagged = _if_then_union(node)
            base.types = {"object"}
        elif "allOf" in node:
            for part in node["allOf"]:
                merged: list[_Variant] = []
                for variant in self._variants(part, resolve, ours_side=ours_side):
                    merged.append(_intersect(base, variant))
                base = merged[0] if len(merged) == 1 else _union_of(merged)
        if alternatives:
            found = [
                _intersect(base, variant)
                for alternative in alternatives
                for variant in self._variants(alternative, resolve, ours_side=ours_side)
            ]
        else:
            found = [base]
        if node.get("nullable") is True:
            found.append(_Variant(types={"null"}))
        return found

    # ------------------------------------------------------------------ comparisons

    def _report(self, path: str, kind: Kind, side: Side, what: str) -> None:
        finding = Finding(path, kind, side, what)
        if finding not in self.findings:
            self.findings.append(finding)

    def _types_and_values(self, mine: list[_Variant], theirs: list[_Variant], path: str) -> None:
        if any(v.types is None and v.values is None for v in mine):
            return
        for variant in theirs:
            for kind in sorted(variant.types or ()):
                if variant.values is not None and kind != "null":
                    continue  # an enum: its values are checked one by one below
                if not any(v.allows(kind) and v.values is None for v in mine) and not (
                    kind == "null" and any(None in (v.values or ()) for v in mine)
                ):
                    self._report(path, "type", "spec", kind)
            for value in sorted(variant.values or (), key=repr):
                if value is None:
                    if not any(v.allows("null") for v in mine):
                        self._report(path, "type", "spec", "null")
                elif not any(
                    (v.values is None and v.allows(_json_type(value))) or value in (v.values or ())
                    for v in mine
                ):
                    self._report(path, "value", "spec", json.dumps(value))

    def _objects(self, mine: list[_Variant], theirs: list[_Variant], path: str, depth: int) -> None:
        union = _tags_on_both_sides(
            mine,
            theirs,
            ours=lambda node: self._variants(node, self.ours, ours_side=True),
            spec=lambda node: self._variants(node, self.spec, ours_side=False),
            resolve_ours=self.ours,
            resolve_spec=self.spec,
        )
        if union is None:
            self._properties(_union_of(mine), _union_of(theirs), path, depth)
            return
        key, tags_mine, tags_theirs = union
        for tag in tags_theirs.keys() - tags_mine.keys():
            self._report(path, "tag", "spec", _tag_text(key, tag))
        for tag in tags_mine.keys() - tags_theirs.keys():
            self._report(path, "tag", "schemas", _tag_text(key, tag))
        common = sorted(tags_mine.keys() & tags_theirs.keys(), key=repr)
        if (len(mine) == 1 and mine[0].tagged is None) or len(theirs) == 1:
            # one side is one object whose tag is an enum, not a union: no members to pair,
            # so its properties are compared with all the other side's members at once
            merged_mine = _union_of([v for tag in common for v in tags_mine[tag]])
            merged_theirs = _union_of([v for tag in common for v in tags_theirs[tag]])
            self._properties(merged_mine, merged_theirs, path, depth, skip=key)
            return
        for tag in common:
            inner = f"{path}{{{tag if tag is not None else 'null'}}}"
            self._properties(
                _union_of(tags_mine[tag]), _union_of(tags_theirs[tag]), inner, depth, skip=key
            )

    def _properties(
        self, ours: _Variant, spec: _Variant, path: str, depth: int, skip: str = ""
    ) -> None:
        prefix = f"{path}." if path else ""
        for name in spec.properties.keys() - ours.properties.keys():
            if not ours.open:
                self._report(path, "property", "spec", name)
        if spec.properties or not spec.open:
            for name in ours.properties.keys() - spec.properties.keys():
                self._report(path, "property", "schemas", name)
        if ours.properties:  # an open object of schemas/ with no list requires what it checks
            required_spec = self._required(spec)
            for name in sorted((required_spec - ours.required) - {skip}):
                self._report(path, "required", "schemas", name)  # schemas/ lets it be left out
            for name in sorted((ours.required - required_spec) - {skip}):
                self._report(path, "required", "spec", name)  # the spec lets it be left out
        for name in sorted(ours.properties.keys() & spec.properties.keys()):
            if name != skip:
                self.compare(ours.properties[name], spec.properties[name], prefix + name, depth + 1)

    def _required(self, spec: _Variant) -> set[str]:
        if not self.relax_defaulted_required:
            return spec.required
        return {
            name
            for name in spec.required
            if not any(
                "default" in self.spec(node) or "default" in node
                for node in spec.properties.get(name, ())
            )
        }


# ---------------------------------------------------------------------- helpers


def _leaf(node: Schema) -> _Variant:
    declared = node.get("type")
    types = (
        {declared}
        if isinstance(declared, str)
        else set(declared)
        if isinstance(declared, list)
        else None
    )
    values: set[Hashable] | None = None
    if "const" in node:
        values = {node["const"]}
    elif isinstance(node.get("enum"), list):
        values = {value for value in node["enum"] if isinstance(value, Hashable)}
    if values is not None and types is None:
        types = {_json_type(value) for value in values}
    if types is None and ("properties" in node or "additionalProperties" in node):
        types = {"object"}
    if types is None and "items" in node:
        types = {"array"}
    properties = {name: [schema] for name, schema in node.get("properties", {}).items()}
    items = [node["items"]] if isinstance(node.get("items"), dict) else []
    return _Variant(
        types=types,
        values=values,
        properties=properties,
        required=set(node.get("required", ())),
        open=node.get("additionalProperties", True) is not False,
        items=items,
    )


def _intersect(one: _Variant, other: _Variant) -> _Variant:
    """Both at once (``allOf``): the narrower types and values, every property."""
    if one.types is None:
        types = other.types
    elif other.types is None:
        types = one.types
    else:
        types = {t for t in one.types if _allows(other.types, t)} | {
            t for t in other.types if _allows(one.types, t)
        }
    if one.values is None:
        values = other.values
    elif other.values is None:
        values = one.values
    else:
        values = one.values & other.values
    properties = {name: list(nodes) for name, nodes in one.properties.items()}
    for name, nodes in other.properties.items():
        properties.setdefault(name, []).extend(nodes)
    return _Variant(
        types=types,
        values=values,
        properties=properties,
        required=one.required | other.required,
        open=one.open and other.open,
        items=one.items + other.items,
        tagged=one.tagged or other.tagged,
    )


def _union_of(variants: list[_Variant]) -> _Variant:
    """Any of them (a merged view): every property any allows, what all require."""
    properties: dict[str, list[Schema]] = {}
    for variant in variants:
        for name, nodes in variant.properties.items():
            properties.setdefault(name, []).extend(nodes)
    required = set.intersection(*(v.required for v in variants)) if variants else set()
    types: set[str] | None = set()
    values: set[Hashable] | None = set()
    for variant in variants:
        types = None if types is None or variant.types is None else types | variant.types
        values = None if values is None or variant.values is None else values | variant.values
    tagged = next((v.tagged for v in variants if v.tagged), None)
    return _Variant(
        types=types,
        values=values,
        properties=properties,
        required=required,
        open=any(v.open for v in variants),
        items=[item for v in variants for item in v.items],
        tagged=tagged,
    )


def _allows(types: set[str], kind: str) -> bool:
    return kind in types or (kind == "integer" and "number" in types)


def _object_like(variant: _Variant) -> bool:
    return bool(variant.properties) or not variant.open or variant.tagged is not None


def _json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    return "string" if isinstance(value, str) else "object"


def _if_then_union(node: Schema) -> tuple[str, dict[Hashable, list[Schema]]] | None:
    """``schemas/``' tagged union: the tag key and each tag's member (``None`` for null)."""
    entries = node.get("allOf")
    if not isinstance(entries, list) or not entries:
        return None
    key = ""
    members: dict[Hashable, list[Schema]] = {}
    for entry in entries:
        condition = entry.get("if") if isinstance(entry, dict) else None
        if not isinstance(condition, dict) or "then" not in entry:
            return None
        tests = condition.get("properties")
        if not isinstance(tests, dict) or len(tests) != 1:
            return None
        ((key, test),) = tests.items()
        if "const" not in test and "enum" not in test:
            return None
        tags = [test["const"]] if "const" in test else list(test["enum"])
        for tag in tags:
            members.setdefault(tag, []).append(entry["then"])
    return key, members


def _tags_of(variant: _Variant, key: str, resolve: Resolve) -> list[Hashable] | None:
    nodes = variant.properties.get(key)
    if not nodes:
        return None
    found: list[Hashable] = []
    for node in nodes:
        for part in _alternatives(node, resolve):
            if "const" in part:
                found.append(part["const"])
            elif isinstance(part.get("enum"), list):
                found.extend(part["enum"])
            elif part.get("type") == "null":
                found.append(None)
            else:
                return None
    return found


def _alternatives(node: Schema, resolve: Resolve) -> Iterator[Schema]:
    node = resolve(node)
    alternatives = [*node.get("anyOf", ()), *node.get("oneOf", ())]
    if not alternatives:
        yield node
        return
    for alternative in alternatives:
        yield from _alternatives(alternative, resolve)


Expand = Callable[[Schema], list[_Variant]]
ByTag = dict[Hashable, list[_Variant]]


def _tags_on_both_sides(
    mine: list[_Variant],
    theirs: list[_Variant],
    *,
    ours: Expand,
    spec: Expand,
    resolve_ours: Resolve,
    resolve_spec: Resolve,
) -> tuple[str, ByTag, ByTag] | None:
    """The tag key and each side's members by tag, when both sides are tagged unions by one
    key (a union of one member counts when the other side is a real union)."""
    if len(theirs) < 2 and not any(v.tagged for v in mine):
        return None
    for key in TAG_KEYS:
        by_tag_theirs = _by_tag(theirs, key, spec, resolve_spec)
        by_tag_mine = _by_tag(mine, key, ours, resolve_ours)
        if by_tag_theirs is not None and by_tag_mine is not None:
            return key, by_tag_mine, by_tag_theirs
    return None


def _by_tag(variants: list[_Variant], key: str, expand: Expand, resolve: Resolve) -> ByTag | None:
    members: ByTag = {}
    for variant in variants:
        if variant.tagged is not None:
            tag_key, tagged = variant.tagged
            if tag_key != key:
                return None
            for tag, nodes in tagged.items():
                members.setdefault(tag, []).extend(v for node in nodes for v in expand(node))
            continue
        tags = _tags_of(variant, key, resolve)
        if tags is None:
            return None
        for tag in tags:
            members.setdefault(tag, []).append(variant)
    return members


def _tag_text(key: str, tag: Hashable) -> str:
    return f"{key}={json.dumps(tag)}"
