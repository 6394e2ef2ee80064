"""Framing, rendering of deltas (multi-byte text included), pacing and batching of streams."""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any, cast

import pytest
from aiohttp import web
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import ResponseChecker
from emulator.accounting.usage import PromptUsage
from emulator.core.completion import finish_choice
from emulator.core.outcome import FinishedChoice, Part, TextPart, ThinkingPart, Timing, ToolCallPart
from emulator.core.tokenizer import count_tokens
from emulator.http import sse
from emulator.http.sse import StreamEvent
from emulator.render.anthropic import message_events
from emulator.render.complete import completion_events
from emulator.render.openai import ChatHeader, chunk_events
from tests import sse_parse

TRICKY = (
    "Café naïve e\u0301 — 日本語のテキスト 🎉 👩\u200d👩\u200d👧 🇫🇷 ß€ "
    'quote " backslash \\ tab\t nl\n crlf\r\n ls\u2028 ps\u2029 nel\u0085 '
    "event: fake\n\ndata: [DONE]\n\n end"
)
PROMPT = PromptUsage(input_tokens=11, cache_creation_5m_tokens=3, cache_read_tokens=5)
UNPACED = Timing()
HEADER = ChatHeader(id="chatcmpl-test", created=1_700_000_000, model="gpt-4o-mini")


def _finished(*parts: Part) -> FinishedChoice:
    return finish_choice(tuple(parts), max_tokens=100_000)


def _decode(raw: bytes, *, chunk: int) -> list[tuple[str | None, str]]:
    """Decode as a conforming SSE client does, fed ``chunk`` bytes at a time."""
    pieces = [raw[i : i + chunk] for i in range(0, len(raw), chunk)]
    return [(event.event, event.data) for event in sse_parse.decode(pieces)]


def _frames(events: Iterator[StreamEvent]) -> list[bytes]:
    frames = [sse.frame(event) for event in events]
    for data in frames:
        data.decode("utf-8")  # every frame is whole UTF-8 on its own
        assert b"\r" not in data
        assert data.endswith(b"\n\n") and data.count(b"\n") in (2, 3)
    return frames


class TestFrame:
    def test_named_event(self) -> None:
        event = StreamEvent("ping", {"type": "ping"})
        assert sse.frame(event) == b'event: ping\ndata: {"type":"ping"}\n\n'

    def test_data_only_event(self) -> None:
        assert sse.frame(StreamEvent(None, {"a": [1, None]})) == b'data: {"a":[1,null]}\n\n'

    def test_raw_string_data(self) -> None:
        assert sse.frame(StreamEvent(None, "[DONE]")) == b"data: [DONE]\n\n"

    def test_text_stays_on_one_line_and_utf8(self) -> None:
        data = sse.frame(StreamEvent("x", {"text": TRICKY}))
        head, body, tail = data.split(b"\n", 2)
        assert head == b"event: x" and tail == b"\n"
        assert json.loads(body.removeprefix(b"data: ").decode())["text"] == TRICKY
        assert "日本語".encode() in body  # raw UTF-8, not \\u escapes


def test_anthropic_multibyte_deltas_round_trip(check_response: ResponseChecker) -> None:
    thinking = "Je réfléchis… 考えています 🤔"
    choice = _finished(ThinkingPart(thinking, "EqSig=="), TextPart(TRICKY))
    raw = b"".join(_frames(message_events("claude-x", choice, PROMPT, "msg_1")))
    for chunk in (1, 3, 7, len(raw)):
        decoded = _decode(raw, chunk=chunk)
        payloads = [json.loads(data) for _, data in decoded]
        for (name, _), payload in zip(decoded, payloads, strict=True):
            assert payload["type"] == name
            check_response("anthropic_stream_event", payload)
        deltas = [p["delta"] for p in payloads if p["type"] == "content_block_delta"]
        assert "".join(d["text"] for d in deltas if d["type"] == "text_delta") == TRICKY
        assert "".join(d["thinking"] for d in deltas if d["type"] == "thinking_delta") == thinking
        assert [d["signature"] for d in deltas if d["type"] == "signature_delta"] == ["EqSig=="]
        assert len([d for d in deltas if d["type"] == "text_delta"]) > 5


