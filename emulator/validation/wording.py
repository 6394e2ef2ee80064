"""Wording a :class:`~emulator.validation.violations.Violation` the way each API does.

:func:`anthropic_message` gives the Anthropic API's pydantic-style line, and
:func:`openai_error_fields` the ``(message, param, code)`` of an OpenAI error body. The
pydantic-style ``detail`` of a violation is worded here too, for
:class:`~emulator.validation.schemas.SchemaSet`.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

from emulator.validation.violations import Path_, Violation, _iter

_PYDANTIC_TYPE = {
    "integer": "integer",
    "number": "number",
    "string": "string",
    "boolean": "boolean",
    "array": "list",
    "object": "dictionary",
    "null": "null",
}


def _types(declared: object) -> list[str]:
    types = [declared] if isinstance(declared, str) else [str(t) for t in _iter(declared)]
    non_null = [t for t in types if t != "null"]
    return non_null or types


def _type_words(declared: object) -> str:
    return " or ".join(_types(declared))


def _pydantic_type_detail(declared: object, value: object) -> str:
    types = _types(declared)
    if types == ["integer"] and isinstance(value, float) and math.isfinite(value):
        return "Input should be a valid integer, got a number with a fractional part"
    # A str-or-list field (message content) is reported as a list, as the real API does.
    word = "array" if "array" in types else "object" if "object" in types else types[0]
    return f"Input should be a valid {_PYDANTIC_TYPE.get(word, word)}"


def _pydantic_value_detail(keyword: str, limit: Any, value: object, fallback: str) -> str:
    if keyword in ("enum", "const"):
        options = [limit] if keyword == "const" else list(_iter(limit))
        return "Input should be " + _or_list([_quote(o) for o in options if o is not None])
    if keyword in _COMPARISONS:
        return f"Input should be {_COMPARISONS[keyword][0]} {_number(limit)}"
    size = len(value) if isinstance(value, list | str | dict) else 0
    if keyword in ("minItems", "maxItems"):
        bound = "at least" if keyword == "minItems" else "at most"
        return f"List should have {bound} {_plural(limit, 'item')} after validation, not {size}"
    if keyword in ("minLength", "maxLength"):
        bound = "at least" if keyword == "minLength" else "at most"
        return f"String should have {bound} {_plural(limit, 'character')}"
    if keyword == "maxProperties":
        return (
            f"Dictionary should have at most {_plural(limit, 'item')} after validation, not {size}"
        )
    if keyword == "pattern":
        return f"String should match pattern '{limit}'"
    return str(fallback)


# keyword -> (pydantic words, OpenAI words, OpenAI sign, OpenAI code suffix)
_COMPARISONS = {
    "maximum": ("less than or equal to", "above maximum value", "<=", "above_max_value"),
    "exclusiveMaximum": ("less than", "above maximum value", "<", "above_max_value"),
    "minimum": ("greater than or equal to", "below minimum value", ">=", "below_min_value"),
    "exclusiveMinimum": ("greater than", "below minimum value", ">", "below_min_value"),
}


def anthropic_message(v: Violation) -> str:
    """The Anthropic API's message: ``messages.0.role: Input should be 'user' or 'assistant'``."""
    loc = v.path if v.loc is None else v.loc
    if not loc:
        return v.detail
    return ".".join(str(step) for step in loc) + ": " + v.detail


