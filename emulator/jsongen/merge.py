"""``allOf`` merging: the conjuncts of an ``allOf`` folded into one schema.

What cannot be merged (conflicting ``pattern``/``format``, float ``multipleOf``) comes back as
residual checks, which the generator verifies with the internal validator.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from fractions import Fraction

from emulator.jsongen.common import (
    _ANNOTATIONS,
    SchemaMap,
    UnsatisfiableSchema,
    _as_list,
    _as_map,
    _canon,
    _Check,
    _json_eq,
    _names,
    _search,
    _str_list,
    _type_set,
)
from emulator.jsongen.numbers import _exact


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
