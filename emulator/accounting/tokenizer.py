"""The one token counter, used for usage, count_tokens, max_tokens and caching.

How it counts (deterministic, no vocabulary file):

* Text is split into pieces: runs of word characters (letters, digits and
  ``_`` in any script) and single other non-space characters. Whitespace is
  free.
* A word of up to 4 characters is 1 token; longer words cost one token per
  started group of 4 characters (``"hello"`` is 2, ``"tokenizer"`` is 3).
* Every other character (punctuation, symbols, emoji) is 1 token.

English prose comes out at about 1.3 tokens per word, close to real
tokenizers, so sizes and limits behave plausibly.
"""

from __future__ import annotations

import re
from typing import NamedTuple

_PIECES = re.compile(r"\w+|[^\w\s]")
_CHARS_PER_TOKEN = 4


def count_tokens(text: str) -> int:
    total = 0
    for piece in _PIECES.findall(text):
        total += (len(piece) + _CHARS_PER_TOKEN - 1) // _CHARS_PER_TOKEN
    return total


class Truncated(NamedTuple):
    text: str
    tokens: int
    was_cut: bool


def truncate_to_tokens(text: str, max_tokens: int) -> Truncated:
    """The longest prefix of ``text`` that costs at most ``max_tokens``.

    A long word may be cut inside, at a 4-character token boundary, as a real
    model's output is cut inside a word.
    """
    total = 0
    previous_end = 0
    for match in _PIECES.finditer(text):
        piece = match.group()
        cost = (len(piece) + _CHARS_PER_TOKEN - 1) // _CHARS_PER_TOKEN
        if total + cost > max_tokens:
            room = max_tokens - total
            end = match.start() + room * _CHARS_PER_TOKEN if room else previous_end
            return Truncated(text[:end], max_tokens, True)
        total += cost
        previous_end = match.end()
    return Truncated(text, total, False)


def split_into_tokens(text: str) -> list[str]:
    """``text`` cut into consecutive pieces of one token each (whitespace
    travels with the piece after it); joined, they give back ``text``."""
    pieces: list[str] = []
    cursor = 0
    for match in _PIECES.finditer(text):
        start, end = match.span()
        for cut in range(start, end, _CHARS_PER_TOKEN):
            stop = min(cut + _CHARS_PER_TOKEN, end)
            pieces.append(text[cursor:stop])
            cursor = stop
    if cursor < len(text):
        if pieces:
            pieces[-1] += text[cursor:]
        else:
            pieces.append(text[cursor:])
    return pieces
