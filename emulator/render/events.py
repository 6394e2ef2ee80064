"""One server-sent event, before framing, and how to split text into deltas."""

from __future__ import annotations

import functools
from dataclasses import dataclass

from emulator.accounting.tokenizer import split_into_tokens
from emulator.jsonvalue import JSONObject

TOKENS_PER_DELTA = 3


@dataclass(frozen=True, slots=True)
class StreamEvent:
    """``name`` is the SSE ``event:`` (None for data-only streams); ``data`` is a JSON
    object or a raw string such as ``[DONE]``; ``tokens`` is how many output tokens
    the event carries, which is what pacing waits for."""

    name: str | None
    data: JSONObject | str
    tokens: int = 0


def token_groups(text: str, per_group: int = TOKENS_PER_DELTA) -> tuple[tuple[str, int], ...]:
    """Consecutive pieces of ``text`` of ``per_group`` tokens each (the last may be shorter)."""
    return _token_groups(text, per_group)


# Memoized: kept replies are streamed again and again, and splitting costs a regex pass.
@functools.lru_cache(maxsize=1024)
def _token_groups(text: str, per_group: int) -> tuple[tuple[str, int], ...]:
    pieces = split_into_tokens(text)
    return tuple(
        ("".join(pieces[start : start + per_group]), len(pieces[start : start + per_group]))
        for start in range(0, len(pieces), per_group)
    )
