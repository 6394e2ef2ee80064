"""The load generator's steady mode offers a fixed load instead of a closed loop."""

from __future__ import annotations

import asyncio
import itertools
import time

from benchmarks import loadgen
from benchmarks.loadgen import Load


def _starts(load: Load, seconds: float) -> list[tuple[int, float]]:
    """(worker, start time) of every request the phase made; each takes 1 ms."""
    clients = [loadgen._Client("127.0.0.1", 1, b"", 1.0) for _ in range(load.connections)]
    starts: list[tuple[int, float]] = []

    async def one(client: loadgen._Client) -> None:
        starts.append((clients.index(client), time.perf_counter()))
        await asyncio.sleep(0.001)

    asyncio.run(loadgen._raw_phase(load, seconds, 0.0, clients, one))
    return starts


def test_a_steady_phase_starts_each_workers_requests_an_interval_apart() -> None:
    starts = _starts(Load(4, 0.5, interval_s=0.1), 0.5)
    per_worker = {w: [t for i, t in starts if i == w] for w in range(4)}
    # 0.5 s at one request per 0.1 s per worker: at most 6 each, not hundreds (fewer
    # when a busy machine wakes a worker late: a late start is never caught up).
    assert all(2 <= len(times) <= 6 for times in per_worker.values()), per_worker
    for times in per_worker.values():
        gaps = [b - a for a, b in itertools.pairwise(times)]
        assert min(gaps) >= 0.09
    # Workers are spread over the interval rather than starting together.
    firsts = sorted(times[0] for times in per_worker.values())
    assert firsts[-1] - firsts[0] >= 0.05


def test_a_closed_loop_phase_starts_the_next_request_at_once() -> None:
    starts = _starts(Load(2, 0.2), 0.2)
    assert len(starts) > 40
