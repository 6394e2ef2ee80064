"""The schema-driven JSON generator: every value it makes must validate."""

from __future__ import annotations

import datetime
import json
import os
import random
import re
import subprocess
import sys
import urllib.parse
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft7Validator, Draft202012Validator, FormatChecker

from emulator.jsongen import instance as json_instance
from emulator.jsongen.instance import JSONValue, UnsatisfiableSchema, make_instance

WORDS = (
    "amber",
    "basil",
    "cedar",
    "delta",
    "ember",
    "fjord",
    "grove",
    "harbor",
    "island",
    "juniper",
    "kettle",
    "lantern",
    "meadow",
    "nectar",
    "orchid",
    "pepper",
    "quartz",
    "river",
    "saffron",
    "timber",
    "umber",
    "violet",
    "willow",
    "yarrow",
    "zephyr",
)
SEEDS = range(50)

Schema = dict[str, Any]

# ---------------------------------------------------------------- stricter format checks
# The stock FORMAT_CHECKER only asserts the formats whose optional checker
# packages are installed; these stdlib-based checks cover the rest.

STRICT_FORMATS = FormatChecker()
_RFC3339_TIME = r"([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d+)?([Zz]|[+-]([01]\d|2[0-3]):[0-5]\d)"
_LABEL = r"[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?"


@STRICT_FORMATS.checks("date-time")
def _is_date_time(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if not re.fullmatch(r"\d{4}-\d\d-\d\d[Tt]" + _RFC3339_TIME, value):
        return False
    datetime.datetime.fromisoformat(value.upper().replace("Z", "+00:00"))
    return True


@STRICT_FORMATS.checks("time")
def _is_time(value: object) -> bool:
    return not isinstance(value, str) or re.fullmatch(_RFC3339_TIME, value) is not None


@STRICT_FORMATS.checks("hostname")
def _is_hostname(value: object) -> bool:
    if not isinstance(value, str):
        return True
    return len(value) <= 253 and re.fullmatch(rf"{_LABEL}(\.{_LABEL})*", value) is not None


@STRICT_FORMATS.checks("uri")
@STRICT_FORMATS.checks("url")
def _is_uri(value: object) -> bool:
    if not isinstance(value, str):
        return True
    parts = urllib.parse.urlsplit(value)
    return bool(parts.scheme and parts.netloc) and not re.search(r"\s", value)


@STRICT_FORMATS.checks("duration")
def _is_duration(value: object) -> bool:
    rx = r"P(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(\d+H)?(\d+M)?(\d+S)?)?"
    return not isinstance(value, str) or (
        re.fullmatch(rx, value) is not None and value not in ("P", "PT") and not value.endswith("T")
    )


@cache
def _validators(key: str) -> tuple[Draft202012Validator, Draft202012Validator]:
    schema = _SCHEMAS_BY_KEY[key]
    return (
        Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER),
        Draft202012Validator(schema, format_checker=STRICT_FORMATS),
    )


def assert_valid(schema: Schema | bool, value: JSONValue) -> None:
    Draft202012Validator.check_schema(schema)
    Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER).validate(value)
    Draft202012Validator(schema, format_checker=STRICT_FORMATS).validate(value)


def gen(schema: object, seed: int, words: tuple[str, ...] = WORDS) -> JSONValue:
    return make_instance(schema, random.Random(seed), words)


# ---------------------------------------------------------------- hand-written schemas

WEATHER: Schema = {
    "type": "object",
    "properties": {
        "location": {"type": "string", "description": "City and country"},
        "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
        "days": {"type": "integer", "minimum": 1, "maximum": 14},
        "include_hourly": {"type": "boolean"},
    },
    "required": ["location", "unit"],
    "additionalProperties": False,
}

