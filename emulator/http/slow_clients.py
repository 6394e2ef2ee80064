"""Clients too slow to send a request's head lose their connection.

A client that sends half a head and stops (slowloris), or connects and sends
nothing, would keep its connection, a task and buffers for as long as aiohttp's
keep-alive timeout (an hour). ``HeadDeadline`` sits between the transport and
aiohttp's ``RequestHandler`` and gives each head ``timeout_s`` seconds: from
connecting for the first, from its first byte for the next ones on a kept-alive
connection (a connection idle between requests is left alone, as before). A
head still incomplete then gets the connection closed, as aiohttp closes an
idle one. Bodies have their own timeout where they are read
(``surfaces.common.read_body``).

A head that follows a complete one in the same packet (pipelining) has no
deadline of its own until its next bytes arrive.
"""

from __future__ import annotations

import asyncio
import logging

from aiohttp.web_protocol import RequestHandler

log = logging.getLogger("emulator.slow_clients")


class HeadDeadline(asyncio.Protocol):
    """aiohttp's handler for one connection, with a deadline for each request head."""

    def __init__(self, handler: RequestHandler, timeout_s: float) -> None:
        self._handler = handler
        self._timeout_s = timeout_s
        self._timer: asyncio.TimerHandle | None = None
        self._heads = 0  # heads complete when the deadline was set or last checked
        self.eof_received = handler.eof_received  # type: ignore[method-assign]
        self.pause_writing = handler.pause_writing  # type: ignore[method-assign]
        self.resume_writing = handler.resume_writing  # type: ignore[method-assign]

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._handler.connection_made(transport)
        self._set_deadline()  # the first head is due within the timeout of connecting

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_deadline()
        self._handler.connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        handler = self._handler
        handler.data_received(data)
        heads = handler._request_count
        if heads != self._heads:
            self._heads = heads
            self._cancel_deadline()
        elif self._timer is None and self._waiting_for_a_head():
            self._set_deadline()  # the first bytes of the next head

    def _waiting_for_a_head(self) -> bool:
        """aiohttp waits for a request's head (its own test for an idle connection)."""
        waiter = self._handler._waiter
        return waiter is not None and not waiter.done()

    def _set_deadline(self) -> None:
        loop = asyncio.get_running_loop()
        self._timer = loop.call_later(self._timeout_s, self._expire)

    def _cancel_deadline(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _expire(self) -> None:
        self._timer = None
        if self._handler._request_count == self._heads and self._waiting_for_a_head():
            log.info("closing a connection whose request head took over %gs", self._timeout_s)
            self._handler.force_close()
