"""Property: whatever answer an SDK returns, sent back as the next turn the way the SDK's docs
show (openai: the message object or its ``model_dump()``; anthropic: ``response.content``),
with tool results where tools were called, is accepted and the next answer parses."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import anthropic
import httpx
import openai
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from emulator.testing import EmulatorThread
from tests.support import CLAUDE, GPT

SETTINGS = settings(max_examples=40, deadline=None)

FEATURES = ["text", "forced_tool", "parallel_tools", "structured", "refusal", "thinking"]
REFUSE = "please refuse this"
PARALLEL = "use both tools"
THINK = "think it through"
SCENARIO = {
    "name": "round-trip",
    "rules": [
        {"name": "refuse", "match": {"last_user_text": REFUSE}, "reply": {"refusal": "I can't."}},
        {
            "name": "parallel",
            "match": {"last_user_text": PARALLEL, "tools": ["get_weather", "get_time"]},
            "reply": {
                "thinking": "Two lookups are needed.",
                "text": "Looking both up.",
                "tool_calls": [{"name": "get_weather"}, {"name": "get_time"}],
            },
        },
        {
            "name": "think",
            "match": {"last_user_text": THINK},
            "reply": {"thinking": "First this, then that.", "text": "Thought it through."},
        },
    ],
}
FIRST_TEXT = {"parallel_tools": PARALLEL, "refusal": REFUSE, "thinking": THINK}
ANSWER_SCHEMA = {
    "type": "object",
    "properties": {"answer": {"type": "string"}, "score": {"type": "integer"}},
    "required": ["answer", "score"],
    "additionalProperties": False,
}
CITY = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}
ZONE = {"type": "object", "properties": {"zone": {"type": "string"}}, "required": ["zone"]}


@dataclass(frozen=True)
class Conversation:
    feature: str
    stream: bool
    n: int
    choice: int  # which of the n answers goes back
    form: str  # how the openai message goes back
    thinking: bool  # anthropic: extended thinking on


conversations = st.builds(
    Conversation,
    feature=st.sampled_from(FEATURES),
    stream=st.booleans(),
    n=st.integers(1, 3),
    choice=st.integers(0, 2),
    form=st.sampled_from(["object", "model_dump", "model_dump_json"]),
    thinking=st.booleans(),
)


@pytest.fixture(scope="module")
def scripted(server: EmulatorThread) -> Iterator[str]:
    """The session server with the conversation rules loaded, reset afterwards."""
    with httpx.Client(base_url=server.base_url, timeout=30) as http:
        http.post("/_emulator/reset").raise_for_status()
        http.post("/_emulator/scenarios", json=SCENARIO).raise_for_status()
        yield server.base_url
        http.post("/_emulator/reset").raise_for_status()


@pytest.fixture(scope="module")
def openai_sdk(scripted: str) -> Iterator[openai.OpenAI]:
    with openai.OpenAI(base_url=scripted + "/v1", api_key="sk-test", max_retries=0) as client:
        yield client


@pytest.fixture(scope="module")
def anthropic_sdk(scripted: str) -> Iterator[anthropic.Anthropic]:
    with anthropic.Anthropic(base_url=scripted, api_key="sk-ant-test", max_retries=0) as client:
        yield client


# ---------------------------------------------------------------- openai


def _openai_params(conv: Conversation) -> dict[str, Any]:
    params: dict[str, Any] = {"model": GPT, "n": conv.n}
    if conv.feature in ("forced_tool", "parallel_tools"):
        params["tools"] = [
            {"type": "function", "function": {"name": "get_weather", "parameters": CITY}},
            {"type": "function", "function": {"name": "get_time", "parameters": ZONE}},
        ]
    if conv.feature == "forced_tool":
        params["tool_choice"] = "required"
    if conv.feature == "structured":
        params["response_format"] = {
            "type": "json_schema",
            "json_schema": {"name": "answer", "strict": True, "schema": ANSWER_SCHEMA},
        }
    return params


def _openai_answer(client: openai.OpenAI, conv: Conversation, messages: list[Any]) -> Any:
    params = _openai_params(conv)
    if conv.stream:
        with client.chat.completions.stream(messages=messages, **params) as stream:
            return stream.get_final_completion()
    if conv.feature == "structured":
        return client.chat.completions.parse(messages=messages, **params)
    return client.chat.completions.create(messages=messages, **params)


@SETTINGS
@given(conv=conversations)
def test_openai_message_sent_back(openai_sdk: openai.OpenAI, conv: Conversation) -> None:
    messages: list[Any] = [{"role": "user", "content": FIRST_TEXT.get(conv.feature, "Hello")}]
    first = _openai_answer(openai_sdk, conv, messages)
    assert len(first.choices) == conv.n
    message = first.choices[conv.choice % conv.n].message
    if conv.feature == "refusal":
        assert message.refusal and message.content is None
    sent = {
        "object": message,
        "model_dump": message.model_dump(),
        "model_dump_json": message.model_dump(mode="json"),
    }[conv.form]
    messages.append(sent)
    calls = message.tool_calls or []
    messages += [{"role": "tool", "tool_call_id": c.id, "content": "fine"} for c in calls]
    if not calls:
        messages.append({"role": "user", "content": "continue"})
    second = _openai_answer(openai_sdk, conv, messages)
    assert len(second.choices) == conv.n
    for choice in second.choices:
        reply = choice.message
        assert reply.role == "assistant"
        assert reply.content or reply.tool_calls or reply.refusal


# ---------------------------------------------------------------- anthropic


def _anthropic_params(conv: Conversation) -> dict[str, Any]:
    params: dict[str, Any] = {"model": CLAUDE, "max_tokens": 2048}
    thinking = conv.thinking and conv.feature != "forced_tool"  # the API refuses the pair
    if thinking:
        params["thinking"] = {"type": "enabled", "budget_tokens": 1024}
    if conv.feature in ("forced_tool", "parallel_tools"):
        params["tools"] = [
            {"name": "get_weather", "input_schema": CITY},
            {"name": "get_time", "input_schema": ZONE},
        ]
    if conv.feature == "forced_tool":
        params["tool_choice"] = {"type": "any"}
    if conv.feature == "structured":
        params["output_config"] = {"format": {"type": "json_schema", "schema": ANSWER_SCHEMA}}
    return params


def _anthropic_answer(
    client: anthropic.Anthropic, conv: Conversation, messages: list[Any]
) -> anthropic.types.Message:
    params = _anthropic_params(conv)
    if conv.stream:
        with client.messages.stream(messages=messages, **params) as stream:
            return stream.get_final_message()
    message: anthropic.types.Message = client.messages.create(messages=messages, **params)
    return message


@SETTINGS
@given(conv=conversations)
def test_anthropic_content_sent_back(
    anthropic_sdk: anthropic.Anthropic, conv: Conversation
) -> None:
    messages: list[Any] = [{"role": "user", "content": FIRST_TEXT.get(conv.feature, "Hello")}]
    first = _anthropic_answer(anthropic_sdk, conv, messages)
    if conv.feature == "refusal":
        assert first.stop_reason == "refusal"
    messages.append({"role": "assistant", "content": first.content})
    calls = [b for b in first.content if b.type == "tool_use"]
    if calls:
        results = [{"type": "tool_result", "tool_use_id": c.id, "content": "fine"} for c in calls]
        messages.append({"role": "user", "content": results})
    else:
        messages.append({"role": "user", "content": "continue"})
    second = _anthropic_answer(anthropic_sdk, conv, messages)
    assert second.role == "assistant" and second.content