HAND_WRITTEN: dict[str, Schema | bool] = {
    "weather_tool": WEATHER,
    "true_schema": True,
    "empty_schema": {},
    "json_object_mode": {"type": "object"},
    "object_min_properties": {"type": "object", "minProperties": 2},
    "nested_objects": {
        "type": "object",
        "properties": {
            "user": {
                "type": "object",
                "properties": {
                    "name": {"type": "string", "minLength": 1, "maxLength": 30},
                    "address": {
                        "type": "object",
                        "properties": {
                            "street": {"type": "string"},
                            "zip": {"type": "string", "pattern": r"^\d{5}$"},
                            "geo": {
                                "type": "object",
                                "properties": {
                                    "lat": {"type": "number", "minimum": -90, "maximum": 90},
                                    "lon": {"type": "number", "minimum": -180, "maximum": 180},
                                },
                                "required": ["lat", "lon"],
                            },
                        },
                        "required": ["street", "zip", "geo"],
                        "additionalProperties": False,
                    },
                },
                "required": ["name", "address"],
            },
            "tags": {"type": "array", "items": {"type": "string"}},
        },
        "required": ["user"],
    },
    "array_of_enums": {
        "type": "array",
        "items": {"enum": ["red", "green", "blue", 1, None, True]},
        "minItems": 2,
        "maxItems": 6,
    },
    "unique_enum_array_full": {
        "type": "array",
        "items": {"type": "string", "enum": ["a", "b", "c", "d"]},
        "uniqueItems": True,
        "minItems": 4,
    },
    "unique_booleans": {
        "type": "array",
        "items": {"type": "boolean"},
        "uniqueItems": True,
        "minItems": 2,
    },
    "unique_small_ints": {
        "type": "array",
        "items": {"type": "integer", "minimum": 0, "maximum": 4},
        "uniqueItems": True,
        "minItems": 5,
    },
    "array_exact_length": {
        "type": "array",
        "items": {"type": "integer"},
        "minItems": 7,
        "maxItems": 7,
    },
    "array_empty_only": {"type": "array", "maxItems": 0},
    "prefix_items_closed": {
        "type": "array",
        "prefixItems": [{"type": "string"}, {"type": "integer"}, {"type": "boolean"}],
        "items": False,
        "minItems": 2,
    },
    "prefix_items_open": {
        "type": "array",
        "prefixItems": [{"const": "head"}],
        "items": {"type": "number"},
        "minItems": 3,
    },
    "contains": {
        "type": "array",
        "items": {"type": "integer"},
        "contains": {"type": "integer", "minimum": 1000},
        "minContains": 2,
    },
    "contains_max": {
        "type": "array",
        "items": {"type": "integer", "minimum": 0, "maximum": 10},
        "contains": {"const": 5},
        "maxContains": 1,
        "minItems": 3,
    },
    "defs_ref": {
        "$defs": {
            "money": {
                "type": "object",
                "properties": {
                    "amount": {"type": "number", "minimum": 0, "multipleOf": 0.01},
                    "currency": {"type": "string", "pattern": r"^[A-Z]{3}$"},
                },
                "required": ["amount", "currency"],
                "additionalProperties": False,
            }
        },
        "type": "object",
        "properties": {"price": {"$ref": "#/$defs/money"}, "tax": {"$ref": "#/$defs/money"}},
        "required": ["price"],
    },
    "definitions_ref": {
        "definitions": {"id": {"type": "string", "format": "uuid"}},
        "type": "array",
        "items": {"$ref": "#/definitions/id"},
        "minItems": 1,
    },
    "ref_with_siblings": {
        "$defs": {"base": {"type": "object", "properties": {"a": {"type": "integer"}}}},
        "$ref": "#/$defs/base",
        "required": ["a", "b"],
        "properties": {"b": {"type": "string", "maxLength": 3}},
    },
    "recursive_tree": {
        "$defs": {
            "node": {
                "type": "object",
                "properties": {
                    "name": {"type": "string"},
                    "children": {"type": "array", "items": {"$ref": "#/$defs/node"}},
                },
                "required": ["name", "children"],
            }
        },
        "$ref": "#/$defs/node",
    },
    "recursive_linked_list": {
        "$defs": {
            "list": {
                "anyOf": [
                    {"type": "null"},
                    {
                        "type": "object",
                        "properties": {
                            "value": {"type": "integer"},
                            "next": {"$ref": "#/$defs/list"},
                        },
                        "required": ["value", "next"],
                        "additionalProperties": False,
                    },
                ]
            }
        },
        "$ref": "#/$defs/list",
    },
    "root_recursion": {
        "type": "object",
        "properties": {"label": {"type": "string"}, "child": {"$ref": "#"}},
        "required": ["label"],
    },
    "any_of": {
        "anyOf": [
            {"type": "string", "minLength": 3},
            {"type": "integer", "minimum": 10},
            {"type": "object", "properties": {"x": {"type": "boolean"}}, "required": ["x"]},
        ]
    },
    "any_of_with_parent": {
        "type": "object",
        "properties": {"email": {"type": "string", "format": "email"}, "phone": {"type": "string"}},
        "anyOf": [{"required": ["email"]}, {"required": ["phone"]}],
        "additionalProperties": False,
    },
    "one_of_overlapping": {"oneOf": [{"type": "number"}, {"type": "integer"}]},
    "one_of_discriminated": {
        "oneOf": [
            {
                "type": "object",
                "properties": {
                    "kind": {"const": "circle"},
                    "radius": {"type": "number", "exclusiveMinimum": 0},
                },
                "required": ["kind", "radius"],
            },
            {
                "type": "object",
                "properties": {
                    "kind": {"const": "rect"},
                    "w": {"type": "integer", "minimum": 1},
                    "h": {"type": "integer", "minimum": 1},
                },
                "required": ["kind", "w", "h"],
            },
        ]
    },
    "one_of_strings": {
        "oneOf": [{"type": "string", "maxLength": 4}, {"type": "string", "minLength": 3}]
    },
    "all_of_objects": {
        "allOf": [
            {
                "type": "object",
                "properties": {"id": {"type": "integer", "minimum": 1}},
                "required": ["id"],
            },
            {"properties": {"name": {"type": "string"}}, "required": ["name"]},
            {"properties": {"id": {"maximum": 5}}},
        ]
    },
    "all_of_numeric": {
        "allOf": [
            {"type": "number", "minimum": 0, "multipleOf": 4},
            {"type": "integer", "maximum": 100, "multipleOf": 6},
        ]
    },
    "all_of_patterns": {
        "allOf": [{"type": "string", "pattern": "^[a-z]+$"}, {"pattern": "^.{4,6}$"}]
    },
    "not_keyword": {"type": "integer", "minimum": 0, "maximum": 3, "not": {"const": 2}},
    "not_type": {"not": {"type": ["string", "object", "array"]}},
    "if_then_else": {
        "type": "object",
        "properties": {"country": {"enum": ["US", "NL"]}, "zip": {"type": "string"}},
        "required": ["country", "zip"],
        "if": {"properties": {"country": {"const": "US"}}},
        "then": {"properties": {"zip": {"pattern": r"^\d{5}$"}}},
        "else": {"properties": {"zip": {"pattern": r"^\d{4} [A-Z]{2}$"}}},
    },
    "const_values": {
        "type": "object",
        "properties": {"v": {"const": {"nested": [1, 2, {"deep": None}]}}, "n": {"const": 3}},
        "required": ["v", "n"],
    },
    "enum_with_type_filter": {"type": "integer", "enum": ["one", 1, 2.5, True, 3]},
    "type_list": {"type": ["string", "null"], "minLength": 2},
    "type_list_fallback": {"type": ["integer", "string"], "minimum": 5, "maximum": 1},
    "inferred_types": {
        "properties": {
            "a": {"minimum": 3},
            "b": {"minLength": 4},
            "c": {"minItems": 1},
            "d": {"required": ["x"]},
        },
        "required": ["a", "b", "c", "d"],
    },
    "formats": {
        "type": "object",
        "properties": {
            name: {"type": "string", "format": name}
            for name in (
                "date-time",
                "date",
                "time",
                "email",
                "uri",
                "url",
                "uuid",
                "ipv4",
                "ipv6",
                "hostname",
                "duration",
            )
        },
        "required": [
            "date-time",
            "date",
            "time",
            "email",
            "uri",
            "url",
            "uuid",
            "ipv4",
            "ipv6",
            "hostname",
            "duration",
        ],
    },
    "unknown_format": {"type": "string", "format": "x-custom", "maxLength": 5},
    "pattern_code": {"type": "string", "pattern": r"^[A-Z]{3}-\d{4}$"},
    "pattern_alternation": {
        "type": "string",
        "pattern": r"^(GET|POST|PUT)\s/[a-z0-9_]{1,8}(\?q=\w+)?$",
    },
    "pattern_unanchored": {"type": "string", "pattern": "[0-9]{2}", "minLength": 12},
    "pattern_escapes": {"type": "string", "pattern": r"^\+\d{1,3}\.\d{4}\$[^a-z]{2}$"},
    "pattern_classes": {
        "type": "string",
        "pattern": r"^[a-fA-F0-9]{8}(-[\w.]+)*$",
        "maxLength": 20,
    },
    "pattern_named_group": {"type": "string", "pattern": r"^(?P<year>\d{4})-(?:0[1-9]|1[0-2])$"},
    "pattern_with_format": {"type": "string", "format": "email", "pattern": r"^[a-z]+@acme\.io$"},
    "string_lengths": {"type": "string", "minLength": 40, "maxLength": 45},
    "string_exact_length": {"type": "string", "minLength": 1, "maxLength": 1},
    "string_empty": {"type": "string", "maxLength": 0},
    "integer_bounds": {"type": "integer", "minimum": -5, "maximum": 5},
    "integer_exclusive": {"type": "integer", "exclusiveMinimum": 0, "exclusiveMaximum": 2},
    "integer_multiple": {"type": "integer", "minimum": 10, "maximum": 100, "multipleOf": 7},
    "integer_multiple_exclusive": {
        "type": "integer",
        "exclusiveMinimum": 14,
        "exclusiveMaximum": 35,
        "multipleOf": 7,
    },
    "integer_float_multiple": {"type": "integer", "multipleOf": 0.5, "minimum": 3},
    "integer_float_bounds": {"type": "integer", "minimum": 0.5, "maximum": 1.5},
    "integer_huge": {"type": "integer", "minimum": 10**20},
    "integer_negative_only": {"type": "integer", "maximum": -1000},
    "number_bounds": {"type": "number", "minimum": 0.1, "maximum": 0.2},
    "number_exclusive_tight": {
        "type": "number",
        "exclusiveMinimum": 1.0,
        "exclusiveMaximum": 1.001,
    },
    "number_multiple_decimal": {
        "type": "number",
        "multipleOf": 0.1,
        "minimum": 0.3,
        "maximum": 0.9,
    },
    "number_multiple_exclusive": {
        "type": "number",
        "multipleOf": 0.25,
        "exclusiveMinimum": 1,
        "exclusiveMaximum": 1.5,
    },
    "number_multiple_large": {"type": "number", "multipleOf": 1000, "minimum": 1},
    "number_point_range": {"type": "number", "minimum": 2.5, "maximum": 2.5},
    "boolean": {"type": "boolean"},
    "null": {"type": "null"},
    "pattern_properties": {
        "type": "object",
        "patternProperties": {"^x-": {"type": "integer"}},
        "additionalProperties": False,
        "minProperties": 2,
    },
    "property_names": {
        "type": "object",
        "propertyNames": {"maxLength": 5},
        "properties": {"short": {"type": "integer"}, "much_too_long": {"type": "integer"}},
    },
    "required_not_declared": {
        "type": "object",
        "required": ["a", "b"],
        "additionalProperties": {"type": "integer"},
    },
    "max_properties": {
        "type": "object",
        "properties": {k: {"type": "integer"} for k in "abcdefgh"},
        "required": ["a"],
        "minProperties": 2,
        "maxProperties": 3,
    },
    "dependent_required": {
        "type": "object",
        "properties": {
            "card": {"type": "string"},
            "billing": {"type": "string"},
            "x": {"type": "integer"},
        },
        "dependentRequired": {"card": ["billing"]},
    },
    "all_of_closed_object": {
        "allOf": [
            {
                "type": "object",
                "properties": {"a": {"type": "integer"}},
                "required": ["a"],
                "additionalProperties": False,
            },
            {"properties": {"b": {"type": "string"}}},
        ]
    },
    "dependent_schemas": {
        "type": "object",
        "properties": {"mode": {"enum": ["fast", "slow"]}, "limit": {"type": "integer"}},
        "dependentSchemas": {
            "limit": {"properties": {"mode": {"const": "slow"}}, "required": ["mode"]}
        },
    },
    "anchor_and_absolute_refs": {
        "$id": "https://example.com/order.json",
        "$defs": {"qty": {"$anchor": "qty", "type": "integer", "minimum": 1, "maximum": 9}},
        "type": "array",
        "prefixItems": [{"$ref": "#qty"}, {"$ref": "https://example.com/order.json#/$defs/qty"}],
        "items": False,
    },
    "many_branching_items": {
        "type": "array",
        "minItems": 300,
        "maxItems": 300,
        "items": {"anyOf": [{"type": "integer"}, {"type": "null"}]},
    },
    "openai_strict_style": {
        "type": "object",
        "properties": {
            "steps": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "explanation": {"type": "string"},
                        "output": {"type": ["string", "null"]},
                    },
                    "required": ["explanation", "output"],
                    "additionalProperties": False,
                },
            },
            "final_answer": {"type": "string"},
        },
        "required": ["steps", "final_answer"],
        "additionalProperties": False,
    },
}

