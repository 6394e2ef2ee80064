"""The generated quick check gives jsonschema's verdict on every keyword it compiles.

The request schemas are covered by the agreement properties in test_schemas.py; these
schemas reach what those do not use: recursion, pattern and name rules on properties,
oneOf, not, if/then/else, non-string enums, and bounds on sizes."""

from __future__ import annotations

from functools import cache
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from emulator.validation.fastcheck import Check, _Compiler, _Unsupported

# Small schemas, so that generated values often pass and often sit on a boundary.
BOUNDED = {"type": "integer", "minimum": 0, "exclusiveMaximum": 10}
WORD = {"type": "string", "minLength": 1, "maxLength": 3, "pattern": "^[a-c]"}
TREE = {
    "type": "object",
    "properties": {
        "leaf": {"type": "boolean"},
        "children": {"type": "array", "items": {"$ref": "#"}, "maxItems": 2},
    },
    "additionalProperties": False,
}
OPEN = {"type": "object", "required": ["a"], "properties": {"a": {"type": "number"}}}
SIZED = {"type": "object", "required": ["a"], "maxProperties": 2}
PATTERNED = {
    "type": "object",
    "minProperties": 1,
    "maxProperties": 3,
    "propertyNames": {"maxLength": 2},
    "patternProperties": {"^a": {"type": "number"}, "b$": {"enum": [1, "one", None, [1]]}},
    "additionalProperties": {"type": ["boolean", "null"]},
}
ONE_OF = {
    "oneOf": [
        {"type": "number", "maximum": 5},
        {"type": "integer", "minimum": 3},
        {"type": "string"},
    ]
}
CONDITIONAL = {
    "not": {"const": 4.0},
    "if": {"type": "string"},
    "then": {"minLength": 2},
    "else": {"anyOf": [{"type": "number"}, {"type": "array", "minItems": 1}]},
}
# More properties than a chain of ifs takes: the required ones are chained, the rest tabled.
WIDE = {
    "type": "object",
    "required": ["p1"],
    "properties": {f"p{i}": {"type": "integer", "maximum": i} for i in range(9)},
    "additionalProperties": {"type": "string"},
}
SCHEMAS: dict[str, dict[str, Any]] = {
    "bounded": BOUNDED,
    "word": WORD,
    "tree": TREE,
    "open": OPEN,
    "sized": SIZED,
    "patterned": PATTERNED,
    "one_of": ONE_OF,
    "conditional": CONDITIONAL,
    "wide": WIDE,
}

SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 12),
    st.floats(-3, 12, allow_nan=False),
    st.sampled_from(["", "a", "ab", "abc", "abcd", "b", "z", "one"]),
)
KEYS = st.sampled_from(["leaf", "children", "a", "ab", "b", "abb", "p1", "p5", "x"])
JSON = SCALARS | st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(KEYS, inner, max_size=4),
    max_leaves=12,
)


@cache
def compiled(name: str) -> tuple[Check, Any]:
    schema = SCHEMAS[name]
    resource = DRAFT202012.create_resource(schema)
    registry: Registry[Any] = Registry().with_resource("", resource)
    resolver = registry.resolver_with_root(resource)
    check = _Compiler(lambda schema: None).compile(schema, resolver)
    return check, Draft202012Validator(schema)


@pytest.mark.parametrize("name", sorted(SCHEMAS))
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=JSON)
@example(value={"a": 1.5, "ab": 1, "x": None})  # each of the patterned rules passes
@example(value={"ab": "one"})
@example(value=[{}])
def test_the_quick_check_agrees_with_jsonschema(name: str, value: object) -> None:
    check, validator = compiled(name)
    assert check(value) is validator.is_valid(value)


def test_a_recursive_schema_checks_every_level() -> None:
    check, _ = compiled("tree")
    assert check({"children": [{"leaf": True, "children": [{"leaf": False}]}]})
    assert not check({"children": [{"leaf": True, "children": [{"leaf": 1}]}]})


def test_an_unknown_keyword_is_left_to_jsonschema() -> None:
    resource = DRAFT202012.create_resource({"type": "array", "prefixItems": [{"type": "string"}]})
    resolver = Registry().with_resource("", resource).resolver_with_root(resource)
    with pytest.raises(_Unsupported, match="prefixItems"):
        _Compiler(lambda schema: None).compile(resource.contents, resolver)
