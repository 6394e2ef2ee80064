"""The /_emulator control API from a plain HTTP client, and the journal."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from aiohttp.test_utils import make_mocked_request

from conftest import Control
from emulator.core.errors import ApiError
from emulator.pipeline.config import EmulatorConfig
from emulator.surfaces.control import check_access
from emulator.testing import EmulatorThread
from tests.support import ANTHROPIC_HEADERS, CLAUDE, GPT, OPENAI_HEADERS

MESSAGE = {"model": CLAUDE, "max_tokens": 20, "messages": [{"role": "user", "content": "hello"}]}
SCENARIO = {"name": "hello", "rules": [{"name": "hi", "reply": {"text": "Hi there"}}]}


def test_load_list_replace_delete(control: Control, http: httpx.Client) -> None:
    def answer(test_id: str) -> tuple[list[dict[str, Any]], str | None, str | None]:
        """The reply's content, and the scenario and rule the journal says answered it."""
        headers = {**ANTHROPIC_HEADERS, "x-emulator-test-id": test_id}
        response = http.post("/v1/messages", json=MESSAGE, headers=headers)
        assert response.status_code == 200, response.text
        (entry,) = control.journal(test_id=test_id)
        return response.json()["content"], entry["scenario"], entry["rule"]

    def listed() -> list[dict[str, Any]]:
        scenarios: list[dict[str, Any]] = http.get("/_emulator/scenarios").json()["scenarios"]
        return scenarios

    assert listed() == []
    assert answer("before")[1:] == (None, None)  # no scenario: a generated reply
    control.load(SCENARIO)
    assert listed() == [
        {"name": "hello", "source": "/_emulator/scenarios", "rules": ["hi"], "has_default": False}
    ]
    assert answer("loaded") == ([{"type": "text", "text": "Hi there"}], "hello", "hi")

    replaced = http.put(
        "/_emulator/scenarios/hello",
        content="rules:\n  - name: yo\n    reply: {text: Yo}\n",
        headers={"content-type": "application/yaml"},
    )
    assert replaced.status_code == 201 and replaced.json() == {"loaded": "hello", "rules": 1}
    # Replaced, not added to: the old rule is gone from the list and no longer answers.
    assert listed() == [
        {"name": "hello", "source": "/_emulator/scenarios", "rules": ["yo"], "has_default": False}
    ]
    assert answer("replaced") == ([{"type": "text", "text": "Yo"}], "hello", "yo")

    assert http.delete("/_emulator/scenarios/hello").status_code == 204
    assert http.delete("/_emulator/scenarios/hello").status_code == 404
    assert listed() == []
    content, scenario, rule = answer("deleted")
    # Neither the old rule nor the replacement answers: the reply is generated again.
    assert (scenario, rule) == (None, None)
    assert content[0]["type"] == "text"
    assert content[0]["text"] not in ("Hi there", "Yo")


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/yaml", "name: other\nrules:\n  - name: yo\n    reply: {text: Yo}\n"),
        (
            "application/json",
            '{"name": "other", "rules": [{"name": "yo", "reply": {"text": "Yo"}}]}',
        ),
    ],
)
def test_put_path_name_wins_over_the_body(
    control: Control, http: httpx.Client, content_type: str, body: str
) -> None:
    response = http.put(
        "/_emulator/scenarios/from-path", content=body, headers={"content-type": content_type}
    )
    assert response.status_code == 201, response.text
    assert response.json() == {"loaded": "from-path", "rules": 1}
    listed = http.get("/_emulator/scenarios").json()["scenarios"]
    assert [(s["name"], s["source"]) for s in listed] == [("from-path", "/_emulator/scenarios")]


def test_bad_yaml_is_a_400(control: Control, http: httpx.Client) -> None:
    response = http.post(
        "/_emulator/scenarios", content="rules: [", headers={"content-type": "application/yaml"}
    )
    assert response.status_code == 400
    assert response.json()["error"]["message"].startswith("the body is not valid YAML")


def test_bad_scenario_names_rule_and_field(control: Control, http: httpx.Client) -> None:
    bad = {"name": "b", "rules": [{"name": "r1", "reply": {"text": "x"}, "match": {"turn": "two"}}]}
    response = http.post("/_emulator/scenarios", json=bad)
    assert response.status_code == 400
    message = response.json()["error"]["message"]
    assert message.startswith("/_emulator/scenarios: rule 'r1' (rules[0]): match.turn:")


