"""Numbers for the JSON instance generator: bounds, ``multipleOf`` arithmetic, generation.

The helpers are shared with the ``allOf`` merge and the internal validator; :class:`_NumberGen`
is the part of the generator (:class:`emulator.jsongen.instance._Gen`) that builds
integers and numbers.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from fractions import Fraction
from functools import lru_cache

from emulator.jsongen.common import SchemaMap, UnsatisfiableSchema, _Avoid, _canon, _num, _Number


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


# What a JSON encoder writes as an integer (orjson: signed or unsigned 64-bit).
_INT_RANGE = range(-(2**63), 2**64)


def _encodable(v: _Number) -> _Number | None:
    """``v`` as JSON can carry it: an integer beyond 64 bits as the nearest float (``1e20``,
    still an integer to JSON Schema; the caller checks it against the bounds again), or
    None beyond the float range."""
    if not isinstance(v, int) or v in _INT_RANGE:
        return v
    try:
        return float(v)
    except OverflowError:
        return None


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


class _NumberGen:
    """Integers and numbers within the bounds and ``multipleOf`` of a schema."""

    __slots__ = ()
    rng: random.Random

    def _gen_integer(self, m: SchemaMap, avoid: _Avoid) -> _Number:
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
            v = _encodable(k * step)
            if v is None or not _in_bounds(v, m):
                continue
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
            v = _encodable(int(q)) if q.denominator == 1 else float(q)
            if v is None or not (_is_multiple(v, mult) and _in_bounds(v, m)):
                continue
            if not (avoid and _canon(v) in avoid):
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
