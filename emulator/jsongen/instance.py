"""Deterministic generator of JSON values that are valid under a JSON Schema.

Used on the request hot path to fabricate tool inputs, function-call arguments
and ``response_format`` payloads.  Semantics follow draft 2020-12 for a common
subset of keywords (see :func:`make_instance`).  Generation is constructive:
the result is not re-validated as a whole (that would be too slow); only the
keywords that cannot be built constructively (``not``, ``oneOf`` exclusivity,
``if``, conflicting ``pattern``/``format`` in ``allOf``) are checked with a
small internal validator, retrying a bounded number of times.

This module holds the entry point and the dispatch over combinators and types; the parts live
beside it: ``json_common`` (shared helpers and :class:`UnsatisfiableSchema`), ``json_merge``
(``allOf`` merging), ``json_check`` (the internal validator), ``json_regex`` (the ``pattern``
walker), ``json_strings``, ``json_numbers`` and ``json_containers`` (objects and arrays).
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from typing import TypeAlias

from emulator.jsongen.check import _is_type, _valid
from emulator.jsongen.common import (
    _ANNOTATIONS,
    _SOFT_DEPTH,
    MAX_CHARACTERS,
    MAX_VALUES,
    JSONValue,
    SchemaMap,
    UnsatisfiableSchema,
    _as_list,
    _as_map,
    _Avoid,
    _canon,
    _Check,
    _json_eq,
    _names,
    _resolve,
    _type_set,
)
from emulator.jsongen.containers import _ContainerGen
from emulator.jsongen.merge import _merge_all
from emulator.jsongen.numbers import _NumberGen

__all__ = ["JSONValue", "UnsatisfiableSchema", "make_instance"]

_Fork: TypeAlias = tuple[str, Sequence[object]]

_HARD_DEPTH = 32  # past this many, give up (the recursion has no finite instance)
_RETRIES = 12
_BRANCH_BUDGET = 256  # failed anyOf/oneOf/if branches tolerated per call
_COMBINATORS = frozenset({"$ref", "allOf", "anyOf", "oneOf", "not", "if", "then", "else"})
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


def _to_json(v: object) -> JSONValue:
    """Copy a schema-provided value (const/enum) into a fresh JSON value."""
    if v is None or isinstance(v, (bool, int, float, str)):
        return v
    if isinstance(v, list):
        return [_to_json(x) for x in v]
    if isinstance(v, dict):
        return {str(k): _to_json(x) for k, x in v.items()}
    raise UnsatisfiableSchema(f"const/enum value {v!r} is not JSON")


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


# --------------------------------------------------------------------------- generator


class _Gen(_ContainerGen, _NumberGen):
    __slots__ = ("budget", "chars", "nodes", "rng", "root", "words")

    def __init__(self, root: object, rng: random.Random, words: Sequence[str]) -> None:
        self.root = root
        self.rng = rng
        self.words: Sequence[str] = words if len(words) else _FALLBACK_WORDS
        self.budget = _BRANCH_BUDGET
        self.nodes = MAX_VALUES
        self.chars = [MAX_CHARACTERS]

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


def _has_ref(schema: object) -> bool:
    return isinstance(schema, dict) and "$ref" in schema
