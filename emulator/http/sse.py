"""The stream writer: frame events, flush them, notice disconnects.

Unpaced streams are written in batches of whole frames (up to
``BATCH_BYTES``), so a long reply is never held in memory whole yet costs few
writes. Paced streams are ``paced_writer``'s.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

from aiohttp import hdrs, web

from emulator.util import jsonvalue
from emulator.util.jsonvalue import JSONObject

log = logging.getLogger("emulator.sse")

BATCH_BYTES = 16 * 1024
EVENT_STREAM = "text/event-stream"
# What every stream answers with besides the API's headers (answers put them in the
# headers they pass to open_stream, which adds them where missing).
STREAM_HEADERS = {
    hdrs.CONTENT_TYPE: EVENT_STREAM + "; charset=utf-8",
    hdrs.CACHE_CONTROL: "no-cache",
    hdrs.CONNECTION: "keep-alive",
}


@dataclass(frozen=True, slots=True)
class StreamEvent:
    """``name`` is the SSE ``event:`` (None for data-only streams); ``data`` is a JSON
    object or a raw string such as ``[DONE]``; ``tokens`` is how many output tokens
    the event carries, which is what pacing waits for."""

    name: str | None
    data: JSONObject | str
    tokens: int = 0


def frame(event: StreamEvent) -> bytes:
    data = event.data if isinstance(event.data, str) else None
    payload = data.encode() if data is not None else jsonvalue.dumps(event.data)
    if event.name is None:
        return b"data: " + payload + b"\n\n"
    return b"event: " + event.name.encode() + b"\ndata: " + payload + b"\n\n"


# An event as sent, and the output tokens it carries (what pacing waits for).
Frame = tuple[bytes, int]


def framed(events: Iterable[StreamEvent]) -> Iterator[Frame]:
    """``events`` framed one at a time, as they are sent."""
    for event in events:
        yield frame(event), event.tokens


@dataclass(slots=True)
class StreamReport:
    """What happened to one stream, for the journal and the logs."""

    events_sent: int = 0
    disconnected: bool = False
    fault: str | None = None


class ClientGone(Exception):
    """The client closed the connection mid-stream."""


def _is_closing(request: web.Request) -> bool:
    transport = request.transport
    return transport is None or transport.is_closing()


class _HeldHeadersResponse(web.StreamResponse):
    """Its headers wait for the first write and leave in the same packet, as
    ``web.Response`` does for a whole body: a write to a socket costs more than the
    bytes it carries. (Where aiohttp no longer reads this flag, headers simply leave
    at once.)"""

    _send_headers_immediately = False


async def open_stream(
    request: web.Request, headers: Mapping[str, str], *, hold_headers: bool = False
) -> web.StreamResponse:
    """Start the stream. ``hold_headers`` sends the headers with the first events:
    only for a stream whose first event is due at once (a client waiting out a
    first-token delay gets its headers straight away, as from the real API)."""
    response_class = _HeldHeadersResponse if hold_headers else web.StreamResponse
    response = response_class(status=200, headers=headers)
    if response.headers.get(hdrs.CONTENT_TYPE) != STREAM_HEADERS[hdrs.CONTENT_TYPE]:
        response.headers.update(STREAM_HEADERS)
    if not request.keep_alive:  # aiohttp closes the connection after this answer
        response.headers[hdrs.CONNECTION] = "close"
    await response.prepare(request)
    return response


async def write_raw(
    request: web.Request, response: web.StreamResponse, data: bytes, *, end: bool = False
) -> None:
    """Write ``data``; ``end`` ends the stream in the same write. Raises ClientGone."""
    if _is_closing(request):
        raise ClientGone
    try:
        if end:
            await response.write_eof(data)
        else:
            await response.write(data)
    except (ConnectionError, RuntimeError) as err:
        raise ClientGone from err


async def send_events(
    request: web.Request,
    response: web.StreamResponse,
    frames: Iterable[Frame],
    *,
    report: StreamReport,
    stop_after: int | None = None,
    end: bool = False,
) -> None:
    """Write ``frames`` as fast as the client takes them, in batches of up to
    ``BATCH_BYTES``; stop after ``stop_after`` events when given; ``end`` ends the
    stream with the last write. Raises ClientGone. (Paced streams:
    ``paced_writer.send_paced``.)"""
    batch: list[bytes] = []
    size = 0
    for data, _tokens in frames:
        if stop_after is not None and report.events_sent >= stop_after:
            break
        batch.append(data)
        size += len(data)
        report.events_sent += 1
        if size >= BATCH_BYTES:
            await write_raw(request, response, b"".join(batch))
            batch.clear()
            size = 0
    if batch or end:
        await write_raw(request, response, b"".join(batch), end=end)


async def finish(request: web.Request, response: web.StreamResponse) -> None:
    if _is_closing(request):
        return
    try:
        await response.write_eof()
    except (ConnectionError, RuntimeError):
        log.info("client went away before the end of the stream: %s", request.path)


async def interrupt(request: web.Request, response: web.StreamResponse, data: bytes) -> None:
    """End the stream now with ``data`` (the API's error event), without waiting for
    a client that stopped reading: what a stream still open at shutdown gets. The
    connection is closed after it."""
    if _is_closing(request):
        return
    try:
        # The bytes are handed to the transport before any wait; only a wait for
        # the client to drain them is cut short.
        async with asyncio.timeout(0):
            await response.write_eof(data)
    except (TimeoutError, ConnectionError, RuntimeError):
        log.info("stream to %s interrupted before its error event could be sent", request.path)
    transport = request.transport
    if transport is not None:
        transport.close()


def abort_connection(request: web.Request) -> None:
    """Drop the TCP connection with no terminal event, as a failing upstream does."""
    transport = request.transport
    if transport is not None:
        transport.abort()
