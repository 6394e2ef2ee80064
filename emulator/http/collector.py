"""Garbage collection while serving: a full pass only when garbage may have piled up.

Python's automatic collector stops the event loop for as long as a pass takes.
Under 1,000 streams paced at 50 tokens/s its passes stalled the loop for 5-25 ms
every few seconds, and the streams' gap error p99 was 13-25 ms; with automatic
collection off it was 1.7-2.0 ms. So ``serve`` turns automatic collection off
(the objects made at start-up are frozen out of every pass) and bounds what
can pile up instead of running a pass on a timer.

Answering requests is meant to make no reference cycles (what a cut stream
left, a raised exception holding its own frame and asyncio's closed transport
holding itself, is broken where it forms; see ``paced_writer`` and
``release_transport``), so memory returns as each request ends. What is left
is bounded by counting: with automatic collection off, ``gc.get_count()[0]``
grows by every container object made and shrinks by every one freed, so it is
the net growth since the last pass, cyclic garbage included. Past
``NET_GROWTH_LIMIT`` a pass of the youngest generation runs: it examines only
the objects made since the last pass, so it stays short however many streams are
open (a full pass over 1,000 paced streams' objects took about 30 ms and put the
streams' gap error p99 at 35 ms); every ``OLDER_EVERY``-th pass also takes the
middle generation and every ``FULL_EVERY``-th the whole heap, for garbage that
was still alive at a younger pass. Serving at a steady state (the journal and
the memos full, each new entry freeing an old one) moves the count little, so
passes are rare.
The count is checked when a connection closes (where cut streams end) and
every ``CHECK_INTERVAL_S`` (a check costs a comparison; it runs no pass by
itself), both outside the paced writer's tick.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

# Net new container objects allowed before a full pass: at a few hundred bytes
# each, a few MiB of garbage at most, whatever made it.
NET_GROWTH_LIMIT = 10_000
# Which passes reach older generations: a garbage cycle promoted by a young pass
# (alive then, dropped later) waits at most this many passes.
OLDER_EVERY = 10
FULL_EVERY = 1000
_passes = 0
CHECK_INTERVAL_S = 1.0

log = logging.getLogger("emulator.gc")


def take_over_collection() -> Callable[[], None]:
    """Freeze what exists, turn automatic collection off; returns what undoes it."""
    was_enabled = gc.isenabled()
    gc.collect()
    gc.freeze()
    gc.disable()

    def give_back() -> None:
        gc.unfreeze()
        if was_enabled:
            gc.enable()

    return give_back


def collect_if_due() -> int | None:
    """A pass when automatic collection is off and more than ``NET_GROWTH_LIMIT``
    objects were made, net, since the last one (of the youngest generation, or an
    older one every ``OLDER_EVERY``/``FULL_EVERY`` passes); returns what it found
    (None: no pass)."""
    global _passes  # noqa: PLW0603  # one collector per process, as the interpreter's
    if gc.isenabled() or gc.get_count()[0] <= NET_GROWTH_LIMIT:
        return None
    _passes += 1
    generation = 2 if _passes % FULL_EVERY == 0 else 1 if _passes % OLDER_EVERY == 0 else 0
    started = time.perf_counter()
    found = gc.collect(generation)
    log.debug(
        "collected %d unreachable objects (generation %d) in %.1f ms",
        found,
        generation,
        (time.perf_counter() - started) * 1000,
    )
    return found


async def check_periodically(
    interval_s: float = CHECK_INTERVAL_S,
    *,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> None:
    """``collect_if_due`` every ``interval_s`` seconds, until cancelled: the bound
    for garbage made on connections that stay open."""
    while True:
        await sleep(interval_s)
        collect_if_due()


def release_transport(transport: Any) -> None:
    """Break the cycle a closed asyncio socket transport keeps: it holds a bound
    method of itself (``_read_ready_cb``, in CPython 3.11's selector transport), so every closed
    connection would wait for a pass to free its socket object and buffers.
    Called once the connection is lost, when nothing reads from it any more."""
    state = getattr(transport, "__dict__", None)
    if state is not None and state.get("_read_ready_cb") is not None:
        state["_read_ready_cb"] = None
