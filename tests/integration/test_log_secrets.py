"""No API key or required-header value in any log line, at any level (issue 19, finding 4).

aiohttp logs a header line it cannot parse as it arrived, with a traceback, at
ERROR; the keys in these requests must not survive into a log record, in process
(every logger at DEBUG) or on the stderr of ``llm-emulator serve``.
"""

from __future__ import annotations

import logging
import os
import re
import signal
import socket
import subprocess
from collections.abc import Iterator

import httpx
import pytest

from emulator.pipeline.config import EmulatorConfig
from emulator.testing import EmulatorThread
from tests.integration.test_cli import _command
from tests.support import CLAUDE

# Every secret below holds "CANARY"; no log line may.
GATEWAY_VALUE = "gw-CANARY-configured-value"
ACCEPTED_KEY = "sk-CANARY-accepted-key-0123456789"
MALFORMED_HEADS = [
    b"x-api-key : sk-CANARY1-abcdefghijklmnopqrstuvwx",  # space before the colon
    b"x-api-key: sk-CANARY2-abc\x01defghijklmnop",  # a control character in the value
    b"Authorization: Bearer tok-CANARY3-\x7fabcdefghijklmno",
    b"X-Gateway-Auth: " + GATEWAY_VALUE.encode() + b"\x00",
    b"X-Gateway-Auth : CANARY5-whatever-the-client-sent",
    b"x-api-key\t: CANARY6-tab-before-colon",
    b"x-api-key CANARY7-no-colon-at-all",
    b"Proxy-Authorization: Basic CANARY8==\x01",
    b"X-Custom-Api-Key: CANARY9-\x02",
    b"Cookie: session=CANARY10\x03",
]


def _send_head(base_url: str, header_line: bytes) -> bytes:
    host, port = base_url.removeprefix("http://").split(":")
    request = (
        b"POST /v1/messages HTTP/1.1\r\nHost: x\r\n" + header_line + b"\r\n"
        b"anthropic-version: 2023-06-01\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    )
    with socket.create_connection((host, int(port)), timeout=30) as raw:
        raw.sendall(request)
        answer = b""
        while chunk := raw.recv(65536):
            answer += chunk
    return answer


def _send_everything(base_url: str) -> None:
    for line in MALFORMED_HEADS:
        assert _send_head(base_url, line).startswith(b"HTTP/1.")
    body = {"model": CLAUDE, "max_tokens": 5, "messages": [{"role": "user", "content": "hi"}]}
    with httpx.Client(base_url=base_url, timeout=30) as http:
        for key in (ACCEPTED_KEY, "sk-CANARY11-refused-key-0123456789", "CANARY12"):
            http.post(
                "/v1/messages",
                json=body,
                headers={
                    "x-api-key": key,
                    "anthropic-version": "2023-06-01",
                    "X-Gateway-Auth": GATEWAY_VALUE,
                },
            )
        http.post(
            "/v1/chat/completions",
            json={"model": "gpt-4o-mini", "messages": []},
            headers={"Authorization": "Bearer sk-CANARY13-0123456789abcdef"},
        )


@pytest.fixture(scope="module")
def keyed_server() -> Iterator[EmulatorThread]:
    config = EmulatorConfig(
        port=0,
        api_keys=(ACCEPTED_KEY,),
        require_headers=(f"X-Gateway-Auth={GATEWAY_VALUE}",),
        log_level="debug",
    )
    with EmulatorThread(config) as running:
        yield running


def test_no_secret_in_any_log_record(
    keyed_server: EmulatorThread, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    for name in ("aiohttp", "aiohttp.server", "aiohttp.web", "aiohttp.access", "emulator"):
        caplog.set_level(logging.DEBUG, logger=name)
    _send_everything(keyed_server.base_url)
    server_records = [r for r in caplog.records if r.name.startswith("aiohttp.server")]
    assert server_records, "aiohttp logged none of the malformed requests"
    assert caplog.text.count("[redacted]") >= len(MALFORMED_HEADS) - 1
    assert "CANARY" not in caplog.text
    for record in caplog.records:
        assert "CANARY" not in record.getMessage()
        assert "CANARY" not in (record.exc_text or "")
        assert record.exc_info is None or "CANARY" not in repr(record.exc_info[1])


@pytest.mark.parametrize("log_format", ["text", "json"])
def test_no_secret_on_the_servers_stderr(log_format: str) -> None:
    env = {
        **os.environ,
        "LLM_EMULATOR_PORT": "0",
        "LLM_EMULATOR_LOG_LEVEL": "debug",
        "LLM_EMULATOR_LOG_FORMAT": log_format,
        "LLM_EMULATOR_API_KEYS": ACCEPTED_KEY,
        "LLM_EMULATOR_REQUIRE_HEADERS": f"X-Gateway-Auth={GATEWAY_VALUE}",
        "LLM_EMULATOR_SHUTDOWN_TIMEOUT_S": "1",
    }
    process = subprocess.Popen(
        _command("serve"), env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout is not None and process.stderr is not None
        found = re.search(r"listening on (http://127\.0\.0\.1:\d+)", process.stdout.readline())
        assert found
        _send_everything(found.group(1))
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
        stderr = process.stderr.read()
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()
    assert "Error handling request" in stderr  # aiohttp did log the malformed requests
    assert "CANARY" not in stderr
