"""The bytes of a stream, read with a plain aiohttp client: framing, headers, pacing, disconnects."""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import logging
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from conftest import ResponseChecker
from emulator.http import sse
from emulator.pipeline.config import EmulatorConfig
from emulator.pipeline.journal import Exchange, Journal
from emulator.testing import EmulatorThread
from tests.support import (
    ANTHROPIC_HEADERS,
    CLAUDE,
    GPT,
    OPENAI_HEADERS,
    shrink_server_send_buffers,
    user,
)

EVENT_STREAM = "text/event-stream; charset=utf-8"
UNICODE_WORD = "café 日本語 🎉👩‍👩‍👧 naïve"
UNICODE_SCHEMA: Any = {
    "type": "object",
    "properties": {"word": {"const": UNICODE_WORD}, "other": {"enum": ["ß", "€uro"]}},
    "required": ["word", "other"],
    "additionalProperties": False,
}


@pytest.fixture(scope="module")
def paced_server() -> Iterator[EmulatorThread]:
    config = EmulatorConfig(port=0, seed=0, latency="ttft_ms=0,tokens_per_s=200")
    with EmulatorThread(config) as running:
        yield running


@pytest.fixture(scope="module")
def slow_server() -> Iterator[EmulatorThread]:
    config = EmulatorConfig(port=0, seed=0, latency="ttft_ms=0,tokens_per_s=20")
    with EmulatorThread(config) as running:
        yield running


@pytest.fixture(scope="module")
def late_server() -> Iterator[EmulatorThread]:
    config = EmulatorConfig(port=0, seed=0, latency="ttft_ms=1500")
    with EmulatorThread(config) as running:
        yield running


def parse_sse(raw: bytes) -> list[tuple[str | None, str]]:
    """Strict parse of our framing: ``[event: x\\n]data: y\\n\\n`` and nothing else."""
    assert b"\r" not in raw
    assert raw.endswith(b"\n\n")
    text = raw.decode("utf-8")
    events: list[tuple[str | None, str]] = []
    for block in text.split("\n\n")[:-1]:
        lines = block.split("\n")
        assert 1 <= len(lines) <= 2, block
        name: str | None = None
        if len(lines) == 2:
            assert lines[0].startswith("event: "), block
            name = lines[0].removeprefix("event: ")
        assert lines[-1].startswith("data: "), block
        events.append((name, lines[-1].removeprefix("data: ")))
    return events


async def _post_raw(
    session: aiohttp.ClientSession, url: str, body: Any, headers: dict[str, str]
) -> tuple[aiohttp.ClientResponse, bytes]:
    async with session.post(url, json=body, headers=headers) as response:
        # Small reads split multi-byte characters across chunks; join before decoding.
        chunks = [chunk async for chunk in response.content.iter_chunked(7)]
        return response, b"".join(chunks)


async def test_anthropic_framing_and_headers(
    server: EmulatorThread, check_response: ResponseChecker
) -> None:
    body = {"model": CLAUDE, "max_tokens": 300, "stream": True, "messages": [user("Frame it")]}
    async with aiohttp.ClientSession() as session:
        response, raw = await _post_raw(
            session, server.base_url + "/v1/messages", body, ANTHROPIC_HEADERS
        )
        async with session.post(
            server.base_url + "/v1/messages",
            json={**body, "stream": False},
            headers=ANTHROPIC_HEADERS,
        ) as plain_response:
            plain = await plain_response.json()
    assert response.status == 200
    assert response.headers["Content-Type"] == EVENT_STREAM
    assert response.headers["Cache-Control"] == "no-cache"
    assert response.headers["request-id"].startswith("req_")
    events = parse_sse(raw)
    names = [name for name, _ in events]
    assert names[:3] == ["message_start", "content_block_start", "ping"]
    assert set(names[3:-3]) == {"content_block_delta"}
    assert names[-3:] == ["content_block_stop", "message_delta", "message_stop"]
    payloads = [json.loads(data) for _, data in events]
    for name, payload in zip(names, payloads, strict=True):
        assert payload["type"] == name
        check_response("anthropic_stream_event", payload)
    text = "".join(p["delta"]["text"] for p in payloads if p["type"] == "content_block_delta")
    assert text == plain["content"][0]["text"]
    assert payloads[-2]["usage"]["output_tokens"] == plain["usage"]["output_tokens"]
    start_usage = payloads[0]["message"]["usage"]
    assert {k: v for k, v in start_usage.items() if k != "output_tokens"} == {
        k: v for k, v in plain["usage"].items() if k != "output_tokens"
    }