def test_anthropic_usage_shapes(check_response: ResponseChecker) -> None:
    choice = _finished(TextPart("Hello there, general."))
    events = list(message_events("claude-x", choice, PROMPT, "msg_1"))
    start = cast(dict[str, Any], events[0].data)
    delta = cast(dict[str, Any], events[-2].data)
    assert start["message"]["usage"] == {
        "input_tokens": 11,
        "cache_creation_input_tokens": 3,
        "cache_read_input_tokens": 5,
        "cache_creation": {"ephemeral_5m_input_tokens": 3, "ephemeral_1h_input_tokens": 0},
        "output_tokens": 1,
        "service_tier": "standard",
    }
    assert delta["usage"] == {
        "input_tokens": 11,
        "cache_creation_input_tokens": 3,
        "cache_read_input_tokens": 5,
        "output_tokens": choice.output_tokens,
    }
    check_response("anthropic_stream_event", delta)


def test_anthropic_empty_reply_still_pings() -> None:
    choice = finish_choice((TextPart("Hello"),), max_tokens=0)
    names = [e.name for e in message_events("claude-x", choice, PROMPT, "msg_1")]
    assert names == ["message_start", "ping", "message_delta", "message_stop"]


def test_anthropic_tool_json_round_trip() -> None:
    arguments = {"city": "São Paulo", "note": "東京 🌧", "n": [1, 2.5, None, True]}
    choice = _finished(ToolCallPart("get_weather", arguments, "toolu_1"))
    raw = b"".join(_frames(message_events("claude-x", choice, PROMPT, "msg_1")))
    payloads = [json.loads(data) for _, data in _decode(raw, chunk=5)]
    partial = [p["delta"]["partial_json"] for p in payloads if p["type"] == "content_block_delta"]
    assert partial[0] == ""
    assert json.loads("".join(partial)) == arguments
    start = next(p for p in payloads if p["type"] == "content_block_start")
    assert start["content_block"] == {
        "type": "tool_use",
        "id": "toolu_1",
        "name": "get_weather",
        "input": {},
    }


@pytest.mark.parametrize("include_usage", [True, False])
def test_openai_multibyte_chunks_round_trip(
    check_response: ResponseChecker, include_usage: bool
) -> None:
    choices = [_finished(TextPart(TRICKY)), _finished(TextPart("Ünïcödé 中文 ✅"))]
    events = chunk_events(HEADER, choices, PROMPT, include_usage=include_usage)
    raw = b"".join(_frames(events))
    decoded = _decode(raw, chunk=3)
    assert all(name is None for name, _ in decoded)
    assert decoded[-1][1] == "[DONE]"
    chunks = [json.loads(data) for _, data in decoded[:-1]]
    texts = ["", ""]
    finishes: list[list[str]] = [[], []]
    for chunk in chunks:
        check_response("openai_chat_completion_chunk", chunk)
        assert ("usage" in chunk) is include_usage
        for choice in chunk["choices"]:
            texts[choice["index"]] += choice["delta"].get("content") or ""
            if choice["finish_reason"]:
                finishes[choice["index"]].append(choice["finish_reason"])
    assert texts == [TRICKY, "Ünïcödé 中文 ✅"]
    assert finishes == [["stop"], ["stop"]]
    if include_usage:
        assert chunks[-1]["choices"] == []
        assert chunks[-1]["usage"]["completion_tokens"] == sum(c.output_tokens for c in choices)
        assert chunks[-1]["usage"]["prompt_tokens"] == PROMPT.total_tokens


@pytest.mark.parametrize("version", ["2023-06-01", "2023-01-01"])
def test_complete_multibyte_round_trip(version: str) -> None:
    choice = _finished(TextPart(" " + TRICKY))
    raw = b"".join(_frames(completion_events("claude-2.1", choice, "compl_1", "log", version)))
    decoded = _decode(raw, chunk=2)
    if version == "2023-06-01":
        completions = [json.loads(d) for name, d in decoded if name == "completion"]
        assert [name for name, _ in decoded].count("ping") == 1
        assert "".join(c["completion"] for c in completions) == " " + TRICKY
        assert completions[-1]["stop_reason"] == "stop_sequence"
    else:
        assert decoded[-1] == (None, "[DONE]")
        objects = [json.loads(d) for _, d in decoded[:-1]]
        assert objects[-1]["completion"] == " " + TRICKY
        assert all(
            b["completion"].startswith(a["completion"]) for a, b in itertools.pairwise(objects)
        )


def test_complete_empty_completion_still_pings() -> None:
    choice = finish_choice((TextPart(" x"),), max_tokens=0)
    events = list(completion_events("claude-2.1", choice, "compl_1", "log", "2023-06-01"))
    assert [e.name for e in events] == ["ping", "completion"]
    assert cast(dict[str, Any], events[-1].data)["stop_reason"] == "max_tokens"


