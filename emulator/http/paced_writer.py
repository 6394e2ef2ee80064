"""Paced streams written by one loop timer per millisecond, not a sleeping task each.

With a thousand streams paced at 50 tokens/s, every delta used to cost its
stream's task a sleep (a future and a timer in the loop's heap), a wake-up
through the handler's chain of coroutines and aiohttp's write path; the bare
app's own sleeps cost the same, and at 80% of a core the pacing tail was the
first figure a noisy neighbour moved. Here the deltas due in the same
millisecond share one timer, whose callback writes each stream's due frames
straight to its transport, framed as aiohttp frames a body.

The handler still owns its stream: it writes the frames due at once (which
carry held headers, if any) and the last batch (with the end of the body,
when the stream ends there) through aiohttp, and waits here only in between.
Every paced stream goes this way, faults that cut one short included. A
client that stops reading (more than ``HANDBACK_BYTES`` waiting in its
transport) is handed back to its handler, whose awaited write waits for the
client as aiohttp's back-pressure does.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from aiohttp import hdrs, web

from emulator.core.outcome import Timing
from emulator.http import sse
from emulator.http.per_loop import PerLoop

HANDBACK_BYTES = 64 * 1024
_TICKS_PER_S = 1000

# Made only when a stream has jitter: seeding a generator per request is not free.
JitterRandom = Callable[[], random.Random]

# The next frame that waits, and when it is due (loop time).
Waiting = tuple[bytes, float]
# Frames due now, and the next one that waits (None: the stream has no more).
Step = tuple[list[bytes], "Waiting | None"]


class Pacer:
    """When events leave: ``ttft`` after the start, then ``tokens / tokens_per_s`` apart,
    against absolute deadlines so that late wake-ups do not accumulate."""

    def __init__(self, timing: Timing, rng: JitterRandom) -> None:
        self._timing = timing
        self._rng = rng() if timing.jitter_ms else None
        self._loop = asyncio.get_running_loop()
        self._deadline = self._loop.time()
        self._started = False

    def now(self) -> float:
        return self._loop.time()

    def delay_before(self, tokens: int) -> float:
        """Seconds to wait before an event carrying ``tokens`` may leave (0 or less:
        at once)."""
        timing = self._timing
        if not self._started:
            self._started = True
            self._deadline += timing.ttft_ms / 1000
        elif tokens and timing.tokens_per_s > 0:
            self._deadline += tokens / timing.tokens_per_s
        elif tokens and self._rng is not None:
            # No rate, only jitter: each delta waits its jitter after the one before.
            self._deadline = max(self._deadline, self._loop.time())
        else:
            return 0.0
        delay = self._deadline - self._loop.time()
        if self._rng is not None:
            delay += self._rng.uniform(0, timing.jitter_ms) / 1000
        return delay


def due_now(
    frames: Iterator[sse.Frame],
    pacer: Pacer,
    report: sse.StreamReport,
    stop_after: int | None = None,
) -> Step:
    """Take frames while they are due; stop at the first that has to wait, or (as
    at the end) once ``stop_after`` events are sent."""
    batch: list[bytes] = []
    for data, tokens in frames:
        if stop_after is not None and report.events_sent >= stop_after:
            break
        delay = pacer.delay_before(tokens)
        if delay > 0:
            return batch, (data, pacer.now() + delay)
        batch.append(data)
        report.events_sent += 1
    return batch, None


@dataclass(slots=True, eq=False)
class _Held:
    """One stream between its handler's writes."""

    transport: asyncio.Transport
    chunked: bool
    frames: Iterator[sse.Frame]
    pacer: Pacer
    report: sse.StreamReport
    stop_after: int | None
    waiting: Waiting
    done: asyncio.Future[Step]


class _Ticker:
    """The streams of one event loop, in buckets by the millisecond they are due."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._buckets: dict[int, list[_Held]] = {}

    def hold(self, held: _Held) -> None:
        tick = round(held.waiting[1] * _TICKS_PER_S)
        bucket = self._buckets.get(tick)
        if bucket is None:
            self._buckets[tick] = [held]
            self._loop.call_at(tick / _TICKS_PER_S, self._fire, tick)
        else:
            bucket.append(held)

    def _fire(self, tick: int) -> None:
        for held in self._buckets.pop(tick):
            if held.done.done():  # its handler was cancelled
                continue
            try:
                self._advance(held)
            except Exception as err:  # the handler raises it, as it would have
                held.done.set_exception(err)

    def _advance(self, held: _Held) -> None:
        transport = held.transport
        if transport.is_closing():
            held.done.set_exception(sse.ClientGone())
            return
        held.report.events_sent += 1
        batch, waiting = due_now(held.frames, held.pacer, held.report, held.stop_after)
        batch.insert(0, held.waiting[0])
        if waiting is None or transport.get_write_buffer_size() > HANDBACK_BYTES:
            held.done.set_result((batch, waiting))
            return
        data = b"".join(batch)
        if held.chunked:
            transport.write(b"%x\r\n%b\r\n" % (len(data), data))
        else:
            transport.write(data)
        held.waiting = waiting
        self.hold(held)


_TICKERS = PerLoop(_Ticker)


async def send_paced(
    request: web.Request,
    response: web.StreamResponse,
    frames: Iterable[sse.Frame],
    *,
    timing: Timing,
    rng: JitterRandom,
    report: sse.StreamReport,
    stop_after: int | None = None,
    end: bool = False,
) -> None:
    """Write ``frames`` paced by ``timing``; stop after ``stop_after`` events when
    given; ``end`` ends the stream with the last write. Raises ClientGone."""
    remaining = iter(frames)
    pacer = Pacer(timing, rng)
    chunked = response.headers.get(hdrs.TRANSFER_ENCODING) == "chunked"
    batch, waiting = due_now(remaining, pacer, report, stop_after)
    while waiting is not None:
        # Also when empty: held headers leave before any write of the ticker's.
        await sse.write_raw(request, response, b"".join(batch))
        await request.writer.drain()  # waits only for a client that stopped reading
        transport = request.transport
        if transport is None:
            raise sse.ClientGone
        done: asyncio.Future[Step] = asyncio.get_running_loop().create_future()
        _TICKERS.get().hold(
            _Held(transport, chunked, remaining, pacer, report, stop_after, waiting, done)
        )
        try:
            batch, waiting = await done
        finally:
            # A future that raised holds its exception, whose traceback holds this
            # frame: without this the cut stream's request would wait for a full
            # garbage collection to be freed.
            del done
    await sse.write_raw(request, response, b"".join(batch), end=end)
