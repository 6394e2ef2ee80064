"""Paced streams through the shared millisecond ticker: order, framing, deadlines,
disconnects, slow readers, cancelled handlers and failing frame sources."""

from __future__ import annotations

import asyncio
import random
import re
from collections.abc import Iterator
from types import SimpleNamespace
from typing import cast

import pytest
from aiohttp import web

from emulator.core.outcome import Timing
from emulator.http import paced_writer, sse
from emulator.http.sse import StreamEvent


class FakeTransport:
    """Records raw writes (the ticker's); ``buffered`` is what it reports as unsent."""

    def __init__(self) -> None:
        self.writes: list[bytes] = []
        self.closing = False
        self.buffered = 0

    def is_closing(self) -> bool:
        return self.closing

    def write(self, data: bytes) -> None:
        self.writes.append(data)

    def get_write_buffer_size(self) -> int:
        return self.buffered


class FakeWriter:
    def __init__(self) -> None:
        self.drains = 0

    async def drain(self) -> None:
        self.drains += 1


class FakeResponse:
    """Records the handler's own writes (through aiohttp), and where the end came."""

    def __init__(self, chunked: bool = True) -> None:
        self.headers = {"Transfer-Encoding": "chunked"} if chunked else {}
        self.writes: list[bytes] = []
        self.ended = False

    async def write(self, data: bytes) -> None:
        assert not self.ended
        self.writes.append(data)

    async def write_eof(self, data: bytes = b"") -> None:
        assert not self.ended
        self.writes.append(data)
        self.ended = True


class Stream:
    def __init__(self, chunked: bool = True) -> None:
        self.transport = FakeTransport()
        self.writer = FakeWriter()
        self.response = FakeResponse(chunked)
        self.report = sse.StreamReport()
        self.request = cast(
            web.Request, SimpleNamespace(transport=self.transport, writer=self.writer)
        )

    async def send(
        self, frames: Iterator[sse.Frame], timing: Timing, stop_after: int | None = None
    ) -> None:
        await paced_writer.send_paced(
            self.request,
            cast(web.StreamResponse, self.response),
            frames,
            timing=timing,
            rng=lambda: random.Random(0),
            report=self.report,
            stop_after=stop_after,
            end=True,
        )

    def ticker_payload(self) -> list[bytes]:
        """The ticker's writes, with their chunk framing checked and taken off."""
        payloads = []
        for write in self.transport.writes:
            match = re.fullmatch(rb"([0-9a-f]+)\r\n(.*)\r\n", write, re.DOTALL)
            assert match is not None, write
            assert int(match[1], 16) == len(match[2])
            payloads.append(match[2])
        return payloads


# --- the pacer, with fake time -------------------------------------------------------


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def time(self) -> float:
        return self.now

    async def sleep(self, delay: float) -> None:
        self.sleeps.append(delay)
        self.now += delay


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    fake = FakeClock()
    fake_asyncio = SimpleNamespace(
        get_running_loop=lambda: SimpleNamespace(time=fake.time), sleep=fake.sleep
    )
    monkeypatch.setattr(paced_writer, "asyncio", fake_asyncio)
    return fake


async def _before(pacer: paced_writer.Pacer, event: StreamEvent, clock: FakeClock) -> None:
    """What a paced stream does before each event: wait out the pacer's delay."""
    delay = pacer.delay_before(event.tokens)
    if delay > 0:
        await clock.sleep(delay)


def _event(tokens: int) -> StreamEvent:
    return StreamEvent(None, {"t": tokens}, tokens)


def test_pacer_waits_ttft_then_tokens_against_absolute_deadlines(clock: FakeClock) -> None:
    async def run() -> None:
        pacer = paced_writer.Pacer(Timing(ttft_ms=100, tokens_per_s=10), lambda: random.Random(0))
        await _before(pacer, _event(0), clock)  # the first event waits for the ttft
        await _before(pacer, _event(0), clock)  # zero-token events go out at once
        await _before(pacer, _event(3), clock)
        clock.now += 0.2  # a slow write: the next deadline has already passed
        await _before(pacer, _event(1), clock)
        await _before(pacer, _event(2), clock)

    asyncio.run(run())
    assert clock.sleeps == pytest.approx([0.1, 0.3, 0.1])
    assert clock.now == pytest.approx(0.7)


