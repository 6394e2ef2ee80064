"""The load generator's steady mode offers a fixed load instead of a closed loop.

The phases run on virtual time (the generator's perf_counter and sleep replaced by a
clock that jumps to the next wake-up once every worker waits), so the starts below
are exact and do not depend on how busy the machine is."""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections.abc import Coroutine
from typing import Any

import pytest

from benchmarks import loadgen
from benchmarks.loadgen import Load

REQUEST_S = 0.001  # what each request of the phase takes, in virtual time


class VirtualTime:
    """perf_counter and sleep on a virtual clock."""

    def __init__(self) -> None:
        self.now = 0.0
        self._wakeups: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()
        self._real_sleep = asyncio.sleep

    def perf_counter(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        woken = asyncio.get_running_loop().create_future()
        heapq.heappush(self._wakeups, (self.now + max(seconds, 0.0), next(self._order), woken))
        await woken

    async def run(self, main: Coroutine[Any, Any, float]) -> float:
        task = asyncio.ensure_future(main)
        while not task.done():
            for _ in range(20):  # let every runnable worker reach its next wait
                await self._real_sleep(0)
            if self._wakeups and not task.done():
                when, _, woken = heapq.heappop(self._wakeups)
                self.now = max(self.now, when)
                woken.set_result(None)
        return task.result()


def _starts(load: Load, seconds: float, monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, float]]:
    """(worker, start time) of every request the phase made; each takes 1 ms."""
    clock = VirtualTime()
    # loadgen calls time.perf_counter() and asyncio.sleep() through the modules.
    monkeypatch.setattr("time.perf_counter", clock.perf_counter)
    monkeypatch.setattr("asyncio.sleep", clock.sleep)
    clients = [loadgen._Client("127.0.0.1", 1, b"", 1.0) for _ in range(load.connections)]
    starts: list[tuple[int, float]] = []

    async def one(client: loadgen._Client) -> None:
        starts.append((clients.index(client), clock.now))
        await clock.sleep(REQUEST_S)

    async def main() -> float:
        return await clock.run(loadgen._raw_phase(load, seconds, 0.0, clients, one))

    asyncio.run(main())
    return starts


def test_a_steady_phase_starts_each_workers_requests_an_interval_apart(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    starts = _starts(Load(4, 0.5, interval_s=0.1), 0.5, monkeypatch)
    per_worker = {w: [t for i, t in starts if i == w] for w in range(4)}
    # Worker w starts at w/4 of the interval, then every 0.1 s: not hundreds of
    # requests. A worker takes its next request from the budget when its last one ends,
    # before the deadline, and then waits for its start: the sixth is at 0.5 s or after.
    for worker, times in per_worker.items():
        first = 0.1 * worker / 4
        expected = [first + 0.1 * k for k in range(6)]
        assert times == pytest.approx(expected), (worker, times)


def test_a_closed_loop_phase_starts_the_next_request_at_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    starts = _starts(Load(2, 0.2), 0.2, monkeypatch)
    for worker in range(2):
        times = [t for i, t in starts if i == worker]
        # Each request starts as the one before it ends: 1 ms apart, 200 in 0.2 s.
        assert times == pytest.approx([REQUEST_S * k for k in range(200)])
