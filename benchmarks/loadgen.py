"""Our own asyncio load generator: N workers, a warm-up, a fixed duration.

SSE workloads read through benchmarks.http1 (a client that does the least per
chunk, so the server's timing is what is measured); plain POSTs, when wrk is not
installed, and idle streams go through aiohttp's client.
Each phase is bounded by a deadline and by a shared request budget; a request
in flight at the deadline is allowed to finish (within its timeout).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import random
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field

import aiohttp

from benchmarks import http1, sse
from benchmarks.stats import percentile

_DELTA = b"content_block_delta"
_USAGE = b"message_delta"


@dataclass(frozen=True)
class HttpRequest:
    url: str
    headers: Mapping[str, str]
    body: bytes

    def body_number(self, number: int) -> bytes:
        """The body with ``DISTINCT`` (if it holds it) replaced by ``number``: bodies
        never sent before, for a load of prompts the server has not seen."""
        return self.body.replace(DISTINCT, str(number).encode(), 1)

    @property
    def is_distinct(self) -> bool:
        return DISTINCT in self.body


# Marks where a body's per-request number goes (see HttpRequest.body_number).
DISTINCT = b"@@number@@"


@dataclass(frozen=True)
class Load:
    """How hard and how long: ``connections`` workers, each looping until the deadline."""

    connections: int
    duration_s: float
    warmup_s: float = 0.0
    max_requests: int = 1_000_000
    ramp_s: float = 0.0
    timeout_s: float = 30.0
    # > 0: each worker starts a request every interval_s (spread over the workers)
    # instead of as soon as its last one ends: a fixed offered load.
    interval_s: float = 0.0


@dataclass
class RequestStats:
    """Non-streaming results, from wrk or from our client."""

    requests: int = 0
    errors: int = 0
    elapsed_s: float = 0.0
    p50_s: float = 0.0
    p99_s: float = 0.0

    @property
    def per_second(self) -> float:
        return self.requests / self.elapsed_s if self.elapsed_s > 0 else 0.0


@dataclass
class StreamStats:
    streams: int = 0
    errors: int = 0
    events: int = 0
    elapsed_s: float = 0.0
    ttfb_s: list[float] = field(default_factory=list)

    @property
    def events_per_second(self) -> float:
        return self.events / self.elapsed_s if self.elapsed_s > 0 else 0.0

    @property
    def streams_per_second(self) -> float:
        return self.streams / self.elapsed_s if self.elapsed_s > 0 else 0.0


@dataclass
class PacedStream:
    """Arrival times of a stream's content deltas, and its reported output tokens."""

    delta_times: list[float]
    output_tokens: int


@dataclass
class PacingStats:
    streams: list[PacedStream] = field(default_factory=list)
    errors: int = 0


class _Budget:
    """Shared request count: workers stop when it is spent or the deadline passes."""

    def __init__(self, limit: int, deadline: float) -> None:
        self.left = limit
        self.deadline = deadline

    def take(self) -> bool:
        if self.left <= 0 or time.perf_counter() >= self.deadline:
            return False
        self.left -= 1
        return True


def _session(load: Load, *, total_timeout: float | None) -> aiohttp.ClientSession:
    connector = aiohttp.TCPConnector(limit=load.connections, limit_per_host=0)
    timeout = aiohttp.ClientTimeout(total=total_timeout, sock_connect=load.timeout_s)
    return aiohttp.ClientSession(connector=connector, timeout=timeout)


async def _phase(
    load: Load, seconds: float, ramp_s: float, one: Callable[[], Awaitable[None]]
) -> float:
    """Run ``one`` in ``load.connections`` loops for ``seconds``, the loops starting
    spread over ``ramp_s``; return the elapsed time."""
    start = time.perf_counter()
    budget = _Budget(load.max_requests, start + seconds)

    async def worker(index: int) -> None:
        if ramp_s > 0:
            await asyncio.sleep(ramp_s * index / load.connections)
        while budget.take():
            await one()

    await asyncio.gather(*(worker(i) for i in range(load.connections)))
    return time.perf_counter() - start


