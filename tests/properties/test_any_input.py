"""Hypothesis: no input of any kind gets a 5xx, and the server keeps answering."""

from __future__ import annotations

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import ResponseChecker
from tests.support import ANTHROPIC_HEADERS, CLAUDE, OPENAI_HEADERS

ANTHROPIC_PATHS = ["/v1/messages", "/v1/messages/count_tokens", "/v1/complete"]
OPENAI_PATHS = ["/v1/chat/completions"]
SETTINGS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)

# Bodies that look like real requests, with fields of the wrong kind mixed in.
request_like = st.fixed_dictionaries(
    {},
    optional={
        "model": st.sampled_from([CLAUDE, "gpt-4o-mini", "claude-2.1", "nope"]) | json_values,
        "max_tokens": st.integers(-5, 100_000) | json_values,
        "max_tokens_to_sample": st.integers(-5, 10_000),
        "prompt": st.text(max_size=40) | st.just("\n\nHuman: hi\n\nAssistant:"),
        "messages": st.lists(
            st.fixed_dictionaries(
                {"role": st.sampled_from(["user", "assistant", "system", "tool", "x"])},
                optional={"content": st.text(max_size=20) | json_values},
            ),
            max_size=3,
        )
        | json_values,
        "stream": st.booleans() | json_values,
        "temperature": st.floats(allow_nan=False, allow_infinity=False) | json_values,
        "tools": json_values,
        "tool_choice": json_values,
        "n": st.integers(-2, 200),
        "stop": json_values,
    },
)


def _assert_error_shape(response: httpx.Response, family: str, check: ResponseChecker) -> None:
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        check("anthropic_error" if family == "anthropic" else "openai_error", response.json())


def _still_serving(http: httpx.Client) -> None:
    ok = http.post(
        "/v1/messages",
        json={"model": CLAUDE, "max_tokens": 3, "messages": [{"role": "user", "content": "ok"}]},
        headers=ANTHROPIC_HEADERS,
    )
    assert ok.status_code == 200


@SETTINGS
@given(body=json_values | request_like, path=st.sampled_from(ANTHROPIC_PATHS + OPENAI_PATHS))
def test_any_json_gets_the_api_error_shape(
    http: httpx.Client, check_response: ResponseChecker, body: object, path: str
) -> None:
    family = "openai" if path in OPENAI_PATHS else "anthropic"
    headers = OPENAI_HEADERS if family == "openai" else ANTHROPIC_HEADERS
    response = http.post(path, json=body, headers=headers)
    _assert_error_shape(response, family, check_response)
    _still_serving(http)


@SETTINGS
@given(raw=st.binary(max_size=200), path=st.sampled_from(ANTHROPIC_PATHS + OPENAI_PATHS))
def test_any_bytes_get_the_api_error_shape(
    http: httpx.Client, check_response: ResponseChecker, raw: bytes, path: str
) -> None:
    family = "openai" if path in OPENAI_PATHS else "anthropic"
    headers = OPENAI_HEADERS if family == "openai" else ANTHROPIC_HEADERS
    response = http.post(path, content=raw, headers=headers)
    _assert_error_shape(response, family, check_response)
    _still_serving(http)