_SCHEMAS_BY_KEY: dict[str, Schema | bool] = dict(HAND_WRITTEN)


@pytest.mark.parametrize("name", sorted(HAND_WRITTEN))
def test_hand_written_schema_instances_validate(name: str) -> None:
    schema = HAND_WRITTEN[name]
    Draft202012Validator.check_schema(schema)
    stock, strict = _validators(name)
    for seed in SEEDS:
        value = gen(schema, seed)
        stock.validate(value)
        strict.validate(value)


@pytest.mark.parametrize("name", sorted(HAND_WRITTEN))
def test_same_seed_gives_same_value(name: str) -> None:
    schema = HAND_WRITTEN[name]
    for seed in range(10):
        assert gen(schema, seed) == gen(schema, seed)


def test_rng_state_drives_variety() -> None:
    values = {repr(gen(WEATHER, seed)) for seed in SEEDS}
    assert len(values) > 10


def test_no_keys_beyond_declared_properties() -> None:
    declared = set(WEATHER["properties"])
    for seed in SEEDS:
        value = gen(WEATHER, seed)
        assert isinstance(value, dict)
        assert {"location", "unit"} <= set(value) <= declared
    assert gen({"type": "object"}, 0) == {}


def test_optional_properties_are_sometimes_emitted_and_sometimes_not() -> None:
    seen_with = seen_without = False
    for seed in SEEDS:
        value = gen(WEATHER, seed)
        assert isinstance(value, dict)
        seen_with |= "days" in value
        seen_without |= "days" not in value
    assert seen_with and seen_without


