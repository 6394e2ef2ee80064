"""The benchmark's own HTTP/1.1 client: chunked decoding, and real streams read through it."""

from __future__ import annotations

import asyncio

from hypothesis import given
from hypothesis import strategies as st

from benchmarks import bodies, http1, loadgen
from benchmarks.loadgen import HttpRequest, Load
from emulator.config import EmulatorConfig
from emulator.testing import EmulatorThread


def _chunked(body: bytes, sizes: list[int]) -> bytes:
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
    return b"".join(out) + b"0\r\n\r\n"


@given(
    body=st.binary(max_size=300),
    sizes=st.lists(st.integers(1, 64), max_size=10),
    cuts=st.lists(st.integers(0, 400), max_size=8),
    after=st.binary(max_size=20),
)
def test_any_chunking_fed_in_any_pieces_decodes_to_the_body(
    body: bytes, sizes: list[int], cuts: list[int], after: bytes
) -> None:
    wire = _chunked(body, sizes) + after
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
