"""POST /v1/complete over raw HTTP (the SDKs dropped it in 1.0)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from conftest import ResponseChecker
from tests.support import ANTHROPIC_HEADERS

PROMPT = "\n\nHuman: What is 2+2?\n\nAssistant:"


def _post(http: httpx.Client, body: Any, version: str = "2023-06-01") -> httpx.Response:
    headers = {**ANTHROPIC_HEADERS, "anthropic-version": version}
    return http.post("/v1/complete", json=body, headers=headers)


def test_completion_fields(http: httpx.Client, check_response: ResponseChecker) -> None:
    response = _post(http, {"model": "claude-2.1", "max_tokens_to_sample": 300, "prompt": PROMPT})
    assert response.status_code == 200
    body = response.json()
    check_response("anthropic_complete_response", body)
    assert body["type"] == "completion"
    assert body["id"].startswith("compl_")
    assert body["model"] == "claude-2.1"
    assert body["completion"]
    assert body["stop_reason"] == "stop_sequence"
    assert body["stop"] == "\n\nHuman:"
    assert response.headers["request-id"].startswith("req_")


def test_max_tokens_to_sample_cuts(http: httpx.Client) -> None:
    body = _post(http, {"model": "claude-2.1", "max_tokens_to_sample": 3, "prompt": PROMPT}).json()
    assert body["stop_reason"] == "max_tokens"
    assert body["stop"] is None


def test_custom_stop_sequence(http: httpx.Client) -> None:
    base = {"model": "claude-instant-1.2", "max_tokens_to_sample": 500, "prompt": PROMPT}
    text = _post(http, base).json()["completion"]
    stop = text.split()[1]
    body = _post(http, {**base, "stop_sequences": [stop]}).json()
    assert body["completion"] == text[: text.index(stop)]
    assert body["stop"] == stop and body["stop_reason"] == "stop_sequence"


def test_old_version_shape(http: httpx.Client, check_response: ResponseChecker) -> None:
    response = _post(
        http, {"model": "claude-2.0", "max_tokens_to_sample": 50, "prompt": PROMPT}, "2023-01-01"
    )
    body = response.json()
    check_response("anthropic_complete_legacy_response", body)
    assert body["truncated"] is False and body["exception"] is None
    assert "id" not in body and "type" not in body


@pytest.mark.parametrize(
    ("prompt", "message"),
    [
        (
            "Hello, world",
            'prompt must start with "\n\nHuman:" turn after an optional system prompt',
        ),
        (
            "Hello, world\n\nAssistant:",
            'prompt must start with "\n\nHuman:" turn after an optional system prompt',
        ),
        ("\n\nHuman: Hello, Claude", 'prompt must end with "\n\nAssistant:" turn'),
        (
            "\n\nAssistant: Hello\n\nHuman: Hi\n\nAssistant:",
            'prompt must start with "\n\nHuman:" turn after an optional system prompt',
        ),
        (
            "\n\nHuman: Hi\n\nAssistant: Hello\n\nHuman: How many toes?",
            'prompt must end with "\n\nAssistant:" turn',
        ),
        ("\n\nHuman: Hello, Claude \nAssistant:", 'prompt must end with "\n\nAssistant:" turn'),
    ],
)
def test_prompt_validation_errors(http: httpx.Client, prompt: str, message: str) -> None:
    response = _post(http, {"model": "claude-2.1", "max_tokens_to_sample": 5, "prompt": prompt})
    assert response.status_code == 400
    assert response.json()["error"] == {"type": "invalid_request_error", "message": message}


@pytest.mark.parametrize(
    "prompt", ["Human: Hello, Claude\n\nAssistant:", "\n\nHuman: Hello, Claude:\n\nAssistant: "]
)
def test_prompts_sanitized_and_accepted(http: httpx.Client, prompt: str) -> None:
    response = _post(http, {"model": "claude-2.1", "max_tokens_to_sample": 5, "prompt": prompt})
    assert response.status_code == 200


def test_messages_era_model_refused(http: httpx.Client) -> None:
    response = _post(
        http, {"model": "claude-3-haiku-20240307", "max_tokens_to_sample": 5, "prompt": PROMPT}
    )
    assert response.status_code == 400
    assert response.json()["error"]["message"] == (
        '"claude-3-haiku-20240307" is not supported on this API. '
        "Please use the Messages API instead."
    )


def test_missing_field(http: httpx.Client, check_response: ResponseChecker) -> None:
    response = _post(http, {"model": "claude-2.1", "prompt": PROMPT})
    assert response.status_code == 400
    check_response("anthropic_error", response.json())
    assert response.json()["error"]["message"] == "max_tokens_to_sample: Field required"
