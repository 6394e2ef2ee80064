"""Serving's garbage collection: automatic passes off, a full pass once garbage may
have piled up, and the cycle asyncio's closed transports keep broken."""

from __future__ import annotations

import asyncio
import gc
import socket
import weakref
from collections.abc import Iterator

import pytest

from emulator.http import collector


class _Cycle:
    def __init__(self) -> None:
        self.me = self


@pytest.fixture
def taken_over() -> Iterator[None]:
    give_back = collector.take_over_collection()
    try:
        yield
    finally:
        give_back()


def test_taking_over_turns_automatic_collection_off_and_gives_it_back() -> None:
    assert gc.isenabled()
    give_back = collector.take_over_collection()
    try:
        assert not gc.isenabled()
        assert gc.get_freeze_count() > 0  # what existed is out of every pass
    finally:
        give_back()
    assert gc.isenabled() and gc.get_freeze_count() == 0


@pytest.mark.usefixtures("taken_over")
def test_a_pass_runs_only_past_the_net_growth_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(collector, "NET_GROWTH_LIMIT", 500)
    gc.collect()
    garbage = _Cycle()
    gone = weakref.ref(garbage)
    del garbage
    assert collector.collect_if_due() is None  # one cycle: below the limit
    assert gone() is not None
    more = [_Cycle() for _ in range(600)]
    del more  # 600 cycles, none freed without a pass
    assert collector.collect_if_due() is not None
    assert gone() is None
    assert gc.get_count()[0] < 500


def test_no_pass_while_automatic_collection_is_on(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(collector, "NET_GROWTH_LIMIT", 0)
    assert gc.isenabled()
    assert collector.collect_if_due() is None


@pytest.mark.usefixtures("taken_over")
def test_each_interval_checks_the_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(collector, "NET_GROWTH_LIMIT", 500)
    asked: list[float] = []
    cycles = [_Cycle() for _ in range(600)]
    gone = weakref.ref(cycles[0])
    del cycles

    async def one_interval(seconds: float) -> None:
        asked.append(seconds)
        if len(asked) > 1:  # the check after the first interval has run
            raise asyncio.CancelledError

    with pytest.raises(asyncio.CancelledError):
        asyncio.run(collector.check_periodically(0.5, sleep=one_interval))
    assert gone() is None
    assert asked == [0.5, 0.5]


@pytest.mark.usefixtures("taken_over")
def test_a_closed_transport_is_freed_without_a_pass() -> None:
    async def closed_transport() -> weakref.ref[asyncio.BaseTransport]:
        loop = asyncio.get_running_loop()
        lost: asyncio.Future[None] = loop.create_future()

        class Protocol(asyncio.Protocol):
            def connection_made(self, transport: asyncio.BaseTransport) -> None:
                self.transport = transport

            def connection_lost(self, exc: Exception | None) -> None:
                collector.release_transport(self.transport)
                del self.transport
                lost.set_result(None)

        left, right = socket.socketpair()
        transport, _ = await loop.create_connection(Protocol, sock=left)
        transport.close()
        await lost
        right.close()
        found: weakref.ref[asyncio.BaseTransport] = weakref.ref(transport)
        del transport
        return found

    found = asyncio.run(closed_transport())
    assert found() is None


@pytest.mark.usefixtures("taken_over")
def test_garbage_alive_at_a_young_pass_is_freed_by_a_later_older_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(collector, "NET_GROWTH_LIMIT", 50)
    monkeypatch.setattr(collector, "_passes", 0)
    survivor = _Cycle()
    gone = weakref.ref(survivor)

    def one_due_pass() -> None:
        burst = [_Cycle() for _ in range(60)]
        del burst
        assert collector.collect_if_due() is not None

    one_due_pass()  # young: the survivor is still alive, so it is promoted
    del survivor
    for _ in range(collector.OLDER_EVERY - 2):
        one_due_pass()
        assert gone() is not None  # young passes leave older generations alone
    one_due_pass()  # the OLDER_EVERY-th pass takes the middle generation too
    assert gone() is None
