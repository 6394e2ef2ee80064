"""Deterministic generator of JSON values that are valid under a JSON Schema.

Used on the request hot path to fabricate tool inputs, function-call arguments
and ``response_format`` payloads.  Semantics follow draft 2020-12 for a common
subset of keywords (see :func:`make_instance`).  Generation is constructive:
the result is not re-validated as a whole (that would be too slow); only the
keywords that cannot be built constructively (``not``, ``oneOf`` exclusivity,
``if``, conflicting ``pattern``/``format`` in ``allOf``) are checked with a
small internal validator, retrying a bounded number of times.
"""

from __future__ import annotations

import math
import random
import re
import string
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from collections.abc import Set as AbstractSet
from fractions import Fraction
from functools import lru_cache
from typing import TypeAlias
from urllib.parse import unquote

JSONValue: TypeAlias = bool | int | float | str | list["JSONValue"] | dict[str, "JSONValue"] | None
SchemaMap: TypeAlias = Mapping[str, object]
_Check: TypeAlias = tuple[object, bool]  # (schema, must the value be valid under it)
_Fork: TypeAlias = tuple[str, Sequence[object]]
_Avoid: TypeAlias = AbstractSet[object] | None
_Number: TypeAlias = int | float


class UnsatisfiableSchema(Exception):
    """The generator cannot produce an instance that is valid under the schema."""


def _names(spaced: str) -> tuple[str, ...]:
    return tuple(spaced.split())


_SOFT_DEPTH = 4  # past this many nested $ref expansions, emit the smallest values
_HARD_DEPTH = 32  # past this many, give up (the recursion has no finite instance)
_RETRIES = 12
_BRANCH_BUDGET = 256  # failed anyOf/oneOf/if branches tolerated per call
_MAX_NODES = 100_000  # values generated per call
_MAX_LENGTH = 100_000  # longest string or array built
_COMBINATORS = frozenset({"$ref", "allOf", "anyOf", "oneOf", "not", "if", "then", "else"})
_ANNOTATIONS = frozenset(
    _names(
        "title description default examples $schema $id $comment $defs"
        " definitions $anchor $dynamicAnchor deprecated readOnly writeOnly"
        " contentMediaType contentEncoding contentSchema"
    )
)
_TYPES = ("object", "array", "string", "integer", "number", "boolean", "null")
_KEYWORD_TYPE: dict[str, str] = {
    **dict.fromkeys(
        _names(
            "properties required additionalProperties patternProperties"
            " minProperties maxProperties propertyNames dependentRequired"
            " unevaluatedProperties"
        ),
        "object",
    ),
    **dict.fromkeys(
        _names(
            "items prefixItems minItems maxItems uniqueItems contains minContains"
            " maxContains unevaluatedItems"
        ),
        "array",
    ),
    **dict.fromkeys(("minLength", "maxLength", "pattern", "format"), "string"),
    **dict.fromkeys(
        ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"),
        "number",
    ),
}
_LISTED_KEYS = _ANNOTATIONS | {"enum", "const"}
_UNTYPED_ORDER = ("string", "integer", "number", "boolean", "null", "object", "array")
_FALLBACK_WORDS = ("alpha", "bravo", "charlie", "delta", "echo", "foxtrot")
_LETTERS = string.ascii_letters
_DIGITS = string.digits
_WORD_CHARS = _LETTERS + _DIGITS + "_"
_DOT_CHARS = _LETTERS + _DIGITS
_PRINTABLE = _LETTERS + _DIGITS + string.punctuation + " "


def make_instance(schema: object, rng: random.Random, words: Sequence[str]) -> JSONValue:
    """Return a JSON value valid under ``schema`` (draft 2020-12 subset).

    Deterministic: the same schema, rng state and word pool give the same value.
    ``words`` is a pool of plain lowercase words used to build strings.
    Raises :class:`UnsatisfiableSchema` when no instance can be produced.
    """
    try:
        return _Gen(schema, rng, words).gen(schema, 0)
    except RecursionError as exc:
        raise UnsatisfiableSchema("schema nests too deeply") from exc
    except OverflowError as exc:
        raise UnsatisfiableSchema("numeric bounds beyond float range") from exc


# --------------------------------------------------------------------------- helpers


def _num(m: SchemaMap, key: str) -> _Number | None:
    v = m.get(key)
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return None
    return v if isinstance(v, int) or math.isfinite(v) else None


def _min_count(m: SchemaMap, key: str) -> int:
    v = _num(m, key)
    return 0 if v is None else max(0, math.ceil(v))


def _size_floor(m: SchemaMap, key: str) -> int:
    """A lower bound on a length or count that the generator must reach."""
    n = _min_count(m, key)
    if n > _MAX_LENGTH:
        raise UnsatisfiableSchema(f"{key} {n} is beyond what the generator builds")
    return n


def _max_count(m: SchemaMap, key: str) -> int | None:
    v = _num(m, key)
    return None if v is None else math.floor(v)


def _as_map(v: object) -> SchemaMap:
    return v if isinstance(v, dict) else {}


def _as_list(v: object) -> list[object]:
    return v if isinstance(v, list) else []


def _str_list(v: object) -> list[str]:
    return [x for x in v if isinstance(x, str)] if isinstance(v, list) else []


def _canon(v: object) -> object:
    """Hashable key implementing JSON equality (1 == 1.0, true != 1)."""
    if isinstance(v, bool):
        return ("b", v)
    if isinstance(v, (int, float)):
        return ("n", v)
    if isinstance(v, str):
        return ("s", v)
    if v is None:
        return ("z",)
    if isinstance(v, list):
        return ("l", tuple(_canon(x) for x in v))
    if isinstance(v, dict):
        return ("d", frozenset((k, _canon(x)) for k, x in v.items()))
    return ("o", repr(v))