def openai_error_fields(v: Violation) -> tuple[str, str | None, str | None]:
    """``(message, param, code)`` of the OpenAI error body for this violation."""
    param = _openai_param(v.path)
    where = param if param is not None else "body"
    if v.kind == "missing":
        return f"Missing required parameter: '{where}'.", param, "missing_required_parameter"
    if v.kind == "extra":
        return f"Unknown parameter: '{where}'.", param, "unknown_parameter"
    if v.kind == "type":
        expected = _openai_expected(v.schema.get("type", v.expected), v.schema.get("items"))
        message = (
            f"Invalid type for '{where}': expected {expected}, "
            f"but got {_openai_got(v.value)} instead."
        )
        return message, param, "invalid_type"
    limit = v.schema.get(v.keyword)
    if v.keyword in ("enum", "const"):
        options = [limit] if v.keyword == "const" else list(_iter(limit))
        supported = _and_list([_quote(o) for o in options if o is not None])
        message = f"Invalid value: {_quote(v.value)}. Supported values are: {supported}."
        return message, param, "invalid_value"
    if v.keyword in _COMPARISONS:
        _, words, sign, suffix = _COMPARISONS[v.keyword]
        number = "integer" if _types(v.schema.get("type", "number")) == ["integer"] else "decimal"
        message = (
            f"Invalid '{where}': {number} {words}. Expected a value {sign} {_number(limit)}, "
            f"but got {_number(v.value)} instead."
        )
        return message, param, f"{number}_{suffix}"
    size = len(v.value) if isinstance(v.value, list | str | dict) else 0
    if v.keyword == "minItems" and size == 0:
        message = (
            f"Invalid '{where}': empty array. Expected an array with minimum length {limit}, "
            "but got an empty array instead."
        )
        return message, param, "empty_array"
    if v.keyword in _LENGTHS:
        thing, words, bound, code = _LENGTHS[v.keyword]
        message = (
            f"Invalid '{where}': {thing} {words}. Expected {_article(thing)} with {bound} length "
            f"{limit}, but got {_article(thing)} with length {size} instead."
        )
        return message, param, code
    if v.keyword == "maxProperties":
        message = (
            f"Invalid '{where}': too many properties. Expected an object with at most {limit} "
            f"properties, but got an object with {size} properties instead."
        )
        return message, param, "object_above_max_properties"
    if v.keyword == "pattern":
        message = (
            f"Invalid '{where}': string does not match pattern. "
            f"Expected a string that matches the pattern '{limit}'."
        )
        return message, param, "invalid_value"
    return f"Invalid '{where}': {v.detail}.", param, "invalid_value"


# keyword -> (thing, words, bound, code)
_LENGTHS = {
    "minItems": ("array", "too short", "minimum", "array_below_min_length"),
    "maxItems": ("array", "too long", "maximum", "array_above_max_length"),
    "minLength": ("string", "too short", "minimum", "string_below_min_length"),
    "maxLength": ("string", "too long", "maximum", "string_above_max_length"),
}

_OPENAI_TYPE = {
    "integer": "integer",
    "number": "decimal",
    "string": "string",
    "boolean": "boolean",
    "object": "object",
    "array": "array",
    "null": "null",
}


def _openai_param(path: Path_) -> str | None:
    if not path:
        return None
    out = ""
    for step in path:
        if isinstance(step, int):
            out += f"[{step}]"
        else:
            out += f".{step}" if out else step
    return out


def _openai_expected(declared: object, items: object) -> str:
    words = []
    for name in _types(declared):
        word = _OPENAI_TYPE.get(name, name)
        if name == "array" and isinstance(items, Mapping):
            # every $ref'd item schema in schemas/ is an object schema
            item_type = items.get("type", "object" if "$ref" in items else None)
            if isinstance(item_type, str):
                word += f" of {_OPENAI_TYPE.get(item_type, item_type)}s"
        words.append(word)
    if len(words) == 1:
        return _article(words[0])
    return "one of " + _article(words[0]) + " or " + " or ".join(words[1:])


def _openai_got(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a decimal"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


def _article(word: str) -> str:
    if word == "null":
        return word
    return ("an " if word[:1] in "aeiou" else "a ") + word


def _plain(value: object) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def _quote(value: object) -> str:
    return f"'{value}'" if isinstance(value, str) else json.dumps(value)


def _number(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _plural(count: object, noun: str) -> str:
    return f"{count} {noun}" + ("" if count == 1 else "s")


def _or_list(items: list[str]) -> str:
    """pydantic's way: ``'a', 'b' or 'c'``."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " or " + items[-1]


def _and_list(items: list[str]) -> str:
    """OpenAI's way: ``'a', 'b', and 'c'``."""
    if len(items) <= 1:
        return "".join(items)
    if len(items) == 2:
        return f"{items[0]} and {items[1]}"
    return ", ".join(items[:-1]) + ", and " + items[-1]
