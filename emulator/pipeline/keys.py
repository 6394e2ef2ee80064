"""Every typed application key and request-scoped key, in one place."""

from __future__ import annotations

from aiohttp import web

from emulator.pipeline.journal import Exchange
from emulator.pipeline.runtime import Runtime

RUNTIME = web.AppKey("runtime", Runtime)

# Request-scoped values set by the guard.
REQUEST_ID = web.RequestKey("request_id", str)
EXCHANGE = web.RequestKey("exchange", Exchange)
