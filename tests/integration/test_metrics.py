"""GET /metrics: the worst event-loop lag and the live task count, in Prometheus text."""

from __future__ import annotations

import time

import httpx

from conftest import Control
from emulator.http.loop_lag import LOOP_LAG, LoopLagMonitor
from emulator.pipeline.config import EmulatorConfig
from emulator.testing import EmulatorThread

LAG = "llm_emulator_event_loop_worst_lag_seconds"
TASKS = "llm_emulator_asyncio_tasks"


def gauges(text: str) -> dict[str, float]:
    values: dict[str, float] = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, value = line.split(" ")
            values[name] = float(value)
    return values


def test_metrics_has_both_gauges_in_the_prometheus_format(http: httpx.Client) -> None:
    response = http.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    assert f"# TYPE {LAG} gauge" in response.text and f"# TYPE {TASKS} gauge" in response.text
    values = gauges(response.text)
    assert set(values) == {LAG, TASKS}
    assert values[LAG] >= 0.0
    assert values[TASKS] >= 1  # at least the task answering this request


def test_metrics_is_not_journaled(control: Control, http: httpx.Client) -> None:
    assert http.get("/metrics").status_code == 200
    assert control.journal() == []


class SteppedTime:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def hold(self, seconds: float) -> None:
        self.now += seconds


def test_a_held_loop_shows_in_the_worst_lag() -> None:
    """The server's monitor sees its loop held: a callback on that loop moves the
    monitor's time source on by 0.5 s, as a 0.5 s stall would."""
    stepped = SteppedTime()
    server = EmulatorThread(EmulatorConfig(port=0))
    server.app[LOOP_LAG] = LoopLagMonitor(now=stepped)
    with server, httpx.Client(base_url=server.base_url, timeout=10) as http:
        assert gauges(http.get("/metrics").text)[LAG] == 0.0
        server.loop.call_soon_threadsafe(stepped.hold, 0.5)
        deadline = time.monotonic() + 10  # a hang guard: the next tick is due in 25 ms
        while (lag := gauges(http.get("/metrics").text)[LAG]) == 0.0:
            assert time.monotonic() < deadline, "the monitor never ticked"
    assert 0.4 < lag <= 0.5