def test_plain_strings_come_from_the_word_pool() -> None:
    for seed in SEEDS:
        value = gen({"type": "string"}, seed)
        assert isinstance(value, str)
        assert set(value.split(" ")) <= set(WORDS)


def test_empty_word_pool_still_works() -> None:
    value = gen(WEATHER, 3, words=())
    assert_valid(WEATHER, value)


def test_default_array_length_is_one_to_three() -> None:
    lengths = set()
    for seed in SEEDS:
        value = gen({"type": "array", "items": {"type": "integer"}}, seed)
        assert isinstance(value, list)
        lengths.add(len(value))
    assert lengths == {1, 2, 3}


def test_deep_recursion_shrinks_to_minimal_values() -> None:
    schema = HAND_WRITTEN["recursive_tree"]

    def depth(node: JSONValue) -> int:
        assert isinstance(node, dict)
        children = node["children"]
        assert isinstance(children, list)
        return 1 + max((depth(c) for c in children), default=0)

    assert max(depth(gen(schema, seed)) for seed in SEEDS) <= 7


def test_result_does_not_alias_schema_constants() -> None:
    schema: Schema = {"const": {"a": [1, 2]}}
    value = gen(schema, 0)
    assert value == {"a": [1, 2]}
    assert isinstance(value, dict)
    value["a"] = []
    assert schema["const"] == {"a": [1, 2]}


