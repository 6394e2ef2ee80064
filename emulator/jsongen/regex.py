"""The regex walker: a string that a ``pattern`` can match, built from the pattern itself.

A common regex subset is parsed into a tree, and a walk of the tree picks one character per
step; the caller still checks the result with RE2's search, so assertions can be skipped.
"""

from __future__ import annotations

import random
import re
import string
from functools import lru_cache
from typing import TypeAlias

from emulator.jsongen.common import MAX_STRING_LENGTH, UnsatisfiableSchema

_LETTERS = string.ascii_letters
_DIGITS = string.digits
_WORD_CHARS = _LETTERS + _DIGITS + "_"
_DOT_CHARS = _LETTERS + _DIGITS
_PRINTABLE = _LETTERS + _DIGITS + string.punctuation + " "


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
                span = range(ord(lo), ord(hi) + 1)
                chars.append("".join(chr(x) for x in span if not 0xD800 <= x <= 0xDFFF))
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
                char = chr(int(code, 16))
            except ValueError:
                raise _RegexUnsupported(self.p) from None
            if 0xD800 <= ord(char) <= 0xDFFF:
                raise _RegexUnsupported(self.p)  # a lone surrogate is no text to match
            return char
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


def walk(tree: _Node, rng: random.Random, extra: int) -> str:
    """One string the tree's language holds, or :class:`UnsatisfiableSchema` when the walk
    needs more than :data:`MAX_STRING_LENGTH` characters or as many steps (a repetition
    of something that may be empty, ``((a?)*)*``, takes steps and no characters)."""
    out: list[str] = []
    _walk(tree, rng, extra, out, [MAX_STRING_LENGTH])
    return "".join(out)


def _walk(node: _Node, rng: random.Random, extra: int, out: list[str], steps: list[int]) -> None:
    steps[0] -= 1
    if steps[0] < 0:
        raise UnsatisfiableSchema("pattern walk takes too many steps")
    if isinstance(node, str):
        if not node:
            raise UnsatisfiableSchema("empty character class")
        out.append(node[rng.randrange(len(node))] if len(node) > 1 else node)
    elif isinstance(node, tuple):
        for child in node:
            _walk(child, rng, extra, out, steps)
    elif isinstance(node, _Alt):
        _walk(node.options[rng.randrange(len(node.options))], rng, extra, out, steps)
    else:
        hi = node.lo + extra if node.hi is None else node.hi
        count = rng.randint(node.lo, max(node.lo, hi)) if hi > node.lo else node.lo
        if len(out) + count > MAX_STRING_LENGTH:
            raise UnsatisfiableSchema("pattern demands too long a string")
        if isinstance(node.node, str) and node.node:
            out.extend(rng.choices(node.node, k=count))
            return
        for _ in range(count):
            _walk(node.node, rng, extra, out, steps)
