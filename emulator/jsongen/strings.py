"""Strings for the JSON instance generator: words, ``format`` values and ``pattern`` matches."""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable, Sequence

from emulator.jsongen.common import (
    MAX_CHARACTERS,
    MAX_STRING_LENGTH,
    SchemaMap,
    UnsatisfiableSchema,
    _compile,
    _max_count,
    _size_floor,
)
from emulator.jsongen.regex import _parse_regex, walk


class _StringGen:
    """The part of the generator that builds strings: from words, a format or a pattern."""

    __slots__ = ()
    rng: random.Random
    words: Sequence[str]
    chars: list[int]  # [characters still to draw in this call], from MAX_CHARACTERS

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
            try:
                cand = walk(tree, self.rng, 3 if attempt < 8 else max(3, lo))
            except UnsatisfiableSchema:  # this walk ran too long; the next may not
                self._spend(MAX_STRING_LENGTH)
                continue
            self._spend(len(cand))
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
        cap = MAX_STRING_LENGTH if hi is None else min(hi, MAX_STRING_LENGTH)
        if len(s) > cap:
            s = s[:cap]
        self._spend(len(s))
        return s[:-1] + "a" if s.endswith(" ") else s

    def _spend(self, characters: int) -> None:
        self.chars[0] -= characters
        if self.chars[0] < 0:
            raise UnsatisfiableSchema(f"the instance needs more than {MAX_CHARACTERS} characters")

    def _slug(self) -> str:
        w = self.words[self.rng.randrange(len(self.words))]
        return w[:40].lower() if w.isascii() and w.isalnum() else "user"


def _fits(s: str, lo: int, hi: int | None) -> bool:
    return len(s) >= lo and (hi is None or len(s) <= hi)


def _paddings(s: str, lo: int) -> tuple[str, ...]:
    if len(s) >= lo:
        return (s,)
    pad = "x" * (lo - len(s))
    return (s, s + pad, pad + s)


# --------------------------------------------------------------------------- formats


def _date(g: _StringGen) -> str:
    r = g.rng
    return f"{r.randint(2000, 2030):04d}-{r.randint(1, 12):02d}-{r.randint(1, 28):02d}"


def _time(g: _StringGen) -> str:
    r = g.rng
    return f"{r.randint(0, 23):02d}:{r.randint(0, 59):02d}:{r.randint(0, 59):02d}Z"


def _ipv4(g: _StringGen) -> str:
    r = g.rng
    return f"{r.randint(1, 223)}.{r.randint(0, 255)}.{r.randint(0, 255)}.{r.randint(1, 254)}"


def _ipv6(g: _StringGen) -> str:
    return f"2001:db8::{g.rng.getrandbits(16):x}:{g.rng.getrandbits(16):x}"


def _uuid(g: _StringGen) -> str:
    return str(uuid.UUID(int=g.rng.getrandbits(128), version=4))


_FORMAT_MAKERS: dict[str, Callable[[_StringGen], str]] = {
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