def test_journal_records_and_redacts(control: Control, http: httpx.Client) -> None:
    headers = {**ANTHROPIC_HEADERS, "x-gateway-auth": "secret", "x-emulator-test-id": "j1"}
    http.post("/v1/messages", json=MESSAGE, headers=headers)
    http.post(
        "/v1/chat/completions",
        json={"model": GPT, "messages": [{"role": "user", "content": "x"}]},
        headers={**OPENAI_HEADERS, "x-emulator-test-id": "j1"},
    )
    entries = control.journal(test_id="j1")
    assert [e["api"] for e in entries] == ["messages", "chat"]
    first = entries[0]
    assert first["headers"]["x-api-key"] == "[redacted]"
    assert first["headers"]["x-gateway-auth"] == "[redacted]"
    assert entries[1]["headers"]["authorization"] == "[redacted]"
    assert first["body"] == MESSAGE
    assert first["status"] == 200 and first["path"] == "/v1/messages"
    assert first["response_body"]["type"] == "message"
    assert first["usage"]["output_tokens"] > 0
    assert control.journal(api="chat", test_id="j1")[0]["path"] == "/v1/chat/completions"
    assert control.journal(path="/v1/complete", test_id="j1") == []
    later = control.journal(since=str(first["time"] + 3600))
    assert later == []
    assert http.delete("/_emulator/journal").status_code == 204
    assert control.journal() == []


def test_journal_reads_header_bytes_that_are_not_utf8(control: Control, base_url: str) -> None:
    host, port = base_url.removeprefix("http://").split(":")
    body = json.dumps(MESSAGE).encode()
    head = (
        b"POST /v1/messages HTTP/1.1\r\nHost: x\r\nx-api-key: k\r\n"
        b"anthropic-version: 2023-06-01\r\ncontent-type: application/json\r\n"
        b"x-emulator-test-id: raw\r\nx-odd: caf\xe9\r\nconnection: close\r\n"
        b"content-length: %d\r\n\r\n" % len(body)
    )
    with socket.create_connection((host, int(port)), timeout=10) as raw:
        raw.sendall(head + body)
        assert raw.makefile("rb").readline().startswith(b"HTTP/1.1 200")
    (entry,) = control.journal(test_id="raw")
    assert entry["headers"]["x-odd"] == "caf\ufffd"
    assert entry["response_body"]["type"] == "message"


def test_journal_records_errors_and_streams(control: Control, http: httpx.Client) -> None:
    http.post(
        "/v1/messages",
        json={"model": CLAUDE, "messages": MESSAGE["messages"]},
        headers=ANTHROPIC_HEADERS,
    )
    with http.stream(
        "POST", "/v1/messages", json={**MESSAGE, "stream": True}, headers=ANTHROPIC_HEADERS
    ) as r:
        r.read()
    bad, streamed = control.journal()
    assert bad["status"] == 400 and bad["error"] == "max_tokens: Field required"
    assert streamed["stream"] is True and streamed["stream_events"] > 5


@pytest.fixture(scope="module")
def bounded_server() -> Iterator[EmulatorThread]:
    with EmulatorThread(EmulatorConfig(port=0, journal_size=3, admin_token="s3cret")) as running:
        yield running


def test_admin_token_required_and_journal_bounded(bounded_server: EmulatorThread) -> None:
    with httpx.Client(base_url=bounded_server.base_url) as client:
        for _ in range(5):
            client.post("/v1/messages", json=MESSAGE, headers=ANTHROPIC_HEADERS)
        assert client.get("/_emulator/journal").status_code == 401
        wrong = client.get("/_emulator/journal", headers={"authorization": "Bearer nope"})
        assert wrong.status_code == 401
        good = client.get("/_emulator/journal", headers={"authorization": "Bearer s3cret"})
        assert good.status_code == 200
        body = good.json()
        assert len(body["entries"]) == 3 and body["dropped"] == 2
        assert [e["id"] for e in body["entries"]] == [3, 4, 5]


def test_non_loopback_refused_without_token() -> None:
    with EmulatorThread(EmulatorConfig(port=0)) as running:
        request = make_mocked_request("GET", "/_emulator/journal", app=running.app)
        with pytest.raises(ApiError) as refused:
            check_access(request)  # a mocked request has no peer address: not loopback
        assert refused.value.status == 403


def test_a_non_utf8_test_id_leaves_the_journal_readable(
    control: Control, http: httpx.Client, base_url: str
) -> None:
    """Found by the hostile-input fuzzer: the test id's byte 0xff was kept as a lone
    surrogate, and every later GET /_emulator/journal answered 500."""
    port = int(base_url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
        raw.sendall(
            b"GET /v1/models HTTP/1.1\r\nhost: x\r\nconnection: close\r\n"
            b"authorization: Bearer sk-test\r\nx-emulator-test-id: t\xff1\r\n\r\n"
        )
        assert raw.makefile("rb").readline().startswith(b"HTTP/1.1 200")
    [entry] = control.journal()
    assert entry["test_id"] == "t\ufffd1"
    assert entry["path"] == "/v1/models"


def test_a_body_refused_for_its_depth_leaves_the_journal_readable(
    control: Control, http: httpx.Client
) -> None:
    """Found by the fuzz smoke run: a body nesting past the JSON encoder's limit was
    refused with a 400 but kept in the journal, and every later read answered 500."""
    deep = b"[" * 300 + b"]" * 300
    body = b'{"model":"gpt-4o-mini","messages":[{"role":"user","content":"x"}],"metadata":'
    response = http.post("/v1/chat/completions", content=body + deep + b"}", headers=OPENAI_HEADERS)
    assert response.status_code == 400
    [entry] = control.journal()
    assert entry["status"] == 400
    assert entry["body"] == (body + deep + b"}").decode()
