"""The benchmark's own HTTP/1.1 client: chunked decoding, and real streams read through it."""

from __future__ import annotations

import asyncio
import math
from collections.abc import Awaitable, Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from benchmarks import bodies, http1, loadgen
from benchmarks.loadgen import HttpRequest, Load
from emulator.pipeline.config import EmulatorConfig
from emulator.render.events import TOKENS_PER_DELTA
from emulator.testing import EmulatorThread

SSE = (
    b"event: message_start\ndata: {}\n\nevent: ping\ndata: {}\n\nevent: message_stop\ndata: {}\n\n"
)


def _chunked(body: bytes, sizes: list[int], trailer: bytes = b"") -> bytes:
    out, start = [], 0
    for size in sizes:
        piece = body[start : start + size]
        if not piece:
            break
        out.append(b"%x\r\n%s\r\n" % (len(piece), piece))
        start += len(piece)
    if start < len(body):
        rest = body[start:]
        out.append(b"%x;ext=1\r\n%s\r\n" % (len(rest), rest))
    return b"".join(out) + b"0\r\n" + trailer + b"\r\n"


@given(
    body=st.binary(max_size=300),
    sizes=st.lists(st.integers(1, 64), max_size=10),
    cuts=st.lists(st.integers(0, 400), max_size=8),
    after=st.binary(max_size=20),
    trailer=st.sampled_from([b"", b"X-Checksum: 1\r\n", b"A: 1\r\nB: 2\r\n"]),
)
def test_any_chunking_fed_in_any_pieces_decodes_to_the_body(
    body: bytes, sizes: list[int], cuts: list[int], after: bytes, trailer: bytes
) -> None:
    wire = _chunked(body, sizes, trailer) + after
    decoder = http1.ChunkedDecoder()
    decoded = b""
    start = 0
    for cut in [*sorted(c for c in cuts if c < len(wire)), len(wire)]:
        assert not decoder.done
        decoded += decoder.feed(wire[start:cut])
        start = cut
        if decoder.done:
            break
    decoded += decoder.feed(wire[start:])
    assert decoder.done
    assert decoded == body
    assert decoder.rest == after  # the next response's bytes are not consumed


def test_encoded_post_only_goes_to_loopback() -> None:
    host, port, raw = http1.encode_post("http://127.0.0.1:9/v1/messages?x=1", {"a": "b"}, b"{}")
    assert (host, port) == ("127.0.0.1", 9)
    assert raw.startswith(b"POST /v1/messages?x=1 HTTP/1.1\r\n")
    assert b"\r\nContent-Length: 2\r\n" in raw and raw.endswith(b"\r\n\r\n{}")


def test_streams_read_through_the_client_count_every_event() -> None:
    with EmulatorThread(EmulatorConfig(port=0)) as server:
        body = bodies.messages(40, stream=True)
        request = HttpRequest(server.base_url + bodies.MESSAGES, bodies.ANTHROPIC_HEADERS, body)
        stats = asyncio.run(loadgen.read_streams(request, Load(4, 0.3, max_requests=12)))
        sent = {e.stream_events for e in server.runtime.journal.entries()}
    assert stats.errors == 0 and stats.streams == 12
    (events_per_stream,) = sent  # the same request, the same events every time
    assert events_per_stream is not None and events_per_stream > 5
    assert stats.events == stats.streams * events_per_stream
    assert len(stats.ttfb_s) == 12 and all(t > 0 for t in stats.ttfb_s)


def test_paced_streams_note_every_delta_and_the_output_tokens() -> None:
    with EmulatorThread(EmulatorConfig(port=0, latency="tokens_per_s=3000")) as server:
        body = bodies.messages(40, stream=True)
        request = HttpRequest(server.base_url + bodies.MESSAGES, bodies.ANTHROPIC_HEADERS, body)
        load = Load(3, 0.2, max_requests=6, timeout_s=10.0)
        stats = asyncio.run(loadgen.read_paced_streams(request, load))
    assert stats.errors == 0 and len(stats.streams) == 6
    for stream in stats.streams:
        assert stream.output_tokens > TOKENS_PER_DELTA
        assert len(stream.delta_times) == math.ceil(stream.output_tokens / TOKENS_PER_DELTA)
        assert stream.delta_times == sorted(stream.delta_times)


async def _served(reply: bytes, close: bool, run: Callable[[str], Awaitable[None]]) -> int:
    """Run ``run(url)`` against a canned server on 127.0.0.1 that answers every request
    with ``reply`` and, if ``close``, closes the connection after it; the number of
    connections it accepted."""
    handlers: list[asyncio.Task[object] | None] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        handlers.append(asyncio.current_task())
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
                await reader.readexactly(length)
                writer.write(reply)
                if close:
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        writer.close()
        await writer.wait_closed()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server:
        await run(f"http://127.0.0.1:{port}/v1/messages")
        # The client has closed its connections: let each handler see the end.
        await asyncio.wait_for(asyncio.gather(*(t for t in handlers if t)), 5.0)
    return len(handlers)


def _chunked_sse(extra_headers: bytes = b"") -> bytes:
    head = b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
    return (
        head + b"Transfer-Encoding: chunked\r\n" + extra_headers + b"\r\n" + _chunked(SSE, [7, 30])
    )


CLOSING_REPLIES = {
    "content-length, Connection: close": b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n"
    b"Connection: close\r\n\r\n%s" % (len(SSE), SSE),
    "body ended by EOF": b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\n" + SSE,
    "chunked, Connection: close": _chunked_sse(b"Connection: close\r\n"),
}


def _read(load: Load, into: list[loadgen.StreamStats]) -> Callable[[str], Awaitable[None]]:
    async def run(url: str) -> None:
        into.append(await loadgen.read_streams(HttpRequest(url, {}, b"{}"), load))

    return run


@pytest.mark.parametrize("reply", CLOSING_REPLIES.values(), ids=CLOSING_REPLIES.keys())
def test_a_connection_closed_by_the_server_is_opened_again(reply: bytes) -> None:
    results: list[loadgen.StreamStats] = []
    accepted = asyncio.run(_served(reply, True, _read(Load(2, 0.5, max_requests=6), results)))
    (stats,) = results
    assert (stats.streams, stats.errors, stats.events) == (6, 0, 18)
    assert accepted == 6


def test_keep_alive_connections_outlive_the_warm_up() -> None:
    results: list[loadgen.StreamStats] = []
    load = Load(2, 0.3, warmup_s=0.1, max_requests=5)
    accepted = asyncio.run(_served(_chunked_sse(), False, _read(load, results)))
    (stats,) = results
    assert (stats.streams, stats.errors, stats.events) == (5, 0, 15)
    assert accepted == 2


async def _never_called(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    raise AssertionError("the server was closed")


def test_other_statuses_and_refused_connections_are_errors() -> None:
    results: list[loadgen.StreamStats] = []
    reply = b"HTTP/1.1 529 Overloaded\r\nContent-Length: 2\r\n\r\n{}"
    asyncio.run(_served(reply, False, _read(Load(2, 0.3, max_requests=4), results)))
    (stats,) = results
    assert (stats.streams, stats.errors) == (0, 4)

    async def refused() -> loadgen.StreamStats:
        server = await asyncio.start_server(_never_called, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        server.close()
        await server.wait_closed()
        url = f"http://127.0.0.1:{port}/v1/messages"
        return await loadgen.read_streams(HttpRequest(url, {}, b"{}"), Load(2, 0.3, max_requests=4))

    stats = asyncio.run(refused())
    assert (stats.streams, stats.errors) == (0, 4)
