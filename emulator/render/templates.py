"""JSON bodies rendered once and kept as bytes around the values that change per answer.

An answer served again (the same reply, usage and model) differs only in its ids
and timestamps, so the second time it is seen its body is rendered with
stand-ins for those, serialized, and split where the stand-ins are; later
answers join the pieces with their own values. Replies whose rendering draws
fresh values of its own (tool-call ids) are rendered every time.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Hashable, Sequence

from emulator import jsonvalue
from emulator.accounting.usage import PromptUsage
from emulator.completion import FinishedChoice
from emulator.jsonvalue import JSONObject
from emulator.lru import IdentityMemo
from emulator.scenario.outcome import ToolCallPart

# A value per answer: an id (a JSON string of plain ASCII) or a timestamp.
Slot = str | int
Build = Callable[[Sequence[Slot]], JSONObject]

# Stand-ins no content can be expected to hold: a per-process random token.
_TOKEN = os.urandom(6).hex()
_INT_BASE = -(10**17) - int(_TOKEN, 16) % 10**9


def _stand_in(value: Slot, index: int) -> Slot:
    if isinstance(value, int):
        return _INT_BASE - index
    return f"@{_TOKEN}:{index}@"


def _encoded(value: Slot) -> bytes:
    return jsonvalue.dumps(value)


def usage_key(model: str, prompt: PromptUsage) -> tuple[str, int, int, int, int]:
    """A memo key for a body rendered for ``model`` with ``prompt``'s usage (plain
    values: they hash without calling back into Python)."""
    return (
        model,
        prompt.input_tokens,
        prompt.cache_creation_5m_tokens,
        prompt.cache_creation_1h_tokens,
        prompt.cache_read_tokens,
    )


def draws_fresh_ids(choices: Sequence[FinishedChoice]) -> bool:
    """Whether rendering ``choices`` draws ids (a tool call scripted without one)."""
    return any(
        isinstance(part, ToolCallPart) and not part.id
        for choice in choices
        for part in choice.parts
    )


# Memo markers, told apart by identity.
_SEEN_ONCE: tuple[bytes, ...] = (b"seen once",)
_UNSPLITTABLE: tuple[bytes, ...] = (b"unsplittable",)


class BodyTemplates:
    """Serialized bodies by (choices, what else the body depends on), bounded."""

    def __init__(self, max_entries: int = 1024) -> None:
        self._memo: IdentityMemo[tuple[bytes, ...]] = IdentityMemo(max_entries)

    def render(
        self,
        choices: Sequence[FinishedChoice],
        key: Hashable,
        slots: Sequence[Slot],
        build: Build,
    ) -> bytes:
        """``build(slots)`` serialized. ``choices`` must be served again as the same
        object for the memo to help (the engine and finish_all keep them); ``key``
        holds everything else ``build`` reads except the slots."""
        pieces = self._memo.get(choices, key)
        if pieces is None:
            # Scripted replies are often made afresh per answer: split only what recurs.
            self._memo.put(choices, _SEEN_ONCE, key)
            return jsonvalue.dumps(build(slots))
        if pieces is _SEEN_ONCE:
            pieces = self._split(choices, slots, build)
            self._memo.put(choices, pieces, key)
        if pieces is _UNSPLITTABLE:
            return jsonvalue.dumps(build(slots))
        joined = [pieces[0]]
        for value, piece in zip(slots, pieces[1:], strict=True):
            joined.append(_encoded(value))
            joined.append(piece)
        return b"".join(joined)

    @staticmethod
    def _split(
        choices: Sequence[FinishedChoice], slots: Sequence[Slot], build: Build
    ) -> tuple[bytes, ...]:
        if draws_fresh_ids(choices):
            return _UNSPLITTABLE
        stand_ins = [_stand_in(value, i) for i, value in enumerate(slots)]
        data = jsonvalue.dumps(build(stand_ins))
        pieces: list[bytes] = []
        for stand_in in stand_ins:
            head, found, data = data.partition(_encoded(stand_in))
            if not found or _encoded(stand_in) in data:
                return _UNSPLITTABLE
            pieces.append(head)
        pieces.append(data)
        if any(_TOKEN.encode() in piece for piece in pieces):
            return _UNSPLITTABLE
        return tuple(pieces)

    def clear(self) -> None:
        self._memo.clear()
