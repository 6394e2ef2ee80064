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
from collections.abc import Sequence
from functools import lru_cache
from itertools import islice
from typing import NamedTuple

# One match per token: a word's groups of up to 4 characters, or one other
# non-space character. Counting and cutting then run inside the regex engine, not
# a Python loop per word (cutting a reply to max_tokens was 10% of answering a
# prompt never seen before).
_TOKENS = re.compile(r"\w{1,4}|[^\w\s]")
# The same pieces of an ASCII text, found about 20% faster in ASCII mode, where \s
# leaves out the separators \x1c-\x1f that Unicode counts as whitespace.
_ASCII_TOKENS = re.compile(r"\w{1,4}|[^\w\s\x1c-\x1f]", re.ASCII)


def count_tokens(text: str) -> int:
    return len((_ASCII_TOKENS if text.isascii() else _TOKENS).findall(text))


class Truncated(NamedTuple):
    text: str
    tokens: int
    was_cut: bool


def truncate_to_tokens(text: str, max_tokens: int) -> Truncated:
    """The longest prefix of ``text`` that costs at most ``max_tokens``.

    A long word may be cut inside, at a 4-character token boundary, as a real
    model's output is cut inside a word.
    """
    if max_tokens <= 0:
        return Truncated("", 0, True) if _TOKENS.search(text) else Truncated(text, 0, False)
    if max_tokens > _MAX_PATTERN_TOKENS:
        return _truncate_by_steps(text, max_tokens)
    first = _first_tokens(max_tokens).match(text)
    if first is None:
        return Truncated(text, count_tokens(text), False)
    end = first.end()
    if _TOKENS.search(text, end) is None:
        return Truncated(text, max_tokens, False)
    return Truncated(text[:end], max_tokens, True)


def truncate_at_sentences(
    text: str, sentence_ends: Sequence[tuple[int, int]], max_tokens: int
) -> Truncated:
    """As ``truncate_to_tokens``, for a text whose sentences' ends and the tokens up to
    each are known (nothing but whitespace between them): only the sentence the
    budget ends in is tokenized."""
    kept_end = kept_tokens = 0
    for end, tokens in sentence_ends:
        if tokens > max_tokens:
            rest = truncate_to_tokens(text[kept_end:end], max_tokens - kept_tokens)
            return Truncated(text[: kept_end + len(rest.text)], max_tokens, True)
        kept_end, kept_tokens = end, tokens
    return Truncated(text, kept_tokens, False)


# Beyond this many tokens a cut is found token by token (a pattern per limit is
# kept, and limits this large are few and their texts long anyway).
_MAX_PATTERN_TOKENS = 4096


@lru_cache(maxsize=64)
def _first_tokens(count: int) -> re.Pattern[str]:
    """Matches the first ``count`` tokens in one call. Each token is an atomic
    group, so a text with fewer tokens fails in linear time."""
    return re.compile(rf"(?>\s*(?:\w{{1,4}}|[^\w\s])){{{count}}}")


def _truncate_by_steps(text: str, max_tokens: int) -> Truncated:
    tokens = _TOKENS.finditer(text)
    last_kept = next(islice(tokens, max_tokens - 1, None), None)
    if last_kept is None:
        return Truncated(text, count_tokens(text), False)
    if next(tokens, None) is None:
        return Truncated(text, max_tokens, False)
    return Truncated(text[: last_kept.end()], max_tokens, True)


def split_into_tokens(text: str) -> list[str]:
    """``text`` cut into consecutive pieces of one token each (whitespace
    travels with the piece after it); joined, they give back ``text``."""
    pieces: list[str] = []
    cursor = 0
    for match in _TOKENS.finditer(text):
        end = match.end()
        pieces.append(text[cursor:end])
        cursor = end
    if cursor < len(text):
        if pieces:
            pieces[-1] += text[cursor:]
        else:
            pieces.append(text[cursor:])
    return pieces
