"""The spec check itself: it reports what breaks the documents, names the schema path, and
sees bodies and stream events arriving through any httpx client."""

from __future__ import annotations

from pathlib import Path

import anthropic
import httpx
import pytest

from conftest import Control
from tests.spec import capture
from tests.spec.documents import REPO_ROOT
from tests.spec.exclusions import EXEMPT_TESTS
from tests.spec.operations import Operation, operation_for
from tests.spec.validate import validators
from tests.support import ANTHROPIC_HEADERS, CLAUDE, GPT, OPENAI_HEADERS, user

MESSAGES = Operation("anthropic", "messages", "Message", "messages")


def _take_violations() -> list[str]:
    """What the hook recorded so far in this test (taken, so the test is not failed for it)."""
    return capture.RECORDER.take()[2]


def test_a_scripted_error_type_outside_the_spec_is_reported(
    control: Control, http: httpx.Client
) -> None:
    control.load(
        {
            "name": "teapot",
            "rules": [{"name": "t", "reply": {"error": {"status": 418, "type": "teapot_error"}}}],
        }
    )
    response = http.post(
        "/v1/messages",
        headers=ANTHROPIC_HEADERS,
        json={"model": CLAUDE, "max_tokens": 10, "messages": [user("hi")]},
    )
    assert response.status_code == 418
    [violation] = _take_violations()
    assert violation.startswith("POST /v1/messages -> 418: anthropic spec ErrorResponse > ")
    assert "['error']['type']" in violation
    assert '"teapot_error" is not one of' in violation


def test_sdk_responses_are_checked(anthropic_client: anthropic.Anthropic) -> None:
    capture.RECORDER.take()
    anthropic_client.messages.create(model=CLAUDE, max_tokens=20, messages=[user("hi")])
    with anthropic_client.messages.stream(
        model=CLAUDE, max_tokens=20, messages=[user("hi")]
    ) as stream:
        stream.until_done()
    bodies, events, violations = capture.RECORDER.take()
    assert (bodies, violations) == (1, [])
    assert events >= 5  # message_start, a block's start, delta and stop, message_delta, stop


def test_a_stream_event_outside_the_spec_is_reported_across_chunks() -> None:
    reader = capture.BodyReader(MESSAGES, "POST /v1/messages -> 200", 200, "text/event-stream")
    good = b'event: ping\ndata: {"type": "ping"}\n\n'
    bad = b'event: content_block_delta\ndata: {"type": "content_block_delta", "index": 0}\n\n'
    stream = good + bad
    for start in range(0, len(stream), 7):
        reader.feed(stream[start : start + 7])
    reader.finish()
    [violation] = _take_violations()
    assert violation == (
        "POST /v1/messages -> 200, stream event 2: anthropic spec MessageStreamEvent > "
        'ContentBlockDeltaEvent.required: at (the body): "delta" is a required property'
    )


def test_a_cut_stream_checks_only_whole_events() -> None:
    reader = capture.BodyReader(MESSAGES, "POST /v1/messages -> 200", 200, "text/event-stream")
    reader.feed(b'data: {"type": "ping"}\n\ndata: {"type": "message_st')
    reader.finish()
    assert capture.RECORDER.take() == (0, 1, [])


def test_a_json_body_let_go_early_is_not_checked() -> None:
    reader = capture.BodyReader(MESSAGES, "POST /v1/messages -> 200", 200, "application/json")
    reader.feed(b'{"id": "msg_01", "type": "mess')
    reader.finish()
    assert capture.RECORDER.take() == (0, 0, [])


def test_a_body_that_is_not_json_is_reported() -> None:
    reader = capture.BodyReader(MESSAGES, "POST /v1/messages -> 500", 500, "text/plain")
    reader.feed(b"Internal Server Error")
    reader.ended()
    reader.finish()
    assert _take_violations() == ["POST /v1/messages -> 500: not JSON: b'Internal Server Error'"]


@pytest.mark.parametrize(
    ("method", "path", "headers", "expected"),
    [
        ("POST", "/v1/messages", {}, ("anthropic", "Message")),
        (
            "POST",
            "/anthropic/v1/messages/count_tokens",
            {},
            ("anthropic", "CountMessageTokensResponse"),
        ),
        ("POST", "/openai/v1/chat/completions", {}, ("openai", "CreateChatCompletionResponse")),
        (
            "GET",
            "/v1/models",
            {"anthropic-version": "2023-06-01"},
            ("anthropic", "ListResponse_ModelInfo_"),
        ),
        ("GET", "/v1/models", {}, ("openai", "ListModelsResponse")),
        ("GET", "/v1/models/openai/gpt-4o", {}, ("openai", "Model")),
        (
            "POST",
            "/v1/complete",
            {"anthropic-version": "2023-06-01"},
            ("anthropic", "CompletionResponse"),
        ),
        ("POST", "/v1/complete", {"anthropic-version": "2023-01-01"}, None),
        ("GET", "/v1/messages", {}, None),
        ("POST", "/_emulator/scenarios", {}, None),
    ],
)
def test_operations_by_path(
    method: str, path: str, headers: dict[str, str], expected: tuple[str, str] | None
) -> None:
    operation = operation_for(method, path, headers)
    found = None if operation is None else (operation.api, operation.body_schema(200))
    assert found == expected


def test_openai_chunks_and_errors_pick_their_schemas() -> None:
    chat = operation_for("POST", "/v1/chat/completions", OPENAI_HEADERS)
    assert chat is not None
    assert chat.event_schema("[DONE]") is None
    assert chat.event_schema({"error": {}}) == "ErrorResponse"
    assert chat.event_schema({"id": "x", "model": GPT}) == "CreateChatCompletionStreamResponse"
    assert chat.body_schema(429) == "ErrorResponse"


def test_the_request_too_large_addition_is_accepted_and_others_are_not() -> None:
    def body(error_type: str) -> dict[str, object]:
        return {
            "type": "error",
            "error": {"type": error_type, "message": "Request exceeds the maximum size"},
            "request_id": None,
        }

    assert validators().violations("anthropic", "ErrorResponse", body("request_too_large")) == []
    assert validators().violations("anthropic", "ErrorResponse", body("request_too_small")) != []


def test_every_exempt_test_exists() -> None:
    for node_id in EXEMPT_TESTS:
        file, *names = node_id.split("::")
        source = (REPO_ROOT / Path(file)).read_text(encoding="utf-8")
        function = names[-1].partition("[")[0]  # a parametrized id names one case
        assert f"def {function}(" in source, f"{node_id} is exempt but no longer exists"
