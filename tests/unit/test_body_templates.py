"""Bodies served again are joined from kept pieces: byte for byte what rendering gives."""

from __future__ import annotations

from collections.abc import Sequence

from hypothesis import given
from hypothesis import strategies as st

from emulator import jsonvalue
from emulator.accounting.usage import PromptUsage
from emulator.completion import FinishedChoice
from emulator.jsonvalue import JSONObject
from emulator.render import anthropic, openai
from emulator.render.templates import BodyTemplates, Build, Slot, _stand_in
from emulator.scenario.outcome import TextPart, ToolCallPart

PROMPT = PromptUsage(12, cache_read_tokens=3)


def _choices(*parts: TextPart | ToolCallPart) -> list[FinishedChoice]:
    return [FinishedChoice(tuple(parts), "end_turn", None, 7)]


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
