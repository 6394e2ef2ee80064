"""Request bodies drawn from the specs' request schemas (a small generator over the subset of
JSON Schema the documents use for requests).

hypothesis-jsonschema resolves and canonicalises a whole schema before drawing; given the
Messages request (which reaches about 170 component schemas) it had not drawn one example
after two minutes, so this walks the published schemas itself, one ``$ref`` at a time, with
a depth bound. Strings are short and printable, numbers stay inside the schema's bounds, optional
properties appear about half of the time, unions pick one member.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hypothesis import strategies as st

from tests.spec.documents import PREFIX, Api, published

Strategy = st.SearchStrategy[Any]
MAX_DEPTH = 7
_TEXT = st.text(st.characters(codec="ascii", categories=["L", "N", "Zs"]), min_size=1, max_size=12)


def body_strategy(api: Api, name: str, overrides: Mapping[str, Strategy]) -> Strategy:
    """Bodies valid under component ``name``; ``overrides`` replace top-level properties'
    strategies (the model, the fields left out are given :func:`st.nothing`)."""
    schema = published(api)[name]
    properties = _properties(api, schema)
    required = set(_required(api, schema))
    fixed = {
        key: overrides.get(key, _strategy(api, sub, 1))
        for key, sub in properties.items()
        if key in required
    }
    optional = {
        key: overrides.get(key, _strategy(api, sub, 1))
        for key, sub in properties.items()
        if key not in required and not overrides.get(key, st.just(0)).is_empty
    }
    return st.fixed_dictionaries(fixed, optional=optional)


def _resolve(api: Api, schema: Mapping[str, Any]) -> Mapping[str, Any]:
    while "$ref" in schema:
        schema = published(api)[schema["$ref"].removeprefix(PREFIX)]
    return schema


def _properties(api: Api, schema: Mapping[str, Any]) -> dict[str, Any]:
    schema = _resolve(api, schema)
    found: dict[str, Any] = {}
    for part in schema.get("allOf", []):
        found.update(_properties(api, part))
    found.update(schema.get("properties", {}))
    return found


def _required(api: Api, schema: Mapping[str, Any]) -> list[str]:
    schema = _resolve(api, schema)
    found: list[str] = list(schema.get("required", []))
    for part in schema.get("allOf", []):
        found.extend(_required(api, part))
    return found


def _strategy(api: Api, schema: Any, depth: int) -> Strategy:
    if not isinstance(schema, Mapping):
        return st.none()
    if "$ref" in schema:
        return st.deferred(lambda: _strategy(api, _resolve(api, schema), depth + 1))
    strategy = _plain(api, schema, depth)
    if schema.get("nullable") is True:
        strategy = st.one_of(strategy, st.none())
    return strategy


def _plain(api: Api, schema: Mapping[str, Any], depth: int) -> Strategy:
    if "const" in schema:
        return st.just(schema["const"])
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    for union in ("oneOf", "anyOf"):
        if union in schema:
            members = schema[union]
            if depth >= MAX_DEPTH:
                members = [m for m in members if _is_leaf(api, m)] or members[:1]
            return st.one_of([_strategy(api, member, depth + 1) for member in members])
    kind = schema.get("type")
    if isinstance(kind, list):
        return st.one_of([_plain(api, {**schema, "type": one}, depth) for one in kind])
    if kind == "object" or "properties" in schema or "allOf" in schema:
        return _object(api, schema, depth)
    if kind == "array":
        return _array(api, schema, depth)
    if kind == "string":
        if "pattern" in schema:
            return st.from_regex(schema["pattern"], fullmatch=True).filter(
                lambda text: 0 < len(text) <= 64
            )
        return _TEXT
    if kind == "integer":
        low = int(schema.get("minimum", schema.get("exclusiveMinimum", -1) + 1))
        high = int(schema.get("maximum", low + 100))
        return st.integers(low, high)
    if kind == "number":
        bottom = float(schema.get("minimum", 0.0))
        top = float(schema.get("maximum", bottom + 2.0))
        return st.floats(bottom, top, allow_nan=False)
    if kind == "boolean":
        return st.booleans()
    if kind == "null":
        return st.none()
    return st.just({})


def _is_leaf(api: Api, schema: Mapping[str, Any]) -> bool:
    return _resolve(api, schema).get("type") in ("string", "integer", "number", "boolean", "null")


def _object(api: Api, schema: Mapping[str, Any], depth: int) -> Strategy:
    properties = _properties(api, schema)
    required = set(_required(api, schema))
    fixed = {
        key: _strategy(api, sub, depth + 1) for key, sub in properties.items() if key in required
    }
    optional = {
        key: _strategy(api, sub, depth + 1)
        for key, sub in properties.items()
        if key not in required and depth < MAX_DEPTH
    }
    return st.fixed_dictionaries(fixed, optional=optional)


def _array(api: Api, schema: Mapping[str, Any], depth: int) -> Strategy:
    low = int(schema.get("minItems", 0))
    high = max(low, min(int(schema.get("maxItems", low + 2)), low + 2))
    if depth >= MAX_DEPTH:
        high = low
    return st.lists(_strategy(api, schema.get("items", {}), depth + 1), min_size=low, max_size=high)