@settings(max_examples=200, deadline=None)
@given(text=st.text(), thinking=st.text(min_size=1))
def test_any_text_round_trips_through_every_renderer(text: str, thinking: str) -> None:
    choice = _finished(ThinkingPart(thinking, "sig"), TextPart(text))
    raw = b"".join(_frames(message_events("claude-x", choice, PROMPT, "msg_1")))
    payloads = [json.loads(data) for _, data in _decode(raw, chunk=64)]
    deltas = [p["delta"] for p in payloads if p["type"] == "content_block_delta"]
    assert "".join(d.get("text", "") for d in deltas) == text
    assert "".join(d.get("thinking", "") for d in deltas) == thinking

    raw = b"".join(_frames(chunk_events(HEADER, [choice], PROMPT, include_usage=True)))
    chunks = [json.loads(d) for _, d in _decode(raw, chunk=64)[:-1]]
    joined = "".join(c["delta"].get("content") or "" for k in chunks for c in k["choices"])
    assert joined == text

    for version in ("2023-06-01", "2023-01-01"):
        plain = _finished(TextPart(text))
        raw = b"".join(_frames(completion_events("m", plain, "c", "l", version)))
        objects = [json.loads(d) for _, d in _decode(raw, chunk=64) if d != "[DONE]"]
        objects = [o for o in objects if o.get("type") != "ping"]
        if version == "2023-06-01":
            assert "".join(o["completion"] for o in objects) == text
        else:
            assert objects[-1]["completion"] == text


def test_token_counts_of_deltas_add_up() -> None:
    choice = _finished(TextPart(TRICKY))
    events = list(message_events("claude-x", choice, PROMPT, "msg_1"))
    assert sum(e.tokens for e in events) == count_tokens(TRICKY) == choice.output_tokens


# --- batching, with a fake connection -----------------------------


class FakeTransport:
    def __init__(self) -> None:
        self.closing = False

    def is_closing(self) -> bool:
        return self.closing


class FakeResponse:
    def __init__(self, fail_after: int | None = None) -> None:
        self.writes: list[bytes] = []
        self.fail_after = fail_after

    async def write(self, data: bytes) -> None:
        if self.fail_after is not None and len(self.writes) >= self.fail_after:
            raise ConnectionResetError("peer gone")
        self.writes.append(data)


def _send(
    events: list[StreamEvent],
    *,
    transport: FakeTransport | None = None,
    response: FakeResponse | None = None,
    stop_after: int | None = None,
) -> tuple[FakeResponse, sse.StreamReport]:
    request = cast(web.Request, SimpleNamespace(transport=transport or FakeTransport()))
    out = response or FakeResponse()
    report = sse.StreamReport()

    async def run() -> None:
        await sse.send_events(
            request,
            cast(web.StreamResponse, out),
            sse.framed(events),
            report=report,
            stop_after=stop_after,
        )

    asyncio.run(run())
    return out, report


def _text_events(count: int) -> list[StreamEvent]:
    return [StreamEvent("delta", {"text": f"piece {i} é日🎉"}, 3) for i in range(count)]


def test_unpaced_stream_is_written_in_whole_frame_batches() -> None:
    events = _text_events(3000)
    frames = [sse.frame(e) for e in events]
    out, report = _send(events)
    assert report.events_sent == len(events)
    assert b"".join(out.writes) == b"".join(frames)
    assert 2 <= len(out.writes) <= len(b"".join(frames)) // sse.BATCH_BYTES + 1
    largest = max(len(f) for f in frames)
    for write in out.writes:
        assert len(write) < sse.BATCH_BYTES + largest
        assert write.endswith(b"\n\n")
        write.decode("utf-8")


def test_small_unpaced_stream_is_one_write() -> None:
    out, report = _send(_text_events(5))
    assert len(out.writes) == 1 and report.events_sent == 5


def test_stop_after_limits_events() -> None:
    events = _text_events(10)
    out, report = _send(events, stop_after=4)
    assert report.events_sent == 4
    assert b"".join(out.writes) == b"".join(sse.frame(e) for e in events[:4])


def test_closed_transport_raises_client_gone() -> None:
    transport = FakeTransport()
    transport.closing = True
    with pytest.raises(sse.ClientGone):
        _send(_text_events(3), transport=transport)


def test_write_error_raises_client_gone() -> None:
    response = FakeResponse(fail_after=2)
    with pytest.raises(sse.ClientGone):
        _send(_text_events(3000), response=response)  # more than two batches
    assert len(response.writes) == 2
