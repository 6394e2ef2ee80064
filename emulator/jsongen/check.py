"""The small internal validator of the JSON instance generator.

It covers the generator's keyword subset and is used only where generation cannot be
constructive (see the comment below); the result is never re-validated as a whole.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TypeAlias

from emulator.jsongen.common import (
    SchemaMap,
    _as_list,
    _as_map,
    _canon,
    _json_eq,
    _max_count,
    _min_count,
    _names,
    _num,
    _resolve,
    _search,
    _str_list,
    _type_set,
)
from emulator.jsongen.numbers import _in_bounds, _is_multiple

# A compact validator for the same keyword subset.  It is used only where
# generation cannot be constructive: `not`, oneOf exclusivity, `if`, enum
# filtering and leftover allOf conflicts.

_Checker: TypeAlias = Callable[[object, object, SchemaMap, object, int], bool]

_FORMAT_RX: dict[str, re.Pattern[str]] = {
    name: re.compile(rx)
    for name, rx in {
        "date": r"\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])",
        "time": r"([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)(\.\d+)?([Zz]|[+-]\d\d:\d\d)",
        "date-time": r"\d{4}-\d\d-\d\d[Tt]\d\d:\d\d:\d\d(\.\d+)?([Zz]|[+-]\d\d:\d\d)",
        "email": r"[^@\s]+@[^@\s]+",
        "uuid": r"[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}",
        "ipv4": r"((25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)",
        "hostname": r"(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
        r"(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*",
        "uri": r"[A-Za-z][A-Za-z0-9+.-]*:[^\s]*",
        "url": r"[A-Za-z][A-Za-z0-9+.-]*:[^\s]*",
    }.items()
}


def _is_type(v: object, t: object) -> bool:
    if t == "string":
        return isinstance(v, str)
    if t == "object":
        return isinstance(v, dict)
    if t == "array":
        return isinstance(v, list)
    if t == "null":
        return v is None
    if t == "boolean":
        return isinstance(v, bool)
    if isinstance(v, bool):
        return False
    if t == "integer":
        return isinstance(v, int) or (isinstance(v, float) and v.is_integer())
    return t == "number" and isinstance(v, (int, float))


def _valid(v: object, s: object, root: object, depth: int = 0) -> bool:
    if s is True or not isinstance(s, dict) or depth > 64:
        return s is not False
    for k, kv in s.items():
        checker = _CHECKERS.get(k)
        if checker is not None and not checker(v, kv, s, root, depth):
            return False
    return True


def _ck_ref(v: object, kv: object, s: SchemaMap, root: object, d: int) -> bool:
    return not isinstance(kv, str) or _valid(v, _resolve(root, kv), root, d + 1)


def _ck_if(v: object, kv: object, s: SchemaMap, root: object, d: int) -> bool:
    branch = s.get("then", True) if _valid(v, kv, root, d + 1) else s.get("else", True)
    return _valid(v, branch, root, d + 1)


def _ck_type(v: object, kv: object, s: SchemaMap, root: object, d: int) -> bool:
    return any(_is_type(v, t) for t in _type_set(kv)) if kv else True


def _ck_number(v: object, kv: object, s: SchemaMap, root: object, d: int) -> bool:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return True
    mult = _num(s, "multipleOf")
    return _in_bounds(v, s) and (mult is None or _is_multiple(v, mult))


def _ck_string(v: object, kv: object, s: SchemaMap, root: object, d: int) -> bool:
    if not isinstance(v, str):
        return True
    hi = _max_count(s, "maxLength")
    fmt = s.get("format")
    rx = _FORMAT_RX.get(fmt) if isinstance(fmt, str) else None
    return (
        _min_count(s, "minLength") <= len(v)
        and (hi is None or len(v) <= hi)
        and ("pattern" not in s or _search(s["pattern"], v))
        and (rx is None or rx.fullmatch(v) is not None)
    )


def _ck_array(v: object, kv: object, s: SchemaMap, root: object, d: int) -> bool:
    if not isinstance(v, list):
        return True
    hi = _max_count(s, "maxItems")
    if len(v) < _min_count(s, "minItems") or (hi is not None and len(v) > hi):
        return False
    if s.get("uniqueItems") is True and len({_canon(x) for x in v}) != len(v):
        return False
    prefix = _as_list(s.get("prefixItems"))
    items = s.get("items", True)
    if isinstance(items, list):
        prefix, items = items, s.get("additionalItems", True)
    for i, x in enumerate(v):
        if not _valid(x, prefix[i] if i < len(prefix) else items, root, d + 1):
            return False
    return "contains" not in s or _contains_ok(v, s, root, d)


def _contains_ok(v: list[object], s: SchemaMap, root: object, d: int) -> bool:
    n = sum(1 for x in v if _valid(x, s["contains"], root, d + 1))
    hi = _max_count(s, "maxContains")
    return n >= _min_count({"m": s.get("minContains", 1)}, "m") and (hi is None or n <= hi)


def _ck_object(v: object, kv: object, s: SchemaMap, root: object, d: int) -> bool:
    if not isinstance(v, dict):
        return True
    hi = _max_count(s, "maxProperties")
    if len(v) < _min_count(s, "minProperties") or (hi is not None and len(v) > hi):
        return False
    if any(k not in v for k in _str_list(s.get("required"))):
        return False
    for k, deps in _as_map(s.get("dependentRequired")).items():
        if k in v and any(dep not in v for dep in _str_list(deps)):
            return False
    names = s.get("propertyNames", True)
    return all(
        _valid(k, names, root, d + 1) and _valid(x, _member_schema(k, s), root, d + 1)
        for k, x in v.items()
    )


def _member_schema(key: str, s: SchemaMap) -> object:
    props, pats = _as_map(s.get("properties")), _as_map(s.get("patternProperties"))
    parts = [props[key]] if key in props else []
    parts += [sub for p, sub in pats.items() if _search(p, key)]
    if not parts:
        return s.get("additionalProperties", True)
    return parts[0] if len(parts) == 1 else {"allOf": parts}


_CHECKERS: dict[str, _Checker] = {
    "$ref": _ck_ref,
    "allOf": lambda v, kv, s, r, d: all(_valid(v, x, r, d + 1) for x in _as_list(kv)),
    "anyOf": lambda v, kv, s, r, d: any(_valid(v, x, r, d + 1) for x in _as_list(kv)),
    "oneOf": lambda v, kv, s, r, d: sum(_valid(v, x, r, d + 1) for x in _as_list(kv)) == 1,
    "not": lambda v, kv, s, r, d: not _valid(v, kv, r, d + 1),
    "if": _ck_if,
    "type": _ck_type,
    "const": lambda v, kv, s, r, d: _json_eq(v, kv),
    "enum": lambda v, kv, s, r, d: any(_json_eq(v, x) for x in _as_list(kv)),
    # Each family is checked once, keyed on a keyword that starts the family.
    **dict.fromkeys(
        ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"),
        _ck_number,
    ),
    **dict.fromkeys(("minLength", "maxLength", "pattern", "format"), _ck_string),
    **dict.fromkeys(
        ("minItems", "maxItems", "uniqueItems", "items", "prefixItems", "contains"),
        _ck_array,
    ),
    **dict.fromkeys(
        _names(
            "minProperties maxProperties required properties patternProperties"
            " additionalProperties propertyNames dependentRequired"
        ),
        _ck_object,
    ),
    "dependentSchemas": lambda v, kv, s, r, d: (
        not isinstance(v, dict)
        or all(_valid(v, sub, r, d + 1) for k, sub in _as_map(kv).items() if k in v)
    ),
}
