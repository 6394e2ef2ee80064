"""The control API: nameless scenarios side by side, chaos and rate limits read and
removed like scenarios, and every error in the control API's own shape."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from conftest import Control
from emulator.pipeline.config import EmulatorConfig
from emulator.testing import EmulatorThread
from tests.support import ANTHROPIC_HEADERS, CLAUDE, OPENAI_HEADERS

MESSAGE = {"model": CLAUDE, "max_tokens": 20, "messages": [{"role": "user", "content": "cats"}]}


def _nameless(word: str) -> str:
    return (
        f"rules:\n  - name: r\n    match: {{last_user_text: {word}}}\n"
        f"    reply: {{text: about {word}}}\n"
    )


def _ask(http: httpx.Client, text: str) -> str:
    body = {**MESSAGE, "messages": [{"role": "user", "content": text}]}
    answer = http.post("/v1/messages", json=body, headers=ANTHROPIC_HEADERS)
    assert answer.status_code == 200, answer.text
    reply: str = answer.json()["content"][0]["text"]
    return reply


def test_nameless_scenarios_never_replace_each_other(control: Control, http: httpx.Client) -> None:
    yaml = {"content-type": "application/yaml"}
    first = http.post("/_emulator/scenarios", content=_nameless("cats"), headers=yaml)
    second = http.post("/_emulator/scenarios", content=_nameless("dogs"), headers=yaml)

    assert first.json() == {"loaded": "posted-1", "rules": 1}
    assert second.json() == {"loaded": "posted-2", "rules": 1}
    assert [s["name"] for s in http.get("/_emulator/scenarios").json()["scenarios"]] == [
        "posted-1",
        "posted-2",
    ]
    assert (_ask(http, "cats"), _ask(http, "dogs")) == ("about cats", "about dogs")
    assert http.delete("/_emulator/scenarios/posted-1").status_code == 204
    third = http.post("/_emulator/scenarios", content=_nameless("birds"), headers=yaml)
    assert third.json()["loaded"] == "posted-1"  # a free name again
    assert _ask(http, "dogs") == "about dogs"


def test_chaos_is_read_and_removed_like_scenarios(control: Control, http: httpx.Client) -> None:
    assert http.get("/_emulator/chaos").json() == {"tests": [], "models": [], "global": None}
    specs = {"specs": ["overloaded=0.25", "model=gpt-*,rate_limit=0.5"]}
    assert http.put("/_emulator/chaos", json=specs).status_code == 204
    one_test = {"specs": ["server_error=1"], "test_id": "t1"}
    assert http.put("/_emulator/chaos", json=one_test).status_code == 204

    shown = http.get("/_emulator/chaos").json()
    assert shown["global"]["overloaded"] == 0.25 and shown["global"]["rate_limit"] == 0
    assert [(m["model"], m["rate_limit"]) for m in shown["models"]] == [("gpt-*", 0.5)]
    assert [(t["test_id"], t["server_error"]) for t in shown["tests"]] == [("t1", 1.0)]

    assert http.delete("/_emulator/chaos", params={"test_id": "t1"}).status_code == 204
    shown = http.get("/_emulator/chaos").json()
    assert shown["tests"] == [] and shown["global"]["overloaded"] == 0.25
    assert http.delete("/_emulator/chaos").status_code == 204
    assert http.get("/_emulator/chaos").json() == {"tests": [], "models": [], "global": None}


def test_rate_limits_are_read_and_removed_like_scenarios(
    control: Control, http: httpx.Client
) -> None:
    unlimited = {
        "requests_per_minute": None,
        "input_tokens_per_minute": None,
        "output_tokens_per_minute": None,
    }
    assert http.get("/_emulator/rate-limits").json() == {"models": [], "default": unlimited}
    specs = {"specs": ["rpm=1", "model=claude-*,rpm=5,otpm=900"]}
    assert http.put("/_emulator/rate-limits", json=specs).status_code == 204

    assert http.get("/_emulator/rate-limits").json() == {
        "models": [
            {
                "model": "claude-*",
                "requests_per_minute": 5,
                "input_tokens_per_minute": None,
                "output_tokens_per_minute": 900,
            }
        ],
        "default": {**unlimited, "requests_per_minute": 1},
    }
    assert http.delete("/_emulator/rate-limits").status_code == 204
    assert http.get("/_emulator/rate-limits").json() == {"models": [], "default": unlimited}
    statuses = {
        http.post(
            "/v1/chat/completions",
            json={"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "x"}]},
            headers=OPENAI_HEADERS,
        ).status_code
        for _ in range(3)
    }
    assert statuses == {200}


def _control_error(answer: httpx.Response, status: int, kind: str) -> str:
    assert answer.status_code == status, answer.text
    body: dict[str, Any] = answer.json()
    assert set(body) == {"error"} and set(body["error"]) == {"status", "type", "message"}
    assert (body["error"]["status"], body["error"]["type"]) == (status, kind)
    message: str = body["error"]["message"]
    return message


@pytest.mark.parametrize(
    "headers", [{}, ANTHROPIC_HEADERS, OPENAI_HEADERS], ids=["none", "anthropic", "openai"]
)
def test_errors_have_one_shape_whatever_api_headers_came(
    control: Control, http: httpx.Client, headers: dict[str, str]
) -> None:
    bad_json = http.post("/_emulator/scenarios", content=b"{", headers=headers)
    assert "not valid JSON" in _control_error(bad_json, 400, "invalid_request")
    missing = http.delete("/_emulator/scenarios/nope", headers=headers)
    assert _control_error(missing, 404, "not_found") == "no scenario named 'nope'"
    unknown = http.get("/_emulator/nowhere", headers=headers)
    assert _control_error(unknown, 404, "not_found") == "the control API has no /_emulator/nowhere"
    wrong_method = http.patch("/_emulator/chaos", headers=headers)
    _control_error(wrong_method, 405, "method_not_allowed")
    bad_specs = http.put("/_emulator/rate-limits", json={"specs": ["rpm=zero"]}, headers=headers)
    _control_error(bad_specs, 400, "invalid_request")


@pytest.fixture(scope="module")
def token_server() -> Iterator[EmulatorThread]:
    with EmulatorThread(EmulatorConfig(port=0, admin_token="s3cret")) as running:
        yield running


def test_a_missing_admin_token_is_a_control_error(token_server: EmulatorThread) -> None:
    with httpx.Client(base_url=token_server.base_url, timeout=30) as http:
        answer = http.get("/_emulator/chaos", headers=ANTHROPIC_HEADERS)
        assert "Bearer <admin token>" in _control_error(answer, 401, "unauthorized")
        allowed = http.get("/_emulator/rate-limits", headers={"Authorization": "Bearer s3cret"})
        assert allowed.status_code == 200