async def test_openai_framing_and_headers(
    server: EmulatorThread, check_response: ResponseChecker
) -> None:
    body = {
        "model": GPT,
        "stream": True,
        "stream_options": {"include_usage": True},
        "messages": [user("Frame it")],
    }
    async with aiohttp.ClientSession() as session:
        response, raw = await _post_raw(
            session, server.base_url + "/v1/chat/completions", body, OPENAI_HEADERS
        )
    assert response.status == 200
    assert response.headers["Content-Type"] == EVENT_STREAM
    assert response.headers["Cache-Control"] == "no-cache"
    assert response.headers["x-request-id"].startswith("req_")
    events = parse_sse(raw)
    assert all(name is None for name, _ in events)
    assert events[-1][1] == "[DONE]"
    chunks = [json.loads(data) for _, data in events[:-1]]
    for chunk in chunks:
        check_response("openai_chat_completion_chunk", chunk)
        assert "usage" in chunk
    assert chunks[-1]["choices"] == [] and chunks[-1]["usage"]["total_tokens"] > 0


@pytest.mark.parametrize("api", ["anthropic", "openai"])
async def test_multibyte_tool_input_survives_chunked_reads(
    server: EmulatorThread, check_response: ResponseChecker, api: str
) -> None:
    if api == "anthropic":
        url, headers, schema_name = "/v1/messages", ANTHROPIC_HEADERS, "anthropic_stream_event"
        body: Any = {
            "model": CLAUDE,
            "max_tokens": 500,
            "stream": True,
            "messages": [user("Unicode tool")],
            "tools": [{"name": "say", "input_schema": UNICODE_SCHEMA}],
            "tool_choice": {"type": "tool", "name": "say"},
        }
    else:
        url, headers, schema_name = "/v1/chat/completions", OPENAI_HEADERS, ""
        body = {
            "model": GPT,
            "stream": True,
            "messages": [user("Unicode tool")],
            "tools": [
                {"type": "function", "function": {"name": "say", "parameters": UNICODE_SCHEMA}}
            ],
            "tool_choice": "required",
        }
    async with aiohttp.ClientSession() as session:
        _, raw = await _post_raw(session, server.base_url + url, body, headers)
    events = parse_sse(raw)
    pieces: list[str] = []
    for _, data in events:
        if data == "[DONE]":
            continue
        payload = json.loads(data)
        if api == "anthropic":
            check_response(schema_name, payload)
            if payload["type"] == "content_block_delta":
                pieces.append(payload["delta"]["partial_json"])
        else:
            check_response("openai_chat_completion_chunk", payload)
            for call in payload["choices"][0]["delta"].get("tool_calls") or []:
                pieces.append(call["function"]["arguments"])
    assert len(pieces) > 2
    arguments = json.loads("".join(pieces))
    assert arguments["word"] == UNICODE_WORD
    assert arguments["other"] in ("ß", "€uro")


