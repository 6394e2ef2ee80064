"""docs/reference/endpoints.md: every curl line answers as the real API would, and
every path the page says is not emulated answers the API's 404."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest

from emulator.pipeline.config import EmulatorConfig
from emulator.testing import EmulatorThread
from tests.examples.docs import DOCS, curl_requests, doc_block


@pytest.fixture(scope="module")
def server() -> Iterator[EmulatorThread]:
    with EmulatorThread(EmulatorConfig(port=0)) as running:
        yield running


def test_every_curl_line_answers(server: EmulatorThread) -> None:
    requests = curl_requests(doc_block("endpoints"))
    assert len(requests) == 8
    with httpx.Client(base_url=server.base_url, timeout=30) as http:
        for request in requests:
            response = http.request(
                request.method, request.path, headers=request.headers, content=request.body
            )
            assert response.status_code == 200, f"{request.path}: {response.text}"
            assert response.json()
    apis = [e.api for e in server.runtime.journal.entries()]
    assert {"messages", "complete", "chat", "responses", "embeddings"} <= set(apis)


def _not_emulated() -> list[tuple[str, str]]:
    page = (DOCS / "reference" / "endpoints.md").read_text(encoding="utf-8")
    listed = page.partition("<!-- not-emulated -->")[2].split("\n\n", 1)[0]
    return re.findall(r"`(GET|POST) (/v1/[\w/]+)`", listed)


def test_what_is_not_emulated_answers_404(server: EmulatorThread) -> None:
    paths = _not_emulated()
    assert ("POST", "/v1/completions") in paths and len(paths) >= 8
    headers = {"authorization": "Bearer test", "content-type": "application/json"}
    with httpx.Client(base_url=server.base_url, timeout=30) as http:
        for method, path in paths:
            response = http.request(method, path, headers=headers, content=b"{}")
            assert response.status_code == 404, f"{method} {path}: {response.status_code}"
            assert "error" in response.json()
