"""Objects and arrays for the JSON instance generator: which keys, how many items."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from emulator.jsongen.check import _member_schema, _valid
from emulator.jsongen.common import (
    _SOFT_DEPTH,
    JSONValue,
    SchemaMap,
    UnsatisfiableSchema,
    _as_list,
    _as_map,
    _canon,
    _max_count,
    _min_count,
    _search,
    _size_floor,
    _str_list,
)
from emulator.jsongen.strings import _StringGen

if TYPE_CHECKING:
    from emulator.jsongen.common import _Avoid


class _ContainerGen(_StringGen):
    """The part of the generator that builds objects and arrays; members come from ``gen``."""

    __slots__ = ()
    root: object

    if TYPE_CHECKING:

        def gen(self, schema: object, depth: int, avoid: _Avoid = None) -> JSONValue: ...

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
