"""Input classes of issue 19's known findings, fixed on other branches.

The fuzzers skip a case of these classes when asked to (``--skip-known``, and
the hypothesis suite always), so that what they report is what is *not* known
yet. When a fix merges, delete its entry here: the fuzzers then send that class
again and prove the fix.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from benchmarks.mutations import Case


def _deep(case: Case) -> bool:
    return case.depth >= 200


_NUMBER = re.compile(rb"(\d+)(?:\.\d*)?(?:[eE]([+-]?\d+))?")


def _has_number_at_least(body: bytes, magnitude: int) -> bool:
    """A number literal of ``magnitude`` digits or more (``Infinity`` counts) in ``body``."""
    if b"Infinity" in body:
        return True
    for match in _NUMBER.finditer(body):
        digits, exponent = match.group(1).lstrip(b"0"), match.group(2)
        if len(digits) + (int(exponent) if exponent else 0) > magnitude:
            return True
    return False


def _big_number(case: Case) -> bool:
    has_schema = b"schema" in case.body or b"parameters" in case.body
    return has_schema and _has_number_at_least(case.body, 18)


# Fixed and merged (their classes are fuzzed again): the clock bound, bytes echoed from
# headers, non-UTF-8 keys with caching, Content-Encoding, x-emulator-force numbers,
# non-ASCII admin tokens and required headers (findings 3 and 6).
KNOWN: tuple[tuple[str, Callable[[Case], bool]], ...] = (
    (
        "issue 19 finding 3: deep nesting (orjson / jsonschema recursion; the journal keeps it)",
        _deep,
    ),
    ("issue 19 finding 3: an integer bound >= 2**64 in a schema", _big_number),
)


def known_finding(case: Case) -> str | None:
    """The known finding whose input class ``case`` belongs to, if any."""
    for reason, matches in KNOWN:
        if matches(case):
            return reason
    return None
