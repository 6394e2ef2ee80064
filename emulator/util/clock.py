"""Time, replaceable: the emulator reads the time here and nowhere else."""

from __future__ import annotations

import math
import time
from typing import Protocol

# How far the clock may be moved ahead of where it started (the real time, or a
# ManualClock's start): a century, more than any TTL or rate-limit window needs,
# and far inside what dates can show (rate-limit reset headers are dates).
MAX_AHEAD_S = 100 * 365 * 86_400.0


def checked_advance(seconds: float, ahead_s: float) -> float:
    """``seconds`` if a clock already ``ahead_s`` ahead of its start may move on by
    it, else ValueError saying why (negative, not finite, or past MAX_AHEAD_S)."""
    if not math.isfinite(seconds) or seconds < 0:
        raise ValueError(f"seconds: expected a finite number >= 0, not {seconds!r}")
    if ahead_s + seconds > MAX_AHEAD_S:
        raise ValueError(
            f"seconds: the clock may move at most {MAX_AHEAD_S:.0f} seconds (100 years) "
            f"ahead of its start; it is {ahead_s:g} ahead"
        )
    return seconds


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
        self.offset += checked_advance(seconds, self.offset)

    def reset(self) -> None:
        self.offset = 0.0


class ManualClock:
    """A clock that moves only when told to: tests advance it instead of sleeping."""

    def __init__(self, start: float = 1_767_225_600.0) -> None:
        self._now = self._start = start

    def now(self) -> float:
        return self._now

    def advance(self, seconds: float) -> None:
        self._now += checked_advance(seconds, self._now - self._start)

    def set(self, when: float) -> None:
        """Start again at ``when`` (the bound on advances counts from here)."""
        self._now = self._start = when
