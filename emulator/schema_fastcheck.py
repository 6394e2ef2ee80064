"""The quick yes/no check: a JSON Schema compiled into a plain function ``value -> bool``.

:class:`~emulator.schemas.SchemaSet` runs it on every body (a few microseconds) and asks
jsonschema only about a body that fails, to explain why. A schema using a keyword this module
does not know raises :class:`_Unsupported` at compile time; jsonschema alone checks it then.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from typing import Any

from emulator.schema_errors import _iter, _Union

Check = Callable[[object], bool]

_ANNOTATIONS = frozenset(
    {"$schema", "$id", "$defs", "$comment", "title", "description", "default", "examples", "format"}
)
_MISSING = object()


class _Unsupported(Exception):
    """The schema uses a keyword the quick check does not implement."""


class _Compiler:
    """Turns a schema into a plain function ``value -> bool`` with jsonschema's verdicts.

    It knows the keywords ``schemas/`` uses, dispatches tagged unions on their tag with one
    dictionary lookup, raises nothing and formats no message: jsonschema explains failures.
    Compiled subschemas are shared by identity: a file's ``$id``, if it has one, is its own
    file name, so a subschema always resolves references against the same base.
    """

    def __init__(self, union_of: Callable[[object], _Union | None]) -> None:
        self._union_of = union_of
        self._done: dict[int, Check] = {}

    def compile(self, schema: object, resolver: Any) -> Check:
        if schema is True:
            return _always
        if schema is False:
            return _never
        if not isinstance(schema, Mapping):
            raise _Unsupported(repr(schema))
        key = id(schema)
        if key not in self._done:
            later: list[Check] = []

            def forward(value: object) -> bool:  # for a schema that reaches itself
                return later[0](value)

            self._done[key] = forward
            later.append(self._build(schema, resolver))
            self._done[key] = later[0]
        return self._done[key]

    def _build(self, schema: Mapping[str, Any], resolver: Any) -> Check:
        unknown = set(schema) - _KEYWORDS - _ANNOTATIONS
        if unknown:
            raise _Unsupported(", ".join(sorted(unknown)))
        parts: list[Check] = []
        only_object = schema.get("type") == "object" and bool(_OBJECT_KEYWORDS & set(schema))
        if "type" in schema and not only_object:  # else the object check tests the type too
            parts.append(_type_check(schema["type"]))
        if "enum" in schema or "const" in schema:
            parts.append(_enum_check(schema["enum"] if "enum" in schema else [schema["const"]]))
        part = self._object(schema, resolver, only_object)
        if part is not None:
            parts.append(part)
        for build in (self._array, _string_check, _number_check):
            part = build(schema, resolver)
            if part is not None:
                parts.append(part)
        parts.extend(self._applicators(schema, resolver))
        return _all_of(parts)

    def _sub(self, schema: Mapping[str, Any], keyword: str, resolver: Any) -> Check | None:
        return self.compile(schema[keyword], resolver) if keyword in schema else None

    def _object(self, schema: Mapping[str, Any], resolver: Any, only: bool) -> Check | None:
        """Object keywords; with ``only``, a value that is not an object fails too."""
        if not _OBJECT_KEYWORDS & set(schema):
            return None
        required = tuple(schema.get("required", ()))
        props = {k: self.compile(s, resolver) for k, s in schema.get("properties", {}).items()}
        extra = schema.get("additionalProperties", True)
        closed = extra is False
        extra_check = None if isinstance(extra, bool) else self.compile(extra, resolver)
        not_object = not only

        def check(value: object) -> bool:
            if not isinstance(value, dict):
                return not_object
            for key in required:
                if key not in value:
                    return False
            for key, item in value.items():
                known = props.get(key)
                if known is not None:
                    if not known(item):
                        return False
                elif closed or (extra_check is not None and not extra_check(item)):
                    return False
            return True

        if not _RARE_OBJECT_KEYWORDS & set(schema):
            return check
        # The rare keywords: a key matching a pattern is not extra, so the loop differs.
        patterns = [
            (re.compile(p), self.compile(s, resolver))
            for p, s in schema.get("patternProperties", {}).items()
        ]
        names = self._sub(schema, "propertyNames", resolver) or _always
        least = schema.get("minProperties", 0)
        most = schema.get("maxProperties", math.inf)

        def check_in_full(value: object) -> bool:
            if not isinstance(value, dict):
                return not_object
            if not least <= len(value) <= most or not all(key in value for key in required):
                return False
            for key, item in value.items():
                matching = [sub for regex, sub in patterns if regex.search(key)]
                if not names(key) or not all(sub(item) for sub in matching):
                    return False
                known = props.get(key)
                if known is not None:
                    if not known(item):
                        return False
                elif not matching and (closed or (extra_check and not extra_check(item))):
                    return False
            return True

        return check_in_full

    def _array(self, schema: Mapping[str, Any], resolver: Any) -> Check | None:
        if not {"items", "minItems", "maxItems"} & set(schema):
            return None
        items = self._sub(schema, "items", resolver)
        least = schema.get("minItems", 0)
        most = schema.get("maxItems")

        def check(value: object) -> bool:
            if not isinstance(value, list):
                return True
            if len(value) < least or (most is not None and len(value) > most):
                return False
            if items is not None:
                for item in value:
                    if not items(item):
                        return False
            return True

        return check

    def _applicators(self, schema: Mapping[str, Any], resolver: Any) -> list[Check]:
        parts: list[Check] = []
        if "$ref" in schema:
            resolved = resolver.lookup(schema["$ref"])
            parts.append(self.compile(resolved.contents, resolved.resolver))
        union = self._union_of(schema) if schema.get("type") == "object" else None
        if union is not None:
            parts.append(self._union(schema, union, resolver))
        elif "allOf" in schema:
            parts.append(_all_of([self.compile(s, resolver) for s in schema["allOf"]]))
        if "anyOf" in schema:
            parts.append(_any_of([self.compile(s, resolver) for s in schema["anyOf"]]))
        if "oneOf" in schema:
            choices = [self.compile(s, resolver) for s in schema["oneOf"]]
            parts.append(lambda value: sum(1 for c in choices if c(value)) == 1)
        if "not" in schema:
            negated = self.compile(schema["not"], resolver)
            parts.append(lambda value: not negated(value))
        if "if" in schema:
            condition = self.compile(schema["if"], resolver)
            then = self._sub(schema, "then", resolver) or _always
            otherwise = self._sub(schema, "else", resolver) or _always
            parts.append(lambda value: then(value) if condition(value) else otherwise(value))
        return parts

    def _union(self, schema: Mapping[str, Any], union: _Union, resolver: Any) -> Check:
        """One lookup instead of every ``if``: only the variant of the value's tag applies."""
        table: dict[str, Check] = {}
        default: Check | None = None
        for entry in schema["allOf"]:
            test = entry["if"]["properties"][union.key]
            tags = [test["const"]] if "const" in test else list(test["enum"])
            variant = self.compile(entry["then"], resolver)
            if any(not isinstance(tag, str) or tag in table for tag in tags):
                raise _Unsupported("a union tag that is not a distinct string")
            table.update(dict.fromkeys(tags, variant))
            if union.key not in entry["if"].get("required", ()):
                default = variant
        key = union.key

        def check(value: object) -> bool:
            if not isinstance(value, dict):
                return True  # the union's own "type": "object" rejects it
            tag = value.get(key, _MISSING)
            if tag is _MISSING:
                return default is None or default(value)
            variant = table.get(tag) if isinstance(tag, str) else None
            return variant is None or variant(value)

        return check