async def _measure(
    load: Load,
    session_timeout: float | None,
    make_one: Callable[[aiohttp.ClientSession, bool], Callable[[], Awaitable[None]]],
) -> float:
    """A warm-up phase (discarded), then the measured phase, on one connection pool.

    The ramp (spreading the first connections) happens in the warm-up when there is one.
    """
    async with _session(load, total_timeout=session_timeout) as session:
        ramp_s = load.ramp_s
        if load.warmup_s > 0:
            await _phase(load, max(load.warmup_s, ramp_s), ramp_s, make_one(session, False))
            ramp_s = 0.0
        return await _phase(load, load.duration_s, ramp_s, make_one(session, True))


async def post_json(request: HttpRequest, load: Load) -> RequestStats:
    """Plain POSTs: requests/s and latency percentiles over the measured phase."""
    latencies: list[float] = []
    stats = RequestStats()

    numbers = itertools.count(random.randrange(1 << 40))  # a run's own bodies

    def make_one(session: aiohttp.ClientSession, record: bool) -> Callable[[], Awaitable[None]]:
        async def one() -> None:
            body = request.body_number(next(numbers)) if request.is_distinct else request.body
            started = time.perf_counter()
            try:
                async with session.post(request.url, data=body, headers=request.headers) as reply:
                    await reply.read()
                    ok = reply.status == 200
            except (aiohttp.ClientError, TimeoutError):
                ok = False
            if not record:
                return
            if ok:
                latencies.append(time.perf_counter() - started)
            else:
                stats.errors += 1

        return one

    stats.elapsed_s = await _measure(load, load.timeout_s, make_one)
    stats.requests = len(latencies)
    stats.p50_s = percentile(latencies, 50)
    stats.p99_s = percentile(latencies, 99)
    return stats


# One SSE response as it is read: fed each de-chunked piece with its arrival time.
StreamReader = Callable[[bytes, float], None]


class _Client:
    """One worker's keep-alive connection (http1), opened on first use and again after
    an error or a close by the server; it outlives the phases, as aiohttp's pool did."""

    __slots__ = ("_connection", "_host", "_port", "_raw", "_timeout_s", "sent_at")

    def __init__(self, host: str, port: int, raw: bytes, timeout_s: float) -> None:
        self._host, self._port, self._raw, self._timeout_s = host, port, raw, timeout_s
        self._connection: http1.Connection | None = None
        self.sent_at = 0.0  # when the last request was written

    async def read(self, reader: StreamReader) -> bool:
        """Send the request and read the response through ``reader``; False on an error
        (the connection is then dropped) or a status other than 200."""
        try:
            connection = self._connection
            if connection is None or not connection.is_open:
                connection = self._connection = await asyncio.wait_for(
                    http1.Connection.open(self._host, self._port), self._timeout_s
                )
            self.sent_at = time.perf_counter()
            status = await asyncio.wait_for(connection.request(self._raw, reader), self._timeout_s)
        except (OSError, TimeoutError, ValueError):
            self.close()
            return False
        return status == 200

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None


async def _raw_phase(
    load: Load,
    seconds: float,
    ramp_s: float,
    clients: Sequence[_Client],
    one: Callable[[_Client], Awaitable[None]],
) -> float:
    """As ``_phase``, each worker reading through its own client."""
    start = time.perf_counter()
    budget = _Budget(load.max_requests, start + seconds)

    async def worker(index: int) -> None:
        if ramp_s > 0:
            await asyncio.sleep(ramp_s * index / load.connections)
        interval = load.interval_s
        due = time.perf_counter() + interval * index / load.connections
        while budget.take():
            if interval > 0:
                wait = due - time.perf_counter()
                if wait > 0:
                    await asyncio.sleep(wait)
                # Behind schedule (a slow answer), the next start is not hurried.
                due = max(due + interval, time.perf_counter())
            await one(clients[index])

    await asyncio.gather(*(worker(i) for i in range(load.connections)))
    return time.perf_counter() - start


