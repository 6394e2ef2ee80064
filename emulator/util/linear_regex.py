"""Regexes a caller wrote, run in a linear-time engine (RE2).

A ``pattern`` in a request's own JSON Schema, or a scenario rule's ``regex``, is matched
against text the caller also chooses; in Python's backtracking ``re``, ``^(\\w+\\s?)*\\d$``
on 40 characters never finishes and freezes the event loop with it. RE2 matches in time
linear in the text, and refuses what it cannot do in linear time (backreferences,
lookaround, possessive quantifiers, ``\\Z``, repetition counts above 1000): such a pattern is
reported as :class:`UnsupportedPattern`, never handed to ``re``.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, TypeAlias

import re2

# re2's compiled pattern (untyped library): search(text) -> match | None, .pattern, and
# matches with group() and groupdict(), as in ``re``.
LinearPattern: TypeAlias = Any

_OPTIONS = re2.Options()
_OPTIONS.log_errors = False  # a caller's bad pattern is the caller's error, not a log line
_OPTIONS.max_mem = 8 << 20  # compiled program size: bounds compile and match work


class UnsupportedPattern(ValueError):
    """RE2 refuses the pattern: invalid, or a feature with no linear-time match."""

    def __init__(self, pattern: str, reason: str) -> None:
        super().__init__(f"{reason} in {pattern!r}")
        self.pattern = pattern
        self.reason = reason


def _ecma_escapes(pattern: str) -> str:
    """``\\uXXXX`` (JSON Schema's ECMA-262 dialect, also Python's) as RE2 spells it,
    ``\\x{XXXX}``; one pass, escaped backslashes kept."""
    if "\\u" not in pattern:
        return pattern
    out: list[str] = []
    i, n = 0, len(pattern)
    while i < n:
        c = pattern[i]
        if c != "\\" or i + 1 >= n:
            out.append(c)
            i += 1
        elif pattern[i + 1] == "u" and _is_hex4(pattern[i + 2 : i + 6]):
            out.append("\\x{" + pattern[i + 2 : i + 6] + "}")
            i += 6
        else:
            out.append(pattern[i : i + 2])
            i += 2
    return "".join(out)


def _is_hex4(text: str) -> bool:
    return len(text) == 4 and all(c in "0123456789abcdefABCDEF" for c in text)


@lru_cache(maxsize=1024)
def _compiled(pattern: str) -> LinearPattern | UnsupportedPattern:
    try:
        return re2.compile(_ecma_escapes(pattern), options=_OPTIONS)
    except re2.error as err:
        raw = err.args[0] if err.args else "invalid pattern"
        reason = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
        return UnsupportedPattern(pattern, reason)
    except (TypeError, ValueError) as err:  # e.g. a lone surrogate cannot be UTF-8
        return UnsupportedPattern(pattern, str(err))


def compile_linear(pattern: str) -> LinearPattern:
    """``pattern`` compiled by RE2 (cached); :class:`UnsupportedPattern` if RE2 refuses it."""
    found = _compiled(pattern)
    if isinstance(found, UnsupportedPattern):
        raise found
    return found


def unsupported_reason(pattern: str) -> str | None:
    """Why RE2 refuses ``pattern``, or None when it compiles."""
    found = _compiled(pattern)
    return found.reason if isinstance(found, UnsupportedPattern) else None
