"""Scripted replies through both SDKs: agent loops, errors, retries, selection."""

from __future__ import annotations

import json
from typing import Any

import anthropic
import httpx
import openai
import pytest

from conftest import Control
from tests.support import ANTHROPIC_HEADERS, CLAUDE, GPT, user

WEATHER_FILE = "fixtures/examples/tool_use_weather.yaml"
CITY_TOOL_SCHEMA = {
    "type": "object",
    "properties": {"city": {"type": "string"}},
    "required": ["city"],
}
ANTHROPIC_TOOL: Any = {
    "name": "get_weather",
    "description": "Weather",
    "input_schema": CITY_TOOL_SCHEMA,
}
OPENAI_TOOL: Any = {
    "type": "function",
    "function": {"name": "get_weather", "description": "Weather", "parameters": CITY_TOOL_SCHEMA},
}


class TestAgentLoop:
    """Question → tool call → tool result → final answer, from one scenario file."""

    @pytest.mark.parametrize("stream", [False, True])
    def test_anthropic(
        self, control: Control, anthropic_client: anthropic.Anthropic, stream: bool
    ) -> None:
        control.load_file(WEATHER_FILE)
        messages: Any = [user("What is the weather in Paris today?")]
        first = self._anthropic_call(anthropic_client, messages, stream)
        assert first.stop_reason == "tool_use"
        assert first.content[0].type == "text"
        assert first.content[0].text == "Let me check the weather in Paris."
        call = first.content[1]
        assert call.type == "tool_use" and call.name == "get_weather"
        assert call.input == {"city": "Paris"}
        messages += [
            {
                "role": "assistant",
                "content": [b.model_dump(exclude_none=True) for b in first.content],
            },
            {
                "role": "user",
                "content": [
                    {"type": "tool_result", "tool_use_id": call.id, "content": "21C, sunny"}
                ],
            },
        ]
        final = self._anthropic_call(anthropic_client, messages, stream)
        assert final.stop_reason == "end_turn"
        assert final.content[0].type == "text"
        assert final.content[0].text == "Here is the forecast: 21C, sunny"
        rules = [e["rule"] for e in control.journal(api="messages")]
        assert rules == ["call-weather-tool", "answer-from-tool-result"]

    @staticmethod
    def _anthropic_call(client: anthropic.Anthropic, messages: Any, stream: bool) -> Any:
        kwargs: Any = {
            "model": CLAUDE,
            "max_tokens": 300,
            "messages": messages,
            "tools": [ANTHROPIC_TOOL],
        }
        if stream:
            with client.messages.stream(**kwargs) as events:
                return events.get_final_message()
        return client.messages.create(**kwargs)

    @pytest.mark.parametrize("stream", [False, True])
    def test_openai(self, control: Control, openai_client: openai.OpenAI, stream: bool) -> None:
        control.load_file(WEATHER_FILE)
        messages: Any = [user("What is the weather in Paris today?")]
        first = self._openai_call(openai_client, messages, stream)
        assert first.finish_reason == "tool_calls"
        assert first.message.content == "Let me check the weather in Paris."
        calls = first.message.tool_calls
        assert calls is not None and len(calls) == 1
        assert calls[0].function.name == "get_weather"
        assert json.loads(calls[0].function.arguments) == {"city": "Paris"}
        messages += [
            {
                "role": "assistant",
                "content": first.message.content,
                "tool_calls": [
                    {
                        "id": c.id,
                        "type": "function",
                        "function": {"name": c.function.name, "arguments": c.function.arguments},
                    }
                    for c in calls
                ],
            },
            {"role": "tool", "tool_call_id": calls[0].id, "content": "21C, sunny"},
        ]
        final = self._openai_call(openai_client, messages, stream)
        assert final.finish_reason == "stop"
        assert final.message.content == "Here is the forecast: 21C, sunny"

    @staticmethod
    def _openai_call(client: openai.OpenAI, messages: Any, stream: bool) -> Any:
        if stream:
            with client.chat.completions.stream(
                model=GPT, messages=messages, tools=[OPENAI_TOOL]
            ) as events:
                return events.get_final_completion().choices[0]
        return client.chat.completions.create(
            model=GPT, messages=messages, tools=[OPENAI_TOOL]
        ).choices[0]


