"""Compressed request bodies: ``Content-Encoding`` gzip or deflate, as the real APIs take.

aiohttp decodes a body whose one ``Content-Encoding`` is gzip or deflate while it
is read, a bounded piece at a time (it stops reading the socket until the piece
is taken), so the body limit applies to the decoded bytes and a zip bomb ends in
the 413 as soon as the decoded size passes ``--max-body-bytes``. A body that is
not valid for its declared coding gets the API's 400; any other coding (``br``,
``zstd``, ``compress``, a list of codings) the API's 415, before the body is read.
"""

from __future__ import annotations

from aiohttp import hdrs, web

from emulator.core.errors import ApiError
from emulator.core.paths import Family
from emulator.util.wire_text import readable

SUPPORTED_CODINGS = ("gzip", "deflate")
_IDENTITY = ("", "identity")


def check_content_encoding(request: web.Request) -> None:
    """Nothing when the body comes plain or in one coding aiohttp decodes, else the 415."""
    values = request.headers.getall(hdrs.CONTENT_ENCODING, ())
    if not values:
        return
    codings = [c.strip().lower() for value in values for c in value.split(",")]
    named = [c for c in codings if c not in _IDENTITY]
    if not named:
        return
    if len(values) == 1 and len(codings) == 1 and named[0] in SUPPORTED_CODINGS:
        return
    listed = ", ".join(readable(v) for v in values)
    raise ApiError(
        415,
        f"Unsupported Content-Encoding: {listed}. The request body may be sent plain or "
        f"compressed with one of: {', '.join(SUPPORTED_CODINGS)}.",
        code="unsupported_content_encoding",
        openai_type="invalid_request_error",
    )


def undecodable_body(request: web.Request, family: Family) -> ApiError:
    """The API's 400 for a body that is not what its ``Content-Encoding`` declares.

    The connection closes after that answer: the rest of the body cannot be parsed,
    and marking it read spares aiohttp reading on into the same error (which it
    logs as an unhandled exception)."""
    request.content.feed_eof()
    request.protocol.close()
    coding = readable(request.headers.get(hdrs.CONTENT_ENCODING, "")).strip()
    if family == "openai":
        message = "We could not decode the body of your request"
    else:
        message = "The request body could not be decoded"
    return ApiError(
        400,
        f"{message}: it is not valid {coding} data, as its Content-Encoding header says it is.",
        headers={hdrs.CONNECTION: "close"},
    )
