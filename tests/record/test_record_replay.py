"""Record through the proxy with both SDKs, stop the upstream, replay from the
written files, and compare what the SDKs parsed."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import anthropic
import httpx
import openai
import pytest

from emulator import cli
from emulator.pipeline.config import EmulatorConfig
from emulator.testing import EmulatorThread
from tests.record.conftest import start
from tests.support import CLAUDE, GPT

TOOL: Any = {
    "name": "get_weather",
    "description": "Weather",
    "input_schema": {
        "type": "object",
        "properties": {"city": {"type": "string"}},
        "required": ["city"],
    },
}
OPENAI_TOOL: Any = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Weather",
        "parameters": TOOL["input_schema"],
    },
}


def anthropic_conversation(base_url: str) -> list[Any]:
    """A tool round trip, then a streamed answer: what the SDK parsed of each."""
    client = anthropic.Anthropic(base_url=base_url, api_key="sk-ant-secret-1", max_retries=0)
    messages: list[Any] = [{"role": "user", "content": "What is the weather in Paris?"}]
    first = client.messages.create(model=CLAUDE, max_tokens=200, messages=messages, tools=[TOOL])
    call = next(block for block in first.content if block.type == "tool_use")
    messages += [
        {"role": "assistant", "content": [b.model_dump(exclude_none=True) for b in first.content]},
        {
            "role": "user",
            "content": [{"type": "tool_result", "tool_use_id": call.id, "content": "Sunny, 21C"}],
        },
    ]
    second = client.messages.create(model=CLAUDE, max_tokens=200, messages=messages, tools=[TOOL])
    with client.messages.stream(
        model=CLAUDE, max_tokens=200, messages=[{"role": "user", "content": "Tell a story"}]
    ) as stream:
        events = [event.type for event in stream]
        final = stream.get_final_message()
    count = client.messages.count_tokens(model=CLAUDE, messages=messages, tools=[TOOL])
    client.close()
    return [first.model_dump(), second.model_dump(), events, final.model_dump(), count.input_tokens]


def openai_conversation(base_url: str) -> list[Any]:
    client = openai.OpenAI(base_url=base_url + "/v1", api_key="sk-openai-secret-2", max_retries=0)
    messages: list[Any] = [{"role": "user", "content": "What is the weather in Lyon?"}]
    first = client.chat.completions.create(model=GPT, messages=messages, tools=[OPENAI_TOOL])
    call = first.choices[0].message.tool_calls[0]  # type: ignore[index]
    messages += [
        {
            "role": "assistant",
            "content": first.choices[0].message.content,
            "tool_calls": [call.model_dump()],
        },
        {"role": "tool", "tool_call_id": call.id, "content": "Rain, 12C"},
    ]
    second = client.chat.completions.create(model=GPT, messages=messages, tools=[OPENAI_TOOL])
    chunks = list(
        client.chat.completions.create(
            model=GPT, messages=[{"role": "user", "content": "a story"}], stream=True
        )
    )
    response = client.responses.create(model=GPT, input="Tell a story", store=False)
    with client.responses.stream(model=GPT, input="Tell a story please", store=False) as stream:
        response_events = [event.type for event in stream]
        streamed = stream.get_final_response()
    vectors = client.embeddings.create(model="text-embedding-3-small", input=["a", "b"])
    client.close()
    return [
        first.model_dump(),
        second.model_dump(),
        [c.model_dump() for c in chunks],
        response.model_dump(),
        response_events,
        streamed.model_dump(),
        vectors.model_dump(),
    ]


def record_then_replay(
    conversation: Callable[[str], list[Any]],
    config: EmulatorConfig,
    upstream: EmulatorThread,
) -> tuple[list[Any], list[Any]]:
    recorder = start(config)
    try:
        recorded = conversation(recorder.base_url)
    finally:
        recorder.stop()
    upstream.stop()  # nothing may reach it any more
    replayer = start(EmulatorConfig(), fixtures=config.record_out)
    try:
        replayed = conversation(replayer.base_url)
    finally:
        replayer.stop()
    return recorded, replayed


def test_anthropic_tool_conversation_and_stream_replay_as_recorded(
    recording_config: EmulatorConfig, upstream: EmulatorThread
) -> None:
    recorded, replayed = record_then_replay(anthropic_conversation, recording_config, upstream)
    assert recorded[0]["stop_reason"] == "tool_use"
    assert "Sunny, 21C" in recorded[1]["content"][0]["text"]
    assert recorded[2][0] == "message_start" and "text" in recorded[2]
    assert replayed == recorded


def test_openai_chat_responses_and_embeddings_replay_as_recorded(
    recording_config: EmulatorConfig, upstream: EmulatorThread
) -> None:
    recorded, replayed = record_then_replay(openai_conversation, recording_config, upstream)
    assert recorded[0]["choices"][0]["finish_reason"] == "tool_calls"
    assert "Rain, 12C" in recorded[1]["choices"][0]["message"]["content"]
    assert len(recorded[2]) > 2 and recorded[4][0] == "response.created"
    assert len(recorded[6]["data"]) == 2
    assert replayed == recorded


def test_replay_matches_a_conversation_whose_tool_ids_are_fresh(
    recording_config: EmulatorConfig, upstream: EmulatorThread
) -> None:
    """The second turn echoes the tool call's id; a replay whose first answer had
    another id (here: edited in the file) still matches."""
    record_then_replay(anthropic_conversation, recording_config, upstream)
    assert recording_config.record_out is not None
    cassette = recording_config.record_out / "recorded.json"
    text = cassette.read_text()
    first_id = text.split('"id": "toolu_', 1)[1].split('"', 1)[0]
    cassette.write_text(text.replace(first_id, "0" * len(first_id)))
    replayer = start(EmulatorConfig(), fixtures=recording_config.record_out)
    try:
        replayed = anthropic_conversation(replayer.base_url)
    finally:
        replayer.stop()
    assert "Sunny, 21C" in replayed[1]["content"][0]["text"]


@pytest.mark.parametrize(
    ("text", "status"), [("too fast", 429), ("overloaded", 529), ("refuse me", 400)]
)
def test_errors_are_recorded_and_replayed_with_their_headers(
    recording_config: EmulatorConfig, upstream: EmulatorThread, text: str, status: int
) -> None:
    def ask(base_url: str) -> list[Any]:
        response = httpx.post(
            base_url + "/v1/messages",
            headers={"x-api-key": "sk-ant-x", "anthropic-version": "2023-06-01"},
            json={
                "model": CLAUDE,
                "max_tokens": 10,
                "messages": [{"role": "user", "content": text}],
            },
        )
        return [response.status_code, response.json()["error"], response.headers.get("retry-after")]

    recorded, replayed = record_then_replay(ask, recording_config, upstream)
    assert recorded[0] == status
    assert recorded[2] == ("7" if status == 429 else None)
    assert replayed == recorded


def test_recorded_files_pass_check_fixtures(
    recording_config: EmulatorConfig, upstream: EmulatorThread, capsys: pytest.CaptureFixture[str]
) -> None:
    record_then_replay(openai_conversation, recording_config, upstream)
    assert cli.main(["check-fixtures", str(recording_config.record_out)]) == 0
    assert "1 scenario(s)" in capsys.readouterr().out


def test_recording_is_stable_in_order_and_formatting(
    recording_config: EmulatorConfig, upstream: EmulatorThread, tmp_path: Path
) -> None:
    """Recording the same conversation again with mode all writes the same rules in
    the same order; only the upstream's fresh ids and the measured gaps differ."""
    assert recording_config.record_out is not None
    cassette = recording_config.record_out / "recorded.json"

    def shape(path: Path) -> list[str]:
        volatile = ('"gap_ms"', '"id"')
        lines = path.read_text().splitlines()
        return [line for line in lines if not any(v in line for v in volatile)]

    first = start(recording_config)
    anthropic_conversation(first.base_url)
    first.stop()
    before = shape(cassette)
    again = start(recording_config, record_mode="all")
    anthropic_conversation(again.base_url)
    again.stop()
    assert len(before) > 50
    assert shape(cassette) == before
    assert cassette.read_text().endswith("}\n")
