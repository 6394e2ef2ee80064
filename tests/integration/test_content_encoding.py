"""Compressed request bodies (issue 19, finding 3): gzip and deflate are decoded under
the body limit; a body that is not what it says gets a 400, other codings a 415."""

from __future__ import annotations

import gzip
import json
import zlib
from collections.abc import Callable, Iterator

import httpx
import pytest

from emulator.pipeline.config import EmulatorConfig
from emulator.testing import EmulatorThread
from tests.raw_http import exchange
from tests.support import ANTHROPIC_HEADERS, CLAUDE, GPT, OPENAI_HEADERS

MESSAGE = {"model": CLAUDE, "max_tokens": 8, "messages": [{"role": "user", "content": "hi"}]}
CHAT = {"model": GPT, "messages": [{"role": "user", "content": "hi"}]}
ENDPOINTS = [
    ("/v1/messages", MESSAGE, ANTHROPIC_HEADERS),
    ("/v1/chat/completions", CHAT, OPENAI_HEADERS),
]


@pytest.mark.parametrize(
    ("coding", "compress"),
    [("gzip", gzip.compress), ("deflate", zlib.compress), ("GZip", gzip.compress)],
)
def test_compressed_body_is_answered(
    http: httpx.Client, coding: str, compress: Callable[[bytes], bytes]
) -> None:
    body = compress(json.dumps(MESSAGE).encode())
    response = http.post(
        "/v1/messages", content=body, headers={**ANTHROPIC_HEADERS, "content-encoding": coding}
    )
    assert response.status_code == 200, response.text
    assert response.json()["usage"]["input_tokens"] == 4


@pytest.mark.parametrize(("path", "body", "headers"), ENDPOINTS)
@pytest.mark.parametrize("coding", ["gzip", "deflate"])
def test_plain_body_declared_compressed_is_a_400(
    http: httpx.Client, path: str, body: object, headers: dict[str, str], coding: str
) -> None:
    response = http.post(
        path, content=json.dumps(body).encode(), headers={**headers, "content-encoding": coding}
    )
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert f"not valid {coding} data" in error["message"]
    assert response.headers["connection"] == "close"
    assert (path == "/v1/messages") == (response.json().get("type") == "error")


@pytest.mark.parametrize(("path", "body", "headers"), ENDPOINTS)
@pytest.mark.parametrize("coding", ["br", "zstd", "compress", "x-gzip", "gzip, gzip", "bogus"])
def test_unsupported_coding_is_a_415(
    base_url: str, path: str, body: object, headers: dict[str, str], coding: str
) -> None:
    raw_headers = [(k.encode(), v.encode()) for k, v in headers.items()]
    answer = exchange(
        base_url,
        path,
        [*raw_headers, (b"content-encoding", coding.encode())],
        json.dumps(body).encode(),
    )
    if answer.status == 400 and answer.headers["content-type"].startswith("text/plain"):
        # aiohttp refuses br/zstd itself when it lacks the decoder (see README).
        assert coding in ("br", "zstd")
        return
    assert answer.status == 415, answer.body
    error = answer.json()["error"]
    assert error["message"].startswith(f"Unsupported Content-Encoding: {coding}.")


def test_identity_is_plain(http: httpx.Client) -> None:
    response = http.post(
        "/v1/chat/completions",
        content=json.dumps(CHAT).encode(),
        headers={**OPENAI_HEADERS, "content-encoding": "identity"},
    )
    assert response.status_code == 200


@pytest.fixture(scope="module")
def small_limit() -> Iterator[EmulatorThread]:
    with EmulatorThread(EmulatorConfig(port=0, max_body_bytes=1 << 20)) as running:
        yield running


def test_zip_bomb_is_a_413(small_limit: EmulatorThread) -> None:
    bomb = gzip.compress(b" " * (64 << 20), 9)  # 64 MiB of spaces in ~64 KiB
    with httpx.Client(base_url=small_limit.base_url, timeout=30) as client:
        response = client.post(
            "/v1/messages", content=bomb, headers={**ANTHROPIC_HEADERS, "content-encoding": "gzip"}
        )
        assert response.status_code == 413
        assert response.json()["error"]["type"] == "request_too_large"
        assert client.get("/healthz").status_code == 200
