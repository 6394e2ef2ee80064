"""A body sent again is served from the parse kept for it, yet answers as if parsed anew:
per-caller things (key, headers) come from the request in hand, never the first one."""

from __future__ import annotations

import httpx

from conftest import Control
from emulator.testing import EmulatorThread

MODEL = "claude-sonnet-4-6"
BODY = {
    "model": MODEL,
    "max_tokens": 64,
    "messages": [{"role": "user", "content": "which key am I?"}],
}


def _post(http: httpx.Client, key: str, **headers: str) -> httpx.Response:
    return http.post(
        "/v1/messages",
        json=BODY,
        headers={"x-api-key": key, "anthropic-version": "2023-06-01", **headers},
    )


def test_the_same_bytes_from_two_callers(
    http: httpx.Client, control: Control, server: EmulatorThread
) -> None:
    control.load(
        {
            "name": "by-header",
            "rules": [
                {
                    "name": "tenant-b",
                    "match": {"headers": {"x-tenant": "b"}},
                    "reply": {"text": "tenant b"},
                }
            ],
        }
    )
    first = _post(http, "key-a", **{"x-tenant": "a"})
    second = _post(http, "key-b", **{"x-tenant": "b"})
    third = _post(http, "key-a", **{"x-tenant": "a"})
    assert first.status_code == second.status_code == third.status_code == 200
    assert second.json()["content"][0]["text"] == "tenant b"
    assert first.json()["content"] == third.json()["content"] != second.json()["content"]
    assert first.json()["id"] != third.json()["id"]
    entries = control.journal(api="messages")
    assert [e["headers"]["x-tenant"] for e in entries] == ["a", "b", "a"]
    assert all(e["body"] == BODY for e in entries)


def test_a_kept_body_still_checks_the_key(http: httpx.Client, control: Control) -> None:
    assert _post(http, "key-a").status_code == 200
    refused = http.post("/v1/messages", json=BODY, headers={"anthropic-version": "2023-06-01"})
    assert refused.status_code == 401
    assert refused.json()["error"]["type"] == "authentication_error"


def test_a_bad_body_gets_its_error_every_time(http: httpx.Client, control: Control) -> None:
    bad = {**BODY, "max_tokens": -1}
    for _ in range(2):
        response = http.post(
            "/v1/messages",
            json=bad,
            headers={"x-api-key": "k", "anthropic-version": "2023-06-01"},
        )
        assert response.status_code == 400
        assert response.json()["error"]["type"] == "invalid_request_error"


def test_journal_entries_of_a_kept_body_share_one_copy_of_its_bytes(
    http: httpx.Client, server: EmulatorThread
) -> None:
    body = {**BODY, "messages": [{"role": "user", "content": "kept in the journal?"}]}
    headers = {"x-api-key": "k", "anthropic-version": "2023-06-01"}
    for _ in range(4):
        assert http.post("/v1/messages", json=body, headers=headers).status_code == 200
    entries = server.runtime.journal.entries(path="/v1/messages")
    kept = [e.body for e in entries if e.to_json()["body"] == body]
    assert len(kept) == 4 and all(isinstance(b, bytes) for b in kept)
    # Kept on its second sighting: from then on every entry holds the kept copy.
    assert kept[1] is kept[2] is kept[3]
    assert kept[0] == kept[1] and kept[0] is not kept[1]