async def _raw_measure(
    request: HttpRequest,
    load: Load,
    make_one: Callable[[bool], Callable[[_Client], Awaitable[None]]],
) -> float:
    """As ``_measure``: a warm-up phase (discarded, with the ramp), then the measured
    phase, on the same connections."""
    host, port, raw = http1.encode_post(request.url, request.headers, request.body)
    clients = [_Client(host, port, raw, load.timeout_s) for _ in range(load.connections)]
    try:
        ramp_s = load.ramp_s
        if load.warmup_s > 0:
            await _raw_phase(load, max(load.warmup_s, ramp_s), ramp_s, clients, make_one(False))
            ramp_s = 0.0
        return await _raw_phase(load, load.duration_s, ramp_s, clients, make_one(True))
    finally:
        for client in clients:
            client.close()


class _Counting:
    """Counts the frames of one stream and when its first byte came."""

    __slots__ = ("events", "first", "last", "splitter")

    def __init__(self) -> None:
        self.first = 0.0
        self.events = 0
        self.last = b""
        self.splitter = sse.FrameSplitter()

    def __call__(self, piece: bytes, at: float) -> None:
        if not self.first:
            self.first = at
        frames = self.splitter.feed(piece)
        if frames:
            self.events += len(frames)
            self.last = frames[-1]


async def read_streams(request: HttpRequest, load: Load) -> StreamStats:
    """SSE streams read to the end: events/s (frames counted) and time to first byte."""
    stats = StreamStats()

    def make_one(record: bool) -> Callable[[_Client], Awaitable[None]]:
        async def one(client: _Client) -> None:
            reader = _Counting()
            ok = await client.read(reader)
            if not record:
                return
            if ok and sse.is_terminal(reader.last):
                stats.events += reader.events
                stats.streams += 1
                stats.ttfb_s.append(reader.first - client.sent_at)
            else:
                stats.errors += 1

        return one

    stats.elapsed_s = await _raw_measure(request, load, make_one)
    return stats


class _Timing:
    """When each content delta of one stream arrived, and the reported output tokens."""

    __slots__ = ("ended", "splitter", "times", "tokens")

    def __init__(self) -> None:
        self.times: list[float] = []
        self.tokens = 0
        self.ended = False
        self.splitter = sse.FrameSplitter()

    def __call__(self, piece: bytes, at: float) -> None:
        for frame in self.splitter.feed(piece):
            name = sse.event_name(frame)
            if name == _DELTA:
                self.times.append(at)
            elif name == _USAGE:
                self.tokens = _output_tokens(sse.frame_data(frame))
            elif sse.is_terminal(frame):
                self.ended = True


async def read_paced_streams(request: HttpRequest, load: Load) -> PacingStats:
    """Paced SSE streams: when each content delta arrived, for the pacing error."""
    stats = PacingStats()

    def make_one(record: bool) -> Callable[[_Client], Awaitable[None]]:
        async def one(client: _Client) -> None:
            reader = _Timing()
            ok = await client.read(reader)
            if not record:
                return
            if ok and reader.ended and reader.tokens:
                stats.streams.append(PacedStream(reader.times, reader.tokens))
            else:
                stats.errors += 1

        return one

    await _raw_measure(request, load, make_one)
    return stats


def _output_tokens(data: bytes) -> int:
    usage = json.loads(data).get("usage") or {}
    return int(usage.get("output_tokens", 0))


async def hold_idle_streams(
    request: HttpRequest, load: Load, measure: Callable[[], int], settle_s: float = 1.0
) -> tuple[int, int]:
    """Open ``load.connections`` streams, wait for their headers, call ``measure`` while
    they are all open, then close them. Returns (streams open, measurement)."""
    opened = 0
    all_open = asyncio.Event()
    release = asyncio.Event()

    async def hold(session: aiohttp.ClientSession, index: int) -> None:
        nonlocal opened
        if load.ramp_s > 0:
            await asyncio.sleep(load.ramp_s * index / load.connections)
        try:
            async with session.post(
                request.url, data=request.body, headers=request.headers
            ) as reply:
                if reply.status == 200:
                    opened += 1
                    if opened == load.connections:
                        all_open.set()
                    await release.wait()
        except (aiohttp.ClientError, TimeoutError):
            return

    async with _session(load, total_timeout=None) as session:
        tasks = [asyncio.create_task(hold(session, i)) for i in range(load.connections)]
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(all_open.wait(), timeout=load.ramp_s + load.timeout_s)
        await asyncio.sleep(settle_s)
        value = measure()
        count = opened
        release.set()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    return count, value
