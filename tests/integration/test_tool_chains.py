"""A chain of different tools ends: a rule that calls a tool does not fire again in the
same agent turn once that tool's result is in the conversation since the last user text."""

from __future__ import annotations

import json
from typing import Any

import anthropic
import openai
from anthropic import beta_tool

from conftest import Control
from tests.support import CLAUDE, GPT

# get_weather → to_fahrenheit → the answer; the first rule matches anything.
CHAIN: dict[str, Any] = {
    "name": "chain",
    "rules": [
        {"name": "weather", "reply": {"tool_calls": [{"name": "get_weather"}]}},
        {
            "name": "convert",
            "match": {"tool_result": "get_weather"},
            "reply": {"tool_calls": [{"name": "to_fahrenheit"}]},
        },
        {
            "name": "answer",
            "match": {"tool_result": "to_fahrenheit"},
            "reply": {"text": "It is {{tool_result}} in Oslo."},
        },
    ],
}
_CITY = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}
_DEGREES = {
    "type": "object",
    "properties": {"celsius": {"type": "number"}},
    "required": ["celsius"],
}
_MAX_CALLS = 8


@beta_tool
def get_weather(city: str) -> str:
    """Current temperature in a city, in Celsius.

    Args:
        city: the city
    """
    return "-5"


@beta_tool
def to_fahrenheit(celsius: float) -> str:
    """Celsius to Fahrenheit.

    Args:
        celsius: degrees Celsius
    """
    return "23F"


def test_anthropic_tool_runner_ends_the_chain(
    control: Control, anthropic_client: anthropic.Anthropic
) -> None:
    control.load(CHAIN)
    runner = anthropic_client.beta.messages.tool_runner(
        model=CLAUDE,
        max_tokens=200,
        max_iterations=_MAX_CALLS,
        # The runner's default keeps history on the server (the message-threads beta),
        # which the emulator does not emulate: the whole conversation is sent instead.
        thread=False,
        tools=[get_weather, to_fahrenheit],
        messages=[{"role": "user", "content": "How warm is Oslo, in Fahrenheit?"}],
    )
    final = runner.until_done()

    assert [b.text for b in final.content if b.type == "text"] == ["It is 23F in Oslo."]
    assert [e["rule"] for e in control.journal()] == ["weather", "convert", "answer"]


def test_openai_tool_loop_ends_the_chain(control: Control, openai_client: openai.OpenAI) -> None:
    control.load(CHAIN)
    tools: Any = [
        {"type": "function", "function": {"name": "get_weather", "parameters": _CITY}},
        {"type": "function", "function": {"name": "to_fahrenheit", "parameters": _DEGREES}},
    ]
    results = {"get_weather": "-5", "to_fahrenheit": "23F"}
    messages: list[Any] = [{"role": "user", "content": "How warm is Oslo, in Fahrenheit?"}]
    for _ in range(_MAX_CALLS):
        message = (
            openai_client.chat.completions.create(model=GPT, tools=tools, messages=messages)
            .choices[0]
            .message
        )
        if not message.tool_calls:
            break
        messages.append(message.model_dump(exclude_none=True))
        for call in message.tool_calls:
            assert call.type == "function"
            json.loads(call.function.arguments)
            messages.append(
                {
                    "role": "tool",
                    "tool_call_id": call.id,
                    "content": results[call.function.name],
                }
            )

    assert message.content == "It is 23F in Oslo."
    assert [e["rule"] for e in control.journal()] == ["weather", "convert", "answer"]


def test_a_new_user_question_starts_a_new_turn(
    control: Control, anthropic_client: anthropic.Anthropic
) -> None:
    """The guard looks back to the last user text only: asking again calls the tool again."""
    control.load(CHAIN)
    tools: Any = [{"name": "get_weather", "input_schema": _CITY}]
    messages: list[Any] = [
        {"role": "user", "content": "Weather in Oslo?"},
        {
            "role": "assistant",
            "content": [{"type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": {}}],
        },
        {
            "role": "user",
            "content": [{"type": "tool_result", "tool_use_id": "toolu_1", "content": "-5"}],
        },
        {"role": "assistant", "content": "It is -5."},
        {"role": "user", "content": "And now?"},
    ]
    message = anthropic_client.messages.create(
        model=CLAUDE, max_tokens=100, tools=tools, messages=messages
    )

    assert [b.name for b in message.content if b.type == "tool_use"] == ["get_weather"]
