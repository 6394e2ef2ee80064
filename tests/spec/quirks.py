"""The documented quirks of the OpenAPI documents, turned into plain JSON Schema 2020-12.

Each function takes a schema tree (already copied) and returns the tree to validate with.
The quirks are the ones ``../shared/reference/specs/README.md`` lists, plus two ways in
which an OpenAPI document is not a JSON Schema:

* ``nullable: true`` (OpenAPI 3.0, still in about 100 OpenAI schemas) means
  ``anyOf [schema, null]``;
* Anthropic lists every field that has a ``default`` as ``required`` too, while the API and
  the SDKs treat such a field as optional: it is dropped from ``required``;
* ``discriminator`` is an annotation jsonschema ignores: a union with one becomes a dispatch
  on the tag (``if``/``then``), so a body is checked against the one variant its tag names
  and a failure names that variant's schema path instead of "not valid under any";
* ``oneOf`` without a discriminator becomes ``anyOf``: the documents use it for unions whose
  variants overlap (a body valid under two of them is not wrong, the document is loose).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

Schema = dict[str, Any]
Lookup = Callable[[str], Schema]


def apply(node: Any, *, lookup: Lookup, relax_defaulted_required: bool) -> Any:
    """``node`` with every quirk applied, recursively (a new tree; ``node`` is not changed)."""
    if isinstance(node, list):
        return [
            apply(item, lookup=lookup, relax_defaulted_required=relax_defaulted_required)
            for item in node
        ]
    if not isinstance(node, dict):
        return node
    schema: Schema = {
        key: apply(value, lookup=lookup, relax_defaulted_required=relax_defaulted_required)
        for key, value in node.items()
    }
    if relax_defaulted_required:
        schema = _relax_defaulted_required(schema)
    discriminator = schema.get("discriminator")
    union = schema.get("oneOf")
    if isinstance(union, list):
        if isinstance(discriminator, Mapping) and "propertyName" in discriminator:
            schema = _dispatch_on_tag(schema, lookup)
        else:
            _add_any_of(schema, schema.pop("oneOf"))
    if schema.get("nullable") is True:
        del schema["nullable"]
        schema = {"anyOf": [schema, {"type": "null"}]}
    return schema


def _add_any_of(schema: Schema, variants: list[Any]) -> None:
    if "anyOf" in schema:
        schema.setdefault("allOf", []).append({"anyOf": variants})
    else:
        schema["anyOf"] = variants


def _relax_defaulted_required(schema: Schema) -> Schema:
    required = schema.get("required")
    properties = schema.get("properties")
    if not isinstance(required, list) or not isinstance(properties, Mapping):
        return schema
    kept = [
        name
        for name in required
        if not (isinstance(properties.get(name), Mapping) and "default" in properties[name])
    ]
    schema["required"] = kept
    return schema


def _dispatch_on_tag(schema: Schema, lookup: Lookup) -> Schema:
    """A discriminated ``oneOf`` as an ``if``/``then`` per tag, keeping the schema's other keys."""
    discriminator = schema.pop("discriminator")
    variants: list[Schema] = schema.pop("oneOf")
    tag: str = discriminator["propertyName"]
    mapped: dict[str, Schema] = {
        value: {"$ref": ref} for value, ref in discriminator.get("mapping", {}).items()
    }
    # A tag several variants share (OpenAI's input and output messages are both
    # "message") dispatches to any of them.
    shared: dict[str, list[Schema]] = {}
    for variant in variants:
        for value in _tags_of(variant, tag, lookup):
            if value not in mapped:
                shared.setdefault(value, []).append(variant)
    targets = dict(mapped)
    for value, among in shared.items():
        targets[value] = among[0] if len(among) == 1 else {"anyOf": among}
    if not targets:
        _add_any_of(schema, variants)
        return schema
    dispatch = [
        {"if": {"properties": {tag: {"const": value}}, "required": [tag]}, "then": target}
        for value, target in targets.items()
    ]
    head = {"type": "object", "required": [tag], "properties": {tag: {"enum": sorted(targets)}}}
    schema.setdefault("allOf", []).extend([head, *dispatch])
    return schema


def _tags_of(variant: Schema, tag: str, lookup: Lookup) -> list[str]:
    target = lookup(variant["$ref"]) if "$ref" in variant else variant
    field = target.get("properties", {}).get(tag, {})
    if "const" in field:
        return [field["const"]]
    found = [value for value in field.get("enum", []) if isinstance(value, str)]
    for part in target.get("allOf", []):  # a variant built from parts names its tag in one
        found += [value for value in _tags_of(part, tag, lookup) if value not in found]
    return found
