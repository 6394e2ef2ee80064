"""The stream writer: frame events, pace them, flush them, notice disconnects.

Unpaced streams are written in batches of whole frames (up to
``BATCH_BYTES``), so a long reply is never held in memory whole yet costs few
writes. Paced streams write one event per wake-up: at most one event-loop sleep
per event, scheduled against absolute deadlines so errors do not accumulate.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from aiohttp import web

from emulator import jsonvalue
from emulator.render.events import StreamEvent
from emulator.scenario.outcome import Timing

log = logging.getLogger("emulator.sse")

BATCH_BYTES = 16 * 1024

# Made only when a stream has jitter: seeding a generator per request is not free.
JitterRandom = Callable[[], random.Random]
EVENT_STREAM = "text/event-stream"


def frame(event: StreamEvent) -> bytes:
    data = event.data if isinstance(event.data, str) else None
    payload = data.encode() if data is not None else jsonvalue.dumps(event.data)
    if event.name is None:
        return b"data: " + payload + b"\n\n"
    return b"event: " + event.name.encode() + b"\ndata: " + payload + b"\n\n"


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


async def open_stream(request: web.Request, headers: Mapping[str, str]) -> web.StreamResponse:
    response = web.StreamResponse(status=200, headers=headers)
    response.content_type = EVENT_STREAM
    response.charset = "utf-8"
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Connection"] = "keep-alive"
    await response.prepare(request)
    return response


async def write_raw(request: web.Request, response: web.StreamResponse, data: bytes) -> None:
    if _is_closing(request):
        raise ClientGone
    try:
        await response.write(data)
    except (ConnectionError, RuntimeError) as err:
        raise ClientGone from err


class Pacer:
    """Sleeps so that events leave at ``ttft`` then ``tokens / tokens_per_s`` apart."""

    def __init__(self, timing: Timing, rng: JitterRandom) -> None:
        self._timing = timing
        self._rng = rng() if timing.jitter_ms else None
        self._loop = asyncio.get_running_loop()
        self._deadline = self._loop.time()
        self._started = False

    async def before(self, event: StreamEvent) -> None:
        timing = self._timing
        if not self._started:
            self._started = True
            self._deadline += timing.ttft_ms / 1000
        elif timing.tokens_per_s > 0 and event.tokens:
            self._deadline += event.tokens / timing.tokens_per_s
        else:
            return
        delay = self._deadline - self._loop.time()
        if self._rng is not None:
            delay += self._rng.uniform(0, timing.jitter_ms) / 1000
        if delay > 0:
            await asyncio.sleep(delay)


async def send_events(
    request: web.Request,
    response: web.StreamResponse,
    events: Iterable[StreamEvent],
    *,
    timing: Timing,
    rng: JitterRandom,
    report: StreamReport,
    stop_after: int | None = None,
) -> None:
    """Write ``events``; stop after ``stop_after`` events when given. Raises ClientGone."""
    if timing.is_paced:
        pacer = Pacer(timing, rng)
        for event in events:
            if stop_after is not None and report.events_sent >= stop_after:
                return
            await pacer.before(event)
            await write_raw(request, response, frame(event))
            report.events_sent += 1
        return
    batch: list[bytes] = []
    size = 0
    for event in events:
        if stop_after is not None and report.events_sent >= stop_after:
            break
        data = frame(event)
        batch.append(data)
        size += len(data)
        report.events_sent += 1
        if size >= BATCH_BYTES:
            await write_raw(request, response, b"".join(batch))
            batch.clear()
            size = 0
    if batch:
        await write_raw(request, response, b"".join(batch))


async def finish(request: web.Request, response: web.StreamResponse) -> None:
    if _is_closing(request):
        return
    try:
        await response.write_eof()
    except (ConnectionError, RuntimeError):
        log.info("client went away before the end of the stream: %s", request.path)


def abort_connection(request: web.Request) -> None:
    """Drop the TCP connection with no terminal event, as a failing upstream does."""
    transport = request.transport
    if transport is not None:
        transport.abort()
