from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from emulator.core.outcome import TextPart
from emulator.core.tokenizer import (
    _truncate_by_steps,
    count_tokens,
    split_into_tokens,
    truncate_at_sentences,
    truncate_to_tokens,
)
from emulator.scenario.generate import TextPool
from tests.support import generated_parts


def test_counting_rules() -> None:
    assert count_tokens("") == 0
    assert count_tokens("   \n\t") == 0
    assert count_tokens("hi") == 1
    assert count_tokens("hello") == 2
    assert count_tokens("tokenizer") == 3
    assert count_tokens("Hello, world!") == 2 + 1 + 2 + 1
    assert count_tokens("naïve café") == 2 + 1


@given(st.text(max_size=200))
def test_split_rejoins_and_counts(text: str) -> None:
    pieces = split_into_tokens(text)
    assert "".join(pieces) == text
    assert len(pieces) == count_tokens(text) or (count_tokens(text) == 0 and len(pieces) <= 1)


@given(st.text(max_size=200), st.integers(0, 80))
def test_truncate_is_a_prefix_within_budget(text: str, budget: int) -> None:
    cut = truncate_to_tokens(text, budget)
    assert text.startswith(cut.text)
    assert count_tokens(cut.text) == cut.tokens <= budget
    assert cut.was_cut == (count_tokens(text) > budget)


def _count_by_words(text: str) -> int:
    """The rule as the module states it: per word, one token per started 4 characters."""
    return sum((len(piece) + 3) // 4 for piece in re.findall(r"\w+|[^\w\s]", text))


def _truncate_by_words(text: str, budget: int) -> tuple[str, int, bool]:
    total, previous_end = 0, 0
    for match in re.finditer(r"\w+|[^\w\s]", text):
        cost = (len(match.group()) + 3) // 4
        if total + cost > budget:
            room = budget - total
            end = match.start() + room * 4 if room else previous_end
            return text[:end], budget, True
        total += cost
        previous_end = match.end()
    return text, total, False


def _split_by_words(text: str) -> list[str]:
    pieces: list[str] = []
    cursor = 0
    for match in re.finditer(r"\w+|[^\w\s]", text):
        for cut in range(match.start(), match.end(), 4):
            stop = min(cut + 4, match.end())
            pieces.append(text[cursor:stop])
            cursor = stop
    if cursor < len(text):
        if pieces:
            pieces[-1] += text[cursor:]
        else:
            pieces.append(text[cursor:])
    return pieces


words_and_marks = st.lists(
    st.sampled_from([*"abcdéíß日本 \n\t.,!?-'", "👩\u200d👩\u200d👧", "🎉", "hello", "tokenizer"]),
    max_size=120,
).map("".join)


ascii_text = st.text(st.characters(max_codepoint=127), max_size=300)


@given(st.one_of(st.text(max_size=300), ascii_text, words_and_marks), st.integers(0, 90))
def test_counting_and_cutting_follow_the_word_rule(text: str, budget: int) -> None:
    assert count_tokens(text) == _count_by_words(text)
    assert split_into_tokens(text) == _split_by_words(text)
    assert tuple(truncate_to_tokens(text, budget)) == _truncate_by_words(text, budget)
    if budget > 0:  # the way taken past the limits a pattern is kept for
        assert tuple(_truncate_by_steps(text, budget)) == _truncate_by_words(text, budget)


def test_a_text_shorter_than_the_limit_is_found_short() -> None:
    """Each token is matched atomically, so a text a little short of the limit fails
    the pattern at once, without retrying every other split of its words (which
    would take exponential time: this test would not finish)."""
    text = "tokenizers " * 1000  # 3,000 tokens, in words of 3
    assert truncate_to_tokens(text, 4_000) == (text, 3_000, False)
    assert truncate_to_tokens(text, 3_000) == (text, 3_000, False)
    assert truncate_to_tokens(text, 2_999) == (text[: len(text) - 3], 2_999, True)
    assert truncate_to_tokens(text * 2, 5_000).tokens == 5_000  # past the kept patterns


POOL = TextPool.build(seed=5, size=64)


@given(generated_parts(POOL), st.integers(0, 220))
def test_cutting_at_known_sentences_agrees_with_cutting_the_text(
    part: TextPart, budget: int
) -> None:
    assert part.sentence_ends[-1] == (len(part.text), count_tokens(part.text))
    assert truncate_at_sentences(part.text, part.sentence_ends, budget) == truncate_to_tokens(
        part.text, budget
    )