def _json_eq(a: object, b: object) -> bool:
    return a is b or _canon(a) == _canon(b)


def _to_json(v: object) -> JSONValue:
    """Copy a schema-provided value (const/enum) into a fresh JSON value."""
    if v is None or isinstance(v, (bool, int, float, str)):
        return v
    if isinstance(v, list):
        return [_to_json(x) for x in v]
    if isinstance(v, dict):
        return {str(k): _to_json(x) for k, x in v.items()}
    raise UnsatisfiableSchema(f"const/enum value {v!r} is not JSON")


@lru_cache(maxsize=512)
def _compile(pattern: str) -> re.Pattern[str] | None:
    try:
        return re.compile(pattern)
    except re.error:
        return None


def _search(pattern: object, text: str) -> bool:
    rx = _compile(pattern) if isinstance(pattern, str) else None
    if rx is None:
        raise UnsatisfiableSchema(f"unsupported pattern {pattern!r}")
    return rx.search(text) is not None


def _is_multiple(v: _Number, mult: _Number) -> bool:
    """Same arithmetic as the reference validator (python-jsonschema)."""
    if mult <= 0:
        return False
    if isinstance(mult, float):
        try:
            q = v / mult
            return int(q) == q
        except (OverflowError, ValueError):
            return (Fraction(v) / Fraction(mult)).denominator == 1
    return v % mult == 0


def _in_bounds(v: _Number, m: SchemaMap) -> bool:
    lo, hi = _num(m, "minimum"), _num(m, "maximum")
    xlo, xhi = _num(m, "exclusiveMinimum"), _num(m, "exclusiveMaximum")
    return (
        (lo is None or v >= lo)
        and (hi is None or v <= hi)
        and (xlo is None or v > xlo)
        and (xhi is None or v < xhi)
    )


def _lower(m: SchemaMap) -> tuple[Fraction | None, bool]:
    inc, exc = _num(m, "minimum"), _num(m, "exclusiveMinimum")
    if exc is not None and (inc is None or exc >= inc):
        return Fraction(exc), True
    return (None if inc is None else Fraction(inc)), False


def _upper(m: SchemaMap) -> tuple[Fraction | None, bool]:
    inc, exc = _num(m, "maximum"), _num(m, "exclusiveMaximum")
    if exc is not None and (inc is None or exc <= inc):
        return Fraction(exc), True
    return (None if inc is None else Fraction(inc)), False


@lru_cache(maxsize=256)
def _exact(mult: _Number) -> Fraction:
    """The decimal value the schema author meant (0.1 -> 1/10)."""
    return Fraction(repr(mult)) if isinstance(mult, float) else Fraction(mult)


def _normalize(s: SchemaMap) -> SchemaMap:
    """Rewrite older-draft spellings (items arrays, boolean exclusive bounds)."""
    items = s.get("items")
    emin, emax = s.get("exclusiveMinimum"), s.get("exclusiveMaximum")
    if not (
        isinstance(items, list)
        or isinstance(emin, bool)
        or isinstance(emax, bool)
        or "dependencies" in s
    ):
        return s
    out = dict(s)
    if isinstance(items, list):
        out["prefixItems"] = items
        del out["items"]
        if "additionalItems" in out:
            out["items"] = out.pop("additionalItems")
    for ex, base in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
        flag = out.get(ex)
        if isinstance(flag, bool):
            del out[ex]
            if flag and base in out:
                out[ex] = out.pop(base)
    deps = _as_map(out.pop("dependencies", None))
    required = {k: v for k, v in deps.items() if isinstance(v, list)}
    if required:
        out["dependentRequired"] = required
    return out


def _resolve(root: object, ref: str) -> object:
    if isinstance(root, dict):
        base = root.get("$id")
        if isinstance(base, str) and base and ref.startswith(base):
            ref = ref[len(base) :] or "#"
    if ref == "#":
        return root
    if not ref.startswith("#/"):
        if ref.startswith("#") and (found := _find_anchor(root, ref[1:])) is not None:
            return found
        raise UnsatisfiableSchema(f"unsupported $ref {ref!r}")
    node = root
    for raw in ref[2:].split("/"):
        part = (unquote(raw) if "%" in raw else raw).replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            raise UnsatisfiableSchema(f"unresolvable $ref {ref!r}")
    return node


def _find_anchor(node: object, name: str) -> object | None:
    if isinstance(node, dict):
        if node.get("$anchor") == name:
            return node
        children: Iterator[object] = iter(node.values())
    elif isinstance(node, list):
        children = iter(node)
    else:
        return None
    for child in children:
        found = _find_anchor(child, name)
        if found is not None:
            return found
    return None


# --------------------------------------------------------------------------- allOf merging


def _type_set(v: object) -> list[str]:
    if isinstance(v, str):
        return [v]
    return _str_list(v)


def _meet_types(a: object, b: object) -> object:
    sa, sb = _type_set(a), _type_set(b)
    out: list[str] = []
    for t in sa:
        if t in sb or (t == "integer" and "number" in sb):
            out.append(t)
        elif t == "number" and "integer" in sb:
            out.append("integer")
    out = list(dict.fromkeys(out))
    if not out:
        raise UnsatisfiableSchema(f"no common type in {a!r} and {b!r}")
    return out[0] if len(out) == 1 else out


def _meet_enums(a: object, b: object) -> object:
    keys = {_canon(x) for x in _as_list(b)}
    out = [x for x in _as_list(a) if _canon(x) in keys]
    if not out:
        raise UnsatisfiableSchema("enums have no common value")
    return out


def _meet_const(a: object, b: object) -> object:
    raise UnsatisfiableSchema(f"conflicting const {a!r} and {b!r}")


