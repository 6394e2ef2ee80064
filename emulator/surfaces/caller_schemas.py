"""The JSON Schemas a request brings (tool inputs, structured output), checked at parse.

The emulator makes instances of these schemas and checks scripted tool inputs against them,
so what they may ask for is bounded here, with the request's 400 naming where: a ``pattern``
or ``patternProperties`` key that RE2 refuses (backreferences, lookaround, possessive
quantifiers: no linear-time match, see :mod:`emulator.util.linear_regex`), and a ``minLength``,
``minItems`` or ``minProperties`` beyond what the generator builds
(:data:`~emulator.jsongen.common.MAX_STRING_LENGTH`,
:data:`~emulator.jsongen.common.MAX_ITEMS`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from emulator.jsongen.common import MAX_ITEMS, MAX_STRING_LENGTH
from emulator.util.linear_regex import unsupported_reason

# Values that are data, not schemas: their keys are not keywords.
_DATA_KEYWORDS = frozenset({"enum", "const", "default", "examples"})
_FLOORS = {"minLength": MAX_STRING_LENGTH, "minItems": MAX_ITEMS, "minProperties": MAX_ITEMS}


@dataclass(frozen=True, slots=True)
class SchemaProblem:
    """What a request's schema asks that the emulator refuses, and where (keys from the
    schema's root)."""

    context: tuple[str | int, ...]
    problem: str


def schema_problem(schema: object) -> SchemaProblem | None:
    """The first problem found in ``schema`` (walked without recursion), or None."""
    stack: list[tuple[object, tuple[str | int, ...]]] = [(schema, ())]
    while stack:
        node, path = stack.pop()
        if isinstance(node, list):
            stack.extend((item, (*path, i)) for i, item in reversed(list(enumerate(node))))
            continue
        if not isinstance(node, dict):
            continue
        found = _keyword_problem(node, path)
        if found is not None:
            return found
        stack.extend(
            (value, (*path, key))
            for key, value in reversed(node.items())
            if key not in _DATA_KEYWORDS
        )
    return None


def _keyword_problem(node: dict[str, object], path: tuple[str | int, ...]) -> SchemaProblem | None:
    pattern = node.get("pattern")
    if isinstance(pattern, str) and (reason := unsupported_reason(pattern)) is not None:
        return SchemaProblem(path, _unsupported("pattern", pattern, reason))
    properties = node.get("patternProperties")
    if isinstance(properties, dict):
        for key in properties:
            if (reason := unsupported_reason(key)) is not None:
                return SchemaProblem(path, _unsupported("patternProperties key", key, reason))
    for keyword, limit in _FLOORS.items():
        value = node.get(keyword)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            continue
        if not math.isfinite(value) or value > limit:
            return SchemaProblem(
                path, f"'{keyword}' is {value}, above the supported maximum of {limit}"
            )
    return None


def _unsupported(what: str, pattern: str, reason: str) -> str:
    return (
        f"{what} {pattern!r} is not a supported regular expression ({reason}); backreferences,"
        " lookahead, lookbehind and possessive quantifiers are not supported"
    )


def dotted(path: tuple[str | int, ...]) -> str:
    """``a.0.b``: a path as the Anthropic API prints locations."""
    return ".".join(str(step) for step in path)
