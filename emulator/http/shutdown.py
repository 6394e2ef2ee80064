"""Stopping on time: open answers get ``--shutdown-timeout-s`` to finish, then end.

aiohttp's own runner waits out its timeout twice (once for handlers to finish,
once more after cancelling them) and, given 0, waits with no limit at all. Here
the listening sockets close and idle connections go at once; answers in
progress get the timeout to finish (none at 0), then their handlers are
cancelled: a stream still open ends with the API's mid-stream error event
(``respond._stream``) and its connection closes at that moment. aiohttp's
cleanup then finds no connection left to wait for.
"""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web

log = logging.getLogger("emulator.shutdown")

# How long cancelled handlers get to end their streams (they never wait for a
# client), and what aiohttp's own shutdown may still wait after that.
CANCELLED_GRACE_S = 0.5


async def close_on_time(runner: web.AppRunner, server: web.Server | None, timeout_s: float) -> None:
    """Stop ``runner`` (serving with ``server``), letting answers in progress run
    for at most ``timeout_s`` seconds."""
    for site in list(runner.sites):
        await site.stop()
    if server is not None:
        await asyncio.sleep(0)  # connections accepted just now start their requests
        server.pre_shutdown()  # idle connections close; busy ones after their answer
        busy = [
            task
            for task in (connection._task_handler for connection in server.connections)
            if task is not None and not task.done()
        ]
        if busy and timeout_s > 0:
            await asyncio.wait(busy, timeout=timeout_s)
        late = [task for task in busy if not task.done()]
        if late:
            log.info("shutting down: ending %d answers still in progress", len(late))
            for task in late:
                task.cancel()
            await asyncio.wait(late, timeout=CANCELLED_GRACE_S)
    await runner.cleanup()