def _union_list(a: object, b: object) -> object:
    return list(dict.fromkeys(_str_list(a) + _str_list(b)))


def _both(a: object, b: object) -> object:
    return {"allOf": [a, b]}


def _both_by_key(a: object, b: object) -> object:
    out = dict(_as_map(a))
    for k, v in _as_map(b).items():
        out[k] = _both(out[k], v) if k in out else v
    return out


def _both_by_index(a: object, b: object) -> object:
    la, lb = _as_list(a), _as_list(b)
    longer, shorter = (la, lb) if len(la) >= len(lb) else (lb, la)
    return [_both(x, shorter[i]) if i < len(shorter) else x for i, x in enumerate(longer)]


def _deps_union(a: object, b: object) -> object:
    out = {k: _str_list(v) for k, v in _as_map(a).items()}
    for k, v in _as_map(b).items():
        out[k] = list(dict.fromkeys(out.get(k, []) + _str_list(v)))
    return out


def _max_of(a: object, b: object) -> object:
    return max(a, b) if isinstance(a, (int, float)) and isinstance(b, (int, float)) else a


def _min_of(a: object, b: object) -> object:
    return min(a, b) if isinstance(a, (int, float)) and isinstance(b, (int, float)) else a


def _lcm(a: object, b: object) -> object:
    if isinstance(a, int) and isinstance(b, int) and a > 0 and b > 0:
        return math.lcm(a, b)
    if not (isinstance(a, (int, float)) and isinstance(b, (int, float)) and a > 0 and b > 0):
        return a
    fa, fb = _exact(a), _exact(b)
    lcm = Fraction(math.lcm(fa.numerator, fb.numerator), math.gcd(fa.denominator, fb.denominator))
    return int(lcm) if lcm.denominator == 1 else float(lcm)


_MERGERS: dict[str, Callable[[object, object], object]] = {
    "type": _meet_types,
    "enum": _meet_enums,
    "const": _meet_const,
    "required": _union_list,
    "uniqueItems": lambda a, b: a is True or b is True,
    "multipleOf": _lcm,
    "properties": _both_by_key,
    "patternProperties": _both_by_key,
    "dependentSchemas": _both_by_key,
    "dependentRequired": _deps_union,
    "prefixItems": _both_by_index,
    **dict.fromkeys(
        _names(
            "items additionalProperties unevaluatedProperties unevaluatedItems"
            " contains propertyNames"
        ),
        _both,
    ),
    **dict.fromkeys(
        _names("minimum exclusiveMinimum minLength minItems minProperties minContains"), _max_of
    ),
    **dict.fromkeys(
        _names("maximum exclusiveMaximum maxLength maxItems maxProperties maxContains"), _min_of
    ),
}
_CHECKED_ON_CONFLICT = frozenset({"pattern", "format"})


def _share_additional(parts: list[SchemaMap]) -> list[SchemaMap]:
    """Make each conjunct's additionalProperties explicit for its siblings' keys.

    In ``allOf: [{properties: {a}, additionalProperties: false}, {properties: {b}}]``
    the key ``b`` is "additional" for the first conjunct; naming it there (with
    the additionalProperties schema) keeps the meaning once the two are merged.
    """
    if all(p.get("additionalProperties", True) is True for p in parts):
        return parts
    names = list(
        dict.fromkeys(
            k for p in parts for k in [*_as_map(p.get("properties")), *_str_list(p.get("required"))]
        )
    )
    out: list[SchemaMap] = []
    for p in parts:
        extra = p.get("additionalProperties", True)
        own, pats = _as_map(p.get("properties")), _as_map(p.get("patternProperties"))
        missing = [k for k in names if k not in own and not any(_search(pt, k) for pt in pats)]
        named = extra is not True and missing
        out.append({**p, "properties": {**own, **dict.fromkeys(missing, extra)}} if named else p)
    return out


def _merge_all(parts: list[SchemaMap]) -> tuple[SchemaMap, list[_Check]]:
    """Merge the conjuncts of an allOf into one schema plus residual checks."""
    if len(parts) == 1:
        return parts[0], []
    if not parts:
        return {}, []
    parts = _share_additional(parts)
    merged = dict(parts[0])
    checks: list[_Check] = []
    for part in parts[1:]:
        for k, bv in part.items():
            if k not in merged:
                merged[k] = bv
                continue
            av = merged[k]
            if k in _ANNOTATIONS or _json_eq(av, bv):
                continue
            if k == "multipleOf" and (isinstance(av, float) or isinstance(bv, float)):
                checks += [({k: av}, True), ({k: bv}, True)]
            if k in _MERGERS:
                merged[k] = _MERGERS[k](av, bv)
            elif k in _CHECKED_ON_CONFLICT:
                checks.append(({k: bv}, True))
    return merged, checks


# --------------------------------------------------------------------------- validator
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


# --------------------------------------------------------------------------- regex walker


class _RegexUnsupported(Exception):
    pass


class _Alt:
    __slots__ = ("options",)

    def __init__(self, options: tuple[_Node, ...]) -> None:
        self.options = options


class _Rep:
    __slots__ = ("hi", "lo", "node")

    def __init__(self, node: _Node, lo: int, hi: int | None) -> None:
        self.node, self.lo, self.hi = node, lo, hi


# str: one character drawn from the string; tuple: a sequence.
_Node: TypeAlias = "str | tuple[_Node, ...] | _Alt | _Rep"
_QUANT_RX = re.compile(r"\{(\d+)(,(\d*))?\}")
_CLASS_ESCAPES = {
    "d": _DIGITS,
    "D": _LETTERS,
    "w": _WORD_CHARS,
    "W": " -.",
    "s": " ",
    "S": _LETTERS,
}
_CHAR_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "f": "\f", "v": "\v", "0": "\0"}