UNSATISFIABLE: dict[str, object] = {
    "false": False,
    "minimum_above_maximum": {"type": "integer", "minimum": 5, "maximum": 1},
    "number_minimum_above_maximum": {"type": "number", "minimum": 5.5, "maximum": 1.5},
    "empty_exclusive_range": {"type": "integer", "exclusiveMinimum": 1, "exclusiveMaximum": 2},
    "no_multiple_in_range": {"type": "integer", "minimum": 1, "maximum": 6, "multipleOf": 7},
    "min_length_above_max": {"type": "string", "minLength": 5, "maxLength": 2},
    "min_items_above_max": {"type": "array", "minItems": 3, "maxItems": 2},
    "items_false": {"type": "array", "items": False, "minItems": 1},
    "not_everything": {"not": {}},
    "required_false_property": {"type": "object", "properties": {"a": False}, "required": ["a"]},
    "closed_object_missing_required": {
        "type": "object",
        "required": ["a"],
        "additionalProperties": False,
    },
    "enum_type_mismatch": {"type": "string", "enum": [1, 2]},
    "all_of_types": {"allOf": [{"type": "string"}, {"type": "integer"}]},
    "all_of_consts": {"allOf": [{"const": 1}, {"const": 2}]},
    "unique_too_few_values": {
        "type": "array",
        "items": {"enum": ["a", "b"]},
        "uniqueItems": True,
        "minItems": 3,
    },
    "one_of_identical": {"oneOf": [{"type": "string"}, {"type": "string"}]},
    "infinite_recursion": {
        "$defs": {
            "a": {"type": "object", "properties": {"x": {"$ref": "#/$defs/a"}}, "required": ["x"]}
        },
        "$ref": "#/$defs/a",
    },
    "dangling_ref": {"$ref": "#/$defs/missing"},
    "remote_ref": {"$ref": "https://example.com/schema.json"},
    "min_properties_above_max": {"type": "object", "minProperties": 3, "maxProperties": 1},
    "unmatchable_pattern": {"type": "string", "pattern": "^a$", "minLength": 2},
    "huge_min_length": {"type": "string", "minLength": 10**9},
    "huge_nested_arrays": {
        "type": "array",
        "minItems": 1000,
        "items": {"type": "array", "minItems": 1000},
    },
    "all_of_closed_object_conflict": {
        "allOf": [
            {"type": "object", "properties": {"a": {}}, "additionalProperties": False},
            {"properties": {"b": {}}, "required": ["b"]},
        ]
    },
}


