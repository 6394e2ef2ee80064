"""POST /v1/chat/completions through the real openai SDK, sync and async."""

from __future__ import annotations

import base64
import json
from typing import Any

import jsonschema
import openai
import pytest

from conftest import ResponseChecker
from tests.support import GPT, WEATHER_TOOL_SCHEMA, readme_tokens, user

WEATHER_FUNCTION: Any = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Weather",
        "parameters": WEATHER_TOOL_SCHEMA,
    },
}


def test_text_reply_parsed_by_sdk(
    openai_client: openai.OpenAI, check_response: ResponseChecker
) -> None:
    raw = openai_client.chat.completions.with_raw_response.create(
        model=GPT, messages=[{"role": "system", "content": "Be nice"}, user("Hello")]
    )
    completion = raw.parse()
    check_response("openai_chat_completion", raw.http_response.json())
    assert completion.id.startswith("chatcmpl-")
    assert completion.object == "chat.completion"
    assert isinstance(completion.created, int) and completion.created > 1_700_000_000
    assert completion.model == GPT
    choice = completion.choices[0]
    assert choice.index == 0 and choice.finish_reason == "stop"
    assert choice.message.role == "assistant" and choice.message.content
    assert choice.message.refusal is None
    usage = completion.usage
    assert usage is not None
    assert usage.total_tokens == usage.prompt_tokens + usage.completion_tokens
    assert usage.prompt_tokens_details is not None
    assert usage.prompt_tokens_details.cached_tokens == 0
    assert usage.completion_tokens_details is not None
    assert usage.completion_tokens_details.reasoning_tokens == 0
    # openai-chat-completions.md (response headers): x-request-id, req_…
    assert raw.headers["x-request-id"].startswith("req_")


async def test_async_client(async_openai_client: openai.AsyncOpenAI) -> None:
    completion = await async_openai_client.chat.completions.create(model=GPT, messages=[user("Hi")])
    assert completion.choices[0].message.content


def test_n_choices_differ_and_share_usage(openai_client: openai.OpenAI) -> None:
    completion = openai_client.chat.completions.create(model=GPT, messages=[user("Hi")], n=3)
    assert [c.index for c in completion.choices] == [0, 1, 2]
    texts = {c.message.content for c in completion.choices}
    assert len(texts) == 3
    single = openai_client.chat.completions.create(model=GPT, messages=[user("Hi")])
    assert completion.usage is not None and single.usage is not None
    # One usage for the whole response: the prompt is counted once and
    # completion_tokens covers every choice (total = prompt + completion,
    # openai-chat-completions.md "usage"); tokens by README's counting rule.
    assert completion.usage.prompt_tokens == single.usage.prompt_tokens
    assert completion.usage.completion_tokens == sum(
        readme_tokens(c.message.content or "") for c in completion.choices
    )
    assert completion.usage.total_tokens == (
        completion.usage.prompt_tokens + completion.usage.completion_tokens
    )


def test_deterministic(openai_client: openai.OpenAI) -> None:
    first = openai_client.chat.completions.create(model=GPT, messages=[user("Same")])
    second = openai_client.chat.completions.create(model=GPT, messages=[user("Same")])
    assert first.choices[0].message.content == second.choices[0].message.content
    assert first.id != second.id


def test_length_finish_reason(openai_client: openai.OpenAI) -> None:
    completion = openai_client.chat.completions.create(
        model=GPT, messages=[user("Long")], max_completion_tokens=4
    )
    assert completion.choices[0].finish_reason == "length"
    assert completion.usage is not None and completion.usage.completion_tokens == 4


@pytest.mark.parametrize(
    "choice", ["required", {"type": "function", "function": {"name": "get_weather"}}]
)
def test_forced_tool_call(openai_client: openai.OpenAI, choice: Any) -> None:
    completion = openai_client.chat.completions.create(
        model=GPT, messages=[user("Weather?")], tools=[WEATHER_FUNCTION], tool_choice=choice
    )
    picked = completion.choices[0]
    assert picked.finish_reason == "tool_calls"
    assert picked.message.content is None
    calls = picked.message.tool_calls
    assert calls is not None and len(calls) == 1
    call = calls[0]
    assert call.id.startswith("call_") and call.type == "function"
    assert call.function.name == "get_weather"
    jsonschema.validate(json.loads(call.function.arguments), WEATHER_TOOL_SCHEMA)


def test_tool_loop_history_accepted(openai_client: openai.OpenAI) -> None:
    messages: Any = [
        user("Weather?"),
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "call_1",
                    "type": "function",
                    "function": {
                        "name": "get_weather",
                        "arguments": '{"city":"Paris","unit":"celsius"}',
                    },
                }
            ],
        },
        {"role": "tool", "tool_call_id": "call_1", "content": "18C"},
    ]
    completion = openai_client.chat.completions.create(
        model=GPT, messages=messages, tools=[WEATHER_FUNCTION]
    )
    assert completion.choices[0].finish_reason == "stop"


def test_response_format_json_schema(openai_client: openai.OpenAI) -> None:
    schema = {
        "type": "object",
        "properties": {
            "title": {"type": "string"},
            "tags": {"type": "array", "items": {"type": "string", "enum": ["a", "b"]}},
            "score": {"type": "number", "minimum": 0, "maximum": 1},
        },
        "required": ["title", "tags", "score"],
        "additionalProperties": False,
    }
    completion = openai_client.chat.completions.create(
        model=GPT,
        messages=[user("Give me data")],
        response_format={
            "type": "json_schema",
            "json_schema": {"name": "data", "schema": schema, "strict": True},
        },
    )
    content = completion.choices[0].message.content
    assert content is not None
    jsonschema.validate(json.loads(content), schema)