class _RegexParser:
    """Parses a common regex subset into a tree that can be walked to a match."""

    def __init__(self, pattern: str) -> None:
        self.p, self.i = pattern, 0

    def parse(self) -> _Node:
        node = self._alt()
        if self.i != len(self.p):
            raise _RegexUnsupported(self.p)
        return node

    def _peek(self, offset: int = 0) -> str:
        j = self.i + offset
        return self.p[j] if j < len(self.p) else ""

    def _alt(self) -> _Node:
        options = [self._seq()]
        while self._peek() == "|":
            self.i += 1
            options.append(self._seq())
        return options[0] if len(options) == 1 else _Alt(tuple(options))

    def _seq(self) -> _Node:
        items: list[_Node] = []
        while self._peek() not in ("", "|", ")"):
            items.append(self._quantified(self._atom()))
        return tuple(items)

    def _atom(self) -> _Node:
        c = self.p[self.i]
        self.i += 1
        if c == "(":
            return self._group()
        if c == "[":
            return self._class()
        if c == "\\":
            return self._escape(in_class=False)
        if c in "*+?":
            raise _RegexUnsupported(self.p)
        if c == ".":
            return _DOT_CHARS
        return () if c in "^$" else c

    def _group(self) -> _Node:
        if self.p.startswith("?:", self.i):
            self.i += 2
        elif self.p.startswith("?P<", self.i) or (
            self.p.startswith("?<", self.i) and self._peek(2) not in ("=", "!")
        ):
            self.i = self.p.index(">", self.i) + 1
        elif self._peek() == "?":
            raise _RegexUnsupported(self.p)  # lookaround, flags, conditionals
        node = self._alt()
        if self._peek() != ")":
            raise _RegexUnsupported(self.p)
        self.i += 1
        return node

    def _quantified(self, atom: _Node) -> _Node:
        c = self._peek()
        if c in ("*", "+", "?"):
            self.i += 1
            lo, hi = {"*": (0, None), "+": (1, None), "?": (0, 1)}[c]
        elif c == "{" and (m := _QUANT_RX.match(self.p, self.i)):
            self.i = m.end()
            lo = int(m.group(1))
            hi = lo if m.group(2) is None else (int(m.group(3)) if m.group(3) else None)
        else:
            return atom
        if self._peek() in ("?", "+"):
            self.i += 1  # lazy / possessive: same language
        return _Rep(atom, lo, hi)

    def _class(self) -> str:
        negate = self._peek() == "^"
        self.i += negate
        chars: list[str] = []
        first = True
        while True:
            c = self._peek()
            if not c:
                raise _RegexUnsupported(self.p)
            self.i += 1
            if c == "]" and not first:
                break
            first = False
            lo = self._class_escape() if c == "\\" else c
            if len(lo) == 1 and self._peek() == "-" and self._peek(1) not in ("]", ""):
                self.i += 1
                hi = self._class_char()
                chars.append("".join(chr(x) for x in range(ord(lo), ord(hi) + 1)))
            else:
                chars.append(lo)
        members = "".join(dict.fromkeys("".join(chars)))
        if negate:
            return "".join(ch for ch in _PRINTABLE if ch not in members)
        return members

    def _class_char(self) -> str:
        c = self.p[self.i]
        self.i += 1
        out = self._class_escape() if c == "\\" else c
        if len(out) != 1:
            raise _RegexUnsupported(self.p)
        return out

    def _class_escape(self) -> str:
        if self._peek() == "b":
            self.i += 1
            return "\b"
        out = self._escape(in_class=True)
        if not isinstance(out, str):
            raise _RegexUnsupported(self.p)
        return out

    def _escape(self, *, in_class: bool) -> _Node:
        c = self._peek()
        self.i += 1
        if c in _CLASS_ESCAPES:
            return _CLASS_ESCAPES[c]
        if c in _CHAR_ESCAPES:
            return _CHAR_ESCAPES[c]
        if c in ("x", "u"):
            width = 2 if c == "x" else 4
            code = self.p[self.i : self.i + width]
            self.i += width
            try:
                return chr(int(code, 16))
            except ValueError:
                raise _RegexUnsupported(self.p) from None
        if not in_class and c in ("b", "B", "A", "Z", "z"):
            return ()  # assertions: the final re.search decides
        if not c or c.isalnum():
            raise _RegexUnsupported(self.p)  # backreferences, \p{..}, unknown
        return c


@lru_cache(maxsize=512)
def _parse_regex(pattern: str) -> _Node | None:
    try:
        return _RegexParser(pattern).parse()
    except (_RegexUnsupported, ValueError, IndexError):
        return None


def _walk(node: _Node, rng: random.Random, extra: int, out: list[str]) -> None:
    if isinstance(node, str):
        if not node:
            raise UnsatisfiableSchema("empty character class")
        out.append(node[rng.randrange(len(node))] if len(node) > 1 else node)
    elif isinstance(node, tuple):
        for child in node:
            _walk(child, rng, extra, out)
    elif isinstance(node, _Alt):
        _walk(node.options[rng.randrange(len(node.options))], rng, extra, out)
    else:
        hi = node.lo + extra if node.hi is None else node.hi
        count = rng.randint(node.lo, max(node.lo, hi)) if hi > node.lo else node.lo
        if len(out) + count > _MAX_LENGTH:
            raise UnsatisfiableSchema("pattern demands too long a string")
        if isinstance(node.node, str) and node.node:
            out.extend(rng.choices(node.node, k=count))
            return
        for _ in range(count):
            _walk(node.node, rng, extra, out)


# --------------------------------------------------------------------------- generator