@pytest.mark.parametrize("name", sorted(UNSATISFIABLE))
def test_unsatisfiable_schemas_raise(name: str) -> None:
    with pytest.raises(UnsatisfiableSchema):
        gen(UNSATISFIABLE[name], 0)


def test_tuples_fill_every_prefix_position() -> None:
    schema: Schema = {"type": "array", "prefixItems": [{"type": "string"}] * 5}
    for seed in SEEDS:
        value = gen(schema, seed)
        assert isinstance(value, list)
        assert len(value) == 5


def test_older_draft_spellings() -> None:
    schema: Schema = {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "definitions": {"n": {"type": "number", "minimum": 0, "exclusiveMinimum": True}},
        "type": "array",
        "items": [{"$ref": "#/definitions/n"}, {"type": "string"}],
        "additionalItems": False,
        "minItems": 2,
    }
    validator = Draft7Validator(schema, format_checker=Draft7Validator.FORMAT_CHECKER)
    for seed in SEEDS:
        validator.validate(gen(schema, seed))


_HASH_SEED_SCRIPT = """
import importlib.util, json, random, sys
spec = importlib.util.spec_from_file_location("json_instance", sys.argv[1])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
schema = json.loads(sys.argv[2])
words = ["a", "b", "c"]
print(json.dumps([module.make_instance(schema, random.Random(s), words) for s in range(20)]))
"""