def test_response_format_json_object(openai_client: openai.OpenAI) -> None:
    completion = openai_client.chat.completions.create(
        model=GPT, messages=[user("JSON please")], response_format={"type": "json_object"}
    )
    assert isinstance(json.loads(completion.choices[0].message.content or ""), dict)


def test_stop_string(openai_client: openai.OpenAI) -> None:
    full = openai_client.chat.completions.create(model=GPT, messages=[user("Words")])
    text = full.choices[0].message.content or ""
    stop = text.split()[2]
    stopped = openai_client.chat.completions.create(model=GPT, messages=[user("Words")], stop=stop)
    assert stopped.choices[0].message.content == text[: text.index(stop)]
    assert stopped.choices[0].finish_reason == "stop"


class TestErrors:
    def test_unknown_model(self, openai_client: openai.OpenAI) -> None:
        with pytest.raises(openai.NotFoundError) as caught:
            openai_client.chat.completions.create(model="gpt-nope", messages=[user("x")])
        assert caught.value.code == "model_not_found"
        assert caught.value.body == {
            "message": "The model `gpt-nope` does not exist or you do not have access to it.",
            "type": "invalid_request_error",
            "param": None,
            "code": "model_not_found",
        }

    def test_temperature_above_max(self, openai_client: openai.OpenAI) -> None:
        with pytest.raises(openai.BadRequestError) as caught:
            openai_client.chat.completions.create(model=GPT, messages=[user("x")], temperature=3)
        assert caught.value.param == "temperature"
        assert caught.value.code == "decimal_above_max_value"

    def test_unknown_parameter(self, openai_client: openai.OpenAI) -> None:
        with pytest.raises(openai.BadRequestError) as caught:
            openai_client.chat.completions.create(
                model=GPT, messages=[user("x")], extra_body={"bogus": 1}
            )
        assert caught.value.param == "bogus"
        assert caught.value.code == "unknown_parameter"

    def test_empty_messages(self, openai_client: openai.OpenAI) -> None:
        with pytest.raises(openai.BadRequestError) as caught:
            openai_client.chat.completions.create(model=GPT, messages=[])
        assert caught.value.param == "messages"

    def test_stream_options_without_stream(self, openai_client: openai.OpenAI) -> None:
        with pytest.raises(openai.BadRequestError) as caught:
            openai_client.chat.completions.create(
                model=GPT, messages=[user("x")], stream_options={"include_usage": True}
            )
        assert caught.value.param == "stream_options"

    def test_tool_message_without_tool_calls(self, openai_client: openai.OpenAI) -> None:
        with pytest.raises(openai.BadRequestError) as caught:
            openai_client.chat.completions.create(
                model=GPT,
                messages=[user("x"), {"role": "tool", "tool_call_id": "c", "content": "r"}],
            )
        assert (
            "must be a response to a preceeding message with 'tool_calls'" in caught.value.message
        )

    def test_tool_choice_without_tools(self, openai_client: openai.OpenAI) -> None:
        with pytest.raises(openai.BadRequestError) as caught:
            openai_client.chat.completions.create(
                model=GPT, messages=[user("x")], tool_choice="required"
            )
        assert caught.value.param == "tool_choice"

    def test_max_tokens_over_model_limit(self, openai_client: openai.OpenAI) -> None:
        with pytest.raises(openai.BadRequestError) as caught:
            openai_client.chat.completions.create(
                model=GPT, messages=[user("x")], max_tokens=1_000_000
            )
        assert caught.value.param == "max_tokens"


class TestImages:
    """Issue 20 finding 5: a base64 image must be an image (by its bytes)."""

    def _ask(self, client: openai.OpenAI, url: str) -> Any:
        content: Any = [
            {"type": "text", "text": "What is this?"},
            {"type": "image_url", "image_url": {"url": url}},
        ]
        return client.chat.completions.create(
            model=GPT, messages=[{"role": "user", "content": content}]
        )

    def test_not_an_image_is_refused(self, openai_client: openai.OpenAI) -> None:
        text = base64.b64encode(b"just some text, not a picture").decode()
        with pytest.raises(openai.BadRequestError) as raised:
            self._ask(openai_client, f"data:image/png;base64,{text}")
        assert raised.value.code == "invalid_image_format"
        body: Any = raised.value.body
        assert body["message"].startswith("You uploaded an unsupported image.")
        assert body["type"] == "invalid_request_error" and body["param"] is None

    @pytest.mark.parametrize(
        "head", [b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff\xe0", b"GIF89a", b"RIFF\0\0\0\0WEBPVP8 "]
    )
    def test_each_image_format_is_accepted(self, openai_client: openai.OpenAI, head: bytes) -> None:
        data = base64.b64encode(head + b"\0" * 64).decode()
        # The bytes decide, as on the real API: a declared type that differs is no refusal.
        completion = self._ask(openai_client, f"data:image/jpeg;base64,{data}")
        assert completion.choices[0].message.content

    def test_remote_url_is_not_inspected(self, openai_client: openai.OpenAI) -> None:
        assert self._ask(openai_client, "https://example.com/cat.png").choices
