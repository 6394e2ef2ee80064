"""docs/guides/pytest.md (and the README's quickstart): every snippet, verbatim, as a test
(test_docs_sync keeps them equal)."""

from __future__ import annotations

import anthropic
import pytest

from emulator.pytest_plugin import LLMEmulator


def test_one_line_script(llm_emulator: LLMEmulator) -> None:
    llm_emulator.reply("Paris.", when="capital of France")

    message = llm_emulator.anthropic_client().messages.create(
        model="claude-sonnet-4-6",
        max_tokens=100,
        messages=[{"role": "user", "content": "What is the capital of France?"}],
    )
    block = message.content[0]
    assert block.type == "text" and block.text == "Paris."

    completion = llm_emulator.openai_client().chat.completions.create(
        model="gpt-4o-mini",
        messages=[{"role": "user", "content": "And the capital of France?"}],
    )
    assert completion.choices[0].message.content == "Paris."


WEATHER_TOOL: anthropic.types.ToolParam = {
    "name": "get_weather",
    "description": "Current weather in a city.",
    "input_schema": {
        "type": "object",
        "properties": {"city": {"type": "string"}},
        "required": ["city"],
    },
}


def ask(client: anthropic.Anthropic, question: str) -> str:
    """The code under test: call tools until the model answers in text."""
    messages: list[anthropic.types.MessageParam] = [{"role": "user", "content": question}]
    while True:
        message = client.messages.create(
            model="claude-sonnet-4-6", max_tokens=500, tools=[WEATHER_TOOL], messages=messages
        )
        if message.stop_reason != "tool_use":
            return "".join(b.text for b in message.content if b.type == "text")
        messages.append({"role": "assistant", "content": message.content})
        results: list[anthropic.types.ToolResultBlockParam] = [
            {"type": "tool_result", "tool_use_id": b.id, "content": "-3C, snow"}
            for b in message.content
            if b.type == "tool_use"
        ]
        messages.append({"role": "user", "content": results})


def test_agent_tool_loop(llm_emulator: LLMEmulator) -> None:
    llm_emulator.reply_tool_call("get_weather", {"city": "Oslo"}, text="Checking.")
    llm_emulator.reply("Oslo: {{tool_result}}.", tool_result="get_weather")

    assert ask(llm_emulator.anthropic_client(), "Weather in Oslo?") == "Oslo: -3C, snow."

    first, second = llm_emulator.assert_called(times=2, api="messages")
    assert (first["rule"], second["rule"]) == ("rule-1", "rule-2")
    assert second["body"]["messages"][-1]["content"][0]["content"] == "-3C, snow"


def test_what_was_sent(llm_emulator: LLMEmulator) -> None:
    llm_emulator.openai_client().chat.completions.create(
        model="gpt-4o-mini",
        temperature=0,
        messages=[
            {"role": "system", "content": "Answer in French."},
            {"role": "user", "content": "Hello"},
        ],
    )

    (entry,) = llm_emulator.assert_called(times=1, api="chat", status=200)
    assert entry["path"] == "/v1/chat/completions"
    assert entry["body"]["temperature"] == 0
    assert entry["body"]["messages"][0] == {"role": "system", "content": "Answer in French."}
    assert entry["headers"]["authorization"] == "[redacted]"
    assert entry["rule"] is None  # no script: the seeded generated reply
    assert entry["usage"]["output_tokens"] > 0
    assert llm_emulator.last_request == entry


def test_fails_once_then_the_sdk_retries(llm_emulator: LLMEmulator) -> None:
    llm_emulator.fail(429, "Slow down.", retry_after=0.01, times=1)
    llm_emulator.reply("Done.")
    client = llm_emulator.anthropic_client()  # max_retries=2, the SDK's default

    message = client.messages.create(
        model="claude-sonnet-4-6", max_tokens=50, messages=[{"role": "user", "content": "Go"}]
    )

    assert message.content[0].type == "text" and message.content[0].text == "Done."
    assert [e["status"] for e in llm_emulator.requests] == [429, 200]


def test_error_reaches_the_caller(llm_emulator: LLMEmulator) -> None:
    llm_emulator.fail(529, type="overloaded_error")
    client = llm_emulator.anthropic_client(max_retries=0)

    with pytest.raises(anthropic.InternalServerError) as caught:
        client.messages.create(
            model="claude-sonnet-4-6", max_tokens=50, messages=[{"role": "user", "content": "Go"}]
        )

    assert caught.value.status_code == 529
    assert caught.value.response.json()["error"] == {
        "type": "overloaded_error",
        "message": "Overloaded",
    }


@pytest.mark.anyio  # anyio's pytest plugin comes with httpx, which both SDKs use
async def test_async_stream(llm_emulator: LLMEmulator) -> None:
    llm_emulator.reply("Streamed word by word.")

    async with (
        llm_emulator.async_anthropic_client() as client,  # async clients: close them yourself
        client.messages.stream(
            model="claude-sonnet-4-6", max_tokens=100, messages=[{"role": "user", "content": "Hi"}]
        ) as stream,
    ):
        pieces = [text async for text in stream.text_stream]
        message = await stream.get_final_message()

    assert "".join(pieces) == "Streamed word by word." and len(pieces) > 1
    assert message.stop_reason == "end_turn"


@pytest.mark.llm_emulator("scenarios/greeting.yaml")
def test_scenario_file(llm_emulator: LLMEmulator) -> None:
    completion = llm_emulator.openai_client().chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": "hello there"}]
    )

    assert completion.choices[0].message.content == "Hello! How can I help?"
    llm_emulator.assert_called(times=1, scenario="greeting", rule="hello")


@pytest.mark.llm_emulator(accept_any_model=True, assert_all_called=True)
def test_options_for_one_test(llm_emulator: LLMEmulator) -> None:
    llm_emulator.reply("Tuned.", model="my-fine-tune-*")

    message = llm_emulator.anthropic_client().messages.create(
        model="my-fine-tune-v3", max_tokens=20, messages=[{"role": "user", "content": "Hi"}]
    )

    assert message.content[0].type == "text" and message.content[0].text == "Tuned."


def test_prompt_cache_ttl(llm_emulator: LLMEmulator) -> None:
    client = llm_emulator.anthropic_client()
    manual: list[anthropic.types.TextBlockParam] = [
        {
            "type": "text",
            "text": "You answer from the manual. " * 300,  # 2,400 tokens: above the minimum
            "cache_control": {"type": "ephemeral"},  # 5 minutes
        }
    ]

    def usage() -> anthropic.types.Usage:
        return client.messages.create(
            model="claude-sonnet-4-6",
            max_tokens=20,
            system=manual,
            messages=[{"role": "user", "content": "Hi"}],
        ).usage

    assert usage().cache_creation_input_tokens == 2400
    llm_emulator.clock.advance(299)  # no sleeping: the emulator's clock moves
    assert usage().cache_read_input_tokens == 2400  # a hit refreshes the TTL …
    llm_emulator.clock.advance(200)  # … so 499 s after the write it is still there
    assert usage().cache_read_input_tokens == 2400
    llm_emulator.clock.advance(301)  # 5 minutes and 1 s after the last hit
    assert usage().cache_read_input_tokens == 0  # expired, written again