class _Gen:
    __slots__ = ("budget", "nodes", "rng", "root", "words")

    def __init__(self, root: object, rng: random.Random, words: Sequence[str]) -> None:
        self.root = root
        self.rng = rng
        self.words: Sequence[str] = words if len(words) else _FALLBACK_WORDS
        self.budget = _BRANCH_BUDGET
        self.nodes = _MAX_NODES

    def gen(self, schema: object, depth: int, avoid: _Avoid = None) -> JSONValue:
        self.nodes -= 1
        if self.nodes < 0:
            raise UnsatisfiableSchema("the smallest valid instance is too large")
        if isinstance(schema, dict) and _COMBINATORS.isdisjoint(schema):  # fast path
            return self._leaf(_normalize(schema), [], depth, avoid)
        return self._solve([schema], [], [], [], depth=depth, avoid=avoid)

    # ---- combinators: flatten $ref/allOf, branch on anyOf/oneOf/if, collect `not`

    def _solve(
        self,
        pending: list[object],
        done: list[SchemaMap],
        checks: list[_Check],
        forks: list[_Fork],
        *,
        depth: int,
        avoid: _Avoid,
    ) -> JSONValue:
        while pending:
            depth = self._absorb(pending.pop(), pending, done, checks, forks, depth=depth)
        if forks:
            return self._branch(done, checks, forks, depth, avoid)
        merged, extra = _merge_all(done)
        return self._leaf(merged, checks + extra if extra else checks, depth, avoid)

    def _absorb(
        self,
        s: object,
        pending: list[object],
        done: list[SchemaMap],
        checks: list[_Check],
        forks: list[_Fork],
        *,
        depth: int,
    ) -> int:
        if s is True:
            return depth
        if not isinstance(s, dict):
            raise UnsatisfiableSchema(f"schema {s!r} admits no value")
        if _COMBINATORS.isdisjoint(s):
            done.append(_normalize(s))
            return depth
        plain = {k: v for k, v in s.items() if k not in _COMBINATORS}
        if plain:
            done.append(_normalize(plain))
        # `pending` is a stack: push in reverse so conjuncts keep their written order
        pending.extend(reversed(_as_list(s.get("allOf"))))
        ref = s.get("$ref")
        if isinstance(ref, str):
            depth += 1
            if depth > _HARD_DEPTH:
                raise UnsatisfiableSchema("$ref recursion has no finite instance")
            pending.append(_resolve(self.root, ref))
        if "not" in s:
            checks.append((s["not"], False))
        forks.extend((kw, s[kw]) for kw in ("anyOf", "oneOf") if isinstance(s.get(kw), list))
        if "if" in s:
            forks.append(("if", (s["if"], s.get("then", True), s.get("else", True))))
        return depth

    def _branch(
        self,
        done: list[SchemaMap],
        checks: list[_Check],
        forks: list[_Fork],
        depth: int,
        avoid: _Avoid,
    ) -> JSONValue:
        kind, opts = forks[0]
        for pending, extra in self._options(kind, opts, depth):
            try:
                return self._solve(
                    pending, list(done), checks + extra, list(forks[1:]), depth=depth, avoid=avoid
                )
            except UnsatisfiableSchema:
                self.budget -= 1  # bounds backtracking over nested branches
                if self.budget < 0:
                    raise
        raise UnsatisfiableSchema(f"no satisfiable {kind} branch")

    def _options(
        self, kind: str, opts: Sequence[object], depth: int
    ) -> Iterator[tuple[list[object], list[_Check]]]:
        if kind == "if":
            cond, then, other = opts
            first = ([cond, then], [(cond, True)])
            second = ([other], [(cond, False)])
            yield from (first, second) if self.rng.random() < 0.5 else (second, first)
            return
        for i in self._order(opts, depth):
            others = [o for j, o in enumerate(opts) if j != i]
            extra: list[_Check] = []
            if kind == "oneOf" and others:
                extra.append(({"anyOf": others}, False))
            yield [opts[i]], extra

    def _order(self, opts: Sequence[object], depth: int) -> list[int]:
        n = len(opts)
        if n == 0:
            return []
        start = self.rng.randrange(n)
        order = [(start + i) % n for i in range(n)]
        if depth > _SOFT_DEPTH:  # prefer branches that do not recurse further
            order.sort(key=lambda i: _has_ref(opts[i]))
        return order

    # ---- a merged, combinator-free schema

    def _leaf(self, m: SchemaMap, checks: list[_Check], depth: int, avoid: _Avoid) -> JSONValue:
        if "dependentSchemas" in m:  # not built constructively: checked, with retries
            checks = [*checks, ({"dependentSchemas": m["dependentSchemas"]}, True)]
        if not (checks or avoid):
            return self._typed(m, depth, None, 0)
        for attempt in range(_RETRIES):
            v = self._typed(m, depth, avoid, attempt)
            if avoid and _canon(v) in avoid:
                continue
            if all(_valid(v, s, self.root) == want for s, want in checks):
                return v
        raise UnsatisfiableSchema("could not satisfy not/oneOf/if/uniqueness constraints")

    def _typed(self, m: SchemaMap, depth: int, avoid: _Avoid, attempt: int) -> JSONValue:
        if "const" in m or "enum" in m:
            return self._pick_listed(m, avoid)
        types = self._types(m, depth)
        if attempt and len(types) > 1:  # a retry (not/oneOf/uniqueness): vary the type
            turn = attempt % len(types)
            types = types[turn:] + types[:turn]
        if len(types) == 1:
            return self._gen_type(types[0], m, depth, avoid)
        error = UnsatisfiableSchema("no type admits a value")
        for t in types:
            try:
                return self._gen_type(t, m, depth, avoid)
            except UnsatisfiableSchema as exc:
                error = exc
        raise error

    def _types(self, m: SchemaMap, depth: int) -> list[str]:
        declared = m.get("type")
        if declared is None:  # any type is allowed; the hinted ones come first
            found = [t for t in map(_KEYWORD_TYPE.get, m) if t is not None]
            return list(dict.fromkeys([*found, *_UNTYPED_ORDER]))
        names = [t for t in _type_set(declared) if t in _TYPES]
        if not names:
            raise UnsatisfiableSchema(f"unsupported type {declared!r}")
        if len(names) == 1:
            return names
        start = self.rng.randrange(len(names))
        names = names[start:] + names[:start]
        # null last (realistic values), or first when the value should be small
        names.sort(key=lambda t: (t == "null") != (depth > _SOFT_DEPTH))
        return names

    def _pick_listed(self, m: SchemaMap, avoid: _Avoid) -> JSONValue:
        enum = _as_list(m.get("enum")) if "enum" in m else None
        cands = [m["const"]] if "const" in m else list(enum or [])
        if enum is not None and "const" in m:
            cands = [c for c in cands if any(_json_eq(c, e) for e in enum)]
        if avoid:
            cands = [c for c in cands if _canon(c) not in avoid]
        rest = {k: v for k, v in m.items() if k not in _LISTED_KEYS}
        if len(rest) == 1 and "type" in rest:
            types = _type_set(rest["type"])
            cands = [c for c in cands if any(_is_type(c, t) for t in types)]
        elif rest:
            cands = [c for c in cands if _valid(c, rest, self.root)]
        if not cands:
            raise UnsatisfiableSchema("no const/enum value satisfies the schema")
        return _to_json(cands[self.rng.randrange(len(cands))] if len(cands) > 1 else cands[0])

    def _gen_type(self, t: str, m: SchemaMap, depth: int, avoid: _Avoid) -> JSONValue:
        if t == "object":
            return self._gen_object(m, depth)
        if t == "array":
            return self._gen_array(m, depth)
        if t == "string":
            return self._gen_string(m)
        if t == "integer":
            return self._gen_integer(m, avoid)
        if t == "number":
            return self._gen_number(m, avoid)
        if t == "boolean":
            v = self.rng.random() < 0.5
            return (not v) if avoid and _canon(v) in avoid else v
        return None

    # ---- objects

    def _gen_object(self, m: SchemaMap, depth: int) -> dict[str, JSONValue]:
        props = _as_map(m.get("properties"))
        required = list(dict.fromkeys(_str_list(m.get("required"))))
        lo, hi = _size_floor(m, "minProperties"), _max_count(m, "maxProperties")
        if hi is not None and (lo > hi or len(required) > hi):
            raise UnsatisfiableSchema("minProperties/required exceed maxProperties")
        names = m.get("propertyNames", True)
        allowed = [k for k in props if names is True or _valid(k, names, self.root)]
        if names is not True and not all(_valid(k, names, self.root) for k in required):
            raise UnsatisfiableSchema("a required property violates propertyNames")
        keys = self._choose_keys(m, allowed, required, lo=lo, hi=hi, minimal=depth > _SOFT_DEPTH)
        out: dict[str, JSONValue] = {}
        req = set(required)
        for k in keys:
            try:
                out[k] = self.gen(self._member(k, m), depth)
            except UnsatisfiableSchema:
                if k in req or self._needed_by(k, keys, m):
                    raise
        if len(out) < lo:
            self._add_extras(out, m, lo - len(out), depth)
        return out

    def _choose_keys(
        self,
        m: SchemaMap,
        allowed: list[str],
        required: list[str],
        *,
        lo: int,
        hi: int | None,
        minimal: bool,
    ) -> list[str]:
        req = set(required)
        chosen = {k for k in allowed if k in req or (not minimal and self.rng.random() < 0.5)}
        missing = [k for k in required if k not in chosen]
        if len(chosen) + len(missing) < lo:
            spare = [k for k in allowed if k not in chosen]
            chosen.update(spare[: lo - len(chosen) - len(missing)])
        ordered = [k for k in allowed if k in chosen]
        optional = [k for k in ordered if k not in req]
        deps = _as_map(m.get("dependentRequired"))
        for n in range(len(optional), -1, -1):
            keep = set(optional[:n])
            keys = _close([k for k in ordered if k in req or k in keep] + missing, deps)
            if hi is None or len(keys) <= hi:
                return keys
        raise UnsatisfiableSchema("dependentRequired exceeds maxProperties")

    @staticmethod
    def _needed_by(key: str, keys: list[str], m: SchemaMap) -> bool:
        deps = _as_map(m.get("dependentRequired"))
        return any(key in _str_list(deps.get(k)) for k in keys)

    def _member(self, key: str, m: SchemaMap) -> object:
        if "patternProperties" not in m:
            props = _as_map(m.get("properties"))
            if key in props:
                return props[key]
            return m.get("additionalProperties", m.get("unevaluatedProperties", True))
        schema = _member_schema(key, m)
        if schema is True and "additionalProperties" not in m:
            return m.get("unevaluatedProperties", True)
        return schema

    def _add_extras(self, out: dict[str, JSONValue], m: SchemaMap, n: int, depth: int) -> None:
        """Invent keys only when minProperties cannot be met with declared ones."""
        names = m.get("propertyNames", True)
        closed = m.get("additionalProperties", m.get("unevaluatedProperties", True)) is False
        patterns = list(_as_map(m.get("patternProperties")))
        for attempt in range(10 * n + 10):
            key = self._extra_key(out, patterns, closed, attempt)
            if key is None or (names is not True and not _valid(key, names, self.root)):
                continue
            try:
                out[key] = self.gen(self._member(key, m), depth)
            except UnsatisfiableSchema:
                continue
            n -= 1
            if n <= 0:
                return
        raise UnsatisfiableSchema("cannot reach minProperties")

    def _extra_key(
        self, out: Mapping[str, object], patterns: list[str], closed: bool, attempt: int
    ) -> str | None:
        if closed:
            if not patterns:
                raise UnsatisfiableSchema("minProperties needs undeclared keys")
            return self._pattern_key(out, patterns[attempt % len(patterns)], attempt)
        key = self.words[self.rng.randrange(len(self.words))]
        if key in out or not key:
            key = f"{key or 'key'}_{len(out) + attempt}"
        return None if key in out else key

    def _pattern_key(self, out: Mapping[str, object], pattern: str, attempt: int) -> str | None:
        base = self._from_pattern(pattern, 0, None)
        if base is None:
            return None
        for key in (base, base + self._slug(), self._slug() + base, f"{base}{attempt}"):
            if key not in out and _search(pattern, key):
                return key
        return None

    # ---- arrays

    def _gen_array(self, m: SchemaMap, depth: int) -> list[JSONValue]:
        prefix = _as_list(m.get("prefixItems"))
        items = m.get("items", m.get("unevaluatedItems", True))
        lo, hi = _size_floor(m, "minItems"), _max_count(m, "maxItems")
        if items is False:
            hi = len(prefix) if hi is None else min(hi, len(prefix))
        contains = m.get("contains")
        cmin = 0 if contains is None else _min_count({"m": m.get("minContains", 1)}, "m")
        cmax = None if contains is None else _max_count(m, "maxContains")
        lo = max(lo, cmin)
        if (hi is not None and lo > hi) or (cmax is not None and cmin > cmax):
            raise UnsatisfiableSchema("array bounds are contradictory")
        unique = m.get("uniqueItems") is True
        seen: set[object] = set()
        out: list[JSONValue] = []
        for i in range(self._array_len(lo, hi, depth, len(prefix))):
            s = prefix[i] if i < len(prefix) else items
            if i < cmin:
                s = {"allOf": [s, contains]}
            elif cmax is not None:
                s = {"allOf": [s, {"not": contains}]}
            try:
                v = self.gen(s, depth, seen if unique else None)
            except UnsatisfiableSchema:
                if i >= lo:
                    break
                raise
            out.append(v)
            if unique:
                seen.add(_canon(v))
        return out

    def _array_len(self, lo: int, hi: int | None, depth: int, prefix: int) -> int:
        if depth > _SOFT_DEPTH:
            return lo
        top = max(1, 3 - depth, prefix)  # recursive structures shrink as they nest
        top = top if hi is None else min(top, hi)
        lo = max(lo, top if prefix else 0)  # tuples: fill every declared position
        a = max(lo, min(1, top))
        return self.rng.randint(a, max(a, top))

    # ---- strings

    def _gen_string(self, m: SchemaMap) -> str:
        lo, hi = _size_floor(m, "minLength"), _max_count(m, "maxLength")
        if hi is not None and lo > hi:
            raise UnsatisfiableSchema("minLength > maxLength")
        fmt = m.get("format")
        maker = _FORMAT_MAKERS.get(fmt) if isinstance(fmt, str) else None
        pattern = m.get("pattern")
        if maker is None and pattern is None:
            return self._words_string(lo, hi)
        if pattern is not None and not isinstance(pattern, str):
            raise UnsatisfiableSchema(f"pattern {pattern!r} is not a string")
        rx = None if pattern is None else _compile(pattern)
        if pattern is not None and rx is None:
            raise UnsatisfiableSchema(f"pattern {pattern!r} does not compile")
        for cand in (maker(self) for _ in range(6)) if maker is not None else ():
            if _fits(cand, lo, hi) and (rx is None or rx.search(cand)):
                return cand
        if pattern is not None:
            found = self._from_pattern(pattern, lo, hi)
            if found is not None:
                return found
        raise UnsatisfiableSchema(f"no string satisfies format {fmt!r} / pattern {pattern!r}")

    def _from_pattern(self, pattern: str, lo: int, hi: int | None) -> str | None:
        rx = _compile(pattern)
        if rx is None:
            return None
        word = self.words[self.rng.randrange(len(self.words))]
        for plain in (word, self._words_string(lo, hi)):
            if _fits(plain, lo, hi) and rx.search(plain):
                return plain
        tree = _parse_regex(pattern)
        if tree is None:
            return None
        for attempt in range(16):
            out: list[str] = []
            _walk(tree, self.rng, 3 if attempt < 8 else max(3, lo), out)
            cand = "".join(out)
            for padded in _paddings(cand, lo):
                if _fits(padded, lo, hi) and rx.search(padded):
                    return padded
        return None

    def _words_string(self, lo: int, hi: int | None) -> str:
        words, rng = self.words, self.rng
        parts = [words[rng.randrange(len(words))] for _ in range(rng.randint(1, 3))]
        s = " ".join(parts)
        while len(s) < lo:
            s += " " + words[rng.randrange(len(words))]
        if hi is not None and len(s) > hi:
            s = s[:hi]
        return s[:-1] + "a" if s.endswith(" ") else s

    def _slug(self) -> str:
        w = self.words[self.rng.randrange(len(self.words))]
        return w[:40].lower() if w.isascii() and w.isalnum() else "user"

    # ---- numbers

    def _gen_integer(self, m: SchemaMap, avoid: _Avoid) -> int:
        lo, lo_x = _lower(m)
        hi, hi_x = _upper(m)
        ilo = None if lo is None else (math.floor(lo) + 1 if lo_x else math.ceil(lo))
        ihi = None if hi is None else (math.ceil(hi) - 1 if hi_x else math.floor(hi))
        mult = _num(m, "multipleOf")
        if mult is not None and mult <= 0:
            raise UnsatisfiableSchema("multipleOf must be positive")
        step = 1 if mult is None else _exact(mult).numerator
        klo = None if ilo is None else -(-ilo // step)
        khi = None if ihi is None else ihi // step
        for k in self._k_candidates(klo, khi, max(1, 100 // step)):
            v = k * step
            if (mult is None or _is_multiple(v, mult)) and not (avoid and _canon(v) in avoid):
                return v
        raise UnsatisfiableSchema("no integer satisfies the numeric bounds")

    def _gen_number(self, m: SchemaMap, avoid: _Avoid) -> _Number:
        mult = _num(m, "multipleOf")
        if mult is not None:
            return self._number_multiple(m, mult, avoid)
        lo, hi = _lower(m)[0], _upper(m)[0]
        try:
            a = float(lo) if lo is not None else (float(hi) - 100.0 if hi is not None else 0.0)
            b = float(hi) if hi is not None else a + 100.0
        except OverflowError:  # bounds beyond float range: integers are numbers too
            return self._gen_integer(m, avoid)
        if a > b:
            raise UnsatisfiableSchema("minimum > maximum")
        u = self.rng.uniform(a, b)
        for cand in (round(u, 2), u, a / 2 + b / 2, a, b):
            if math.isfinite(cand) and _in_bounds(cand, m):
                return cand
        raise UnsatisfiableSchema("no number satisfies the numeric bounds")

    def _number_multiple(self, m: SchemaMap, mult: _Number, avoid: _Avoid) -> _Number:
        if mult <= 0:
            raise UnsatisfiableSchema("multipleOf must be positive")
        md = _exact(mult)
        lo, lo_x = _lower(m)
        hi, hi_x = _upper(m)
        klo = None if lo is None else (math.floor(lo / md) + 1 if lo_x else math.ceil(lo / md))
        khi = None if hi is None else (math.ceil(hi / md) - 1 if hi_x else math.floor(hi / md))
        window = max(1, min(10**6, math.floor(100 / md)))
        for k in self._k_candidates(klo, khi, window):
            q = md * k
            v: _Number = int(q) if q.denominator == 1 else float(q)
            if _is_multiple(v, mult) and _in_bounds(v, m) and not (avoid and _canon(v) in avoid):
                return v
        raise UnsatisfiableSchema("no multiple of multipleOf within bounds")

    def _k_candidates(self, klo: int | None, khi: int | None, window: int) -> Iterator[int]:
        if klo is None:
            klo = 1 if khi is None else khi - window
        if khi is None:
            khi = klo + window - 1
        if klo > khi:
            return
        k = self.rng.randint(klo, khi)
        span = khi - klo + 1
        for d in range(min(span, 24)):
            yield klo + (k - klo + d) % span


def _close(keys: list[str], deps: SchemaMap) -> list[str]:
    """Add the keys that dependentRequired demands, transitively."""
    if not deps:
        return keys
    out = dict.fromkeys(keys)
    queue = list(keys)
    while queue:
        for dep in _str_list(deps.get(queue.pop())):
            if dep not in out:
                out[dep] = None
                queue.append(dep)
    return list(out)


def _has_ref(schema: object) -> bool:
    return isinstance(schema, dict) and "$ref" in schema


def _fits(s: str, lo: int, hi: int | None) -> bool:
    return len(s) >= lo and (hi is None or len(s) <= hi)


def _paddings(s: str, lo: int) -> tuple[str, ...]:
    if len(s) >= lo:
        return (s,)
    pad = "x" * (lo - len(s))
    return (s, s + pad, pad + s)


# --------------------------------------------------------------------------- formats


def _date(g: _Gen) -> str:
    r = g.rng
    return f"{r.randint(2000, 2030):04d}-{r.randint(1, 12):02d}-{r.randint(1, 28):02d}"


def _time(g: _Gen) -> str:
    r = g.rng
    return f"{r.randint(0, 23):02d}:{r.randint(0, 59):02d}:{r.randint(0, 59):02d}Z"


def _ipv4(g: _Gen) -> str:
    r = g.rng
    return f"{r.randint(1, 223)}.{r.randint(0, 255)}.{r.randint(0, 255)}.{r.randint(1, 254)}"


def _ipv6(g: _Gen) -> str:
    return f"2001:db8::{g.rng.getrandbits(16):x}:{g.rng.getrandbits(16):x}"


def _uuid(g: _Gen) -> str:
    return str(uuid.UUID(int=g.rng.getrandbits(128), version=4))


_FORMAT_MAKERS: dict[str, Callable[[_Gen], str]] = {
    "date-time": lambda g: f"{_date(g)}T{_time(g)}",
    "date": _date,
    "time": _time,
    "email": lambda g: f"{g._slug()}.{g._slug()}@example.com",
    "idn-email": lambda g: f"{g._slug()}@example.com",
    "hostname": lambda g: f"{g._slug()}.example.com",
    "idn-hostname": lambda g: f"{g._slug()}.example.com",
    "ipv4": _ipv4,
    "ipv6": _ipv6,
    "uuid": _uuid,
    "duration": lambda g: f"P{g.rng.randint(1, 30)}DT{g.rng.randint(1, 23)}H",
    "json-pointer": lambda g: f"/{g._slug()}/{g.rng.randint(0, 9)}",
    "regex": lambda g: f"^{g._slug()}[0-9]+$",
    **dict.fromkeys(
        ("uri", "url", "iri", "uri-reference", "iri-reference"),
        lambda g: f"https://{g._slug()}.example.com/{g._slug()}",
    ),
}
