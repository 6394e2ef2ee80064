"""Bodies and streams served again are joined from kept pieces: byte for byte what
rendering gives."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from hypothesis import given
from hypothesis import strategies as st

from emulator.accounting.usage import PromptUsage
from emulator.core.completion import KeptChoices
from emulator.core.outcome import FinishedChoice, TextPart, ToolCallPart
from emulator.http import sse
from emulator.http.joined import JoinedFrames
from emulator.http.sse import StreamEvent
from emulator.render import anthropic, openai
from emulator.render.templates import (
    BodyTemplates,
    Build,
    BuildEvents,
    Slot,
    StreamTemplates,
    _stand_in,
)
from emulator.util import jsonvalue
from emulator.util.jsonvalue import JSONObject

PROMPT = PromptUsage(12, cache_read_tokens=3)


def _choices(*parts: TextPart | ToolCallPart) -> list[FinishedChoice]:
    """Choices as ``finish_all`` keeps them for replies served again."""
    return KeptChoices([FinishedChoice(tuple(parts), "end_turn", None, 7)])


def _message(choices: list[FinishedChoice]) -> Build:
    def build(slots: Sequence[Slot]) -> JSONObject:
        return anthropic.message_body("claude-x", choices[0], PROMPT, str(slots[0]))

    return build


_IDS = st.text(alphabet="abcdefghijkmnopqrstuvwxyzABCDEFGH123456789_", min_size=1, max_size=30)


@given(text=st.text(max_size=80), message_ids=st.lists(_IDS, min_size=1, max_size=4))
def test_joined_bodies_equal_rendered_ones(text: str, message_ids: list[str]) -> None:
    templates = BodyTemplates()
    choices = _choices(TextPart(text))
    build = _message(choices)
    for message_id in message_ids:
        joined = templates.render(choices, ("claude-x", PROMPT), (message_id,), build)
        assert joined == jsonvalue.dumps(build((message_id,)))


@given(created=st.lists(st.integers(0, 2**40), min_size=2, max_size=4), chat_id=_IDS)
def test_integer_slots_are_joined_as_numbers(created: list[int], chat_id: str) -> None:
    templates = BodyTemplates()
    choices = _choices(TextPart("Hi"))

    def build(slots: Sequence[Slot]) -> JSONObject:
        header = openai.ChatHeader(str(slots[0]), int(slots[1]), "gpt-x")
        return openai.completion_body(header, choices, PROMPT)

    for when in created:
        joined = jsonvalue.loads(templates.render(choices, "k", (chat_id, when), build))
        assert isinstance(joined, dict)
        assert joined["created"] == when and joined["id"] == chat_id


def test_content_holding_a_stand_in_is_rendered_each_time() -> None:
    templates = BodyTemplates()
    tricky = _choices(TextPart(f"{_stand_in('x', 0)} and {_stand_in(1, 0)}"))
    build = _message(tricky)
    for message_id in ("msg_a", "msg_b", "msg_c"):
        joined = templates.render(tricky, "k", (message_id,), build)
        assert joined == jsonvalue.dumps(build((message_id,)))


def test_tool_calls_without_ids_get_fresh_ids_every_time() -> None:
    templates = BodyTemplates()
    choices = _choices(ToolCallPart("lookup", {"q": "x"}))
    build = _message(choices)
    tool_ids = set()
    for message_id in ("msg_a", "msg_b", "msg_c"):
        body = jsonvalue.loads(templates.render(choices, "k", (message_id,), build))
        assert isinstance(body, dict) and body["id"] == message_id
        tool_ids.add(body["content"][0]["id"])
    assert len(tool_ids) == 3


def _stream_build(choices: list[FinishedChoice]) -> BuildEvents:
    def build(slots: Sequence[Slot]) -> Iterator[StreamEvent]:
        header = openai.ChatHeader(str(slots[0]), int(slots[1]), "gpt-x")
        return openai.chunk_events(header, choices, PROMPT, include_usage=True)

    return build


@given(text=st.text(max_size=120), chat_ids=st.lists(_IDS, min_size=3, max_size=5))
def test_joined_stream_frames_equal_framed_events(text: str, chat_ids: list[str]) -> None:
    streams = StreamTemplates()
    choices = _choices(TextPart(text))
    build = _stream_build(choices)
    for created, chat_id in enumerate(chat_ids):
        slots = (chat_id, 1_700_000_000 + created)
        joined = list(streams.frames(choices, "k", slots, build))
        assert joined == list(sse.framed(build(slots)))


def test_streams_over_the_size_limit_are_framed_as_sent() -> None:
    streams = StreamTemplates(max_stream_bytes=200)
    choices = _choices(TextPart("word " * 100))
    build = _stream_build(choices)
    for chat_id in ("a", "b", "c"):
        frames = streams.frames(choices, "k", (chat_id, 1), build)
        assert not isinstance(frames, list)  # a generator: nothing held whole
        assert list(frames) == list(sse.framed(build((chat_id, 1))))


def test_anthropic_stream_frames_carry_each_message_id_and_the_tokens() -> None:
    streams = StreamTemplates()
    choices = _choices(TextPart("Hello there, how are you today?"))

    def build(slots: Sequence[Slot]) -> Iterator[StreamEvent]:
        return anthropic.message_events("claude-x", choices[0], PROMPT, str(slots[0]))

    for seen, message_id in enumerate(("msg_1", "msg_2", "msg_3")):
        kept = streams.frames(choices, "k", (message_id,), build)
        frames = list(kept)
        assert frames == list(sse.framed(build((message_id,))))
        assert isinstance(kept, JoinedFrames) == (seen > 0)  # kept from the second on
        if isinstance(kept, JoinedFrames):
            assert kept.whole() == b"".join(data for data, _ in frames)
            assert len(kept) == len(frames)
        assert message_id.encode() in frames[0][0]
        assert sum(tokens for _, tokens in frames) == sum(e.tokens for e in build(("x",)))


def test_choices_made_for_one_answer_are_rendered_each_time_and_not_kept() -> None:
    streams = StreamTemplates()
    once = [FinishedChoice((TextPart("Hello there"),), "end_turn", None, 2)]

    def build(slots: Sequence[Slot]) -> Iterator[StreamEvent]:
        return anthropic.message_events("claude-x", once[0], PROMPT, str(slots[0]))

    for message_id in ("msg_1", "msg_2", "msg_3"):
        frames = streams.frames(once, "k", (message_id,), build)
        assert not isinstance(frames, JoinedFrames)
        assert list(frames) == list(sse.framed(build((message_id,))))
    assert len(streams) == 0
