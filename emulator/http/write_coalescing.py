"""Responses leave at the end of the event loop's turn, all together.

Under load one turn of the loop runs the handlers of many connections, and each
used to send its response as soon as it was ready. On loopback (and more so in a
VM) a send that wakes the sleeping client costs several times one that finds it
awake: in wrk runs on a 2-core VM, deferring every send of a turn to one burst
at its end gave +33% requests/s, JSON and streams alike. So each connection's
transport is wrapped: writes are kept until a callback queued with the first of
the turn sends them, one send per connection with its writes joined in order.
The cost is one extra pass of the loop (a zero-timeout poll) before a response
leaves.

Closing or aborting a transport first hands it what it keeps, so that a
connection dropped mid-stream has sent the events written before the drop.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from aiohttp import web

from emulator.http import collector
from emulator.http.per_loop import PerLoop
from emulator.http.slow_clients import HeadDeadline

log = logging.getLogger("emulator.write_coalescing")


class _Turn:
    """The transports of one loop holding writes since the last flush."""

    __slots__ = ("_holding", "_loop")

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._holding: list[CoalescingTransport] = []

    def hold(self, transport: CoalescingTransport) -> None:
        if not self._holding:
            self._loop.call_soon(self._flush)
        self._holding.append(transport)

    def _flush(self) -> None:
        holding, self._holding = self._holding, []
        for transport in holding:
            transport.flush()


class CoalescingTransport(asyncio.Transport):
    """A socket transport whose writes wait for the end of the loop's turn."""

    def __init__(self, inner: asyncio.Transport, turn: _Turn) -> None:
        super().__init__()
        self._inner = inner
        self._turn = turn
        self._kept: list[bytes] = []
        self._kept_bytes = 0

    def write(self, data: bytes | bytearray | memoryview) -> None:
        if not data:
            return
        if not self._kept:
            self._turn.hold(self)
        chunk = data if type(data) is bytes else bytes(data)
        self._kept.append(chunk)
        self._kept_bytes += len(chunk)

    def writelines(self, list_of_data: Any) -> None:
        self.write(b"".join(list_of_data))

    def flush(self) -> None:
        """Send what is kept (the turn's callback, and before a close)."""
        kept = self._kept
        if not kept:
            return
        self._kept = []
        self._kept_bytes = 0
        if self._inner.is_closing():
            return
        try:
            self._inner.write(kept[0] if len(kept) == 1 else b"".join(kept))
        except Exception:  # one broken connection must not keep the others' bytes
            log.debug("write failed on a closing connection", exc_info=True)

    def get_write_buffer_size(self) -> int:
        return self._inner.get_write_buffer_size() + self._kept_bytes

    def close(self) -> None:
        self.flush()
        self._inner.close()

    def abort(self) -> None:
        # What was written before is handed to the socket first, as it was at once
        # before coalescing; the transport's own unsent buffer is dropped as ever.
        self.flush()
        self._inner.abort()

    def write_eof(self) -> None:
        self.flush()
        self._inner.write_eof()

    def can_write_eof(self) -> bool:
        return self._inner.can_write_eof()

    def is_closing(self) -> bool:
        return self._inner.is_closing()

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return self._inner.get_extra_info(name, default)

    def pause_reading(self) -> None:
        self._inner.pause_reading()

    def resume_reading(self) -> None:
        self._inner.resume_reading()

    def is_reading(self) -> bool:
        return self._inner.is_reading()

    def set_write_buffer_limits(self, high: int | None = None, low: int | None = None) -> None:
        self._inner.set_write_buffer_limits(high, low)

    def get_write_buffer_limits(self) -> tuple[int, int]:
        return self._inner.get_write_buffer_limits()

    def get_protocol(self) -> asyncio.BaseProtocol:
        return self._inner.get_protocol()

    def set_protocol(self, protocol: asyncio.BaseProtocol) -> None:
        self._inner.set_protocol(protocol)


class _CoalescingProtocol(asyncio.Protocol):
    """Hands aiohttp's protocol a coalescing transport; every other callback goes
    straight to aiohttp's (bound as attributes, so the hot ones add no call)."""

    def __init__(self, inner: asyncio.Protocol, turn: _Turn) -> None:
        self._inner = inner
        self._turn = turn
        self._transport: asyncio.BaseTransport | None = None
        self.data_received = inner.data_received  # type: ignore[method-assign]
        self.eof_received = inner.eof_received  # type: ignore[method-assign]
        self.pause_writing = inner.pause_writing  # type: ignore[method-assign]
        self.resume_writing = inner.resume_writing  # type: ignore[method-assign]

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport
        self._inner.connection_made(CoalescingTransport(transport, self._turn))

    def connection_lost(self, exc: Exception | None) -> None:
        self._inner.connection_lost(exc)
        # Where cut streams end: free the connection now, and bound what is left.
        collector.release_transport(self._transport)
        self._transport = None
        collector.collect_if_due()


_TURNS = PerLoop(_Turn)


class CoalescingAppRunner(web.AppRunner):
    """An ``AppRunner`` whose sites serve connections through coalescing transports
    (sites take their protocol factory from ``runner.server``; the runner's own
    shutdown uses aiohttp's server directly). With ``head_timeout_s`` (0: none),
    each request head gets that long to arrive (``slow_clients.HeadDeadline``)."""

    def __init__(self, app: web.Application, *, head_timeout_s: float = 0, **kwargs: Any) -> None:
        super().__init__(app, **kwargs)
        self._head_timeout_s = head_timeout_s

    @property
    def http_server(self) -> web.Server | None:
        """aiohttp's server itself (``server`` is the sites' protocol factory)."""
        return super().server

    @property
    def server(self) -> web.Server | None:
        inner = super().server
        if inner is None:
            return None

        head_timeout_s = self._head_timeout_s

        def protocol() -> asyncio.Protocol:
            handler = inner()
            if head_timeout_s > 0:
                return _CoalescingProtocol(HeadDeadline(handler, head_timeout_s), _TURNS.get())
            return _CoalescingProtocol(handler, _TURNS.get())

        return protocol  # type: ignore[return-value]  # a protocol factory, as sites use it
