"""POST /v1/messages through the real anthropic SDK, sync and async."""

from __future__ import annotations

import base64
import json
from typing import Any

import anthropic
import jsonschema
import pytest

from conftest import Control, ResponseChecker
from tests.support import CLAUDE, WEATHER_TOOL_SCHEMA, user

WEATHER_TOOL: Any = {
    "name": "get_weather",
    "description": "Weather for a city",
    "input_schema": WEATHER_TOOL_SCHEMA,
}


def test_text_reply_parsed_by_sdk(
    anthropic_client: anthropic.Anthropic, check_response: ResponseChecker
) -> None:
    raw = anthropic_client.messages.with_raw_response.create(
        model=CLAUDE, max_tokens=256, messages=[user("Hello there")]
    )
    message = raw.parse()
    check_response("anthropic_message", raw.http_response.json())
    assert message.id.startswith("msg_") and len(message.id) == 28
    assert message.type == "message" and message.role == "assistant"
    assert message.model == CLAUDE
    assert message.stop_reason == "end_turn"
    assert message.stop_sequence is None
    assert len(message.content) == 1
    block = message.content[0]
    assert block.type == "text" and block.text.strip()
    assert message.usage.input_tokens > 0
    assert 0 < message.usage.output_tokens <= 256
    assert message.usage.cache_creation_input_tokens == 0
    assert message.usage.cache_read_input_tokens == 0
    assert message.usage.cache_creation is not None
    assert message.usage.cache_creation.ephemeral_5m_input_tokens == 0
    assert raw.headers["request-id"].startswith("req_")  # anthropic-messages.md §10


async def test_async_client(async_anthropic_client: anthropic.AsyncAnthropic) -> None:
    message = await async_anthropic_client.messages.create(
        model=CLAUDE, max_tokens=128, messages=[user("Hello from asyncio")]
    )
    assert message.content[0].type == "text" and message.content[0].text


def test_same_request_same_content_new_ids(anthropic_client: anthropic.Anthropic) -> None:
    kwargs: Any = {"model": CLAUDE, "max_tokens": 200, "messages": [user("Tell me a story")]}
    first = anthropic_client.messages.create(**kwargs)
    second = anthropic_client.messages.create(**kwargs)
    other = anthropic_client.messages.create(**{**kwargs, "messages": [user("Another one")]})
    assert first.content == second.content
    assert first.usage == second.usage
    assert first.id != second.id
    assert other.content != first.content


@pytest.mark.parametrize("max_tokens", [1, 9, 30, 64, 4000])
def test_a_prompt_answered_once_then_again_and_kept_gets_one_answer(
    anthropic_client: anthropic.Anthropic, max_tokens: int
) -> None:
    """The first answer to a prompt comes finished from the generator, the second
    from a reply generated whole and then cut, the third from the kept cut."""
    prompt = [user(f"Once, twice, thrice at {max_tokens}")]
    answers = [
        anthropic_client.messages.create(model=CLAUDE, max_tokens=max_tokens, messages=prompt)
        for _ in range(3)
    ]
    first = answers[0]
    assert first.usage.output_tokens <= max_tokens
    for again in answers[1:]:
        assert (again.content, again.stop_reason, again.usage) == (
            first.content,
            first.stop_reason,
            first.usage,
        )


def test_max_tokens_cuts_output(anthropic_client: anthropic.Anthropic) -> None:
    full = anthropic_client.messages.create(model=CLAUDE, max_tokens=4000, messages=[user("Long")])
    cut = anthropic_client.messages.create(model=CLAUDE, max_tokens=5, messages=[user("Long")])
    assert cut.stop_reason == "max_tokens"
    assert cut.usage.output_tokens == 5
    text = cut.content[0].text  # type: ignore[union-attr]
    assert full.content[0].text.startswith(text)  # type: ignore[union-attr]
    assert len(text) < len(full.content[0].text)  # type: ignore[union-attr]


