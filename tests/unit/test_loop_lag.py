"""The loop-lag monitor keeps the worst lateness of its ticks, on a fake time source."""

from __future__ import annotations

import pytest

from emulator.http.loop_lag import LoopLagMonitor


class FakeTime:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_late_tick_is_kept_as_the_worst_lag() -> None:
    time = FakeTime()
    monitor = LoopLagMonitor(0.025, now=time)
    monitor.arm()
    time.now += 0.025 + 0.4  # the loop was held 0.4 s past the tick's due time
    monitor.ran()
    assert monitor.worst_lag_s == pytest.approx(0.4)


def test_a_smaller_lag_later_does_not_lower_the_worst() -> None:
    time = FakeTime()
    monitor = LoopLagMonitor(0.025, now=time)
    for held_s in (0.3, 0.01, 0.0):
        monitor.arm()
        time.now += 0.025 + held_s
        monitor.ran()
    assert monitor.worst_lag_s == pytest.approx(0.3)


def test_a_tick_before_any_arming_records_nothing() -> None:
    monitor = LoopLagMonitor(0.025, now=FakeTime())
    monitor.ran()
    assert monitor.worst_lag_s == 0.0


async def test_start_schedules_ticks_and_stop_ends_them() -> None:
    monitor = LoopLagMonitor(0.025, now=FakeTime())
    monitor.start()
    assert monitor.is_running
    monitor.stop()
    assert not monitor.is_running
