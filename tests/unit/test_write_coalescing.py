"""Coalesced writes: kept until the end of the loop's turn, sent joined and in order,
handed over before a close or an abort, and never lost or reordered."""

from __future__ import annotations

import asyncio
import gc
import weakref
from typing import Any, cast

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from emulator.http import write_coalescing
from emulator.http.write_coalescing import CoalescingTransport


class InnerTransport:
    """Records what reaches the socket transport."""

    def __init__(self, fail: bool = False) -> None:
        self.writes: list[bytes] = []
        self.closing = False
        self.aborted = False
        self.fail = fail
        self.buffered = 0

    def write(self, data: bytes) -> None:
        if self.fail:
            raise RuntimeError("Cannot call write() after write_eof()")
        self.writes.append(data)

    def is_closing(self) -> bool:
        return self.closing

    def close(self) -> None:
        self.closing = True

    def abort(self) -> None:
        self.closing = self.aborted = True

    def get_write_buffer_size(self) -> int:
        return self.buffered


def _wrap(inner: InnerTransport) -> CoalescingTransport:
    return CoalescingTransport(cast(asyncio.Transport, inner), write_coalescing._TURNS.get())


async def _next_turn() -> None:
    await asyncio.sleep(0)
    await asyncio.sleep(0)


def test_writes_wait_for_the_end_of_the_turn_and_leave_joined() -> None:
    async def run() -> None:
        first, second = InnerTransport(), InnerTransport()
        a, b = _wrap(first), _wrap(second)
        a.write(b"HTTP/1.1 200 OK\r\n\r\n")
        b.write(b"one")
        a.write(bytearray(b"body"))
        a.writelines([b"-", b"more"])
        a.write(b"")
        assert first.writes == [] and second.writes == []
        assert a.get_write_buffer_size() == len(b"HTTP/1.1 200 OK\r\n\r\nbody-more")
        await _next_turn()
        assert first.writes == [b"HTTP/1.1 200 OK\r\n\r\nbody-more"]
        assert second.writes == [b"one"]
        assert a.get_write_buffer_size() == 0
        b.write(b"two")
        await _next_turn()
        assert second.writes == [b"one", b"two"]

    asyncio.run(run())


def test_a_written_bytearray_is_copied() -> None:
    async def run() -> None:
        inner = InnerTransport()
        buffer = bytearray(b"frame")
        _wrap(inner).write(buffer)
        buffer[:] = b"XXXXX"
        await _next_turn()
        assert inner.writes == [b"frame"]

    asyncio.run(run())


@pytest.mark.parametrize("end", ["close", "abort"])
def test_close_and_abort_hand_over_what_is_kept_first(end: str) -> None:
    async def run() -> None:
        inner = InnerTransport()
        transport = _wrap(inner)
        transport.write(b"event: message_start\n\n")
        getattr(transport, end)()
        assert inner.writes == [b"event: message_start\n\n"]
        assert inner.closing and inner.aborted == (end == "abort")
        await _next_turn()
        assert inner.writes == [b"event: message_start\n\n"]

    asyncio.run(run())


def test_a_broken_connection_does_not_keep_the_others_bytes() -> None:
    async def run() -> None:
        gone, broken, fine = InnerTransport(), InnerTransport(fail=True), InnerTransport()
        gone.closing = True
        for inner in (gone, broken, fine):
            _wrap(inner).write(b"data")
        await _next_turn()
        assert gone.writes == [] and broken.writes == []
        assert fine.writes == [b"data"]

    asyncio.run(run())


def test_the_rest_of_the_transport_is_the_socket_transport() -> None:
    async def run() -> None:
        loop = asyncio.get_running_loop()
        received: list[bytes] = []
        done = loop.create_future()

        class Reader(asyncio.Protocol):
            def data_received(self, data: bytes) -> None:
                received.append(data)

            def connection_lost(self, exc: BaseException | None) -> None:
                done.set_result(None)

        server = await loop.create_server(Reader, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        inner, _ = await loop.create_connection(asyncio.Protocol, "127.0.0.1", port)
        transport = _wrap(cast(Any, inner))
        assert transport.get_extra_info("peername")[1] == port
        assert transport.can_write_eof() and not transport.is_closing()
        assert transport.is_reading()
        transport.pause_reading()
        assert not transport.is_reading()
        transport.resume_reading()
        transport.set_write_buffer_limits(high=1024)
        assert transport.get_write_buffer_limits()[1] == 1024
        transport.write(b"hello ")
        transport.write(b"world")
        transport.write_eof()
        await asyncio.wait_for(done, 5)
        transport.close()
        server.close()
        await server.wait_closed()
        assert b"".join(received) == b"hello world"

    asyncio.run(run())


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.tuples(st.integers(0, 2), st.binary(max_size=8)),
            st.just("turn"),
        ),
        max_size=40,
    )
)
def test_each_connection_gets_its_bytes_in_order(steps: list[Any]) -> None:
    async def run() -> None:
        inners = [InnerTransport() for _ in range(3)]
        transports = [_wrap(inner) for inner in inners]
        expected = [b""] * 3
        for step in steps:
            if step == "turn":
                await _next_turn()
                continue
            index, data = step
            transports[index].write(data)
            expected[index] += data
        await _next_turn()
        assert [b"".join(inner.writes) for inner in inners] == expected
        assert all(b"" not in inner.writes for inner in inners)

    asyncio.run(run())


def test_a_finished_loop_is_not_kept_alive_by_its_coalescer() -> None:
    loops: list[weakref.ref[asyncio.AbstractEventLoop]] = []

    async def run() -> None:
        loops.append(weakref.ref(asyncio.get_running_loop()))
        _wrap(InnerTransport()).write(b"data")
        await _next_turn()

    for _ in range(3):
        asyncio.run(run())
    gc.collect()
    assert [ref() for ref in loops] == [None, None, None]
