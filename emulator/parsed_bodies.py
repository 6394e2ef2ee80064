"""Validated, parsed request bodies kept by their raw bytes.

Load tests send the same few bodies again and again. Decoding, validating and
parsing a body costs more than everything else in an answer, and all three are
a pure function of the bytes (and of the surface that reads them), so a body
seen before is served from here. Only bodies that parsed are kept: a bad body
is checked again each time and gets its error afresh.
"""

from __future__ import annotations

from collections import OrderedDict

from emulator.neutral import NeutralRequest

DEFAULT_ENTRIES = 1024
DEFAULT_BUDGET_BYTES = 16 * 1024 * 1024


class ParsedBodies:
    """An LRU map (surface kind, raw body) → the request parsed from it, for no caller.

    Bounded by entries and by the raw bytes held (the parsed form is a few times
    larger); a body over the whole budget is never kept."""

    def __init__(
        self, max_entries: int = DEFAULT_ENTRIES, budget_bytes: int = DEFAULT_BUDGET_BYTES
    ) -> None:
        self._entries: OrderedDict[tuple[str, bytes], NeutralRequest] = OrderedDict()
        self._max_entries = max_entries
        self._budget = budget_bytes
        self._held = 0

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, kind: str, raw: bytes) -> NeutralRequest | None:
        key = (kind, raw)
        found = self._entries.get(key)
        if found is not None:
            self._entries.move_to_end(key)
        return found

    def put(self, kind: str, raw: bytes, request: NeutralRequest) -> None:
        if len(raw) > self._budget or self._max_entries <= 0:
            return
        key = (kind, raw)
        if key in self._entries:
            return
        self._entries[key] = request
        self._held += len(raw)
        while self._held > self._budget or len(self._entries) > self._max_entries:
            (_, evicted), _ = self._entries.popitem(last=False)
            self._held -= len(evicted)

    def clear(self) -> None:
        self._entries.clear()
        self._held = 0