_KEYWORDS = frozenset(
    {
        "type", "enum", "const", "properties", "required", "additionalProperties",
        "patternProperties", "propertyNames", "minProperties", "maxProperties", "items",
        "minItems", "maxItems", "minLength", "maxLength", "pattern", "minimum", "maximum",
        "exclusiveMinimum", "exclusiveMaximum", "allOf", "anyOf", "oneOf", "not", "if", "then",
        "else", "$ref",
    }
)  # fmt: skip
_RARE_OBJECT_KEYWORDS = frozenset(
    {"patternProperties", "propertyNames", "minProperties", "maxProperties"}
)
_OBJECT_KEYWORDS = frozenset(
    {"required", "properties", "patternProperties", "additionalProperties", "propertyNames",
     "minProperties", "maxProperties"}
)  # fmt: skip


def _always(value: object) -> bool:
    return True


def _never(value: object) -> bool:
    return False


def _all_of(parts: list[Check]) -> Check:
    if not parts:
        return _always
    if len(parts) == 1:
        return parts[0]
    if len(parts) == 2:
        first, second = parts
        return lambda value: first(value) and second(value)

    def check(value: object) -> bool:
        for part in parts:  # noqa: SIM110  (a loop is faster than all() over a generator)
            if not part(value):
                return False
        return True

    return check