async def test_paced_stream_same_content_as_unpaced(
    server: EmulatorThread, paced_server: EmulatorThread
) -> None:
    body = {"model": CLAUDE, "max_tokens": 150, "stream": True, "messages": [user("Pace me")]}
    async with aiohttp.ClientSession() as session:
        _, fast = await _post_raw(
            session, server.base_url + "/v1/messages", body, ANTHROPIC_HEADERS
        )
        started = time.monotonic()
        _, paced = await _post_raw(
            session, paced_server.base_url + "/v1/messages", body, ANTHROPIC_HEADERS
        )
        elapsed = time.monotonic() - started

    def content(raw: bytes) -> list[Any]:
        payloads = [json.loads(data) for _, data in parse_sse(raw)]
        payloads[0]["message"].pop("id")
        return payloads

    fast_events, paced_events = content(fast), content(paced)
    assert paced_events == fast_events
    output_tokens = paced_events[-2]["usage"]["output_tokens"]
    assert output_tokens > 20
    # A sanity check that pacing happened at all; its accuracy is the benchmark's job.
    assert elapsed >= 0.5 * output_tokens / 200


def _on_record(
    monkeypatch: pytest.MonkeyPatch, test_id: str
) -> concurrent.futures.Future[Exchange]:
    """A future set when the exchange tagged ``test_id`` is journaled: the journal
    records an exchange when its handler has finished, whatever ended it."""
    recorded: concurrent.futures.Future[Exchange] = concurrent.futures.Future()
    record = Journal.record

    def recording(journal: Journal, exchange: Exchange) -> None:
        record(journal, exchange)
        if exchange.test_id == test_id and not recorded.done():
            recorded.set_result(exchange)

    monkeypatch.setattr(Journal, "record", recording)
    return recorded


async def test_a_late_first_event_does_not_hold_back_the_headers(
    late_server: EmulatorThread,
) -> None:
    """An unpaced stream's headers leave with its events; a paced one's leave at once,
    as from the real API, whose client sees the response before the first token."""
    body = {"model": CLAUDE, "max_tokens": 20, "stream": True, "messages": [user("Wait")]}
    url = late_server.base_url + "/v1/messages"
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, json=body, headers=ANTHROPIC_HEADERS) as response,
    ):
        assert response.status == 200
        assert response.headers["Content-Type"] == EVENT_STREAM
        with pytest.raises(TimeoutError):  # 1.5 s before the first event
            await asyncio.wait_for(response.content.read(1), timeout=0.3)
        events = parse_sse(await response.content.read())
    assert events[0][0] == "message_start" and events[-1][0] == "message_stop"


