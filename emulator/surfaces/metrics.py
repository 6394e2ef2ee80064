"""GET /metrics: the server's own health, in the Prometheus text format.

Open like ``/healthz`` (it holds no request data): a scraper or a soak script
reads how late the event loop has run at worst since start-up and how many
asyncio tasks are alive now (a count that keeps growing is a leak).
"""

from __future__ import annotations

import asyncio

from aiohttp import web

from emulator.http.loop_lag import LOOP_LAG

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def render_metrics(worst_lag_s: float, tasks: int) -> str:
    return (
        "# HELP llm_emulator_event_loop_worst_lag_seconds Worst lateness of a periodic "
        "event-loop callback since start-up (how long the loop was held).\n"
        "# TYPE llm_emulator_event_loop_worst_lag_seconds gauge\n"
        f"llm_emulator_event_loop_worst_lag_seconds {worst_lag_s:.6f}\n"
        "# HELP llm_emulator_asyncio_tasks asyncio tasks alive on the server's loop.\n"
        "# TYPE llm_emulator_asyncio_tasks gauge\n"
        f"llm_emulator_asyncio_tasks {tasks}\n"
    )


async def metrics(http: web.Request) -> web.StreamResponse:
    text = render_metrics(http.app[LOOP_LAG].worst_lag_s, len(asyncio.all_tasks()))
    return web.Response(body=text.encode(), headers={"content-type": CONTENT_TYPE})
