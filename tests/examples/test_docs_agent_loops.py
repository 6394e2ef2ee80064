"""docs/guides/scenarios.md "Agent loops": chained and parallel tool calls from a scenario
file, and an OpenAI streaming tool loop; every snippet verbatim (test_docs_sync)."""

from __future__ import annotations

import json
from typing import Any

import anthropic
import openai
import pytest

from emulator.pytest_plugin import LLMEmulator

TOOLS: list[anthropic.types.ToolParam] = [
    {
        "name": "get_weather",
        "description": "Current weather in a city, in degrees Celsius.",
        "input_schema": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
        },
    },
    {
        "name": "to_fahrenheit",
        "description": "Convert degrees Celsius to Fahrenheit.",
        "input_schema": {
            "type": "object",
            "properties": {"celsius": {"type": "number"}},
            "required": ["celsius"],
        },
    },
]
CELSIUS = {"Oslo": -3, "Lima": 19}


def run_tool(name: str, arguments: Any) -> str:
    """The application's tools."""
    if name == "get_weather":
        return str(CELSIUS[arguments["city"]])
    return f"{arguments['celsius'] * 9 / 5 + 32:.1f}F"


def agent(
    client: anthropic.Anthropic, question: str, tools: list[anthropic.types.ToolParam]
) -> str:
    """The code under test: run every tool call of a turn, until the model answers in text."""
    messages: list[anthropic.types.MessageParam] = [{"role": "user", "content": question}]
    while True:
        message = client.messages.create(
            model="claude-sonnet-4-6", max_tokens=500, tools=tools, messages=messages
        )
        if message.stop_reason != "tool_use":
            return "".join(b.text for b in message.content if b.type == "text")
        messages.append({"role": "assistant", "content": message.content})
        results: list[anthropic.types.ToolResultBlockParam] = [
            {"type": "tool_result", "tool_use_id": b.id, "content": run_tool(b.name, b.input)}
            for b in message.content
            if b.type == "tool_use"
        ]
        messages.append({"role": "user", "content": results})


@pytest.mark.llm_emulator("scenarios/weather_agent.yaml")
def test_chained_tool_calls(llm_emulator: LLMEmulator) -> None:
    client = llm_emulator.anthropic_client()

    assert agent(client, "Weather in Oslo, in Fahrenheit?", TOOLS) == "Result: 26.6F"

    assert [e["rule"] for e in llm_emulator.requests] == ["look-up", "convert", "answer"]


@pytest.mark.llm_emulator("scenarios/weather_agent.yaml")
def test_parallel_tool_calls(llm_emulator: LLMEmulator) -> None:
    client = llm_emulator.anthropic_client()

    assert agent(client, "Weather in Oslo and Lima?", TOOLS[:1]) == "Result: 19"

    first, second = llm_emulator.assert_called(times=2)
    assert (first["rule"], second["rule"]) == ("both-cities", "answer")
    results = second["body"]["messages"][-1]["content"]
    assert [r["content"] for r in results] == ["-3", "19"]  # both calls answered in one turn


GET_WEATHER: openai.types.chat.ChatCompletionToolParam = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
        },
    },
}


def streaming_agent(client: openai.OpenAI, question: str) -> str:
    """The code under test: stream every turn, run the tool calls the stream assembled."""
    messages: list[Any] = [{"role": "user", "content": question}]
    while True:
        with client.chat.completions.stream(
            model="gpt-4o-mini", tools=[GET_WEATHER], messages=messages
        ) as stream:
            for event in stream:
                if event.type == "content.delta":
                    print(event.delta, end="", flush=True)  # show the text as it arrives
            message = stream.get_final_completion().choices[0].message
        if not message.tool_calls:
            return message.content or ""
        messages.append(message)  # the SDK's message object goes back as it is
        for call in message.tool_calls:
            assert call.type == "function"
            result = run_tool(call.function.name, json.loads(call.function.arguments))
            messages.append({"role": "tool", "tool_call_id": call.id, "content": result})


def test_streaming_tool_loop(llm_emulator: LLMEmulator) -> None:
    llm_emulator.reply_tool_call("get_weather", {"city": "Lima"})
    llm_emulator.reply("Lima: {{tool_result}} degrees.", tool_result="get_weather")

    answer = streaming_agent(llm_emulator.openai_client(), "Weather in Lima?")

    assert answer == "Lima: 19 degrees."
    assert [e["stream"] for e in llm_emulator.requests] == [True, True]
    assert [e["rule"] for e in llm_emulator.requests] == ["rule-1", "rule-2"]
