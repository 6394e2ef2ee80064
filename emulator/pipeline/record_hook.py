"""Where recording and replay meet the routes and the surfaces.

``recording`` wraps an API route's handler: with a recording session configured
(``llm-emulator record``, or ``serve`` with ``--record-mode``/``--upstream``), the
session answers every request; otherwise the handler does. ``replayed`` is asked
by a surface after it parsed a request: the recording whose fingerprint matches
answers it, before any hand-written rule (``serve --fixtures DIR``).
"""

from __future__ import annotations

from aiohttp import web
from aiohttp.typedefs import Handler

from emulator.core.paths import family_for
from emulator.pipeline import replay
from emulator.pipeline.keys import RUNTIME
from emulator.util.jsonvalue import JSONObject


def recording(handler: Handler, endpoint: str) -> Handler:
    async def handle(http: web.Request) -> web.StreamResponse:
        recorder = http.app[RUNTIME].recorder
        if recorder is None:
            return await handler(http)
        return await recorder.handle(http, endpoint)

    return handle


async def replayed(http: web.Request, endpoint: str, body: JSONObject) -> web.StreamResponse | None:
    runtime = http.app[RUNTIME]
    index = runtime.recorded_index()
    if not index:
        return None
    found = index.take(endpoint, body, http.headers)
    if found is None:
        return None
    timing = runtime.replay_timing
    return await replay.send_recorded(http, found, family_for(http.path, http.headers), timing)
