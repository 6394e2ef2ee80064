"""docs/guides/control-api.md: the curl lines, run in order with httpx against a fresh
server; docs/reference/control-api.md: its route table is the router's."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest
from aiohttp import web

from emulator.cli import build_parser
from emulator.pipeline.config import EmulatorConfig
from emulator.surfaces.control import add_control_routes
from emulator.testing import EmulatorThread
from tests.examples.docs import (
    DOCS,
    CurlRequest,
    commands,
    curl_requests,
    doc_block,
    expected_json,
    is_subset,
)

TOKEN = "s3cret-for-tests"


@pytest.fixture
def server() -> Iterator[EmulatorThread]:
    with EmulatorThread(EmulatorConfig(port=0)) as running:
        yield running


def send(http: httpx.Client, request: CurlRequest) -> httpx.Response:
    response = http.request(
        request.method, request.path, headers=request.headers, content=request.body
    )
    if request.expect is None:
        assert response.is_success, f"{request.method} {request.path}: {response.text}"
    elif request.expect.isdigit():
        assert response.status_code == int(request.expect), response.text
    else:
        assert response.is_success, f"{request.method} {request.path}: {response.text}"
        expected = expected_json(request.expect)
        assert is_subset(expected, response.json()), (
            f"{request.method} {request.path}\ndocs: {expected}\nserver: {response.text}"
        )
    return response


def _control_routes() -> set[tuple[str, str]]:
    """(method, path) of every control route, from the app's router."""
    app = web.Application()
    add_control_routes(app.router)
    return {
        (route.method, route.resource.canonical)
        for route in app.router.routes()
        if route.resource is not None
    }


def _route_of(request: CurlRequest) -> tuple[str, str]:
    path = request.path.partition("?")[0]
    if path.startswith("/_emulator/scenarios/"):
        path = "/_emulator/scenarios/{name}"
    return request.method, path


def test_curl_lines_cover_every_endpoint() -> None:
    requests = curl_requests(doc_block("control-api"))
    shown = {_route_of(r) for r in requests}
    routes = _control_routes()
    control_shown = {route for route in shown if route[1].startswith("/_emulator/")}
    assert control_shown <= routes, (
        f"the guide shows routes that do not exist: {control_shown - routes}"
    )
    missing = routes - shown
    assert missing == set(), f"control routes without a curl line in the guide: {missing}"


def test_the_reference_lists_every_route() -> None:
    page = (DOCS / "reference" / "control-api.md").read_text(encoding="utf-8")
    table = page.partition("<!-- control-routes -->")[2].split("\n\n", 1)[0]
    listed = re.findall(r"^\| `(\w+)` \| `(/_emulator/[^`]*)` \|", table, re.MULTILINE)
    assert len(listed) == len(set(listed)), "a route listed twice"
    assert set(listed) == _control_routes()


def test_curl_lines_run_as_shown(server: EmulatorThread) -> None:
    requests = curl_requests(doc_block("control-api"))
    cacheable = {
        "model": "claude-sonnet-4-6",
        "max_tokens": 5,
        "system": [
            {"type": "text", "text": "policy " * 2000, "cache_control": {"type": "ephemeral"}}
        ],
        "messages": [{"role": "user", "content": "Hi"}],
    }
    anthropic_headers = {"x-api-key": "test", "anthropic-version": "2023-06-01"}
    with httpx.Client(base_url=server.base_url, timeout=30) as http:
        # Something in the cache, so that GET /_emulator/cache has an entry to show.
        assert http.post("/v1/messages", json=cacheable, headers=anthropic_headers).is_success
        answers = [(request, send(http, request)) for request in requests]

    by_route = {(r.method, r.path): response for r, response in answers}
    (cache_entry,) = by_route["GET", "/_emulator/cache"].json()["entries"]
    assert set(cache_entry) == {
        "hash",
        "owner",
        "model",
        "tokens",
        "ttl",
        "written_at",
        "expires_at",
        "expires_in_s",
    }
    before = by_route["GET", "/_emulator/clock"].json()["now"]
    after = by_route["POST", "/_emulator/clock/advance"].json()["now"]
    assert after - before >= 300
    # The journal entry has the fields the reference lists.
    journal = by_route["GET", "/_emulator/journal?api=messages&test_id=checkout-1"].json()
    assert set(journal["entries"][0]) == {
        "id",
        "time",
        "method",
        "path",
        "headers",
        "test_id",
        "api",
        "body",
        "scenario",
        "rule",
        "nearest_miss",
        "status",
        "response_body",
        "stream",
        "stream_events",
        "usage",
        "duration_ms",
        "disconnected",
        "error",
    }
    assert journal["entries"][0]["headers"]["x-api-key"] == "[redacted]"
    # After the final reset: nothing loaded, nothing recorded, the clock back on time.
    assert server.runtime.engine.scenarios == []
    assert server.runtime.journal.entries() == []


def test_token_rule(server: EmulatorThread) -> None:
    block = doc_block("control-api-token")
    (serve,) = commands(block, "llm-emulator")
    env = {"LLM_EMULATOR_ADMIN_TOKEN": TOKEN}
    args = build_parser().parse_args([_expand(word, env) for word in serve[1:]])
    config = EmulatorConfig.from_args(args, {})
    assert config.admin_token == TOKEN and config.host == "0.0.0.0"
    # The same server on loopback: with a token set, loopback needs it too.
    with (
        EmulatorThread(EmulatorConfig(port=0, admin_token=config.admin_token)) as guarded,
        httpx.Client(base_url=guarded.base_url, timeout=30) as http,
    ):
        requests = curl_requests(block, env)
        assert [r.headers.get("authorization") for r in requests] == [f"Bearer {TOKEN}", None]
        for request in requests:
            send(http, request)
    # Without a token the same call from loopback is answered.
    with httpx.Client(base_url=server.base_url, timeout=30) as http:
        assert http.get("/_emulator/scenarios").json() == {"scenarios": []}


def _expand(word: str, env: dict[str, str]) -> str:
    for name, value in env.items():
        word = word.replace(f"${name}", value)
    return word