def test_output_does_not_depend_on_the_hash_seed() -> None:
    path = Path(json_instance.__file__)
    schema = json.dumps(
        {
            "type": "object",
            "properties": {"w": {"$ref": "#/$defs/w"}, "c": {"$ref": "#/$defs/c"}},
            "required": ["w", "c"],
            "$defs": {"w": WEATHER, "c": HAND_WRITTEN["all_of_closed_object"]},
        }
    )
    outputs = {
        subprocess.run(
            [sys.executable, "-c", _HASH_SEED_SCRIPT, str(path), schema],
            env={**os.environ, "PYTHONHASHSEED": str(hash_seed)},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for hash_seed in (1, 2, 3)
    }
    assert len(outputs) == 1


# ---------------------------------------------------------------- random schemas

_NAMES = st.text(alphabet="abcdefghij_", min_size=1, max_size=6)
_PATTERNS = (
    r"^[A-Z]{3}-\d{4}$",
    r"^[a-z]+$",
    r"^\d{3}(-\d{2})?$",
    "^(red|green|blue)$",
    "[0-9]",
    r"^[A-Za-z0-9_]{2,12}$",
    r"^v\d+\.\d+\.\d+$",
)
_FORMATS = ("date-time", "date", "time", "email", "uri", "uuid", "ipv4", "hostname")
_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-1000, 1000),
    st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False),
    st.text(max_size=8),
)
# Referenced from anywhere in a generated schema; attached at the root.
_DEFS: Schema = {
    "positive": {"type": "integer", "minimum": 1},
    "label": {"type": "string", "minLength": 1, "maxLength": 12},
    "pair": {
        "type": "array",
        "prefixItems": [{"type": "string"}, {"type": "number"}],
        "minItems": 2,
    },
}


@st.composite
def _string_schema(draw: st.DrawFn) -> Schema:
    schema: Schema = {"type": "string"}
    kind = draw(st.sampled_from(["plain", "pattern", "format"]))
    if kind == "pattern":
        schema["pattern"] = draw(st.sampled_from(_PATTERNS))
    elif kind == "format":
        schema["format"] = draw(st.sampled_from(_FORMATS))
    else:
        lo = draw(st.none() | st.integers(0, 30))
        hi = draw(st.none() | st.integers(lo or 0, 60))
        schema.update({k: v for k, v in (("minLength", lo), ("maxLength", hi)) if v is not None})
    return schema


@st.composite
def _integer_schema(draw: st.DrawFn) -> Schema:
    schema: Schema = {"type": "integer"}
    step = draw(st.none() | st.integers(1, 50))
    width = draw(st.integers(2 * (step or 1) + 2, 10_000))
    lo = draw(st.none() | st.integers(-(10**9), 10**9))
    if lo is not None:
        schema[draw(st.sampled_from(["minimum", "exclusiveMinimum"]))] = lo
    if draw(st.booleans()):
        bound = "maximum" if draw(st.booleans()) else "exclusiveMaximum"
        schema[bound] = (lo if lo is not None else draw(st.integers(-(10**9), 10**9))) + width
    if step is not None:
        schema["multipleOf"] = step
    return schema


@st.composite
def _number_schema(draw: st.DrawFn) -> Schema:
    schema: Schema = {"type": "number"}
    step = draw(st.none() | st.sampled_from([0.5, 0.25, 0.1, 0.01, 2, 5, 2.5]))
    width = draw(st.floats(3 * (step or 0.001), 1e6))
    lo = draw(st.none() | st.floats(-1e9, 1e9))
    if lo is not None:
        schema[draw(st.sampled_from(["minimum", "exclusiveMinimum"]))] = lo
    if draw(st.booleans()):
        bound = "maximum" if draw(st.booleans()) else "exclusiveMaximum"
        schema[bound] = (lo if lo is not None else draw(st.floats(-1e9, 1e9))) + width
    if step is not None:
        schema["multipleOf"] = step
    return schema


