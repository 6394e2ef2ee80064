"""What every surface does first: read the body under a limit and parse it (and a
list endpoint's ``limit``)."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable

from aiohttp import web

from emulator.core.errors import ApiError, invalid_request
from emulator.core.paths import Family
from emulator.pipeline.keys import EXCHANGE, RUNTIME
from emulator.util import jsonvalue
from emulator.util.jsonvalue import JSONObject

_OPENAI_BAD_JSON = (
    "We could not parse the JSON body of your request. (HINT: This likely means you aren't "
    "using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was "
    "sent was not valid JSON. If you have trouble figuring out how to fix this, please contact "
    "us through our help center at help.openai.com.)"
)


def too_large(limit: int) -> ApiError:
    return ApiError(
        413,
        f"Request exceeds the maximum allowed number of bytes ({limit}).",
        error_type="request_too_large",
        code="request_too_large",
        openai_type="invalid_request_error",
    )


def _is_json_content_type(request: web.Request) -> bool:
    raw = request.headers.get("Content-Type")
    if raw is None or raw == "application/json":  # what SDKs send: no parsing needed
        return True
    mime = request.content_type.lower()
    return mime == "application/json" or mime.endswith("+json")


def checked_json_bytes(request: web.Request, raw: bytes, limit: int, family: Family) -> bytes:
    """``raw``, the whole body, if it is within ``limit`` and declared JSON; else the
    API's 413 or 400."""
    if len(raw) > limit:
        raise too_large(limit)
    if not _is_json_content_type(request):
        if family == "anthropic":
            raise invalid_request(
                f"Unsupported content type: {request.content_type!r}. "
                "The request body must be JSON (content-type: application/json)."
            )
        raise invalid_request(
            f"Invalid Content-Type header ({request.content_type}), expected application/json.",
        )
    return raw


def decode_json_object(request: web.Request, raw: bytes, family: Family) -> JSONObject:
    """``raw`` as a JSON object, or the API's 400. JSON bytes are noted in the
    journal as they are: decoding them again when the journal is read is cheaper
    than keeping the decoded tree of every request alive until its entry goes."""
    try:
        body = jsonvalue.loads(raw)
    except jsonvalue.JSONDecodeError as err:
        if family == "openai":
            raise invalid_request(_OPENAI_BAD_JSON) from err
        raise invalid_request(f"The request body is not valid JSON: {err}") from err
    request[EXCHANGE].body = raw
    if not isinstance(body, dict):
        if family == "openai":
            raise invalid_request(
                f"Invalid type for request body: expected an object, but got "
                f"{_json_kind(body)} instead.",
                code="invalid_type",
            )
        raise invalid_request("Input should be a valid dictionary or object to extract fields from")
    return body


def arrived_body(request: web.Request) -> bytes | None:
    """The whole body when it has all arrived (a small one usually comes with the
    headers), else None and nothing taken: no coroutine needed to read it."""
    content = request.content
    if not content.is_eof():
        return None
    # A body that came in one piece is looked at where aiohttp keeps it. Reading it
    # would have aiohttp resume the connection's reading, which was never paused,
    # by parsing nothing (about 3 µs of an answer's ~70 under load).
    buffer = getattr(content, "_buffer", None)
    if type(buffer) is deque and len(buffer) == 1 and getattr(content, "_buffer_offset", 1) == 0:
        whole = buffer[0]
        if type(whole) is bytes:
            return whole
    return content.read_nowait()


async def read_body(request: web.Request, limit: int) -> bytes:
    """The whole body, read under ``limit`` (the API's 413 past it) and
    --body-timeout-s between its bytes (408, and the connection closes)."""
    content = request.content
    raw = content.read_nowait()
    if not content.at_eof():
        declared = request.content_length
        if declared is not None and declared > limit:
            raise too_large(limit)
        pause_s = request.app[RUNTIME].config.body_timeout_s
        loop = asyncio.get_running_loop()
        chunks = [raw]
        size = len(raw)
        try:
            async with asyncio.timeout(pause_s or None) as deadline:
                async for chunk in content.iter_chunked(65536):
                    if pause_s:
                        deadline.reschedule(loop.time() + pause_s)
                    size += len(chunk)
                    if size > limit:
                        raise too_large(limit)
                    chunks.append(chunk)
        except TimeoutError:
            raise body_timed_out(request, pause_s) from None
        raw = b"".join(chunks)
    if len(raw) > limit:
        raise too_large(limit)
    return raw


def body_timed_out(request: web.Request, pause_s: float) -> ApiError:
    """The API's 408 for a body that stopped arriving; the connection closes once it
    is sent (rather than after aiohttp's wait for the rest of the body)."""
    asyncio.get_running_loop().call_soon(request.protocol.force_close)
    return ApiError(
        408,
        f"Request timed out: no bytes of the request body arrived for {pause_s:g} seconds.",
        openai_type="invalid_request_error",
        code="request_timeout",
    )


def _json_kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


def page_limit(
    raw: str | None,
    *,
    default: int,
    maximum: int,
    not_an_integer: Callable[[str], ApiError],
    out_of_range: Callable[[int], ApiError],
) -> int:
    """A list endpoint's ``limit`` query parameter: ``default`` when absent, else a
    whole number from 1 to ``maximum``; the API's 400s are worded by the caller."""
    if raw is None:
        return default
    try:
        limit = int(raw)
    except ValueError as err:
        raise not_an_integer(raw) from err
    if not 1 <= limit <= maximum:
        raise out_of_range(limit)
    return limit
