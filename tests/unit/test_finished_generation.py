"""A default reply made for one answer comes finished: the same choice, stop reason
and token count that generating the whole reply and then cutting it gives."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from emulator.core.completion import finish_choice
from emulator.core.neutral import NeutralRequest, OutputFormat
from emulator.scenario.generate import TextPool, default_choice, finished_plain_choice

POOL = TextPool.build(seed=7, size=128)


def _request(content: bytes, api: str, max_tokens: int, **more: object) -> NeutralRequest:
    return NeutralRequest(
        api=api,  # type: ignore[arg-type]
        model="m",
        model_info=None,
        messages=(),
        max_tokens=max_tokens,
        content_key=content,
        **more,  # type: ignore[arg-type]
    )


@given(
    content=st.binary(max_size=40),
    api=st.sampled_from(["messages", "chat", "complete"]),
    max_tokens=st.integers(1, 160),
    seed=st.integers(-(2**40), 2**40),
)
def test_a_reply_made_finished_is_the_whole_reply_cut(
    content: bytes, api: str, max_tokens: int, seed: int
) -> None:
    request = _request(content, api, max_tokens)
    made = finished_plain_choice(request, POOL, seed)
    whole = finish_choice(default_choice(request, POOL, seed, 0), max_tokens=max_tokens)
    assert made == whole
    assert made is not None and made.output_tokens <= max_tokens


@given(content=st.binary(max_size=40), seed=st.integers(0, 2**32))
def test_a_reply_that_just_fits_ends_its_turn(content: bytes, seed: int) -> None:
    natural = finish_choice(
        default_choice(_request(content, "messages", 1), POOL, seed, 0), max_tokens=10**6
    ).output_tokens
    for budget, reason in ((natural, "end_turn"), (natural - 1, "max_tokens")):
        made = finished_plain_choice(_request(content, "messages", budget), POOL, seed)
        assert made is not None and made.stop_reason == reason
        assert made.output_tokens == budget


def test_only_one_plain_choice_without_stop_sequences_is_made_finished() -> None:
    assert finished_plain_choice(_request(b"k", "chat", 10), POOL, 1) is not None
    for request in (
        _request(b"k", "chat", 0),
        _request(b"k", "chat", 10, n=2),
        _request(b"k", "chat", 10, stop_sequences=(".",)),
        _request(b"k", "chat", 10, thinking_budget=1024),
        _request(b"k", "chat", 10, output_format=OutputFormat("json_object")),
    ):
        assert finished_plain_choice(request, POOL, 1) is None
