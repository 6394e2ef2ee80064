"""Reading a generating request: its raw body, then the parse, or the parse kept."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from aiohttp import web
from aiohttp.web_protocol import RequestPayloadError

from emulator.core.errors import invalid_request
from emulator.core.neutral import NeutralRequest
from emulator.core.paths import Family
from emulator.pipeline.keys import EXCHANGE, RUNTIME
from emulator.surfaces.common import (
    arrived_body,
    checked_json_bytes,
    decode_json_object,
    read_body,
)
from emulator.surfaces.content_encoding import check_content_encoding, undecodable_body
from emulator.util.jsonvalue import JSONObject
from emulator.util.nesting import depth_message, nests_too_deeply

# Above this size a new body is decoded, checked and parsed on a worker thread. That work
# grows with the body (a valid 1.9 MB body took 400-480 ms here), and on the event loop it
# would stall every other request and stream for as long; on a thread, the interpreter
# hands the loop a turn every few milliseconds (sys.getswitchinterval()). What the parse
# shares (memos, the quick check's per-validation verdicts) is only ever a cache: a lookup
# another thread's work changed or cleared finds nothing and computes again.
THREAD_ABOVE_BYTES = 256 * 1024


def decode_and_parse(
    http: web.Request,
    raw: bytes,
    family: Family,
    parse: Callable[[JSONObject], NeutralRequest],
) -> NeutralRequest:
    body = decode_json_object(http, raw, family)
    if nests_too_deeply(raw, body):
        raise invalid_request(depth_message())
    return parse(body)


async def read_request(
    http: web.Request,
    *,
    kind: str,
    family: Family,
    parse: Callable[[JSONObject], NeutralRequest],
) -> NeutralRequest:
    """The request ``http`` carries, parsed by ``parse`` (which validates the body and
    raises the API's errors) or found parsed already (the same object for every
    request with the same bytes); ``kind`` names the surface and whatever else,
    besides the bytes, changes the parse."""
    runtime = http.app[RUNTIME]
    limit = runtime.config.max_body_bytes
    check_content_encoding(http)
    try:
        raw = arrived_body(http)  # most requests: no coroutine to read the body
        if raw is None:
            raw = await read_body(http, limit)
    except RequestPayloadError as err:  # not what its Content-Encoding says
        raise undecodable_body(http, family) from err
    raw = checked_json_bytes(http, raw, limit, family)
    found = runtime.parsed_bodies.find(kind, raw)
    if found is None:
        if len(raw) > THREAD_ABOVE_BYTES:
            parsed = await asyncio.to_thread(decode_and_parse, http, raw, family, parse)
        else:
            parsed = decode_and_parse(http, raw, family, parse)
        runtime.parsed_bodies.offer(kind, raw, parsed)
        return parsed
    kept_raw, parsed = found
    http[EXCHANGE].body = kept_raw
    return parsed
