"""Requests the specs allow are accepted, unless a documented real-API rule refuses them.

Bodies are drawn from the published request schemas (:mod:`tests.spec.bodies`), with the
model set to one of the emulator's catalogue and the few fields in
:data:`~tests.spec.exclusions.REQUEST_FEATURES_NOT_GENERATED` held fixed, and POSTed to the
emulator: the answer is 200, or a 400 whose message is one of :data:`RULES`, each a rule the
real API enforces beyond the document (sources: ``../shared/reference/*.md`` and the
documents' own field descriptions).
"""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.spec.bodies import body_strategy
from tests.spec.documents import Api
from tests.support import ANTHROPIC_HEADERS, CLAUDE, GPT, OPENAI_HEADERS

LEGACY_CLAUDE = "claude-2.1"

# Real-API rules beyond the document, as (message pattern, where it is documented).
RULES: dict[Api, list[tuple[str, str]]] = {
    "anthropic": [
        (
            r"A maximum of 4 blocks with cache_control may be provided\. Found \d+\.",
            "anthropic-prompt-caching.md: at most 4 breakpoints per request",
        ),
        (
            r"This model does not support assistant message prefill\. The conversation must end with a user message\.",
            "anthropic-messages.md §4: final assistant message on Claude 4.6+",
        ),
        (
            r"messages(\.\d+)?: (all messages must have non-empty content except for the optional final assistant message|text content blocks must be non-empty)",
            "anthropic-messages.md §4: empty text",
        ),
        (
            r"messages: text content blocks must contain non-whitespace text",
            "anthropic-messages.md §4: whitespace-only text (the table's example wording)",
        ),
        (
            r"tool_choice may only be specified while providing tools\.",
            "anthropic-messages.md §5: tool_choice needs tools",
        ),
        (
            r"tool_choice\.name: Tool '.*' not found in tools",
            "anthropic-messages.md §5: a named tool_choice must name a tool",
        ),
        (
            r"tools\.\d+\.name: Tool names must be unique\.",
            "anthropic-messages.md §5: tool names are unique",
        ),
        (
            r"`max_tokens` must be greater than `thinking\.budget_tokens`\..*",
            "anthropic-messages.md §6: budget_tokens < max_tokens",
        ),
        (
            r"Thinking may not be enabled when tool_choice forces tool use\.",
            "anthropic-messages.md §6: thinking with a forced tool",
        ),
        (
            r"[\w.]*cache_control\.ttl: a ttl='1h' cache_control block must not come after a ttl='5m' cache_control block\..*",
            "anthropic-prompt-caching.md: 1h breakpoints before 5m ones",
        ),
        (
            r"prompt must start with \"\\n\\nHuman:\" turn after an optional system prompt",
            "anthropic-legacy-complete.md §2: prompt format",
        ),
    ],
    "openai": [
        (
            r"Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'\.",
            "openai-chat-completions.md: tool message order",
        ),
        (
            r"Missing required parameter: '[\w.\[\]]+'\.",
            "CreateChatCompletionRequest: assistant content is required unless tool_calls or function_call",
        ),
        (
            r"The '\w+' parameter is only allowed when '\w+' is enabled\.",
            "openai-chat-completions.md: stream_options only with stream",
        ),
        (
            r"Invalid value for '[\w.\[\]]+': '\w+' is only allowed when '\w+' are specified\.",
            "openai-chat-completions.md: parallel_tool_calls / tool_choice need tools",
        ),
        (
            r"Invalid '[\w.\[\]]+': string does not match pattern\. Expected a string that matches the pattern '.*'\.",
            "FunctionObject.name: a-z, A-Z, 0-9, underscores and dashes, at most 64",
        ),
        (
            r"Invalid value for '[\w.\[\]]+': tool choice '.*' was not found in '\w+'\.",
            "openai-chat-completions.md: a named tool_choice must name a tool",
        ),
        (
            r"Invalid 'tools': duplicate function name '.*'\.",
            "the real API refuses two tools of one name (Anthropic's counterpart is documented)",
        ),
        (
            r"Invalid '(max_completion_tokens|max_tokens)': integer below minimum value\. Expected a value >= 1, but got 0 instead\.",
            "the real API's bound max_tokens / max_completion_tokens >= 1, which the document does not state",
        ),
    ],
}


def _user_last(messages: list[Any]) -> list[Any]:
    """The documented conversation shape: at least one message, the last one the user's."""
    if messages and isinstance(messages[-1], dict) and messages[-1].get("role") == "user":
        return messages
    return [*messages, {"role": "user", "content": "Hello"}]


CASES: list[tuple[Api, str, str, dict[str, st.SearchStrategy[Any]]]] = [
    (
        "anthropic",
        "CreateMessageParams",
        "/v1/messages",
        {"model": st.just(CLAUDE), "stream": st.nothing()},
    ),
    (
        "anthropic",
        "CountMessageTokensParams",
        "/v1/messages/count_tokens",
        {"model": st.just(CLAUDE)},
    ),
    (
        "anthropic",
        "CompletionRequest",
        "/v1/complete",
        {
            "model": st.just(LEGACY_CLAUDE),
            "stream": st.nothing(),
            "prompt": st.from_regex(r"\n\nHuman: [a-z ]{1,20}\n\nAssistant:", fullmatch=True),
        },
    ),
    (
        "openai",
        "CreateChatCompletionRequest",
        "/v1/chat/completions",
        {"model": st.just(GPT), "stream": st.nothing(), "stream_options": st.nothing()},
    ),
]


def _refusal_is_documented(api: Api, message: str) -> bool:
    return any(re.fullmatch(pattern, message) for pattern, _source in RULES[api])


@pytest.mark.parametrize(("api", "schema", "path", "overrides"), CASES, ids=[c[1] for c in CASES])
def test_spec_requests_are_accepted_or_refused_by_a_documented_rule(
    http: httpx.Client, api: Api, schema: str, path: str, overrides: dict[str, Any]
) -> None:
    headers = ANTHROPIC_HEADERS if api == "anthropic" else OPENAI_HEADERS
    bodies = body_strategy(api, schema, overrides)
    if schema != "CompletionRequest":
        bodies = bodies.map(lambda body: {**body, "messages": _user_last(body["messages"])})

    @settings(
        max_examples=40,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    @given(bodies)
    def accepted(body: dict[str, Any]) -> None:
        response = http.post(path, json=body, headers=headers)
        if response.status_code == 200:
            return
        message = response.json()["error"]["message"]
        assert response.status_code == 400 and _refusal_is_documented(api, message), (
            f"{path} refused a body its spec allows, by no documented rule: "
            f"{response.status_code} {message!r}"
        )

    accepted()