def _any_of(options: list[Check]) -> Check:
    if len(options) == 1:
        return options[0]
    if len(options) == 2:
        first, second = options
        return lambda value: first(value) or second(value)

    def check(value: object) -> bool:
        for option in options:  # noqa: SIM110  (a loop is faster than any() over a generator)
            if option(value):
                return True
        return False

    return check


def _is_integer(value: object) -> bool:
    if isinstance(value, int):
        return not isinstance(value, bool)
    return isinstance(value, float) and value.is_integer()


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


_TYPE_CHECKS: dict[str, Check] = {
    "object": lambda value: isinstance(value, dict),
    "array": lambda value: isinstance(value, list),
    "string": lambda value: isinstance(value, str),
    "integer": _is_integer,
    "number": _is_number,
    "boolean": lambda value: isinstance(value, bool),
    "null": lambda value: value is None,
}


def _type_check(declared: object) -> Check:
    names = {declared} if isinstance(declared, str) else {str(t) for t in _iter(declared)}
    if names - set(_PY_TYPES):
        raise _Unsupported(f"type {sorted(names)}")
    if len(names) == 1:
        return _TYPE_CHECKS[next(iter(names))]
    plain = tuple(t for t in (_PY_TYPES[n] for n in names) if t is not None)
    has_null, has_boolean = "null" in names, "boolean" in names
    has_number, has_integer = "number" in names, "integer" in names

    def check(value: object) -> bool:
        if isinstance(value, plain):
            return True
        if value is None:
            return has_null
        if isinstance(value, bool):
            return has_boolean
        if isinstance(value, int):
            return has_number or has_integer
        if isinstance(value, float):
            return has_number or (has_integer and value.is_integer())
        return False

    return check


_PY_TYPES: dict[str, type | None] = {
    "object": dict,
    "array": list,
    "string": str,
    "integer": None,
    "number": None,
    "boolean": None,
    "null": None,
}


def _enum_check(allowed: object) -> Check:
    options = list(_iter(allowed))
    strings = frozenset(o for o in options if isinstance(o, str))
    if all(isinstance(o, str) or o is None for o in options):
        has_null = None in options
        return lambda value: (
            (isinstance(value, str) and value in strings) or (has_null and value is None)
        )
    return lambda value: any(_json_equal(value, option) for option in options)


def _json_equal(one: object, two: object) -> bool:
    """JSON equality as jsonschema sees it: 1 == 1.0, but true != 1."""
    if isinstance(one, bool) or isinstance(two, bool):
        return type(one) is type(two) and one == two
    if isinstance(one, list) and isinstance(two, list):
        return len(one) == len(two) and all(map(_json_equal, one, two))
    if isinstance(one, dict) and isinstance(two, dict):
        return one.keys() == two.keys() and all(_json_equal(one[k], two[k]) for k in one)
    if isinstance(one, list | dict) or isinstance(two, list | dict):
        return False
    return one == two


def _string_check(schema: Mapping[str, Any], resolver: Any) -> Check | None:
    if not {"minLength", "maxLength", "pattern"} & set(schema):
        return None
    least = schema.get("minLength", 0)
    most = schema.get("maxLength")
    regex = re.compile(schema["pattern"]) if "pattern" in schema else None

    def check(value: object) -> bool:
        if not isinstance(value, str):
            return True
        if len(value) < least or (most is not None and len(value) > most):
            return False
        return regex is None or regex.search(value) is not None

    return check


def _number_check(schema: Mapping[str, Any], resolver: Any) -> Check | None:
    if not _NUMBER_KEYWORDS & set(schema):
        return None
    # An absent bound is an infinity: JSON numbers are finite, and Python compares
    # an int of any size with a float exactly.
    least: float = schema.get("minimum", -math.inf)
    most: float = schema.get("maximum", math.inf)
    above: float = schema.get("exclusiveMinimum", -math.inf)
    below: float = schema.get("exclusiveMaximum", math.inf)

    def check(value: object) -> bool:
        if type(value) is bool or not isinstance(value, int | float):
            return True
        return least <= value <= most and above < value < below

    return check


_NUMBER_KEYWORDS = frozenset({"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"})