def _error_rule(
    status: int, kind: str | None = None, retry_after: float | None = None
) -> dict[str, Any]:
    error: dict[str, Any] = {"status": status, "message": f"scripted {status}"}
    if kind:
        error["type"] = kind
    if retry_after is not None:
        error["retry_after"] = retry_after
    return {"name": "errors", "rules": [{"name": f"fail-{status}", "reply": {"error": error}}]}


class TestErrorReplies:
    @pytest.mark.parametrize(
        ("status", "kind", "anthropic_class", "openai_class"),
        [
            (400, None, anthropic.BadRequestError, openai.BadRequestError),
            (401, None, anthropic.AuthenticationError, openai.AuthenticationError),
            (403, None, anthropic.PermissionDeniedError, openai.PermissionDeniedError),
            (404, None, anthropic.NotFoundError, openai.NotFoundError),
            (429, None, anthropic.RateLimitError, openai.RateLimitError),
            (500, None, anthropic.InternalServerError, openai.InternalServerError),
            (529, "overloaded_error", anthropic.OverloadedError, openai.InternalServerError),
        ],
    )
    def test_sdk_exception_classes(
        self,
        control: Control,
        anthropic_client: anthropic.Anthropic,
        openai_client: openai.OpenAI,
        status: int,
        kind: str | None,
        anthropic_class: type[anthropic.APIStatusError],
        openai_class: type[openai.APIStatusError],
    ) -> None:
        control.load(_error_rule(status, kind))
        with pytest.raises(anthropic_class) as raised:
            anthropic_client.messages.create(model=CLAUDE, max_tokens=5, messages=[user("x")])
        assert raised.value.status_code == status
        body: Any = raised.value.body
        assert body["error"]["message"] == f"scripted {status}"
        if kind:
            assert body["error"]["type"] == kind
        with pytest.raises(openai_class) as raised_openai:
            openai_client.chat.completions.create(model=GPT, messages=[user("x")])
        assert raised_openai.value.status_code == status
        assert raised_openai.value.message.startswith(f"Error code: {status}")

    def test_rate_limit_then_success_uses_sdk_retry(self, control: Control, base_url: str) -> None:
        control.load_file("fixtures/examples/rate_limit_then_success.yaml")
        with anthropic.Anthropic(base_url=base_url, api_key="k", max_retries=2) as client:
            message = client.messages.create(
                model=CLAUDE,
                max_tokens=50,
                messages=[user("a flaky call")],
                extra_headers={"x-emulator-test-id": "retry-anthropic"},
            )
        assert message.content[0].text == "Worked on the second try."  # type: ignore[union-attr]
        entries = control.journal(test_id="retry-anthropic")
        # One retry, counted in the journal: the 429, then the reply.
        assert [e["status"] for e in entries] == [429, 200]
        with openai.OpenAI(base_url=base_url + "/v1", api_key="k", max_retries=2) as oai:
            completion = oai.chat.completions.create(
                model=GPT,
                messages=[user("a flaky call")],
                extra_headers={"x-emulator-test-id": "retry-openai"},
            )
        assert completion.choices[0].message.content == "Worked on the second try."
        assert [e["status"] for e in control.journal(test_id="retry-openai")] == [429, 200]

    def test_retry_after_header_sent(
        self, control: Control, anthropic_client: anthropic.Anthropic
    ) -> None:
        control.load(_error_rule(429, retry_after=7))
        with pytest.raises(anthropic.RateLimitError) as raised:
            anthropic_client.messages.create(model=CLAUDE, max_tokens=5, messages=[user("x")])
        assert raised.value.response.headers["retry-after"] == "7"


