"""``llm-emulator record-drift``: the recorded requests sent to an upstream again,
answers compared by shape (key sets, types, event sequences), not by text."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from emulator import cli
from emulator.pipeline.config import EmulatorConfig
from emulator.record.shape import differences, shape_of
from emulator.scenario.loader import parse_scenario
from emulator.scenario.recorded import RecordedAnswer, RecordedEvent
from emulator.testing import EmulatorThread
from tests.record.conftest import start
from tests.record.test_record_replay import anthropic_conversation, openai_conversation

KEYS = {"ANTHROPIC_API_KEY": "sk-ant-drift-1", "OPENAI_API_KEY": "sk-drift-2"}

# An upstream whose model stopped calling the tool and whose streams are overloaded.
CHANGED: Any = {
    "name": "changed",
    "rules": [
        {"name": "no-tool", "match": {"last_user_text": "weather in"}, "reply": {"text": "Sunny."}},
        {"name": "busy", "match": {"last_user_text": "story"}, "reply": {"error": {"status": 529}}},
    ],
}
# Another upstream with other texts only: its answers have the recorded shapes.
REWORDED: Any = {
    "name": "reworded",
    "rules": [
        {
            "name": "call",
            "match": {"last_user_text": "weather in", "tools": ["get_weather"]},
            "reply": {
                "text": "One moment, looking it up.",
                "tool_calls": [{"name": "get_weather", "input": {"city": "Nice"}}],
            },
        },
    ],
}


@pytest.fixture
def recorded(recording_config: EmulatorConfig, upstream: EmulatorThread) -> Path:
    """A tool round trip, a stream and a token count, recorded from the upstream."""
    recorder = start(recording_config)
    try:
        anthropic_conversation(recorder.base_url)
    finally:
        recorder.stop()
    assert recording_config.record_out is not None
    return recording_config.record_out


def test_openai_answers_and_streams_from_the_same_upstream_have_their_shapes(
    recording_config: EmulatorConfig, upstream: EmulatorThread, capsys: pytest.CaptureFixture[str]
) -> None:
    """Chat (a tool call, its answer, a data-only stream ending in [DONE]), Responses
    (whole and streamed) and Embeddings."""
    recorder = start(recording_config)
    try:
        openai_conversation(recorder.base_url)
    finally:
        recorder.stop()
    assert recording_config.record_out is not None
    assert drift(recording_config.record_out, upstream.base_url) == 0
    assert "6 answer(s) checked, 0 changed shape" in capsys.readouterr().out


def upstream_with(scenario: Any) -> EmulatorThread:
    server = EmulatorThread(EmulatorConfig(port=0))
    server.runtime.startup_scenarios = [parse_scenario(scenario, "test", "test")]
    server.runtime.reset()
    return server.start()


def drift(folder: Path, upstream: str, environ: dict[str, str] = KEYS) -> int:
    return cli.main(["record-drift", "--fixtures", str(folder), "--upstream", upstream], environ)


def test_the_same_upstream_gives_the_recorded_shapes(
    recorded: Path, upstream: EmulatorThread, capsys: pytest.CaptureFixture[str]
) -> None:
    assert drift(recorded, upstream.base_url) == 0
    out = capsys.readouterr().out
    assert out.count("same   ") == 4
    assert "4 answer(s) checked, 0 changed shape" in out
    # Sent again with the keys from the environment, none from the cassette.
    sent = upstream.runtime.journal.entries()[-4:]
    assert [entry.to_json()["path"] for entry in sent] == [
        "/v1/messages",
        "/v1/messages",
        "/v1/messages",
        "/v1/messages/count_tokens",
    ]


def test_other_texts_in_the_same_shapes_are_no_drift(
    recorded: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other = upstream_with(REWORDED)
    try:
        assert drift(recorded, other.base_url) == 0
    finally:
        other.stop()
    assert "4 answer(s) checked, 0 changed shape" in capsys.readouterr().out


def test_a_text_answer_instead_of_a_tool_call_and_an_error_instead_of_a_stream_are_drift(
    recorded: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other = upstream_with(CHANGED)
    try:
        assert drift(recorded, other.base_url) == 1
    finally:
        other.stop()
    out = capsys.readouterr().out
    assert "4 answer(s) checked, 2 changed shape" in out
    assert out.count("drift  ") == 2
    assert "         gone $.content[].input: object" in out
    assert "         gone $.content[].name: string" in out
    assert "         status 200 -> 529" in out


def test_a_missing_key_or_an_unreachable_upstream_is_exit_2(
    recorded: Path, upstream: EmulatorThread, capsys: pytest.CaptureFixture[str]
) -> None:
    assert drift(recorded, upstream.base_url, {"OPENAI_API_KEY": "sk-x"}) == 2
    assert "set ANTHROPIC_API_KEY" in capsys.readouterr().err
    base = upstream.base_url
    upstream.stop()
    assert drift(recorded, base) == 2
    assert "the upstream did not answer" in capsys.readouterr().err


def test_arguments_are_checked(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as no_upstream:
        cli.main(["record-drift", "--fixtures", str(tmp_path)], KEYS)
    assert no_upstream.value.code == 2
    assert "give --upstream" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        cli.main(
            ["record-drift", "--fixtures", str(tmp_path), "--upstream", "http://x", "--header", "x"]
        )
    assert "expected NAME=VALUE" in capsys.readouterr().err
    assert drift(tmp_path / "missing", "http://127.0.0.1:9") == 2
    assert "not a folder" in capsys.readouterr().err


def test_a_stream_shape_is_its_event_sequence_with_runs_counted_once() -> None:
    def stream(*names: str) -> RecordedAnswer:
        return RecordedAnswer(200, events=tuple(RecordedEvent(n, {"type": n}) for n in names))

    short = stream("message_start", "content_block_delta", "message_stop")
    long = stream("message_start", "content_block_delta", "content_block_delta", "message_stop")
    assert differences(shape_of(short), shape_of(long)) == []
    pinged = stream("message_start", "ping", "content_block_delta", "message_stop")
    assert differences(shape_of(short), shape_of(pinged)) == [
        "events message_start, content_block_delta, message_stop -> "
        "message_start, ping, content_block_delta, message_stop",
        "new ping $.type: string",
        "new ping $: object",
    ]
    body = RecordedAnswer(200, body={"type": "message"})
    assert differences(shape_of(short), shape_of(body)) == ["a stream -> a whole body"]
    typed = RecordedAnswer(200, body={"type": 1})
    assert differences(shape_of(body), shape_of(typed)) == [
        "gone $.type: string",
        "new $.type: number",
    ]
