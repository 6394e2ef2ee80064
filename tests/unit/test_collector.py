"""Serving's garbage collection: automatic passes off, one full pass per interval."""

from __future__ import annotations

import asyncio
import gc
import weakref

import pytest

from emulator import collector


class _Cycle:
    def __init__(self) -> None:
        self.me = self


def test_taking_over_turns_automatic_collection_off_and_gives_it_back() -> None:
    assert gc.isenabled()
    give_back = collector.take_over_collection()
    try:
        assert not gc.isenabled()
        assert gc.get_freeze_count() > 0  # what existed is out of every pass
    finally:
        give_back()
    assert gc.isenabled() and gc.get_freeze_count() == 0


def test_each_interval_runs_a_full_pass_that_frees_cycles() -> None:
    asked: list[float] = []
    give_back = collector.take_over_collection()
    try:
        garbage = _Cycle()
        gone = weakref.ref(garbage)
        del garbage
        assert gone() is not None  # a cycle: only a collection frees it

        async def one_interval(seconds: float) -> None:
            asked.append(seconds)
            if len(asked) > 1:  # the pass after the first interval has run
                raise asyncio.CancelledError

        with pytest.raises(asyncio.CancelledError):
            asyncio.run(collector.collect_periodically(30.0, sleep=one_interval))
        assert gone() is None
        assert asked == [30.0, 30.0]
    finally:
        give_back()
