"""How to split a reply's text into a stream's deltas."""

from __future__ import annotations

import functools

from emulator.core.tokenizer import split_into_tokens

TOKENS_PER_DELTA = 3


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
