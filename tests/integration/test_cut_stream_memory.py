"""A stream cut mid-way is freed when it ends, not by a later garbage collection.

``serve`` runs with automatic collection off, so anything a cut stream leaves in
a reference cycle stays in memory until a full pass. With collection off here
too, streams are cut both ways (the client goes away; the server drops the
connection by a scripted fault), and one collection afterwards must find none of
the server's request, connection or frame objects among the garbage.
"""

from __future__ import annotations

import asyncio
import gc
import time
import types
from collections.abc import Iterator

import anthropic
import httpx
import openai
import pytest
from aiohttp import web
from aiohttp.web_protocol import RequestHandler

from emulator.http import collector
from emulator.pipeline.config import EmulatorConfig
from emulator.testing import EmulatorThread
from tests.support import ANTHROPIC_HEADERS, CLAUDE, GPT, user

CUTS_PER_KIND = 5
_HANG_GUARD_S = 30.0


@pytest.fixture
def paced_server() -> Iterator[EmulatorThread]:
    config = EmulatorConfig(port=0, latency="ttft_ms=0,tokens_per_s=50")
    with EmulatorThread(config) as running:
        yield running


@pytest.fixture
def collection_off(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    # No pass of the server's own meanwhile.
    monkeypatch.setattr(collector, "NET_GROWTH_LIMIT", 10**12, raising=False)
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _server_tasks(server: EmulatorThread) -> int:
    async def count() -> int:
        return len(asyncio.all_tasks()) - 1  # not this one

    return asyncio.run_coroutine_threadsafe(count(), server.loop).result(_HANG_GUARD_S)


def _wait_until_quiet(server: EmulatorThread, answered: int) -> None:
    """Every request journaled and every connection's task ended."""
    deadline = time.monotonic() + _HANG_GUARD_S
    while len(server.runtime.journal.entries()) < answered or _server_tasks(server):
        assert time.monotonic() < deadline, "the server did not finish the cut streams"
        time.sleep(0.01)


def _is_servers(thing: object) -> bool:
    if isinstance(thing, web.BaseRequest | RequestHandler | asyncio.BaseTransport):
        return True
    if isinstance(thing, types.FrameType):
        return "/emulator/" in thing.f_code.co_filename
    return False


def _cut_anthropic(base_url: str) -> None:
    with (
        anthropic.Anthropic(base_url=base_url, api_key="sk-ant-test", max_retries=0) as client,
        client.messages.stream(
            model=CLAUDE, max_tokens=400, messages=[user("a long story, please")]
        ) as stream,
    ):
        for seen, _event in enumerate(stream):
            if seen == 3:
                break


def _cut_openai(base_url: str) -> None:
    with openai.OpenAI(base_url=base_url + "/v1", api_key="sk-test", max_retries=0) as client:
        chunks = client.chat.completions.create(
            model=GPT, max_tokens=400, stream=True, messages=[user("a long story, please")]
        )
        for seen, _chunk in enumerate(chunks):
            if seen == 3:
                break
        chunks.close()


def _dropped_by_the_server(base_url: str) -> str:
    body = {"model": CLAUDE, "max_tokens": 400, "stream": True, "messages": [user("story")]}
    headers = {**ANTHROPIC_HEADERS, "x-emulator-force": "drop:3"}
    with (
        httpx.Client(base_url=base_url, timeout=_HANG_GUARD_S) as http,
        http.stream("POST", "/v1/messages", json=body, headers=headers) as response,
    ):
        lines: list[str] = []
        try:
            lines.extend(response.iter_lines())
        except httpx.HTTPError:
            lines.append("<dropped>")
    return lines[-1]


@pytest.mark.usefixtures("collection_off")
def test_cut_streams_leave_no_cyclic_garbage(paced_server: EmulatorThread) -> None:
    base_url = paced_server.base_url
    endings = []
    for _ in range(CUTS_PER_KIND):
        _cut_anthropic(base_url)
        _cut_openai(base_url)
        endings.append(_dropped_by_the_server(base_url))
    assert endings == ["<dropped>"] * CUTS_PER_KIND
    _wait_until_quiet(paced_server, answered=3 * CUTS_PER_KIND)
    cut_short = [e for e in paced_server.runtime.journal.entries() if e.disconnected]
    assert len(cut_short) == 3 * CUTS_PER_KIND

    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        gc.collect()
        left = [type(thing).__name__ for thing in gc.garbage if _is_servers(thing)]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
    assert left == []
