from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from emulator.core.completion import finish_choice
from emulator.core.outcome import RefusalPart, TextPart, ThinkingPart, ToolCallPart
from emulator.scenario.generate import TextPool
from tests.support import generated_parts

POOL = TextPool.build(seed=3, size=64)


def test_natural_end() -> None:
    done = finish_choice((TextPart("Hello there"),), max_tokens=100)
    assert done.stop_reason == "end_turn" and done.text == "Hello there"
    assert done.output_tokens == 4


def test_earliest_stop_sequence_wins() -> None:
    done = finish_choice(
        (TextPart("one two three four"),), max_tokens=100, stop_sequences=("four", "two")
    )
    assert done.stop_reason == "stop_sequence" and done.stop_sequence == "two"
    assert done.text == "one "


def test_max_tokens_cut() -> None:
    done = finish_choice((TextPart("one two three four"),), max_tokens=2)
    assert done.stop_reason == "max_tokens" and done.text == "one two" and done.output_tokens == 2


def test_tool_call_sets_tool_use() -> None:
    done = finish_choice((TextPart("Checking."), ToolCallPart("f", {"a": 1})), max_tokens=100)
    assert done.stop_reason == "tool_use" and len(done.tool_calls) == 1


def test_tool_call_that_does_not_fit_is_dropped() -> None:
    done = finish_choice((ToolCallPart("lookup", {"query": "a long query " * 10}),), max_tokens=3)
    assert done.stop_reason == "max_tokens" and done.tool_calls == []


def test_thinking_counts_toward_budget() -> None:
    done = finish_choice((ThinkingPart("think " * 10, "sig"), TextPart("answer")), max_tokens=12)
    assert done.output_tokens == 12 and done.stop_reason == "max_tokens"


def test_refusal() -> None:
    done = finish_choice((RefusalPart("I can't help with that."),), max_tokens=100)
    assert done.stop_reason == "refusal"


def test_zero_max_tokens_is_empty() -> None:
    done = finish_choice((TextPart("text"),), max_tokens=0)
    assert done.parts == () and done.stop_reason == "max_tokens" and done.output_tokens == 0


@given(generated_parts(POOL), st.integers(0, 220))
def test_a_generated_reply_is_finished_as_its_text_alone_would_be(
    generated: TextPart, budget: int
) -> None:
    plain = TextPart(generated.text)  # the same text, its sentences unknown
    assert finish_choice((generated,), max_tokens=budget) == finish_choice(
        (plain,), max_tokens=budget
    )
