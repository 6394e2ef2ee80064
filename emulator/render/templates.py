"""Answers rendered once and kept as bytes around the values that change per answer.

An answer served again (the same reply, usage and model) differs only in its ids
and timestamps. The second time it is seen, its JSON body or its stream's framed
events are rendered with stand-ins for those values and split where the
stand-ins are; later answers join the pieces with their own values. Replies
whose rendering draws fresh values of its own (tool-call ids) are rendered
every time, and so are streams too long to keep.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass

from emulator.accounting.usage import PromptUsage
from emulator.core.completion import KeptChoices
from emulator.core.outcome import FinishedChoice, ToolCallPart
from emulator.http.joined import JoinedFrames, Template, join, merge
from emulator.http.sse import Frame, StreamEvent, framed
from emulator.util import jsonvalue
from emulator.util.jsonvalue import JSONObject
from emulator.util.lru import IdentityMemo

# A value per answer: an id (a JSON string) or a timestamp.
Slot = str | int
Build = Callable[[Sequence[Slot]], JSONObject]
BuildEvents = Callable[[Sequence[Slot]], Iterable[StreamEvent]]

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
    """A memo key for an answer rendered for ``model`` with ``prompt``'s usage (plain
    values: they hash without calling back into Python)."""
    return (
        model,
        prompt.input_tokens,
        prompt.cache_creation_5m_tokens,
        prompt.cache_creation_1h_tokens,
        prompt.cache_read_tokens,
    )


def is_kept(choices: Sequence[FinishedChoice]) -> bool:
    """Whether ``choices`` are served again (``KeptChoices``): only then is keeping
    what is rendered from them any use."""
    return type(choices) is KeptChoices


def draws_fresh_ids(choices: Sequence[FinishedChoice]) -> bool:
    """Whether rendering ``choices`` draws ids (a tool call scripted without one)."""
    return any(
        isinstance(part, ToolCallPart) and not part.id
        for choice in choices
        for part in choice.parts
    )


def _split(data: bytes, tokens: int, stand_ins: Sequence[bytes]) -> Template | None:
    """``data`` cut around each stand-in it holds; None when one occurs twice or the
    random token shows up anywhere else (content that happens to hold it)."""
    found: list[tuple[int, int]] = []
    for slot, stand_in in enumerate(stand_ins):
        at = data.find(stand_in)
        if at < 0:
            continue
        if data.find(stand_in, at + 1) >= 0:
            return None
        found.append((at, slot))
    found.sort()
    pieces: list[bytes] = []
    start = 0
    for at, slot in found:
        pieces.append(data[start:at])
        start = at + len(stand_ins[slot])
    pieces.append(data[start:])
    if any(_TOKEN.encode() in piece for piece in pieces):
        return None
    return tuple(pieces), tuple(slot for _, slot in found), tokens


@dataclass(frozen=True, slots=True)
class _Kept:
    """An answer's templates: one per frame (a body is one frame), and all of them
    merged into one."""

    frames: tuple[Template, ...]
    whole: Template


# Memo markers, told apart by identity.
_SEEN_ONCE = _Kept((), ((b"seen once",), (), 0))
_UNSPLITTABLE = _Kept((), ((b"unsplittable",), (), 0))


class _Templates:
    """Rendered answers by (choices, what else rendering reads), bounded.

    Only ``KeptChoices`` are kept (``finish_all`` makes them for replies served
    again); the key holds everything else rendering reads except the slots."""

    def __init__(self, max_entries: int) -> None:
        self._memo: IdentityMemo[_Kept] = IdentityMemo(max_entries)

    def __len__(self) -> int:
        """How many answers are kept (or noted as seen once)."""
        return len(self._memo)

    def _kept(self, choices: Sequence[FinishedChoice], key: Hashable) -> _Kept:
        """The kept templates, or a marker: ``_SEEN_ONCE`` (split it now) or
        ``_UNSPLITTABLE`` (render it). The first sighting is rendered, not split:
        scripted replies are often made afresh per answer, so only what recurs is.
        Choices made for one answer are never kept, so they are not even looked up."""
        if not is_kept(choices):
            return _UNSPLITTABLE
        kept = self._memo.get(choices, key)
        if kept is None:
            self._memo.put(choices, _SEEN_ONCE, key)
            return _UNSPLITTABLE
        return kept

    def _keep(
        self,
        choices: Sequence[FinishedChoice],
        key: Hashable,
        slots: Sequence[Slot],
        render: Callable[[Sequence[Slot]], Sequence[Frame]],
        max_bytes: int,
    ) -> _Kept:
        kept = _UNSPLITTABLE
        if not draws_fresh_ids(choices):
            stand_ins = [_stand_in(value, i) for i, value in enumerate(slots)]
            rendered = render(stand_ins)
            if sum(len(data) for data, _ in rendered) <= max_bytes:
                encoded = [_encoded(s) for s in stand_ins]
                split = [_split(data, tokens, encoded) for data, tokens in rendered]
                if all(template is not None for template in split):
                    frames = tuple(t for t in split if t is not None)
                    kept = _Kept(frames, merge(frames))
        self._memo.put(choices, kept, key)
        return kept

    def clear(self) -> None:
        self._memo.clear()


class BodyTemplates(_Templates):
    """Serialized JSON bodies."""

    def __init__(self, max_entries: int = 1024) -> None:
        super().__init__(max_entries)

    def render(
        self,
        choices: Sequence[FinishedChoice],
        key: Hashable,
        slots: Sequence[Slot],
        build: Build,
    ) -> bytes:
        """``build(slots)`` serialized."""
        kept = self._kept(choices, key)
        if kept is _SEEN_ONCE:
            kept = self._keep(
                choices, key, slots, lambda s: [(jsonvalue.dumps(build(s)), 0)], max_bytes=1 << 30
            )
        if kept is _UNSPLITTABLE:
            return jsonvalue.dumps(build(slots))
        return join(kept.whole, [jsonvalue.dumps(value) for value in slots])


class StreamTemplates(_Templates):
    """Framed stream events; a stream longer than ``max_stream_bytes`` is not kept, so
    the memo stays small and a long reply is framed as it is sent."""

    def __init__(self, max_entries: int = 256, max_stream_bytes: int = 64 * 1024) -> None:
        super().__init__(max_entries)
        self._max_stream_bytes = max_stream_bytes

    def frames(
        self,
        choices: Sequence[FinishedChoice],
        key: Hashable,
        slots: Sequence[Slot],
        build: BuildEvents,
    ) -> Iterable[Frame]:
        """The frames of ``build(slots)``, with the output tokens each carries."""
        kept = self._kept(choices, key)
        if kept is _SEEN_ONCE:
            kept = self._keep(
                choices, key, slots, lambda s: list(framed(build(s))), self._max_stream_bytes
            )
        if kept is _UNSPLITTABLE:
            return framed(build(slots))
        return JoinedFrames(kept.frames, kept.whole, [jsonvalue.dumps(value) for value in slots])