def test_stop_sequence_honoured(anthropic_client: anthropic.Anthropic) -> None:
    messages = [user("Say something with a few words")]
    full = anthropic_client.messages.create(model=CLAUDE, max_tokens=4000, messages=messages)
    text = full.content[0].text  # type: ignore[union-attr]
    words = text.split()
    stop = words[len(words) // 2]
    stopped = anthropic_client.messages.create(
        model=CLAUDE, max_tokens=4000, messages=messages, stop_sequences=["zzz-never", stop]
    )
    assert stopped.stop_reason == "stop_sequence"
    assert stopped.stop_sequence == stop
    assert stopped.content[0].text == text[: text.index(stop)]  # type: ignore[union-attr]


@pytest.mark.parametrize("choice", [{"type": "any"}, {"type": "tool", "name": "get_weather"}])
def test_forced_tool_use(anthropic_client: anthropic.Anthropic, choice: Any) -> None:
    message = anthropic_client.messages.create(
        model=CLAUDE,
        max_tokens=512,
        messages=[user("Weather in Paris?")],
        tools=[WEATHER_TOOL, {"name": "other", "input_schema": {"type": "object"}}]
        if choice["type"] == "tool"
        else [WEATHER_TOOL],
        tool_choice=choice,
    )
    assert message.stop_reason == "tool_use"
    tool_use = message.content[-1]
    assert tool_use.type == "tool_use"
    assert tool_use.id.startswith("toolu_")
    assert tool_use.name == "get_weather"
    jsonschema.validate(tool_use.input, WEATHER_TOOL_SCHEMA)


def test_auto_tool_choice_answers_text(anthropic_client: anthropic.Anthropic) -> None:
    message = anthropic_client.messages.create(
        model=CLAUDE, max_tokens=128, messages=[user("Hi")], tools=[WEATHER_TOOL]
    )
    assert message.stop_reason == "end_turn"
    assert message.content[0].type == "text"


def test_system_as_string_and_blocks_count_tokens(anthropic_client: anthropic.Anthropic) -> None:
    plain = anthropic_client.messages.create(
        model=CLAUDE, max_tokens=32, system="You are terse.", messages=[user("Hi")]
    )
    blocks = anthropic_client.messages.create(
        model=CLAUDE,
        max_tokens=32,
        system=[{"type": "text", "text": "You are terse.", "cache_control": {"type": "ephemeral"}}],
        messages=[user("Hi")],
    )
    bare = anthropic_client.messages.create(model=CLAUDE, max_tokens=32, messages=[user("Hi")])
    assert plain.usage.input_tokens == blocks.usage.input_tokens > bare.usage.input_tokens


def test_rich_request_content_accepted(anthropic_client: anthropic.Anthropic) -> None:
    png = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\0" * 2000).decode()
    pdf = base64.b64encode(b"%PDF-1.4 tiny").decode()
    messages: Any = [
        {
            "role": "user",
            "content": [
                {
                    "type": "image",
                    "source": {"type": "base64", "media_type": "image/png", "data": png},
                },
                {"type": "image", "source": {"type": "url", "url": "https://example.com/a.png"}},
                {
                    "type": "document",
                    "source": {"type": "base64", "media_type": "application/pdf", "data": pdf},
                    "title": "Tiny",
                },
                {
                    "type": "document",
                    "source": {"type": "text", "media_type": "text/plain", "data": "plain doc"},
                },
                {"type": "text", "text": "What is in these?"},
            ],
        },
        {
            "role": "assistant",
            "content": [
                {"type": "thinking", "thinking": "Let me look.", "signature": "EqAbc"},
                {"type": "text", "text": "Checking the weather."},
                {
                    "type": "tool_use",
                    "id": "toolu_01A",
                    "name": "get_weather",
                    "input": {"city": "Paris"},
                },
            ],
        },
        {
            "role": "user",
            "content": [
                {"type": "tool_result", "tool_use_id": "toolu_01A", "content": "18C and cloudy"},
                {"type": "text", "text": "And tomorrow?"},
            ],
        },
    ]
    message = anthropic_client.messages.create(
        model=CLAUDE, max_tokens=64, messages=messages, tools=[WEATHER_TOOL]
    )
    counted = anthropic_client.messages.count_tokens(
        model=CLAUDE, messages=messages, tools=[WEATHER_TOOL]
    )
    assert message.usage.input_tokens == counted.input_tokens > 85


def test_thinking_block_precedes_text(anthropic_client: anthropic.Anthropic) -> None:
    message = anthropic_client.messages.create(
        model=CLAUDE,
        max_tokens=4000,
        thinking={"type": "enabled", "budget_tokens": 1024},
        messages=[user("Think first")],
    )
    assert [b.type for b in message.content] == ["thinking", "text"]
    thinking = message.content[0]
    assert thinking.type == "thinking" and thinking.thinking and thinking.signature


def test_output_config_json_schema(anthropic_client: anthropic.Anthropic) -> None:
    schema = {
        "type": "object",
        "properties": {"name": {"type": "string"}, "age": {"type": "integer", "minimum": 0}},
        "required": ["name", "age"],
        "additionalProperties": False,
    }
    message = anthropic_client.messages.create(
        model=CLAUDE,
        max_tokens=512,
        messages=[user("A person")],
        extra_body={"output_config": {"format": {"type": "json_schema", "schema": schema}}},
    )
    jsonschema.validate(json.loads(message.content[0].text), schema)  # type: ignore[union-attr]


def test_count_tokens_matches_usage(anthropic_client: anthropic.Anthropic) -> None:
    kwargs: Any = {
        "model": CLAUDE,
        "system": "Be brief and exact.",
        "messages": [user("How many tokens is this sentence, exactly?")],
        "tools": [WEATHER_TOOL],
    }
    counted = anthropic_client.messages.count_tokens(**kwargs)
    created = anthropic_client.messages.create(max_tokens=16, **kwargs)
    assert counted.input_tokens == created.usage.input_tokens


def test_prefill_continues_assistant_turn(
    control: Control, anthropic_client: anthropic.Anthropic
) -> None:
    # anthropic-messages.md §4: a final assistant message is a prefill, and the
    # response continues it: the turn being answered is still the first one (a rule
    # for turn 0 answers), and the reply is the continuation, without the prefill.
    control.load(
        {
            "name": "json",
            "rules": [
                {"name": "first", "match": {"turn": 0}, "reply": {"text": '"answer": 42}'}},
                {"name": "later", "match": {"turn": {"gte": 1}}, "reply": {"text": "later"}},
            ],
        }
    )
    message = anthropic_client.messages.create(
        model="claude-haiku-4-5",
        max_tokens=64,
        messages=[user("Answer in JSON"), {"role": "assistant", "content": "{"}],
    )
    assert [(b.type, getattr(b, "text", None)) for b in message.content] == [
        ("text", '"answer": 42}')
    ]
    assert message.stop_reason == "end_turn"
    assert [e["rule"] for e in control.journal()] == ["first"]


class TestErrors:
    def test_unknown_model_is_404(self, anthropic_client: anthropic.Anthropic) -> None:
        with pytest.raises(anthropic.NotFoundError) as caught:
            anthropic_client.messages.create(
                model="claude-nope", max_tokens=5, messages=[user("x")]
            )
        assert caught.value.body == {
            "type": "error",
            "error": {"type": "not_found_error", "message": "model: claude-nope"},
            "request_id": caught.value.request_id,
        }

    def test_max_tokens_over_model_limit(self, anthropic_client: anthropic.Anthropic) -> None:
        with pytest.raises(anthropic.BadRequestError) as caught:
            anthropic_client.messages.create(
                model="claude-3-haiku-20240307", max_tokens=8192, messages=[user("x")]
            )
        # The SDK's own wording of `exc.message` changes between releases; the body it
        # parsed and the status are what it promises.
        assert caught.value.status_code == 400
        body: Any = caught.value.body
        assert body["error"] == {
            "type": "invalid_request_error",
            "message": "max_tokens: 8192 > 4096, which is the maximum allowed number of output "
            "tokens for claude-3-haiku-20240307",
        }
        assert caught.value.request_id == caught.value.response.headers["request-id"]

    def test_extra_field_rejected(self, anthropic_client: anthropic.Anthropic) -> None:
        with pytest.raises(anthropic.BadRequestError) as caught:
            anthropic_client.messages.create(
                model=CLAUDE, max_tokens=5, messages=[user("x")], extra_body={"response_format": {}}
            )
        body: Any = caught.value.body
        assert body["error"] == {
            "type": "invalid_request_error",
            "message": "response_format: Extra inputs are not permitted",
        }

    def test_thinking_budget_must_be_below_max_tokens(
        self, anthropic_client: anthropic.Anthropic
    ) -> None:
        with pytest.raises(anthropic.BadRequestError) as caught:
            anthropic_client.messages.create(
                model=CLAUDE,
                max_tokens=1500,
                thinking={"type": "enabled", "budget_tokens": 2000},
                messages=[user("x")],
            )
        body: Any = caught.value.body
        assert body["error"]["message"].startswith(
            "`max_tokens` must be greater than `thinking.budget_tokens`."
        )

    def test_tool_result_without_tool_use(self, anthropic_client: anthropic.Anthropic) -> None:
        with pytest.raises(anthropic.BadRequestError) as caught:
            anthropic_client.messages.create(
                model=CLAUDE,
                max_tokens=5,
                messages=[
                    {
                        "role": "user",
                        "content": [
                            {"type": "tool_result", "tool_use_id": "toolu_X", "content": "r"}
                        ],
                    }
                ],
            )
        body: Any = caught.value.body
        assert body["error"]["message"] == (
            "messages.0.content.0: unexpected `tool_use_id` found in `tool_result` blocks: "
            "toolu_X. Each `tool_result` block must have a corresponding `tool_use` block in the "
            "previous message."
        )

    def test_tool_choice_names_missing_tool(self, anthropic_client: anthropic.Anthropic) -> None:
        with pytest.raises(anthropic.BadRequestError):
            anthropic_client.messages.create(
                model=CLAUDE,
                max_tokens=5,
                messages=[user("x")],
                tools=[WEATHER_TOOL],
                tool_choice={"type": "tool", "name": "missing"},
            )

    def test_duplicate_tool_names(self, anthropic_client: anthropic.Anthropic) -> None:
        with pytest.raises(anthropic.BadRequestError):
            anthropic_client.messages.create(
                model=CLAUDE, max_tokens=5, messages=[user("x")], tools=[WEATHER_TOOL, WEATHER_TOOL]
            )

    def test_empty_text_block(self, anthropic_client: anthropic.Anthropic) -> None:
        with pytest.raises(anthropic.BadRequestError) as caught:
            anthropic_client.messages.create(
                model=CLAUDE,
                max_tokens=5,
                messages=[{"role": "user", "content": [{"type": "text", "text": ""}]}],
            )
        body: Any = caught.value.body
        assert body["error"]["message"] == "messages: text content blocks must be non-empty"

    def test_prefill_refused_on_newest_models(self, anthropic_client: anthropic.Anthropic) -> None:
        with pytest.raises(anthropic.BadRequestError):
            anthropic_client.messages.create(
                model="claude-opus-4-6",
                max_tokens=5,
                messages=[user("x"), {"role": "assistant", "content": "y"}],
            )

    def test_temperature_out_of_range(self, anthropic_client: anthropic.Anthropic) -> None:
        with pytest.raises(anthropic.BadRequestError) as caught:
            anthropic_client.messages.create(
                model=CLAUDE, max_tokens=5, messages=[user("x")], extra_body={"temperature": 1.5}
            )
        body: Any = caught.value.body
        assert body["error"]["message"] == "temperature: Input should be less than or equal to 1"


class TestImages:
    """Issue 20 finding 5: a base64 image must be the image its media_type says."""

    @staticmethod
    def _image(media_type: str, raw: bytes) -> Any:
        data = base64.b64encode(raw).decode()
        return {
            "type": "image",
            "source": {"type": "base64", "media_type": media_type, "data": data},
        }

    def _ask(self, client: anthropic.Anthropic, content: Any) -> Any:
        return client.messages.create(
            model=CLAUDE, max_tokens=16, messages=[{"role": "user", "content": content}]
        )

    def test_not_an_image_is_refused(self, anthropic_client: anthropic.Anthropic) -> None:
        content = [self._image("image/png", b"just some text"), {"type": "text", "text": "?"}]
        with pytest.raises(anthropic.BadRequestError) as raised:
            self._ask(anthropic_client, content)
        body: Any = raised.value.body
        assert body["error"] == {
            "type": "invalid_request_error",
            "message": "Could not process image",
        }

    def test_bytes_that_disagree_with_the_media_type(
        self, anthropic_client: anthropic.Anthropic
    ) -> None:
        content = [
            {"type": "text", "text": "Look:"},
            self._image("image/jpeg", b"\x89PNG\r\n\x1a\n" + b"\0" * 64),
        ]
        with pytest.raises(anthropic.BadRequestError) as raised:
            self._ask(anthropic_client, content)
        body: Any = raised.value.body
        assert body["error"]["message"] == (
            "messages.0.content.1.image.source.base64: The image was specified using the "
            "image/jpeg media type, but the image appears to be a image/png image"
        )

    def test_an_image_inside_a_tool_result(self, anthropic_client: anthropic.Anthropic) -> None:
        messages: Any = [
            {"role": "user", "content": "weather?"},
            {
                "role": "assistant",
                "content": [{"type": "tool_use", "id": "toolu_1", "name": "w", "input": {}}],
            },
            {
                "role": "user",
                "content": [
                    {
                        "type": "tool_result",
                        "tool_use_id": "toolu_1",
                        "content": [self._image("image/gif", b"not a gif")],
                    }
                ],
            },
        ]
        with pytest.raises(anthropic.BadRequestError) as raised:
            anthropic_client.messages.create(
                model=CLAUDE, max_tokens=16, messages=messages, tools=[WEATHER_TOOL]
            )
        body: Any = raised.value.body
        assert body["error"]["message"] == "Could not process image"

    @pytest.mark.parametrize(
        ("media_type", "head"),
        [
            ("image/png", b"\x89PNG\r\n\x1a\n"),
            ("image/jpeg", b"\xff\xd8\xff\xdb"),
            ("image/gif", b"GIF87a"),
            ("image/webp", b"RIFF\x10\0\0\0WEBPVP8L"),
        ],
    )
    def test_each_image_format_is_accepted(
        self, anthropic_client: anthropic.Anthropic, media_type: str, head: bytes
    ) -> None:
        content = [self._image(media_type, head + b"\0" * 64), {"type": "text", "text": "?"}]
        assert self._ask(anthropic_client, content).content


def test_a_deprecated_model_is_answered_and_the_sdk_notice_does_not_fail_the_test(
    anthropic_client: anthropic.Anthropic,
) -> None:
    # claude-opus-4-5 is in the catalogue and in the anthropic SDK's list of deprecated
    # models: the SDK warns, pyproject.toml shows that warning instead of failing.
    message = anthropic_client.messages.create(
        model="claude-opus-4-5", max_tokens=5, messages=[user("Hi")]
    )
    assert message.model == "claude-opus-4-5"