def test_pacer_jitter_does_not_accumulate(clock: FakeClock) -> None:
    async def run() -> None:
        pacer = paced_writer.Pacer(Timing(tokens_per_s=100, jitter_ms=20), lambda: random.Random(1))
        await _before(pacer, _event(0), clock)
        for _ in range(50):
            await _before(pacer, _event(2), clock)

    asyncio.run(run())
    assert all(0 <= delay <= 0.02 + 0.02 for delay in clock.sleeps)
    assert 1.0 <= clock.now <= 1.0 + 0.02


def test_jitter_alone_delays_every_delta(clock: FakeClock) -> None:
    assert Timing(jitter_ms=10).is_paced

    async def run() -> None:
        pacer = paced_writer.Pacer(Timing(jitter_ms=10), lambda: random.Random(3))
        await _before(pacer, _event(0), clock)
        for _ in range(20):
            await _before(pacer, _event(1), clock)
            await _before(pacer, _event(0), clock)  # zero-token events are never held back

    asyncio.run(run())
    assert len(clock.sleeps) == 21
    assert all(0 < delay <= 0.01 for delay in clock.sleeps)
    assert clock.now == pytest.approx(sum(clock.sleeps))


# --- the ticker, on a real loop -------------------------------------------------------


def _frames(count: int, tokens: int = 3) -> list[sse.Frame]:
    # A zero-token event before the deltas, as message_start is.
    events = [StreamEvent("start", {"n": -1}, 0)]
    events += [StreamEvent("delta", {"text": f"piece {i} é"}, tokens) for i in range(count)]
    return list(sse.framed(events))


class _StoppedClockLoop(asyncio.SelectorEventLoop):
    """An event loop whose clock stands still, so pacing deadlines come out exact."""

    NOW = 1000.0

    def time(self) -> float:
        return self.NOW


def test_due_now_stops_at_the_first_frame_that_waits() -> None:
    async def run() -> paced_writer.Step:
        pacer = paced_writer.Pacer(Timing(tokens_per_s=100), lambda: random.Random(0))
        report = sse.StreamReport()
        step = paced_writer.due_now(iter(_frames(3)), pacer, report)
        assert report.events_sent == 1
        return step

    with asyncio.Runner(loop_factory=_StoppedClockLoop) as runner:
        batch, waiting = runner.run(run())
    assert batch == [_frames(0)[0][0]]
    assert waiting is not None
    assert waiting[0] == _frames(1)[1][0]
    # The first delta's 3 tokens at 100 tokens/s: due 30 ms after the start.
    assert waiting[1] == pytest.approx(_StoppedClockLoop.NOW + 0.03, rel=1e-12)


def test_every_frame_arrives_once_in_order_framed_and_not_before_its_time() -> None:
    frames = _frames(12)
    stream = Stream()
    timing = Timing(tokens_per_s=1500)  # a delta every 2 ms

    async def run() -> float:
        started = asyncio.get_running_loop().time()
        await stream.send(iter(frames), timing)
        return asyncio.get_running_loop().time() - started

    elapsed = asyncio.run(run())
    sent = stream.response.writes[:1] + stream.ticker_payload() + stream.response.writes[1:]
    assert b"".join(sent) == b"".join(data for data, _ in frames)
    assert stream.report.events_sent == len(frames)
    assert stream.response.ended
    # First and last via aiohttp, the rest by the ticker: one write per due delta, or
    # fewer when a late wake-up on a busy machine finds two due at once.
    assert 1 <= len(stream.transport.writes) <= len(frames) - 2
    assert elapsed >= 0.9 * 12 * 3 / 1500


