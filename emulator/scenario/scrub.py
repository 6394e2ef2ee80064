"""What is taken out of a recording before it is written.

Secrets: every value of the request's credential headers (``Authorization``,
``x-api-key``, ``api-key``, ``--require-header`` names, anything whose name says
key, token, secret, auth or cookie) is replaced wherever it appears in what is
written, as is the bearer token inside such a value. User data: each regular
expression of the scrub list replaces what it matches in every string of the
recorded bodies with ``[scrubbed]``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from emulator.util.jsonvalue import JSONValue

SECRET_MARK = "[secret]"
SCRUBBED_MARK = "[scrubbed]"
_SECRET_NAME = re.compile(r"key|token|secret|auth|cookie|signature", re.IGNORECASE)
# Shorter values are not worth hunting (and would shred ordinary words).
_MIN_SECRET_LENGTH = 4


def is_secret_header(name: str, extra: frozenset[str] = frozenset()) -> bool:
    return name.lower() in extra or _SECRET_NAME.search(name) is not None


def secrets_of(headers: Mapping[str, str], extra: frozenset[str] = frozenset()) -> set[str]:
    """The secret values a request carried: whole header values and their last
    word (the token after ``Bearer``)."""
    found: set[str] = set()
    for name, value in headers.items():
        if not is_secret_header(name, extra):
            continue
        for candidate in (value.strip(), value.strip().rsplit(" ", 1)[-1]):
            if len(candidate) >= _MIN_SECRET_LENGTH:
                found.add(candidate)
    return found


def load_patterns(lines: Iterable[str], source: str) -> tuple[re.Pattern[str], ...]:
    """One regular expression a line; blank lines and ``#`` comments are skipped."""
    patterns = []
    for number, line in enumerate(lines, 1):
        text = line.rstrip("\n")
        if not text.strip() or text.lstrip().startswith("#"):
            continue
        try:
            patterns.append(re.compile(text))
        except re.error as err:
            raise ValueError(f"{source}:{number}: invalid regular expression: {err}") from err
    return tuple(patterns)


def load_scrub_file(path: Path) -> tuple[re.Pattern[str], ...]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise ValueError(f"{path}: cannot be read: {err}") from err
    return load_patterns(text.splitlines(), str(path))


@dataclass(frozen=True, slots=True)
class Scrubber:
    patterns: tuple[re.Pattern[str], ...] = ()

    def text(self, value: str, secrets: Iterable[str]) -> str:
        # Longest first: a bearer token inside a whole header value goes with it.
        for secret in sorted(secrets, key=len, reverse=True):
            value = value.replace(secret, SECRET_MARK)
        for pattern in self.patterns:
            value = pattern.sub(SCRUBBED_MARK, value)
        return value

    def value(self, value: JSONValue, secrets: Iterable[str]) -> JSONValue:
        """``value`` with secrets and scrubbed matches replaced in every string
        (keys of objects included)."""
        found = tuple(secrets)
        if isinstance(value, str):
            return self.text(value, found)
        if isinstance(value, list):
            return [self.value(v, found) for v in value]
        if isinstance(value, dict):
            return {self.text(k, found): self.value(v, found) for k, v in value.items()}
        return value
