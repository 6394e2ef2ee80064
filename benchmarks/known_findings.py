"""Input classes of issue 19's known findings, fixed on other branches.

The fuzzers skip a case of these classes when asked to (``--skip-known``, and
the hypothesis suite always), so that what they report is what is *not* known
yet. When a fix merges, delete its entry here: the fuzzers then send that class
again and prove the fix.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from benchmarks.mutations import GATEWAY_HEADER, Case


def _not_utf8(value: bytes | None) -> bool:
    if value is None:
        return False
    try:
        value.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False


def _echoed_header(case: Case) -> bool:
    return any(_not_utf8(case.header(n)) for n in ("anthropic-version", "anthropic-beta", "expect"))


def _key_bytes(case: Case) -> bool:
    keys = ("x-api-key", "authorization")
    return b"cache_control" in case.body and any(_not_utf8(case.header(n)) for n in keys)


def _deep(case: Case) -> bool:
    return case.depth >= 200


def _encoding(case: Case) -> bool:
    return case.header("content-encoding") is not None


def _force_number(case: Case) -> bool:
    force = (case.header("x-emulator-force") or b"").lower()
    return any(word in force for word in (b"inf", b"nan", b"e400"))


def _admin_token(case: Case) -> bool:
    value = case.header("authorization")
    return case.path.startswith("/_emulator") and value is not None and not value.isascii()


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


def _gateway_header(case: Case) -> bool:
    value = case.header(GATEWAY_HEADER)
    return value is not None and not value.isascii()


def _big_number(case: Case) -> bool:
    has_schema = b"schema" in case.body or b"parameters" in case.body
    return has_schema and _has_number_at_least(case.body, 18)


def _clock(case: Case) -> bool:
    return case.path.endswith("/clock/advance") and _has_number_at_least(case.body, 8)


KNOWN: tuple[tuple[str, Callable[[Case], bool]], ...] = (
    ("issue 19 finding 6: the clock advanced past any bound", _clock),
    (
        "issue 19 finding 3: a non-UTF-8 byte in anthropic-version, anthropic-beta or Expect",
        _echoed_header,
    ),
    ("issue 19 finding 3: a non-UTF-8 API key with prompt caching", _key_bytes),
    (
        "issue 19 finding 3: deep nesting (orjson / jsonschema recursion; the journal keeps it)",
        _deep,
    ),
    ("issue 19 finding 3: Content-Encoding on a body not so encoded", _encoding),
    ("issue 19 finding 3: x-emulator-force with inf/nan", _force_number),
    ("issue 19 finding 3: a non-ASCII admin token", _admin_token),
    ("issue 19 finding 3: a non-ASCII --require-header value", _gateway_header),
    ("issue 19 finding 3: an integer bound >= 2**64 in a schema", _big_number),
)


def known_finding(case: Case) -> str | None:
    """The known finding whose input class ``case`` belongs to, if any."""
    for reason, matches in KNOWN:
        if matches(case):
            return reason
    return None
