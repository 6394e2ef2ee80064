"""Time, replaceable: the emulator reads the time here and nowhere else."""

from __future__ import annotations

import time
from typing import Protocol


class Clock(Protocol):
    def now(self) -> float:
        """Seconds since the Unix epoch."""
        ...


class SystemClock:
    def now(self) -> float:
        return time.time()


class AdjustableClock:
    """Another clock moved forward by an offset: the control API's "advance the clock"
    on a server that runs on real time."""

    def __init__(self, base: Clock) -> None:
        # The system clock is read directly: now() is called several times per request.
        self._read = time.time if isinstance(base, SystemClock) else base.now
        self.offset = 0.0

    def now(self) -> float:
        return self._read() + self.offset

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("a clock cannot go backwards")
        self.offset += seconds

    def reset(self) -> None:
        self.offset = 0.0


class ManualClock:
    """A clock that moves only when told to: tests advance it instead of sleeping."""

    def __init__(self, start: float = 1_767_225_600.0) -> None:
        self._now = start

    def now(self) -> float:
        return self._now

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("a clock cannot go backwards")
        self._now += seconds

    def set(self, when: float) -> None:
        self._now = when