def test_unchunked_responses_get_raw_writes() -> None:
    frames = _frames(4)
    stream = Stream(chunked=False)
    asyncio.run(stream.send(iter(frames), Timing(tokens_per_s=3000)))
    sent = stream.response.writes[:1] + stream.transport.writes + stream.response.writes[1:]
    assert b"".join(sent) == b"".join(data for data, _ in frames)


def test_a_client_gone_mid_stream_raises_client_gone() -> None:
    stream = Stream()

    def frames() -> Iterator[sse.Frame]:
        for index, frame in enumerate(_frames(10)):
            if index == 4:
                stream.transport.closing = True
            yield frame

    with pytest.raises(sse.ClientGone):
        asyncio.run(stream.send(frames(), Timing(tokens_per_s=3000)))
    assert not stream.response.ended
    assert len(stream.transport.writes) < 4


def test_a_client_that_stops_reading_is_handed_back_to_its_handler() -> None:
    frames = _frames(8)
    stream = Stream()

    def slow_after_two() -> Iterator[sse.Frame]:
        for index, frame in enumerate(frames):
            if index == 3:
                stream.transport.buffered = paced_writer.HANDBACK_BYTES + 1
            yield frame

    asyncio.run(stream.send(slow_after_two(), Timing(tokens_per_s=3000)))
    sent = stream.response.writes[:1] + stream.ticker_payload() + stream.response.writes[1:]
    assert b"".join(sent) == b"".join(data for data, _ in frames)
    assert stream.report.events_sent == len(frames)
    # From the hand-back on, every batch is the handler's, each followed by a drain. How
    # many batches the five frames after it make depends on how late the loop runs (a
    # late loop sends what is due together), so only "at least one" is certain.
    assert len(stream.response.writes) >= 2
    assert stream.writer.drains == len(stream.response.writes) - 1


def test_a_cancelled_handler_is_dropped_by_the_ticker() -> None:
    stream = Stream()

    async def run() -> None:
        task = asyncio.create_task(stream.send(iter(_frames(50)), Timing(tokens_per_s=1500)))
        await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        writes = len(stream.transport.writes)
        await asyncio.sleep(0.02)
        assert len(stream.transport.writes) == writes

    asyncio.run(run())
    assert not stream.response.ended


def test_a_failing_frame_source_fails_its_handler_only() -> None:
    healthy, failing = Stream(), Stream()

    def broken() -> Iterator[sse.Frame]:
        yield from _frames(3)
        raise ValueError("renderer bug")

    async def run() -> list[BaseException | None]:
        results = await asyncio.gather(
            failing.send(broken(), Timing(tokens_per_s=3000)),
            healthy.send(iter(_frames(6)), Timing(tokens_per_s=3000)),
            return_exceptions=True,
        )
        return list(results)

    failed, fine = asyncio.run(run())
    assert isinstance(failed, ValueError)
    assert fine is None
    assert healthy.response.ended and healthy.report.events_sent == 7


def test_stop_after_cuts_a_paced_stream_short() -> None:
    frames = _frames(10)
    stream = Stream()
    asyncio.run(stream.send(iter(frames), Timing(tokens_per_s=3000), stop_after=5))
    sent = stream.response.writes[:1] + stream.ticker_payload() + stream.response.writes[1:]
    assert b"".join(sent) == b"".join(data for data, _ in frames[:5])
    assert stream.report.events_sent == 5
    assert stream.response.ended


def test_a_first_event_due_at_once_still_waits_for_nothing_else() -> None:
    frames = _frames(3)
    stream = Stream()
    asyncio.run(stream.send(iter(frames), Timing(ttft_ms=5, tokens_per_s=3000)))
    # ttft: nothing is due at the start, so the first write through aiohttp is empty
    # (it carries held headers, if any) and every frame goes after it.
    assert stream.response.writes[0] == b""
    sent = stream.ticker_payload() + stream.response.writes[1:]
    assert b"".join(sent) == b"".join(data for data, _ in frames)
