"""SIGTERM with streams open: each gets the API's mid-stream error event when
--shutdown-timeout-s runs out, and the process exits 0 by then (0: at once)."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import openai
import pytest

from tests.integration.test_cli import _command
from tests.support import ANTHROPIC_HEADERS, CLAUDE, GPT, OPENAI_HEADERS

_HANG_GUARD_S = 30.0
# First events at once, then the next one 30 s later: a stream that stalls.
_STALLING = json.dumps({"text": "one two three four", "timing": {"tokens_per_s": 0.1}})


@pytest.fixture
def serve(request: pytest.FixtureRequest) -> Iterator[tuple[subprocess.Popen[str], str]]:
    timeout_s: str = request.param
    env = {**os.environ, "LLM_EMULATOR_PORT": "0", "LLM_EMULATOR_HOST": "127.0.0.1"}
    process = subprocess.Popen(
        [*_command("serve"), "--shutdown-timeout-s", timeout_s],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert process.stdout is not None
    banner = process.stdout.readline()
    found = re.search(r"listening on (http://127\.0\.0\.1:\d+)", banner)
    assert found, f"no banner: {banner!r}"
    try:
        yield process, found.group(1)
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=_HANG_GUARD_S)
        process.stdout.close()


@dataclass
class OpenStream:
    """A stream read on its own thread, line by line."""

    lines: list[str] = field(default_factory=list)
    started: threading.Event = field(default_factory=threading.Event)
    ended: threading.Event = field(default_factory=threading.Event)

    def read(self, url: str, body: dict[str, Any], headers: dict[str, str]) -> None:
        def run() -> None:
            try:
                with (
                    httpx.Client(timeout=_HANG_GUARD_S) as http,
                    http.stream("POST", url, json=body, headers=headers) as response,
                ):
                    for line in response.iter_lines():
                        self.lines.append(line)
                        self.started.set()
            except httpx.HTTPError as err:
                self.lines.append(f"<{type(err).__name__}>")
            finally:
                self.started.set()
                self.ended.set()

        threading.Thread(target=run, daemon=True).start()
        assert self.started.wait(_HANG_GUARD_S), "the stream did not start"

    def data(self) -> list[Any]:
        return [json.loads(line[6:]) for line in self.lines if line.startswith("data: {")]


def _stop(process: subprocess.Popen[str]) -> float:
    """SIGTERM; seconds until the process exited 0."""
    started = time.monotonic()
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=_HANG_GUARD_S) == 0
    return time.monotonic() - started


@pytest.mark.parametrize("serve", ["1"], indirect=True)
def test_open_streams_end_with_the_apis_error_event_at_the_timeout(
    serve: tuple[subprocess.Popen[str], str],
) -> None:
    process, base_url = serve
    anthropic_stream, openai_stream = OpenStream(), OpenStream()
    anthropic_stream.read(
        base_url + "/v1/messages",
        {
            "model": CLAUDE,
            "max_tokens": 50,
            "stream": True,
            "messages": [{"role": "user", "content": "hi"}],
        },
        {**ANTHROPIC_HEADERS, "x-emulator-force": _STALLING},
    )
    openai_stream.read(
        base_url + "/v1/chat/completions",
        {"model": GPT, "stream": True, "messages": [{"role": "user", "content": "hi"}]},
        {**OPENAI_HEADERS, "x-emulator-force": _STALLING},
    )

    took = _stop(process)

    assert took < 2.0  # the timeout, plus at most a second
    assert anthropic_stream.ended.wait(_HANG_GUARD_S) and openai_stream.ended.wait(_HANG_GUARD_S)
    assert "event: error" in anthropic_stream.lines
    assert anthropic_stream.data()[-1]["error"]["type"] == "overloaded_error"
    assert openai_stream.data()[-1]["error"] == {
        "message": "The server had an error while processing your request. Sorry about that!",
        "type": "server_error",
        "param": None,
        "code": None,
    }
    assert openai_stream.lines[-1] != "data: [DONE]"


@pytest.mark.parametrize("serve", ["0"], indirect=True)
def test_a_zero_timeout_ends_open_streams_at_once(
    serve: tuple[subprocess.Popen[str], str],
) -> None:
    process, base_url = serve
    stream = OpenStream()
    stream.read(
        base_url + "/v1/messages",
        {
            "model": CLAUDE,
            "max_tokens": 50,
            "stream": True,
            "messages": [{"role": "user", "content": "hi"}],
        },
        {**ANTHROPIC_HEADERS, "x-emulator-force": _STALLING},
    )

    took = _stop(process)

    assert took < 1.0  # not the stream's 30 s stall
    assert stream.ended.wait(_HANG_GUARD_S)
    assert stream.data()[-1]["error"]["type"] == "overloaded_error"


@pytest.mark.parametrize("serve", ["0"], indirect=True)
def test_a_responses_stream_cut_at_shutdown_numbers_its_error_event_after_the_last_event(
    serve: tuple[subprocess.Popen[str], str],
) -> None:
    process, base_url = serve
    client = openai.OpenAI(base_url=base_url + "/v1", api_key="sk-test", max_retries=0)
    events: list[Any] = []
    started, ended = threading.Event(), threading.Event()

    def read() -> None:
        try:
            stream = client.responses.create(
                model=GPT,
                input="hi",
                stream=True,
                extra_headers={"x-emulator-force": _STALLING},
            )
            for event in stream:
                events.append(event)
                if event.type == "response.content_part.added":  # then it stalls
                    started.set()
        except openai.APIError as err:
            events.append(err)
        finally:
            started.set()
            ended.set()

    threading.Thread(target=read, daemon=True).start()
    assert started.wait(_HANG_GUARD_S), "the stream did not start"

    _stop(process)

    assert ended.wait(_HANG_GUARD_S)
    client.close()
    *before, last = events
    assert before and last.type == "error"
    assert [e.sequence_number for e in before] == list(range(len(before)))
    assert last.sequence_number == len(before)
    assert last.code == "server_error"
