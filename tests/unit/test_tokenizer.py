from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from emulator.accounting.tokenizer import count_tokens, split_into_tokens, truncate_to_tokens


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