class TestSelectionAndSequences:
    def test_sequence_then_exhausted_error(
        self, control: Control, openai_client: openai.OpenAI
    ) -> None:
        control.load(
            {
                "name": "seq",
                "rules": [
                    {
                        "name": "steps",
                        "replies": [{"text": "one"}, {"text": "two"}],
                        "on_exhausted": "error",
                    }
                ],
            }
        )
        texts = [
            openai_client.chat.completions.create(model=GPT, messages=[user("x")])
            .choices[0]
            .message.content
            for _ in range(2)
        ]
        assert texts == ["one", "two"]
        with pytest.raises(openai.InternalServerError) as raised:
            openai_client.chat.completions.create(model=GPT, messages=[user("x")])
        # README, scenario files: past its end, `on_exhausted: error` answers a 500
        # naming the rule.
        assert raised.value.status_code == 500
        assert "has no more replies" in raised.value.message
        assert "'steps'" in raised.value.message

    def test_cycle(self, control: Control, anthropic_client: anthropic.Anthropic) -> None:
        control.load(
            {
                "name": "cyc",
                "rules": [
                    {
                        "name": "c",
                        "replies": [{"text": "a"}, {"text": "b"}],
                        "on_exhausted": "cycle",
                    }
                ],
            }
        )
        texts = [
            anthropic_client.messages.create(model=CLAUDE, max_tokens=5, messages=[user("x")])
            .content[0]
            .text  # type: ignore[union-attr]
            for _ in range(4)
        ]
        assert texts == ["a", "b", "a", "b"]

    def test_test_id_scopes_counters(self, control: Control, openai_client: openai.OpenAI) -> None:
        control.load(
            {
                "name": "seq",
                "rules": [{"name": "s", "replies": [{"text": "first"}, {"text": "later"}]}],
            }
        )

        def ask(test_id: str) -> str | None:
            return (
                openai_client.chat.completions.create(
                    model=GPT, messages=[user("x")], extra_headers={"x-emulator-test-id": test_id}
                )
                .choices[0]
                .message.content
            )

        assert [ask("a"), ask("b"), ask("a"), ask("b")] == ["first", "first", "later", "later"]
        assert len(control.journal(test_id="a")) == 2

    def test_scenario_header_selects_one(
        self, control: Control, anthropic_client: anthropic.Anthropic
    ) -> None:
        control.load({"name": "polite", "rules": [{"name": "p", "reply": {"text": "Please."}}]})
        control.load({"name": "rude", "rules": [{"name": "r", "reply": {"text": "No."}}]})

        def ask(headers: dict[str, str]) -> str:
            message = anthropic_client.messages.create(
                model=CLAUDE, max_tokens=5, messages=[user("x")], extra_headers=headers
            )
            return message.content[0].text  # type: ignore[union-attr]

        assert ask({}) == "Please."
        assert ask({"x-emulator-scenario": "rude"}) == "No."
        with pytest.raises(anthropic.BadRequestError) as raised:
            ask({"x-emulator-scenario": "rudee"})
        assert raised.value.status_code == 400
        assert "no scenario named 'rudee' is loaded (loaded: 'polite', 'rude')" in str(raised.value)

    def test_match_predicates_and_templates(
        self, control: Control, anthropic_client: anthropic.Anthropic
    ) -> None:
        control.load(
            {
                "name": "m",
                "rules": [
                    {
                        "name": "greet",
                        "match": {
                            "api": ["messages"],
                            "model": "claude-sonnet-*",
                            "last_user_text": {"regex": "my name is (?P<name>\\w+)"},
                            "system": "pirate",
                            "headers": {"x-tenant": {"equals": "acme"}},
                            "metadata": {"user_id": "u-1"},
                            "turn": 0,
                        },
                        "reply": {"text": "Ahoy {{name}}, says {{model}}"},
                    }
                ],
            }
        )
        message = anthropic_client.messages.create(
            model=CLAUDE,
            max_tokens=50,
            system="You are a pirate.",
            messages=[user("Hello, my name is Ada")],
            metadata={"user_id": "u-1"},
            extra_headers={"x-tenant": "acme"},
        )
        assert message.content[0].text == f"Ahoy Ada, says {CLAUDE}"  # type: ignore[union-attr]

    def test_nearest_miss_report(
        self, control: Control, anthropic_client: anthropic.Anthropic
    ) -> None:
        control.load(
            {
                "name": "m",
                "rules": [
                    {
                        "name": "needs-tools",
                        "match": {"tools": ["search"], "last_user_text": "hello"},
                        "reply": {"text": "x"},
                    }
                ],
            }
        )
        anthropic_client.messages.create(model=CLAUDE, max_tokens=5, messages=[user("hello")])
        entry = control.journal()[-1]
        assert entry["rule"] is None
        assert entry["nearest_miss"] == [
            {
                "scenario": "m",
                "rule": "needs-tools",
                "failed": [
                    {"field": "tools", "why": "tools ['search'] are not offered (offered: [])"}
                ],
            }
        ]

    def test_same_body_again_follows_headers_counts_and_reloads(
        self, control: Control, anthropic_client: anthropic.Anthropic
    ) -> None:
        """Rule outcomes on a body are kept per body; headers and firing counts are
        asked afresh every time, and reloading scenarios drops what was kept."""
        control.load(
            {
                "name": "kept",
                "rules": [
                    {
                        "name": "tenant",
                        "match": {
                            "last_user_text": {"regex": "order (?P<n>\\d+)"},
                            "headers": {"x-tenant": {"regex": "(?P<who>acme|globex)"}},
                            "times": {"lt": 2},
                        },
                        "reply": {"text": "{{who}} order {{n}}"},
                    },
                    {
                        "name": "both-miss",
                        "match": {"tools": ["search"], "headers": {"x-tenant": "zzz"}},
                        "reply": {"text": "never"},
                    },
                ],
                "default": {"text": "default"},
            }
        )

        def ask(tenant: str | None) -> str:
            headers = {"x-tenant": tenant} if tenant else {}
            message = anthropic_client.messages.create(
                model=CLAUDE, max_tokens=20, messages=[user("order 42")], extra_headers=headers
            )
            return message.content[0].text  # type: ignore[union-attr]

        assert [ask("acme"), ask("globex"), ask("acme")] == [
            "acme order 42",
            "globex order 42",
            "default",  # "tenant" fired twice: times < 2 no longer holds
        ]
        entry = control.journal()[-1]
        assert [m["rule"] for m in entry["nearest_miss"]] == ["tenant", "both-miss"]
        assert entry["nearest_miss"][0]["failed"] == [
            {"field": "times", "why": "times fired is 2, not < 2"}
        ]
        assert [f["field"] for f in entry["nearest_miss"][1]["failed"]] == ["tools", "headers"]
        control.load({"name": "kept", "rules": [{"name": "new", "reply": {"text": "reloaded"}}]})
        assert ask("acme") == "reloaded"

    def test_tool_input_checked_against_tool_schema(
        self, control: Control, server: Any, anthropic_client: anthropic.Anthropic
    ) -> None:
        control.load(
            {
                "name": "bad",
                "rules": [
                    {
                        "name": "wrong-input",
                        "reply": {"tool_calls": [{"name": "get_weather", "input": {"town": "x"}}]},
                    }
                ],
            }
        )
        with pytest.raises(anthropic.InternalServerError) as raised:
            anthropic_client.messages.create(
                model=CLAUDE, max_tokens=50, messages=[user("x")], tools=[ANTHROPIC_TOOL]
            )
        assert "not valid under the tool's input_schema" in raised.value.message
        assert server.runtime.internal_errors
        server.runtime.internal_errors.clear()


