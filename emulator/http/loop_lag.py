"""How late the event loop runs: a periodic callback that measures its own lateness.

A callback due at ``t`` that runs at ``t + lag`` shows that something held the
loop for about ``lag`` (to within one interval: a stall that begins just after
a tick is seen shorter by up to the interval). It costs one timer callback per
interval. ``GET /metrics`` reports the worst lag seen since start-up.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable

from aiohttp import web

DEFAULT_INTERVAL_S = 0.025


class LoopLagMonitor:
    """The worst lateness of its own ticks; ``start`` on a running loop, ``stop`` to end."""

    def __init__(
        self, interval_s: float = DEFAULT_INTERVAL_S, *, now: Callable[[], float] = time.monotonic
    ) -> None:
        self.interval_s = interval_s
        self.worst_lag_s = 0.0
        self._now = now
        self._due: float | None = None
        self._handle: asyncio.TimerHandle | None = None

    def arm(self) -> None:
        """The next tick is due one interval from now."""
        self._due = self._now() + self.interval_s

    def ran(self) -> None:
        """A tick ran: keep its lateness when it is the worst so far."""
        if self._due is not None:
            self.worst_lag_s = max(self.worst_lag_s, self._now() - self._due)

    @property
    def is_running(self) -> bool:
        return self._handle is not None

    def start(self) -> None:
        self.arm()
        self._handle = asyncio.get_running_loop().call_later(self.interval_s, self._tick)

    def stop(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None

    def _tick(self) -> None:
        self.ran()
        self.start()


LOOP_LAG = web.AppKey("loop_lag", LoopLagMonitor)


async def monitor_loop_lag(app: web.Application) -> AsyncIterator[None]:
    """``cleanup_ctx`` entry: the app's monitor ticks while the app is up."""
    monitor = app[LOOP_LAG]
    monitor.start()
    yield
    monitor.stop()
