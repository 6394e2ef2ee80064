"""The ``Expect`` request header, answered in the API's own shape.

aiohttp's default sends ``100 Continue`` for ``100-continue`` and raises a
plain-text 417 for anything else, echoing the value (a byte that is not UTF-8
made that 417 a 500). Here an unknown expectation gets the 417 in the API's
error shape, through the guard like any other answer.
"""

from __future__ import annotations

from aiohttp import hdrs, web
from aiohttp.http import HttpVersion11

from emulator.core.errors import ApiError
from emulator.surfaces.guard import guard
from emulator.util.wire_text import readable


async def handle_expect(request: web.Request) -> web.StreamResponse | None:
    """None to go on to the route's handler (after ``100 Continue`` where asked), or
    the API's 417."""
    expect = request.headers.get(hdrs.EXPECT, "")
    if request.version != HttpVersion11:
        return None  # HTTP/1.0 has no expectations to meet (RFC 9110 §10.1.1)
    if expect.lower() == "100-continue":
        await request.writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        request.writer.output_size = 0  # the answer's own size starts after this line
        return None
    return await guard(request, handler=_expectation_failed, gateway_auth=False)


async def _expectation_failed(request: web.Request) -> web.StreamResponse:
    expect = readable(request.headers.get(hdrs.EXPECT, ""))
    raise ApiError(417, f"Unknown Expect: {expect}", openai_type="invalid_request_error")
