"""Kept head lines: what aiohttp would send, or None where aiohttp must decide."""

from __future__ import annotations

from email.utils import parsedate_to_datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from emulator.http import whole_response
from emulator.http.whole_response import SentResponse, head_lines

TOKEN_CHARS = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
names = st.text(alphabet=TOKEN_CHARS, min_size=1, max_size=20)
# Anything but the control characters (tab allowed), trimmed as a header value is.
safe_values = st.text(
    alphabet=st.characters(
        exclude_categories=["Cs"],
        exclude_characters=[chr(c) for c in range(0x20) if c != 9] + ["\x7f"],
    ),
    max_size=30,
).map(lambda value: value.strip(" \t"))


@given(st.lists(st.tuples(names, safe_values), max_size=8))
def test_lines_read_back_as_the_headers_in_order(headers: list[tuple[str, str]]) -> None:
    lines = head_lines(headers)
    assert lines is not None
    assert lines.endswith(b"\r\n") or not headers
    read_back = [line.partition(": ") for line in lines.decode().split("\r\n")[:-1]]
    assert [(name, value) for name, _, value in read_back] == headers


@given(
    st.lists(st.tuples(names, safe_values), max_size=4),
    st.sampled_from(["\r", "\n", "\x00", "\x1f", "\x7f"]),
    st.booleans(),
)
def test_a_header_aiohttp_would_refuse_is_left_to_aiohttp(
    headers: list[tuple[str, str]], bad: str, in_name: bool
) -> None:
    poisoned = ("x-bad" + bad, "v") if in_name else ("x-bad", "a" + bad + "b")
    assert head_lines([*headers, poisoned]) is None


def test_the_date_line_is_now_in_http_form() -> None:
    line = whole_response.date_line()
    assert line.startswith(b"Date: ") and line.endswith(b" GMT\r\n")
    assert parsedate_to_datetime(line[6:-2].decode()).tzinfo is not None


async def test_a_sent_response_leaves_nothing_for_aiohttp_to_do() -> None:
    sent = SentResponse(42)
    assert sent.prepared and sent.keep_alive and sent.status == 200
    await sent.prepare(None)  # type: ignore[arg-type]  # touches no request
    await sent.write_eof(b"more")
    with pytest.raises(RuntimeError):
        await sent.write(b"more")
    assert sent.body_length == 42
