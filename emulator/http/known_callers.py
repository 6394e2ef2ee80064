"""Callers already let in, found by the exact headers they sent.

Checking a request's key and version headers and making its ``Caller`` cost
about 2.5 µs of an answer's ~75 under load, and load tests and agent loops send
the same headers again and again. The journal packs each request's headers into
one bytes object, shared by every request that sent the same ones
(``journal.pack_headers``), so a caller let in once is found by that object:
the same headers get the same verdict (what decides it, the configuration, does
not change while serving). Only callers let in are kept; headers refused are
checked afresh each time, so each refusal gets its error.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TypeVar

from emulator.core.neutral import Caller

Settings = TypeVar("Settings")

# Raises the API's error for headers it refuses under the settings given (the
# emulator's configuration); else returns the API key.
Check = Callable[[Mapping[str, str], Settings], str]

DEFAULT_ENTRIES = 256


class KnownCallers:
    """(family, packed headers) → the caller let in; cleared whole when full (a set
    of headers dropped is one check away from coming back)."""

    def __init__(self, max_entries: int = DEFAULT_ENTRIES) -> None:
        self._callers: dict[tuple[str, bytes], Caller] = {}
        self._max_entries = max_entries

    def __len__(self) -> int:
        return len(self._callers)

    def let_in(
        self,
        family: str,
        packed: object,
        headers: Mapping[str, str],
        check: Check[Settings],
        config: Settings,
    ) -> Caller:
        """The caller who sent ``headers`` (``packed`` as the journal keeps them): kept,
        else checked and kept when let in."""
        if type(packed) is not bytes:
            return Caller(check(headers, config), headers)
        key = (family, packed)
        caller = self._callers.get(key)
        if caller is None:
            caller = Caller(check(headers, config), headers)
            if len(self._callers) >= self._max_entries:
                self._callers.clear()
            self._callers[key] = caller
        return caller

    def clear(self) -> None:
        self._callers.clear()