_LEAVES: st.SearchStrategy[Schema] = st.one_of(
    _string_schema(),
    _integer_schema(),
    _number_schema(),
    st.just({"type": "boolean"}),
    st.just({"type": "null"}),
    st.lists(_SCALARS, min_size=1, max_size=5).map(lambda values: {"enum": values}),
    _SCALARS.map(lambda value: {"const": value}),
    st.sampled_from([{"$ref": f"#/$defs/{name}"} for name in _DEFS]),
    st.just({}),
)


@st.composite
def _object_schema(draw: st.DrawFn, children: st.SearchStrategy[Schema]) -> Schema:
    props = draw(st.dictionaries(_NAMES, children, max_size=5))
    required = draw(st.lists(st.sampled_from(sorted(props)), unique=True)) if props else []
    schema: Schema = {"type": "object", "properties": props, "required": required}
    if draw(st.booleans()):
        schema["additionalProperties"] = False
    if draw(st.booleans()):
        schema["minProperties"] = draw(st.integers(0, len(props)))
    if draw(st.booleans()):
        schema["maxProperties"] = draw(
            st.integers(max(len(required), schema.get("minProperties", 0)), 8)
        )
    return schema


@st.composite
def _array_schema(draw: st.DrawFn, children: st.SearchStrategy[Schema]) -> Schema:
    schema: Schema = {"type": "array", "items": draw(children)}
    lo = draw(st.integers(0, 4))
    if draw(st.booleans()):
        schema["minItems"] = lo
    if draw(st.booleans()):
        schema["maxItems"] = draw(st.integers(lo, 6))
    if draw(st.booleans()):
        # unique items are always achievable when at most one item is required
        schema["uniqueItems"] = True
        schema["minItems"] = min(lo, 1)
        schema["maxItems"] = max(schema.get("maxItems", 1), 1)
    if draw(st.booleans()):
        prefix = draw(st.lists(children, min_size=1, max_size=3))
        schema["prefixItems"] = prefix
    return schema


_TYPED_BRANCHES: list[Schema] = [
    {"type": "string", "maxLength": 10},
    {"type": "integer", "minimum": 0},
    {"type": "boolean"},
    {"type": "null"},
    {"type": "array", "maxItems": 2},
    {"type": "object", "properties": {"k": {"type": "integer"}}},
]
_DISJOINT_TYPES = st.lists(
    st.sampled_from(_TYPED_BRANCHES),
    min_size=1,
    max_size=4,
    unique_by=lambda s: str(s["type"]),
)


@st.composite
def _all_of_objects(draw: st.DrawFn, children: st.SearchStrategy[Schema]) -> Schema:
    left = draw(st.dictionaries(_NAMES.map(lambda n: "l_" + n), children, max_size=3))
    right = draw(st.dictionaries(_NAMES.map(lambda n: "r_" + n), children, max_size=3))
    return {
        "allOf": [
            {"type": "object", "properties": left, "required": sorted(left)[:1]},
            {"properties": right, "required": sorted(right)[:1]},
        ]
    }


def _extend(children: st.SearchStrategy[Schema]) -> st.SearchStrategy[Schema]:
    return st.one_of(
        _object_schema(children),
        _array_schema(children),
        st.lists(children, min_size=1, max_size=3).map(lambda subs: {"anyOf": subs}),
        _DISJOINT_TYPES.map(lambda subs: {"oneOf": subs}),
        _all_of_objects(children),
    )


RANDOM_SCHEMAS = st.recursive(_LEAVES, _extend, max_leaves=12).map(
    lambda schema: {**schema, "$defs": _DEFS}
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(schema=RANDOM_SCHEMAS, seed=st.integers(0, 2**32))
def test_random_schemas_generate_valid_instances(schema: Schema, seed: int) -> None:
    Draft202012Validator.check_schema(schema)
    stock = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    strict = Draft202012Validator(schema, format_checker=STRICT_FORMATS)
    for offset in range(3):
        value = gen(schema, seed + offset)
        stock.validate(value)
        strict.validate(value)
        assert gen(schema, seed + offset) == value