async def test_disconnect_ends_the_handler(
    server: EmulatorThread,
    slow_server: EmulatorThread,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url = slow_server.base_url + "/v1/messages"
    caplog.set_level(logging.INFO)
    async with aiohttp.ClientSession() as session:
        # Same seed, unpaced: the first prompt whose reply is long (> 100 tokens, over
        # 5 s at 20 tokens/s), and how many events its whole stream has.
        for attempt in range(50):
            body = {
                "model": CLAUDE,
                "max_tokens": 4000,
                "stream": True,
                "messages": [user(f"A long slow answer, take {attempt}")],
            }
            async with session.post(
                server.base_url + "/v1/messages", json=body, headers=ANTHROPIC_HEADERS
            ) as unpaced:
                whole = parse_sse(await unpaced.read())
            if json.loads(whole[-2][1])["usage"]["output_tokens"] > 100:
                break
        else:
            pytest.fail("no prompt got a reply of more than 100 tokens")
        handler_done = _on_record(monkeypatch, "hangs-up")
        response = await session.post(
            url, json=body, headers={**ANTHROPIC_HEADERS, "x-emulator-test-id": "hangs-up"}
        )
        try:
            assert response.status == 200
            frames = [await response.content.readuntil(b"\n\n") for _ in range(4)]
            assert frames[0].startswith(b"event: message_start\n")
            assert not handler_done.done(), "the handler must still be streaming"
        finally:
            response.close()

        # The handler ends at the disconnect, with the events it had sent, not after
        # pacing out the whole reply (the timeout only guards against a hang).
        exchange = await asyncio.wait_for(asyncio.wrap_future(handler_done), timeout=60)
        assert exchange.disconnected
        assert exchange.stream_events is not None
        assert 4 <= exchange.stream_events < len(whole) - 2

        short = {**body, "max_tokens": 5}
        async with session.post(url, json=short, headers=ANTHROPIC_HEADERS) as after:
            assert after.status == 200
            events = parse_sse(await after.read())
        assert events[-1][0] == "message_stop"
        assert json.loads(events[-2][1])["delta"]["stop_reason"] == "max_tokens"
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == []


async def _stalled_read(port: int, body: Any, until: threading.Event) -> bytes:
    """POST over a socket with a tiny receive buffer, read nothing until ``until`` is
    set, then read the whole response (it ends with the chunked body's last chunk)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(("127.0.0.1", port))
    sock.setblocking(False)
    reader, writer = await asyncio.open_connection(sock=sock, limit=16 * 1024)
    payload = json.dumps(body).encode()
    head = "".join(f"{name}: {value}\r\n" for name, value in ANTHROPIC_HEADERS.items())
    writer.write(
        b"POST /v1/messages HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        + head.encode()
        + f"Content-Length: {len(payload)}\r\n\r\n".encode()
        + payload
    )
    await writer.drain()
    # The timeout only guards against a hang: the event comes or the test fails.
    assert await asyncio.to_thread(until.wait, 60), "the handler never took the stream back"
    raw = b""
    while not raw.endswith(b"\r\n0\r\n\r\n"):
        piece = await asyncio.wait_for(reader.read(65536), timeout=10)
        assert piece, "connection closed before the end of the stream"
        raw += piece
    writer.close()
    return raw


def _dechunk(raw: bytes) -> bytes:
    head, _, rest = raw.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200") and b"Transfer-Encoding: chunked" in head
    body = b""
    while True:
        size_line, _, rest = rest.partition(b"\r\n")
        size = int(size_line, 16)
        if size == 0:
            return body
        body += rest[:size]
        assert rest[size : size + 2] == b"\r\n"
        rest = rest[size + 2 :]


async def test_a_paced_stream_to_a_client_that_stops_reading_loses_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Far more than the transport's limit is due while the client reads nothing:
    the stream is handed back to its handler, which waits for the client, and every
    event arrives once, in order. (The pace leaves rendering time to spare even on
    a busy machine, or the whole stream would be due at once and go out in one
    write.)"""
    words = " ".join(f"word{i}" for i in range(5000))
    scenario = {"rules": [{"name": "flood", "match": {}, "reply": {"text": words}}]}
    (tmp_path / "flood.json").write_text(json.dumps(scenario))
    body = {"model": CLAUDE, "max_tokens": 60000, "stream": True, "messages": [user("Flood")]}
    handler_writes: list[int] = []
    write_raw = sse.write_raw

    handed_back = threading.Event()

    async def counting_write_raw(*args: Any, **kwargs: Any) -> None:
        handler_writes.append(len(args[2]))
        if len(handler_writes) == 2:  # the handler writes again: the ticker handed back
            handed_back.set()
        await write_raw(*args, **kwargs)

    monkeypatch.setattr(sse, "write_raw", counting_write_raw)
    # Small kernel buffers on the server's side too, or they would take it all.
    shrink_server_send_buffers(monkeypatch)
    config = EmulatorConfig(
        port=0, seed=0, fixtures=tmp_path, latency="ttft_ms=0,tokens_per_s=8000"
    )
    with EmulatorThread(config) as fast:
        raw = await _stalled_read(fast.port, body, until=handed_back)
    events = parse_sse(_dechunk(raw))
    text = "".join(
        json.loads(data)["delta"]["text"] for name, data in events if name == "content_block_delta"
    )

    assert len(raw) > 300_000
    assert text == words
    assert events[0][0] == "message_start" and events[-1][0] == "message_stop"
    # More than the first and the last write: the handler took over from the ticker.
    assert len(handler_writes) > 2, handler_writes
