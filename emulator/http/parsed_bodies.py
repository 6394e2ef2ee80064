"""Validated, parsed request bodies kept by their raw bytes.

Load tests send the same few bodies again and again. Decoding, validating and
parsing a body costs more than everything else in an answer, and all three are
a pure function of the bytes (and of the surface that reads them), so a body
seen before is served from here. Only bodies that parsed are kept: a bad body
is checked again each time and gets its error afresh.

Entries of any size are found by a sample of the body (its length and three
short slices), then compared whole: hashing every byte of a large prompt (tens
of kilobytes) on every request cost more than the comparison does. A small body
is its own key.
"""

from __future__ import annotations

from collections import OrderedDict

from emulator.core.neutral import NeutralRequest
from emulator.util.lru import SecondSight

DEFAULT_ENTRIES = 1024
_SAMPLE = 32

# Up to this size the body is its own key: hashing it costs less than sampling it.
_WHOLE_KEY_BYTES = 256

_Key = tuple[str, bytes] | tuple[str, int, bytes, bytes, bytes]


def _key(kind: str, raw: bytes) -> _Key:
    if len(raw) <= _WHOLE_KEY_BYTES:
        return kind, raw
    middle = len(raw) // 2
    return kind, len(raw), raw[:_SAMPLE], raw[middle : middle + _SAMPLE], raw[-_SAMPLE:]


DEFAULT_BUDGET_BYTES = 16 * 1024 * 1024


class ParsedBodies:
    """An LRU map (surface kind, raw body) → the request parsed from it, for no caller.

    Bounded by entries and by the raw bytes held (the parsed form is a few times
    larger); a body over the whole budget is never kept."""

    def __init__(
        self, max_entries: int = DEFAULT_ENTRIES, budget_bytes: int = DEFAULT_BUDGET_BYTES
    ) -> None:
        self._entries: OrderedDict[_Key, tuple[bytes, NeutralRequest]] = OrderedDict()
        self._max_entries = max_entries
        self._budget = budget_bytes
        self._held = 0
        self._second_sight = SecondSight()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, kind: str, raw: bytes) -> NeutralRequest | None:
        found = self.find(kind, raw)
        return None if found is None else found[1]

    def find(self, kind: str, raw: bytes) -> tuple[bytes, NeutralRequest] | None:
        """The kept bytes equal to ``raw`` (one copy for every request that sent them)
        and their parse."""
        key = _key(kind, raw)
        found = self._entries.get(key)
        if found is None or found[0] != raw:
            return None
        self._entries.move_to_end(key)
        return found

    def offer(self, kind: str, raw: bytes, request: NeutralRequest) -> None:
        """``put``, for a body offered before (see ``lru.SecondSight``)."""
        if self._second_sight.admits(_key(kind, raw)):
            self.put(kind, raw, request)

    def put(self, kind: str, raw: bytes, request: NeutralRequest) -> None:
        if len(raw) > self._budget or self._max_entries <= 0:
            return
        key = _key(kind, raw)
        replaced = self._entries.pop(key, None)
        if replaced is not None:  # another body with the same sample
            self._held -= len(replaced[0])
        self._entries[key] = (raw, request)
        self._held += len(raw)
        while self._held > self._budget or len(self._entries) > self._max_entries:
            _, (evicted, _) = self._entries.popitem(last=False)
            self._held -= len(evicted)

    def clear(self) -> None:
        self._entries.clear()
        self._second_sight.clear()
        self._held = 0