class TestFaults:
    def test_drop_mid_stream_is_an_incomplete_read(self, control: Control, http: Any) -> None:
        control.load_file("fixtures/examples/mid_stream_failure.yaml")
        body = {
            "model": CLAUDE,
            "max_tokens": 200,
            "stream": True,
            "messages": [user("please drop the stream")],
        }
        received = b""
        with pytest.raises(httpx.RemoteProtocolError):
            with http.stream(
                "POST", "/v1/messages", json=body, headers=ANTHROPIC_HEADERS
            ) as response:
                for chunk in response.iter_bytes():
                    received += chunk
        assert received.count(b"\n\n") == 5
        entry = control.journal()[-1]
        assert entry["rule"] == "drop-after-five-events" and entry["stream_events"] == 5
        assert entry["disconnected"] is True

    def test_sdk_surfaces_a_dropped_stream(
        self, control: Control, anthropic_client: anthropic.Anthropic
    ) -> None:
        control.load_file("fixtures/examples/mid_stream_failure.yaml")
        # Older SDKs let the transport's httpx.TransportError through; newer ones wrap it
        # in APIConnectionError. Either is a connection failure, never a parsed answer.
        received: list[str] = []
        with pytest.raises((anthropic.APIConnectionError, httpx.TransportError)):
            with anthropic_client.messages.stream(
                model=CLAUDE, max_tokens=200, messages=[user("please drop the stream")]
            ) as stream:
                for event in stream:
                    received.append(event.type)
        assert received[:1] == ["message_start"]
        assert "message_stop" not in received
        entry = control.journal()[-1]
        assert entry["rule"] == "drop-after-five-events" and entry["disconnected"] is True

    def test_error_event_mid_stream(
        self, control: Control, anthropic_client: anthropic.Anthropic, openai_client: openai.OpenAI
    ) -> None:
        control.load_file("fixtures/examples/mid_stream_failure.yaml")
        with pytest.raises(anthropic.APIStatusError) as raised:
            with anthropic_client.messages.stream(
                model=CLAUDE, max_tokens=200, messages=[user("overload the stream")]
            ) as stream:
                for _ in stream:
                    pass
        body: Any = raised.value.body
        assert body["error"]["type"] == "overloaded_error"
        with pytest.raises(openai.APIError):
            for _ in openai_client.chat.completions.create(
                model=GPT, stream=True, messages=[user("overload the stream")]
            ):
                pass

    def test_malformed_frame_breaks_the_sdk(
        self, control: Control, openai_client: openai.OpenAI
    ) -> None:
        control.load(
            {
                "name": "m",
                "rules": [
                    {
                        "name": "bad",
                        "reply": {
                            "text": "some words here",
                            "fault": {"kind": "malformed", "after_events": 2},
                        },
                    }
                ],
            }
        )
        # A data line that is not JSON: the SDK's json.loads of it raises a ValueError
        # (json.JSONDecodeError) to the caller; the events before it were read.
        received = []
        with pytest.raises(ValueError):
            for chunk in openai_client.chat.completions.create(
                model=GPT, stream=True, messages=[user("x")]
            ):
                received.append(chunk)
        assert 1 <= len(received) <= 2

    def test_stall_then_answer(self, control: Control, openai_client: openai.OpenAI) -> None:
        control.load(
            {
                "name": "s",
                "rules": [
                    {
                        "name": "slow",
                        "reply": {"text": "late", "fault": {"kind": "stall", "seconds": 0.3}},
                    }
                ],
            }
        )
        assert (
            openai_client.chat.completions.create(model=GPT, messages=[user("x")])
            .choices[0]
            .message.content
            == "late"
        )
        # The journal's duration is a lower bound on the stall: without it, a few ms.
        (entry,) = control.journal()
        assert entry["rule"] == "slow" and entry["duration_ms"] >= 300


class TestOpenAIRateLimitBody:
    """Issue 20 finding 5: a 429 on the OpenAI surface names itself as the real API does."""

    def _assert_rate_limit(self, raised: pytest.ExceptionInfo[openai.RateLimitError]) -> None:
        assert raised.value.status_code == 429
        assert raised.value.code == "rate_limit_exceeded"
        assert raised.value.type == "requests"
        body: Any = raised.value.body
        assert body["code"] == "rate_limit_exceeded" and body["type"] == "requests"

    def test_scripted_429(self, control: Control, openai_client: openai.OpenAI) -> None:
        control.load(_error_rule(429))
        with pytest.raises(openai.RateLimitError) as raised:
            openai_client.chat.completions.create(model=GPT, messages=[user("x")])
        self._assert_rate_limit(raised)
        assert raised.value.body["message"] == "scripted 429"  # type: ignore[index]

    def test_forced_429(self, openai_client: openai.OpenAI) -> None:
        with pytest.raises(openai.RateLimitError) as raised:
            openai_client.chat.completions.create(
                model=GPT, messages=[user("x")], extra_headers={"x-emulator-force": "429"}
            )
        self._assert_rate_limit(raised)
