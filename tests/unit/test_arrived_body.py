"""The body of a request as it arrived, read without a coroutine when it is all there."""

from __future__ import annotations

import asyncio

from aiohttp import streams, web
from aiohttp.base_protocol import BaseProtocol
from aiohttp.test_utils import make_mocked_request
from hypothesis import given
from hypothesis import strategies as st

from emulator.surfaces.common import arrived_body


def _request_with(chunks: list[bytes], *, ended: bool, taken: int = 0) -> web.Request:
    loop = asyncio.new_event_loop()
    try:
        content = streams.StreamReader(BaseProtocol(loop), 2**16, loop=loop)
        for chunk in chunks:
            content.feed_data(chunk)
        if ended:
            content.feed_eof()
        if taken:
            content.read_nowait(taken)
        return make_mocked_request("POST", "/v1/messages", payload=content, loop=loop)
    finally:
        loop.close()


@given(st.lists(st.binary(min_size=1, max_size=40), min_size=1, max_size=5), st.data())
def test_a_whole_body_is_what_was_sent_less_what_was_taken(
    chunks: list[bytes], data: st.DataObject
) -> None:
    sent = b"".join(chunks)
    taken = data.draw(st.integers(min_value=0, max_value=len(sent) - 1))
    request = _request_with(chunks, ended=True, taken=taken)
    assert arrived_body(request) == sent[taken:]


def test_a_body_still_arriving_is_left_alone() -> None:
    request = _request_with([b'{"model": '], ended=False)
    assert arrived_body(request) is None
    assert request.content.read_nowait() == b'{"model": '


def test_an_empty_body_is_empty() -> None:
    assert arrived_body(_request_with([], ended=True)) == b""
