"""schemas/ and emulator.validation.schemas: what each body schema accepts, and how a rejection is worded."""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from emulator.validation.schemas import (
    SchemaSet,
    Violation,
    anthropic_message,
    default_schema_dir,
    openai_error_fields,
)

SCHEMA_DIR = default_schema_dir()
REQUEST_SCHEMAS = [
    "anthropic_messages_request",
    "anthropic_count_tokens_request",
    "anthropic_complete_request",
    "openai_chat_request",
]
WEATHER = {
    "type": "object",
    "properties": {"city": {"type": "string"}},
    "required": ["city"],
}
B64 = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kg=="


@cache
def schemas() -> SchemaSet:
    return SchemaSet.load(SCHEMA_DIR)


def claude(**fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "model": "claude-sonnet-4-5",
        "max_tokens": 1024,
        "messages": [{"role": "user", "content": "Hello, Claude"}],
    }
    body.update(fields)
    return body


def chat(**fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "model": "gpt-4o-mini",
        "messages": [{"role": "user", "content": "Hello"}],
    }
    body.update(fields)
    return body


def violation(name: str, body: object) -> Violation:
    found = schemas().validate(name, body)
    assert found is not None, f"{name} accepted {body!r}"
    return found


# ---------------------------------------------------------------- the files themselves


@pytest.mark.parametrize("path", sorted(SCHEMA_DIR.glob("*.json")), ids=lambda p: p.stem)
def test_every_file_is_a_draft_2020_12_schema(path: Path) -> None:
    document = json.loads(path.read_text(encoding="utf-8"))
    assert document.get("$schema") == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(document)


def test_names_are_the_file_stems() -> None:
    names = schemas().names()
    assert names == sorted(p.stem for p in SCHEMA_DIR.glob("*.json"))
    assert set(REQUEST_SCHEMAS) <= set(names)


def test_default_schema_dir_is_the_checkout_folder() -> None:
    assert Path(__file__).resolve().parents[2] / "schemas" == SCHEMA_DIR


def test_load_refuses_an_empty_folder(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        SchemaSet.load(tmp_path)


def test_unknown_schema_name_is_a_key_error() -> None:
    with pytest.raises(KeyError):
        schemas().validate("no_such_schema", {})


# ---------------------------------------------------------------- Anthropic: accepted bodies

ANTHROPIC_VALID: dict[str, dict[str, Any]] = {
    "text": claude(),
    "max_tokens_zero": claude(max_tokens=0),
    "every_generation_field": claude(
        system="You are terse.",
        metadata={"user_id": "user-1"},
        stop_sequences=["\n\nHuman:", "END"],
        stream=True,
        temperature=0.5,
        top_p=0.9,
        top_k=40,
        service_tier="standard_only",
        inference_geo="us",
        speed="fast",
        diagnostics={"previous_message_id": "msg_01"},
        container="container_011CpZohnwH4vuy7gazohgSP",
        cache_control={"type": "ephemeral", "ttl": "1h"},
        output_config={"effort": "high", "format": {"type": "json_schema", "schema": WEATHER}},
    ),
    "metadata_null_user": claude(metadata={"user_id": None}),
    "container_object": claude(
        container={"id": None, "skills": [{"skill_id": "pptx", "type": "anthropic"}]}
    ),
    "beta_fields": claude(
        mcp_servers=[{"type": "url", "url": "https://mcp.example/sse", "name": "ex"}],
        context_management={"edits": [{"type": "clear_tool_uses_20250919"}]},
        compaction={"enabled": True},
        fallbacks=[{"model": "claude-haiku-4-5"}],
        fallback_credit_token="tok",
        billing_policy={"mode": "x"},
        thread={"id": "t"},
    ),
    "system_blocks_with_cache_control": claude(
        system=[
            {
                "type": "text",
                "text": "Long instructions...",
                "cache_control": {"type": "ephemeral"},
            },
            {"type": "text", "text": "More", "cache_control": {"type": "ephemeral", "ttl": "5m"}},
        ]
    ),
    "images": claude(
        messages=[
            {
                "role": "user",
                "content": [
                    {
                        "type": "image",
                        "source": {"type": "base64", "media_type": "image/png", "data": B64},
                    },
                    {
                        "type": "image",
                        "source": {"type": "url", "url": "https://example.com/a.jpg"},
                    },
                    {
                        "type": "image",
                        "source": {"type": "file", "file_id": "file_011"},
                        "cache_control": {"type": "ephemeral"},
                    },
                    {"type": "text", "text": "What is in these images?"},
                ],
            }
        ]
    ),
    "documents": claude(
        messages=[
            {
                "role": "user",
                "content": [
                    {
                        "type": "document",
                        "source": {
                            "type": "base64",
                            "media_type": "application/pdf",
                            "data": "JVBERi0x",
                        },
                        "title": "Report",
                        "context": "Q3",
                        "citations": {"enabled": True},
                        "cache_control": {"type": "ephemeral"},
                    },
                    {
                        "type": "document",
                        "source": {
                            "type": "text",
                            "media_type": "text/plain",
                            "data": "Grass is green.",
                        },
                    },
                    {
                        "type": "document",
                        "source": {
                            "type": "content",
                            "content": [
                                {"type": "text", "text": "chunk 1"},
                                {"type": "text", "text": "chunk 2"},
                            ],
                        },
                    },
                    {"type": "document", "source": {"type": "content", "content": "plain"}},
                    {
                        "type": "document",
                        "source": {"type": "url", "url": "https://example.com/a.pdf"},
                    },
                    {
                        "type": "document",
                        "source": {"type": "file", "file_id": "file_012"},
                        "title": None,
                    },
                    {
                        "type": "search_result",
                        "source": "https://example.com/page",
                        "title": "Page",
                        "content": [{"type": "text", "text": "found text"}],
                        "citations": {"enabled": True},
                    },
                    {"type": "text", "text": "Summarize."},
                ],
            }
        ]
    ),
    "tool_use_and_result_turns": claude(
        tools=[
            {
                "name": "get_weather",
                "description": "Current weather",
                "input_schema": WEATHER,
                "cache_control": {"type": "ephemeral"},
            },
            {
                "type": "custom",
                "name": "no_args",
                "input_schema": {"type": "object"},
                "strict": True,
            },
        ],
        messages=[
            {"role": "user", "content": "Weather in Paris?"},
            {
                "role": "assistant",
                "content": [
                    {"type": "text", "text": "Checking.", "citations": None},
                    {
                        "type": "tool_use",
                        "id": "toolu_01T1x",
                        "name": "get_weather",
                        "input": {"city": "Paris"},
                    },
                ],
            },
            {
                "role": "user",
                "content": [
                    {"type": "tool_result", "tool_use_id": "toolu_01T1x", "content": "18C, cloudy"},
                    {
                        "type": "tool_result",
                        "tool_use_id": "toolu_01T1y",
                        "is_error": True,
                        "content": [
                            {"type": "text", "text": "failed"},
                            {
                                "type": "image",
                                "source": {
                                    "type": "base64",
                                    "media_type": "image/jpeg",
                                    "data": B64,
                                },
                            },
                            {
                                "type": "search_result",
                                "source": "s",
                                "title": "t",
                                "content": [{"type": "text", "text": "x"}],
                            },
                            {"type": "tool_reference", "tool_name": "get_weather"},
                        ],
                        "cache_control": {"type": "ephemeral"},
                    },
                ],
            },
        ],
    ),
    "thinking_blocks": claude(
        thinking={"type": "enabled", "budget_tokens": 2048, "display": "summarized"},
        max_tokens=4096,
        messages=[
            {"role": "user", "content": "Think."},
            {
                "role": "assistant",
                "content": [
                    {"type": "thinking", "thinking": "Let me see...", "signature": "EqQBCgIYAhIM"},
                    {"type": "redacted_thinking", "data": "EmwKAhgBEgy3va3p"},
                    {"type": "text", "text": "Done."},
                ],
            },
            {"role": "user", "content": "Again."},
        ],
    ),
    "thinking_adaptive": claude(thinking={"type": "adaptive"}),
    "thinking_disabled": claude(thinking={"type": "disabled"}),
    "tool_choice_auto": claude(tool_choice={"type": "auto", "disable_parallel_tool_use": True}),
    "tool_choice_any": claude(tool_choice={"type": "any"}),
    "tool_choice_tool": claude(tool_choice={"type": "tool", "name": "get_weather"}),
    "tool_choice_none": claude(tool_choice={"type": "none"}),
    "anthropic_defined_tools": claude(
        tools=[
            {
                "type": "web_search_20250305",
                "name": "web_search",
                "max_uses": 5,
                "allowed_domains": ["example.com"],
                "user_location": {"type": "approximate", "city": "Paris", "country": "FR"},
            },
            {"type": "bash_20250124", "name": "bash"},
            {
                "type": "text_editor_20250728",
                "name": "str_replace_based_edit_tool",
                "max_characters": 10000,
            },
            {"type": "code_execution_20250825", "name": "code_execution"},
            {"type": "memory_20250818", "name": "memory"},
            {
                "type": "computer_20250124",
                "name": "computer",
                "display_width_px": 1024,
                "display_height_px": 768,
            },
            {"type": "mcp_toolset", "mcp_server_name": "ex"},
        ]
    ),
    "replayed_server_tool_blocks": claude(
        messages=[
            {"role": "user", "content": "Search."},
            {
                "role": "assistant",
                "content": [
                    {
                        "type": "server_tool_use",
                        "id": "srvtoolu_01",
                        "name": "web_search",
                        "input": {"query": "q"},
                    },
                    {
                        "type": "web_search_tool_result",
                        "tool_use_id": "srvtoolu_01",
                        "content": [
                            {
                                "type": "web_search_result",
                                "url": "https://example.com",
                                "title": "Example",
                                "encrypted_content": "Eq..",
                                "page_age": None,
                            }
                        ],
                    },
                    {
                        "type": "text",
                        "text": "Found it.",
                        "citations": [
                            {
                                "type": "web_search_result_location",
                                "cited_text": "Example",
                                "encrypted_index": "Eo..",
                                "title": "Example",
                                "url": "https://example.com",
                            }
                        ],
                    },
                ],
            },
        ]
    ),
    # a response's content sent back as it is: citations carry file_id
    "response_content_sent_back": claude(
        messages=[
            {"role": "user", "content": "Colour?"},
            {
                "role": "assistant",
                "content": [
                    {"type": "redacted_thinking", "data": "EmwKAhgB"},
                    {
                        "type": "text",
                        "text": "Blue.",
                        "citations": [
                            {
                                "type": "char_location",
                                "cited_text": "Blue.",
                                "document_index": 0,
                                "document_title": None,
                                "start_char_index": 0,
                                "end_char_index": 5,
                                "file_id": None,
                            },
                            {
                                "type": "page_location",
                                "cited_text": "Blue.",
                                "document_index": 0,
                                "document_title": "Sky",
                                "start_page_number": 1,
                                "end_page_number": 2,
                                "file_id": "file_01",
                            },
                        ],
                    },
                ],
            },
            {"role": "user", "content": "Why?"},
        ]
    ),
}


@pytest.mark.parametrize("body", ANTHROPIC_VALID.values(), ids=ANTHROPIC_VALID.keys())
def test_anthropic_messages_request_accepts(body: dict[str, Any]) -> None:
    assert schemas().validate("anthropic_messages_request", body) is None
    assert schemas().is_valid("anthropic_messages_request", body)


COUNT_TOKENS_FIELDS = (
    "model",
    "messages",
    "system",
    "tools",
    "tool_choice",
    "thinking",
    "cache_control",
    "output_config",
    "speed",
)


@pytest.mark.parametrize("body", ANTHROPIC_VALID.values(), ids=ANTHROPIC_VALID.keys())
def test_count_tokens_request_accepts_the_same_prompts(body: dict[str, Any]) -> None:
    prompt = {k: v for k, v in body.items() if k in COUNT_TOKENS_FIELDS}
    assert schemas().validate("anthropic_count_tokens_request", prompt) is None


def test_complete_request_accepts_the_reference_example() -> None:
    body = {
        "model": "claude-2.1",
        "max_tokens_to_sample": 256,
        "prompt": "\n\nHuman: What is 2+2?\n\nAssistant:",
        "stop_sequences": ["\n\nObservation:"],
        "temperature": 0.5,
        "top_p": 0.9,
        "top_k": 5,
        "metadata": {"user_id": "u"},
        "stream": True,
    }
    assert schemas().validate("anthropic_complete_request", body) is None


# ---------------------------------------------------------------- Anthropic: rejections


@pytest.mark.parametrize(
    ("name", "body", "expected", "message"),
    [
        pytest.param(
            "anthropic_messages_request",
            {k: v for k, v in claude().items() if k != "max_tokens"},
            Violation(("max_tokens",), "missing", "", "Field required", None, "required"),
            "max_tokens: Field required",
            id="missing-max_tokens",
        ),
        pytest.param(
            "anthropic_messages_request",
            claude(response_format={"type": "json"}),
            Violation(
                ("response_format",),
                "extra",
                "",
                "Extra inputs are not permitted",
                {"type": "json"},
                "additionalProperties",
            ),
            "response_format: Extra inputs are not permitted",
            id="extra-top-level-key",
        ),
        pytest.param(
            "anthropic_messages_request",
            claude(messages=[{"role": "user", "content": "hi", "name": "bob"}]),
            Violation(
                ("messages", 0, "name"),
                "extra",
                "",
                "Extra inputs are not permitted",
                "bob",
                "additionalProperties",
            ),
            "messages.0.name: Extra inputs are not permitted",
            id="extra-key-in-message",
        ),
        pytest.param(
            "anthropic_messages_request",
            claude(temperature="hot"),
            Violation(
                ("temperature",), "type", "number", "Input should be a valid number", "hot", "type"
            ),
            "temperature: Input should be a valid number",
            id="temperature-wrong-type",
        ),
        pytest.param(
            "anthropic_messages_request",
            claude(max_tokens="1024"),
            Violation(
                ("max_tokens",),
                "type",
                "integer",
                "Input should be a valid integer",
                "1024",
                "type",
            ),
            "max_tokens: Input should be a valid integer",
            id="max_tokens-string",
        ),
        pytest.param(
            "anthropic_messages_request",
            claude(messages=[{"role": "system", "content": "be nice"}]),
            Violation(
                ("messages", 0, "role"),
                "value",
                "",
                "Input should be 'user' or 'assistant'",
                "system",
                "enum",
            ),
            "messages.0.role: Input should be 'user' or 'assistant'",
            id="bad-role",
        ),
        pytest.param(
            "anthropic_messages_request",
            claude(messages=[]),
            Violation(
                ("messages",),
                "value",
                "",
                "List should have at least 1 item after validation, not 0",
                [],
                "minItems",
            ),
            "messages: List should have at least 1 item after validation, not 0",
            id="empty-messages",
        ),
        pytest.param(
            "anthropic_messages_request",
            claude(max_tokens=-1),
            Violation(
                ("max_tokens",),
                "value",
                "",
                "Input should be greater than or equal to 0",
                -1,
                "minimum",
            ),
            "max_tokens: Input should be greater than or equal to 0",
            id="negative-max_tokens",
        ),
        pytest.param(
            "anthropic_count_tokens_request",
            claude(),
            Violation(
                ("max_tokens",),
                "extra",
                "",
                "Extra inputs are not permitted",
                1024,
                "additionalProperties",
            ),
            "max_tokens: Extra inputs are not permitted",
            id="count_tokens-rejects-max_tokens",
        ),
        pytest.param(
            "anthropic_complete_request",
            {"model": "claude-2.1", "prompt": "\n\nHuman: hi\n\nAssistant:"},
            Violation(("max_tokens_to_sample",), "missing", "", "Field required", None, "required"),
            "max_tokens_to_sample: Field required",
            id="complete-missing-max_tokens_to_sample",
        ),
        pytest.param(
            "anthropic_complete_request",
            {"model": "claude-2.1", "prompt": "p", "max_tokens_to_sample": 5, "messages": []},
            Violation(
                ("messages",),
                "extra",
                "",
                "Extra inputs are not permitted",
                [],
                "additionalProperties",
            ),
            "messages: Extra inputs are not permitted",
            id="complete-extra-key",
        ),
    ],
)
def test_anthropic_rejections(name: str, body: object, expected: Violation, message: str) -> None:
    found = violation(name, body)
    assert found == expected
    assert anthropic_message(found) == message
    assert not schemas().is_valid(name, body)


def test_a_block_missing_its_text_is_located_with_the_union_tag() -> None:
    # The real API prints the member's tag after a tagged-union element:
    # "messages.1.content.0.text.text: Field required".
    found = violation(
        "anthropic_messages_request",
        claude(messages=[{"role": "user", "content": [{"type": "text"}]}]),
    )
    assert (found.path, found.kind, found.detail) == (
        ("messages", 0, "content", 0, "text"),
        "missing",
        "Field required",
    )
    assert found.loc == ("messages", 0, "content", 0, "text", "text")
    assert anthropic_message(found) == "messages.0.content.0.text.text: Field required"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (
            {"messages": [{"role": "user", "content": [{"type": "input_text", "text": "hi"}]}]},
            "messages.0.content.0: Input tag 'input_text' found using 'type' does not match any "
            "of the expected tags: ",
        ),
        (
            {"messages": [{"role": "user", "content": [{"text": "hi"}]}]},
            "messages.0.content.0: Unable to extract tag using discriminator 'type'",
        ),
        (
            {"messages": [{"role": "user", "content": ["hi"]}]},
            "messages.0.content.0: Input should be a valid dictionary or object to extract "
            "fields from",
        ),
        (
            {"messages": [{"role": "user", "content": {"type": "text", "text": "hi"}}]},
            "messages.0.content: Input should be a valid list",
        ),
        (
            {
                "messages": [
                    {
                        "role": "user",
                        "content": [
                            {
                                "type": "tool_result",
                                "tool_use_id": "t",
                                "content": [{"type": "text"}],
                            }
                        ],
                    }
                ]
            },
            "messages.0.content.0.tool_result.content.0.text.text: Field required",
        ),
        (
            {
                "messages": [
                    {
                        "role": "assistant",
                        "content": [
                            {"type": "tool_use", "id": "t", "name": "n", "input": {}, "text": "x"}
                        ],
                    }
                ]
            },
            "messages.0.content.0.tool_use.text: Extra inputs are not permitted",
        ),
        (
            {
                "messages": [
                    {
                        "role": "user",
                        "content": [
                            {
                                "type": "image",
                                "source": {
                                    "type": "base64",
                                    "media_type": "image/bmp",
                                    "data": B64,
                                },
                            }
                        ],
                    }
                ]
            },
            "messages.0.content.0.image.source.base64.media_type: Input should be 'image/jpeg', "
            "'image/png', 'image/gif' or 'image/webp'",
        ),
        (
            {"thinking": {"type": "enabled"}},
            "thinking.enabled.budget_tokens: Field required",
        ),
        (
            {"thinking": {"type": "on"}},
            "thinking: Input tag 'on' found using 'type' does not match any of the expected tags: "
            "'adaptive', 'between_tools', 'disabled', 'enabled'",
        ),
        (
            {"tool_choice": {"type": "tool"}},
            "tool_choice.tool.name: Field required",
        ),
        (
            {"tools": [{"name": "mcp.search", "input_schema": {"type": "object"}}]},
            "tools.0.custom.name: String should match pattern '^[a-zA-Z0-9_-]{1,128}$'",
        ),
        (
            {"tools": [{"name": "search", "parameters": {"type": "object"}}]},
            "tools.0.custom.input_schema: Field required",
        ),
        (
            {"tools": [{"type": "web_search_preview"}]},
            "tools.0: Input tag 'web_search_preview' found using 'type' does not match any of "
            "the expected tags: ",
        ),
        (
            {"system": [{"type": "text", "text": "x", "cache_control": {"type": "persistent"}}]},
            "system.0.cache_control.type: Input should be 'ephemeral'",
        ),
        (
            {
                "system": [
                    {
                        "type": "text",
                        "text": "x",
                        "cache_control": {"type": "ephemeral", "ttl": "10m"},
                    }
                ]
            },
            "system.0.cache_control.ttl: Input should be '5m' or '1h'",
        ),
        (
            {"max_tokens": 1.5},
            "max_tokens: Input should be a valid integer, got a number with a fractional part",
        ),
        (
            {"stop_sequences": "END"},
            "stop_sequences: Input should be a valid list",
        ),
        (
            {"metadata": {"user_id": 5}},
            "metadata.user_id: Input should be a valid string",
        ),
        (
            {"metadata": []},
            "metadata: Input should be a valid dictionary",
        ),
    ],
)
def test_anthropic_messages_in_the_real_api_wording(fields: dict[str, Any], message: str) -> None:
    text = anthropic_message(violation("anthropic_messages_request", claude(**fields)))
    assert text.startswith(message) if message.endswith(": ") else text == message


def test_union_tag_error_lists_every_expected_tag_sorted() -> None:
    found = violation(
        "anthropic_messages_request",
        claude(messages=[{"role": "user", "content": [{"type": "input_text", "text": "hi"}]}]),
    )
    assert (found.path, found.kind, found.keyword, found.value) == (
        ("messages", 0, "content", 0, "type"),
        "value",
        "enum",
        "input_text",
    )
    assert found.loc == ("messages", 0, "content", 0)
    tags = found.detail.split("expected tags: ")[1].split(", ")
    assert tags == sorted(tags)
    assert {"'text'", "'image'", "'tool_use'", "'tool_result'", "'document'", "'thinking'"} <= set(
        tags
    )


def test_a_body_that_is_not_an_object() -> None:
    found = violation("anthropic_messages_request", ["not", "an", "object"])
    assert (found.path, found.kind, found.expected) == ((), "type", "object")
    assert anthropic_message(found) == "Input should be a valid dictionary"


def test_the_deepest_error_wins() -> None:
    body = claude(messages=[{"role": "user", "content": [{"type": "text"}]}])
    del body["max_tokens"]
    found = violation("anthropic_messages_request", body)
    assert found.path == ("messages", 0, "content", 0, "text")


def test_among_equally_deep_errors_the_first_in_document_order_wins() -> None:
    body = claude(zeta=1, alpha=2)
    assert violation("anthropic_messages_request", body).path == ("zeta",)
    body = claude(
        messages=[{"role": "user", "content": "a"}, {"role": "bot", "content": "b", "x": 1}]
    )
    assert violation("anthropic_messages_request", body).path == ("messages", 1, "role")


def test_a_missing_key_comes_before_an_unknown_one_in_the_same_object() -> None:
    body = claude(messages=[{"role": "user", "content": [{"type": "text", "txt": "typo"}]}])
    found = violation("anthropic_messages_request", body)
    assert (found.path, found.kind) == (("messages", 0, "content", 0, "text"), "missing")


def test_the_first_missing_key_in_required_order_is_reported() -> None:
    found = violation("anthropic_messages_request", {})
    assert found.path == ("model",)


# ---------------------------------------------------------------- OpenAI: accepted bodies

CHAT_VALID: dict[str, dict[str, Any]] = {
    "minimal": chat(),
    "every_scalar_field": chat(
        frequency_penalty=-2,
        presence_penalty=2.0,
        logit_bias={"50256": -100, "15": 100},
        logprobs=True,
        top_logprobs=20,
        max_tokens=100,
        max_completion_tokens=200,
        n=128,
        seed=42,
        stop="END",
        stream=True,
        stream_options={"include_usage": True, "include_obfuscation": False},
        temperature=2,
        top_p=0,
        parallel_tool_calls=False,
        user="u-1",
        safety_identifier="s" * 64,
        service_tier="flex",
        reasoning_effort="minimal",
        verbosity="low",
        store=False,
        metadata={"k": "v" * 512},
        modalities=["text", "audio"],
        audio={"format": "wav", "voice": "alloy"},
        prediction={"type": "content", "content": "predicted"},
        web_search_options={
            "search_context_size": "low",
            "user_location": {"type": "approximate", "approximate": {"city": "Paris"}},
        },
        prompt_cache_key="k",
        prompt_cache_retention="24h",
        prompt_cache_options={"mode": "explicit", "ttl": "30m"},
    ),
    "nullable_fields_null": chat(
        frequency_penalty=None,
        presence_penalty=None,
        logit_bias=None,
        logprobs=None,
        top_logprobs=None,
        max_tokens=None,
        max_completion_tokens=None,
        n=None,
        seed=None,
        stop=None,
        stream=None,
        stream_options=None,
        temperature=None,
        top_p=None,
        safety_identifier=None,
        service_tier=None,
        reasoning_effort=None,
        verbosity=None,
        store=None,
        metadata=None,
        modalities=None,
        audio=None,
        prediction=None,
        prompt_cache_key=None,
        prompt_cache_retention=None,
    ),
    "stop_list": chat(stop=["a", "b", "c", "d"]),
    "every_role": chat(
        messages=[
            {"role": "developer", "content": "Be brief.", "name": "dev"},
            {"role": "system", "content": [{"type": "text", "text": "System."}]},
            {
                "role": "user",
                "name": "alice",
                "content": [
                    {"type": "text", "text": "Look"},
                    {
                        "type": "image_url",
                        "image_url": {"url": "https://example.com/a.png", "detail": "high"},
                    },
                    {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{B64}"}},
                    {"type": "input_audio", "input_audio": {"data": "UklGRg==", "format": "wav"}},
                    {"type": "file", "file": {"file_id": "file-abc"}},
                    {
                        "type": "file",
                        "file": {
                            "filename": "a.pdf",
                            "file_data": "data:application/pdf;base64,JVBE",
                        },
                    },
                ],
            },
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": "call_abc123",
                        "type": "function",
                        "function": {"name": "get_weather", "arguments": '{"city":"Paris"}'},
                    },
                    {
                        "id": "call_def456",
                        "type": "custom",
                        "custom": {"name": "grep", "input": "x"},
                    },
                ],
            },
            {"role": "tool", "tool_call_id": "call_abc123", "content": "18C, cloudy"},
            {
                "role": "tool",
                "tool_call_id": "call_def456",
                "content": [{"type": "text", "text": "none"}],
            },
            {
                "role": "assistant",
                "content": [
                    {"type": "text", "text": "Sunny."},
                    {"type": "refusal", "refusal": "no"},
                ],
                "refusal": None,
                "audio": {"id": "audio_1"},
            },
            {"role": "assistant", "function_call": {"name": "f", "arguments": "{}"}},
            {"role": "function", "name": "f", "content": None},
        ]
    ),
    "tools_and_choices": chat(
        tools=[
            {
                "type": "function",
                "function": {
                    "name": "get_weather",
                    "description": "d",
                    "parameters": WEATHER,
                    "strict": True,
                },
            },
            {"type": "function", "function": {"name": "no-args_2"}},
            {
                "type": "custom",
                "custom": {
                    "name": "grep",
                    "format": {
                        "type": "grammar",
                        "grammar": {"definition": "start: /.+/", "syntax": "lark"},
                    },
                },
            },
            {"type": "custom", "custom": {"name": "free", "format": {"type": "text"}}},
        ],
        tool_choice={"type": "function", "function": {"name": "get_weather"}},
    ),
    "tool_choice_none": chat(tool_choice="none"),
    "tool_choice_required": chat(tool_choice="required"),
    "tool_choice_custom": chat(tool_choice={"type": "custom", "custom": {"name": "grep"}}),
    "tool_choice_allowed": chat(
        tool_choice={
            "type": "allowed_tools",
            "allowed_tools": {
                "mode": "auto",
                "tools": [{"type": "function", "function": {"name": "a"}}],
            },
        }
    ),
    "response_format_text": chat(response_format={"type": "text"}),
    "response_format_json_object": chat(response_format={"type": "json_object"}),
    "response_format_json_schema": chat(
        response_format={
            "type": "json_schema",
            "json_schema": {
                "name": "weather_v1",
                "description": "d",
                "schema": WEATHER,
                "strict": True,
            },
        }
    ),
    "deprecated_functions": chat(
        functions=[{"name": "f", "parameters": {"type": "object"}}], function_call={"name": "f"}
    ),
    "function_call_auto": chat(function_call="auto"),
    # what the openai SDK sends when a response's message goes back as it is
    "response_message_sent_back": chat(
        messages=[
            {"role": "user", "content": "Weather?"},
            {
                "role": "assistant",
                "content": None,
                "refusal": None,
                "annotations": None,
                "audio": None,
                "function_call": None,
                "parsed": None,
                "tool_calls": [
                    {
                        "id": "call_abc123",
                        "type": "function",
                        "index": 0,
                        "function": {
                            "name": "get_weather",
                            "arguments": '{"city":"Paris"}',
                            "parsed_arguments": {"city": "Paris"},
                        },
                    }
                ],
            },
            {"role": "tool", "tool_call_id": "call_abc123", "content": "18C, cloudy"},
            {
                "role": "assistant",
                "content": "Sunny, see the page.",
                "refusal": None,
                "annotations": [
                    {
                        "type": "url_citation",
                        "url_citation": {
                            "start_index": 0,
                            "end_index": 5,
                            "url": "https://example.com",
                            "title": "Example",
                        },
                    }
                ],
                "audio": {
                    "id": "audio_1",
                    "data": "UklGRg==",
                    "expires_at": 1800000000,
                    "transcript": "Sunny.",
                },
                "tool_calls": None,
                "parsed": {"answer": "sunny"},
            },
            {"role": "user", "content": "Thanks"},
        ]
    ),
}


@pytest.mark.parametrize("body", CHAT_VALID.values(), ids=CHAT_VALID.keys())
def test_openai_chat_request_accepts(body: dict[str, Any]) -> None:
    assert schemas().validate("openai_chat_request", body) is None


# ---------------------------------------------------------------- OpenAI: rejections


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        pytest.param(
            {"model": "gpt-4o"},
            ("Missing required parameter: 'messages'.", "messages", "missing_required_parameter"),
            id="missing-messages",
        ),
        pytest.param(
            chat(foo=1),
            ("Unknown parameter: 'foo'.", "foo", "unknown_parameter"),
            id="unknown-top-level",
        ),
        pytest.param(
            chat(messages=[{"role": "user", "content": "hi", "foo": 1}]),
            ("Unknown parameter: 'messages[0].foo'.", "messages[0].foo", "unknown_parameter"),
            id="unknown-nested",
        ),
        pytest.param(
            chat(messages=[{"role": "user", "content": [{"type": "file", "file": {"data": "x"}}]}]),
            (
                "Unknown parameter: 'messages[0].content[0].file.data'.",
                "messages[0].content[0].file.data",
                "unknown_parameter",
            ),
            id="unknown-deep",
        ),
        pytest.param(
            chat(temperature=3),
            (
                "Invalid 'temperature': decimal above maximum value. Expected a value <= 2, but "
                "got 3 instead.",
                "temperature",
                "decimal_above_max_value",
            ),
            id="temperature-above-max",
        ),
        pytest.param(
            chat(top_p=-0.5),
            (
                "Invalid 'top_p': decimal below minimum value. Expected a value >= 0, but got "
                "-0.5 instead.",
                "top_p",
                "decimal_below_min_value",
            ),
            id="top_p-below-min",
        ),
        pytest.param(
            chat(n=0),
            (
                "Invalid 'n': integer below minimum value. Expected a value >= 1, but got 0 "
                "instead.",
                "n",
                "integer_below_min_value",
            ),
            id="n-below-min",
        ),
        pytest.param(
            chat(top_logprobs=21),
            (
                "Invalid 'top_logprobs': integer above maximum value. Expected a value <= 20, "
                "but got 21 instead.",
                "top_logprobs",
                "integer_above_max_value",
            ),
            id="top_logprobs-above-max",
        ),
        pytest.param(
            chat(logit_bias={"50256": 101}),
            (
                "Invalid 'logit_bias.50256': integer above maximum value. Expected a value <= 100, "
                "but got 101 instead.",
                "logit_bias.50256",
                "integer_above_max_value",
            ),
            id="logit_bias-value",
        ),
        pytest.param(
            chat(temperature="hot"),
            (
                "Invalid type for 'temperature': expected a decimal, but got a string instead.",
                "temperature",
                "invalid_type",
            ),
            id="temperature-type",
        ),
        pytest.param(
            chat(n=1.5),
            (
                "Invalid type for 'n': expected an integer, but got a decimal instead.",
                "n",
                "invalid_type",
            ),
            id="n-type",
        ),
        pytest.param(
            chat(stream="yes"),
            (
                "Invalid type for 'stream': expected a boolean, but got a string instead.",
                "stream",
                "invalid_type",
            ),
            id="stream-type",
        ),
        pytest.param(
            chat(messages=[{"role": "user", "content": 7}]),
            (
                "Invalid type for 'messages[0].content': expected one of a string or array of "
                "objects, "
                "but got an integer instead.",
                "messages[0].content",
                "invalid_type",
            ),
            id="content-type",
        ),
        pytest.param(
            chat(messages="hi"),
            (
                "Invalid type for 'messages': expected an array of objects, but got a string "
                "instead.",
                "messages",
                "invalid_type",
            ),
            id="messages-type",
        ),
        pytest.param(
            chat(messages=[]),
            (
                "Invalid 'messages': empty array. Expected an array with minimum length 1, "
                "but got an empty array instead.",
                "messages",
                "empty_array",
            ),
            id="empty-messages",
        ),
        pytest.param(
            chat(messages=[{"role": "bot", "content": "hi"}]),
            (
                "Invalid value: 'bot'. Supported values are: 'system', 'assistant', 'user', "
                "'function', "
                "'tool', and 'developer'.",
                "messages[0].role",
                "invalid_value",
            ),
            id="bad-role",
        ),
        pytest.param(
            chat(messages=[{"role": "user", "content": [{"type": "image", "url": "x"}]}]),
            (
                "Invalid value: 'image'. Supported values are: 'text', 'image_url', "
                "'input_audio', and 'file'.",
                "messages[0].content[0].type",
                "invalid_value",
            ),
            id="bad-part-type",
        ),
        pytest.param(
            chat(messages=[{"role": "user", "content": [{"text": "hi"}]}]),
            (
                "Missing required parameter: 'messages[0].content[0].type'.",
                "messages[0].content[0].type",
                "missing_required_parameter",
            ),
            id="part-without-type",
        ),
        pytest.param(
            chat(messages=[{"role": "assistant"}]),
            (
                "Missing required parameter: 'messages[0].content'.",
                "messages[0].content",
                "missing_required_parameter",
            ),
            id="assistant-without-content-or-tool_calls",
        ),
        pytest.param(
            chat(messages=[{"role": "tool", "content": "x"}]),
            (
                "Missing required parameter: 'messages[0].tool_call_id'.",
                "messages[0].tool_call_id",
                "missing_required_parameter",
            ),
            id="tool-without-tool_call_id",
        ),
        pytest.param(
            chat(tools=[{"type": "function", "function": {"name": "app.search"}}]),
            (
                "Invalid 'tools[0].function.name': string does not match pattern. "
                "Expected a string that matches the pattern '^[a-zA-Z0-9_-]+$'.",
                "tools[0].function.name",
                "invalid_value",
            ),
            id="tool-name-pattern",
        ),
        pytest.param(
            chat(tools=[{"type": "function", "function": {"name": "x" * 65}}]),
            (
                "Invalid 'tools[0].function.name': string too long. Expected a string with "
                "maximum length 64, "
                "but got a string with length 65 instead.",
                "tools[0].function.name",
                "string_above_max_length",
            ),
            id="tool-name-too-long",
        ),
        pytest.param(
            chat(stop=["a", "b", "c", "d", "e"]),
            (
                "Invalid 'stop': array too long. Expected an array with maximum length 4, "
                "but got an array with length 5 instead.",
                "stop",
                "array_above_max_length",
            ),
            id="stop-too-long",
        ),
        pytest.param(
            chat(response_format={"type": "json_schema", "json_schema": {"schema": WEATHER}}),
            (
                "Missing required parameter: 'response_format.json_schema.name'.",
                "response_format.json_schema.name",
                "missing_required_parameter",
            ),
            id="json_schema-without-name",
        ),
        pytest.param(
            chat(tool_choice="sometimes"),
            (
                "Invalid value: 'sometimes'. Supported values are: 'none', 'auto', and 'required'.",
                "tool_choice",
                "invalid_value",
            ),
            id="tool_choice-string",
        ),
        pytest.param(
            chat(stream_options={"include_usage": True, "chunk": 1}),
            (
                "Unknown parameter: 'stream_options.chunk'.",
                "stream_options.chunk",
                "unknown_parameter",
            ),
            id="stream_options-extra",
        ),
        pytest.param(
            chat(reasoning_effort="huge"),
            (
                "Invalid value: 'huge'. Supported values are: 'none', 'minimal', 'low', "
                "'medium', 'high', "
                "'xhigh', and 'max'.",
                "reasoning_effort",
                "invalid_value",
            ),
            id="reasoning_effort",
        ),
        pytest.param(
            chat(metadata={f"k{i}": "v" for i in range(17)}),
            (
                "Invalid 'metadata': too many properties. Expected an object with at most 16 "
                "properties, "
                "but got an object with 17 properties instead.",
                "metadata",
                "object_above_max_properties",
            ),
            id="metadata-too-many",
        ),
    ],
)
def test_openai_rejections(body: object, fields: tuple[str, str | None, str | None]) -> None:
    assert openai_error_fields(violation("openai_chat_request", body)) == fields


def test_openai_temperature_violation_fields() -> None:
    found = violation("openai_chat_request", chat(temperature=3))
    assert (found.path, found.kind, found.keyword, found.value) == (
        ("temperature",),
        "value",
        "maximum",
        3,
    )
    assert found.detail == "Input should be less than or equal to 2"


def test_openai_wording_of_a_non_object_body() -> None:
    found = violation("openai_chat_request", [1])
    assert openai_error_fields(found) == (
        "Invalid type for 'body': expected an object, but got an array instead.",
        None,
        "invalid_type",
    )


# ---------------------------------------------------------------- response and error bodies

USAGE = {
    "input_tokens": 12,
    "output_tokens": 6,
    "cache_creation_input_tokens": 0,
    "cache_read_input_tokens": 0,
    "cache_creation": {"ephemeral_5m_input_tokens": 0, "ephemeral_1h_input_tokens": 0},
    "service_tier": "standard",
}
MESSAGE = {
    "id": "msg_01XFDUDYJgAACzvnptvVoYEL",
    "type": "message",
    "role": "assistant",
    "model": "claude-sonnet-4-5-20250929",
    "content": [{"type": "text", "text": "Hello!"}],
    "stop_reason": "end_turn",
    "stop_sequence": None,
    "usage": USAGE,
}
MESSAGE_WITH_TOOLS = {
    **MESSAGE,
    "content": [
        {"type": "thinking", "thinking": "", "signature": "EqQB"},
        {"type": "redacted_thinking", "data": "Em"},
        {"type": "text", "text": "Checking.", "citations": None},
        {
            "type": "tool_use",
            "id": "toolu_01D7FLrfh4GYq7yT1ULFeyMV",
            "name": "get_weather",
            "input": {},
        },
    ],
    "stop_reason": "tool_use",
    "stop_details": None,
    "container": None,
}
START = {**MESSAGE, "content": [], "stop_reason": None, "usage": {**USAGE, "output_tokens": 2}}
STREAM = [
    {"type": "message_start", "message": START},
    {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
    {"type": "ping"},
    {
        "type": "content_block_delta",
        "index": 0,
        "delta": {"type": "text_delta", "text": "Checking."},
    },
    {"type": "content_block_stop", "index": 0},
    {
        "type": "content_block_start",
        "index": 1,
        "content_block": {
            "type": "tool_use",
            "id": "toolu_01T1",
            "name": "get_weather",
            "input": {},
        },
    },
    {
        "type": "content_block_delta",
        "index": 1,
        "delta": {"type": "input_json_delta", "partial_json": ""},
    },
    {
        "type": "content_block_start",
        "index": 2,
        "content_block": {"type": "thinking", "thinking": "", "signature": ""},
    },
    {
        "type": "content_block_delta",
        "index": 2,
        "delta": {"type": "thinking_delta", "thinking": "Hm"},
    },
    {
        "type": "content_block_delta",
        "index": 2,
        "delta": {"type": "signature_delta", "signature": "Eq"},
    },
    {
        "type": "content_block_delta",
        "index": 0,
        "delta": {
            "type": "citations_delta",
            "citation": {
                "type": "char_location",
                "cited_text": "x",
                "document_index": 0,
                "document_title": None,
                "start_char_index": 0,
                "end_char_index": 1,
            },
        },
    },
    {
        "type": "message_delta",
        "delta": {"stop_reason": "tool_use", "stop_sequence": None},
        "usage": {"output_tokens": 41},
    },
    {"type": "message_stop"},
    {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}},
]
OPENAI_USAGE = {
    "prompt_tokens": 19,
    "completion_tokens": 10,
    "total_tokens": 29,
    "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
    "completion_tokens_details": {
        "reasoning_tokens": 0,
        "audio_tokens": 0,
        "accepted_prediction_tokens": 0,
        "rejected_prediction_tokens": 0,
    },
}
COMPLETION = {
    "id": "chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT",
    "object": "chat.completion",
    "created": 1741569952,
    "model": "gpt-4o-2024-08-06",
    "choices": [
        {
            "index": 0,
            "message": {
                "role": "assistant",
                "content": "Hello!",
                "refusal": None,
                "annotations": [],
            },
            "logprobs": None,
            "finish_reason": "stop",
        },
        {
            "index": 1,
            "message": {
                "role": "assistant",
                "content": None,
                "refusal": None,
                "tool_calls": [
                    {
                        "id": "call_O17Uplv4lJvD6DVdIvFFeRMw",
                        "type": "function",
                        "function": {"name": "get_weather", "arguments": '{"city":"Paris"}'},
                    }
                ],
            },
            "logprobs": None,
            "finish_reason": "tool_calls",
        },
    ],
    "usage": OPENAI_USAGE,
    "service_tier": "default",
    "system_fingerprint": "fp_44709d6fcb",
}
CHUNK = {
    "id": "chatcmpl-9x",
    "object": "chat.completion.chunk",
    "created": 1711357598,
    "model": "gpt-4o-mini",
    "system_fingerprint": "fp_3bc1b5746c",
    "choices": [
        {
            "index": 0,
            "delta": {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "index": 0,
                        "id": "call_O17U",
                        "type": "function",
                        "function": {"name": "get_weather", "arguments": ""},
                    }
                ],
            },
            "logprobs": None,
            "finish_reason": None,
        }
    ],
    "usage": None,
}
MODEL = {
    "type": "model",
    "id": "claude-sonnet-4-5-20250929",
    "display_name": "Claude Sonnet 4.5",
    "created_at": "2025-09-29T00:00:00Z",
    "max_input_tokens": 200000,
    "max_tokens": 64000,
    "capabilities": None,
    "lifecycle": "active",
}
OPENAI_MODEL = {"id": "gpt-4o-mini", "object": "model", "created": 1721172741, "owned_by": "system"}

RESPONSES_VALID: list[tuple[str, object]] = [
    ("anthropic_message", MESSAGE),
    ("anthropic_message", MESSAGE_WITH_TOOLS),
    *(("anthropic_stream_event", event) for event in STREAM),
    ("anthropic_count_tokens_response", {"input_tokens": 14}),
    (
        "anthropic_complete_response",
        {
            "type": "completion",
            "id": "compl_018CKm6gsux7P8yMcwZbeCPw",
            "completion": " Hello! My name is Claude.",
            "stop_reason": "stop_sequence",
            "model": "claude-2.1",
        },
    ),
    (
        "anthropic_complete_legacy_response",
        {
            "completion": " Hello",
            "stop_reason": None,
            "truncated": False,
            "stop": None,
            "model": "claude-v1",
            "log_id": "a1b2",
            "exception": None,
        },
    ),
    ("anthropic_model", MODEL),
    (
        "anthropic_model_list",
        {"data": [MODEL], "has_more": False, "first_id": MODEL["id"], "last_id": MODEL["id"]},
    ),
    (
        "anthropic_error",
        {
            "type": "error",
            "error": {"type": "invalid_request_error", "message": "max_tokens: Field required"},
            "request_id": "req_011CSHoEeqs5C35K2UUqR7Fy",
        },
    ),
    ("openai_chat_completion", COMPLETION),
    ("openai_chat_completion_chunk", CHUNK),
    (
        "openai_chat_completion_chunk",
        {**CHUNK, "choices": [{"index": 0, "delta": {}, "finish_reason": "tool_calls"}]},
    ),
    ("openai_chat_completion_chunk", {**CHUNK, "choices": [], "usage": OPENAI_USAGE}),
    ("openai_model", OPENAI_MODEL),
    ("openai_model_list", {"object": "list", "data": [OPENAI_MODEL]}),
    (
        "openai_error",
        {
            "error": {
                "message": "Invalid 'temperature'...",
                "type": "invalid_request_error",
                "param": "temperature",
                "code": "decimal_above_max_value",
            }
        },
    ),
]


@pytest.mark.parametrize(("name", "body"), RESPONSES_VALID, ids=[n for n, _ in RESPONSES_VALID])
def test_response_schemas_accept_reference_bodies(name: str, body: object) -> None:
    assert schemas().validate(name, body) is None


def without(body: dict[str, Any], *path: str | int) -> dict[str, Any]:
    out = copy.deepcopy(body)
    node: Any = out
    for step in path[:-1]:
        node = node[step]
    del node[path[-1]]
    return out


@pytest.mark.parametrize(
    ("name", "body", "path"),
    [
        ("anthropic_message", without(MESSAGE, "usage"), ("usage",)),
        ("anthropic_message", without(MESSAGE, "stop_sequence"), ("stop_sequence",)),
        (
            "anthropic_message",
            without(MESSAGE, "usage", "cache_creation"),
            ("usage", "cache_creation"),
        ),
        (
            "anthropic_stream_event",
            {"type": "message_start", "message": without(START, "usage")},
            ("message", "usage"),
        ),
        (
            "anthropic_stream_event",
            {"type": "message_delta", "delta": {}, "usage": {}},
            ("delta", "stop_reason"),
        ),
        ("anthropic_stream_event", {"type": "content_block_stop"}, ("index",)),
        ("anthropic_count_tokens_response", {}, ("input_tokens",)),
        (
            "anthropic_complete_response",
            {"type": "completion", "id": "compl_1", "stop_reason": None, "model": "claude-2.1"},
            ("completion",),
        ),
        ("anthropic_model", without(MODEL, "lifecycle"), ("lifecycle",)),
        ("anthropic_model_list", {"data": [], "first_id": None, "last_id": None}, ("has_more",)),
        (
            "anthropic_error",
            {"type": "error", "error": {"type": "api_error"}},
            ("error", "message"),
        ),
        (
            "openai_chat_completion",
            without(COMPLETION, "usage", "prompt_tokens_details"),
            ("usage", "prompt_tokens_details"),
        ),
        (
            "openai_chat_completion",
            without(COMPLETION, "choices", 0, "finish_reason"),
            ("choices", 0, "finish_reason"),
        ),
        (
            "openai_chat_completion_chunk",
            without(CHUNK, "choices", 0, "delta", "tool_calls", 0, "index"),
            ("choices", 0, "delta", "tool_calls", 0, "index"),
        ),
        ("openai_model", without(OPENAI_MODEL, "owned_by"), ("owned_by",)),
        (
            "openai_error",
            {"error": {"message": "m", "type": "t", "param": None}},
            ("error", "code"),
        ),
    ],
)
def test_response_schemas_require_the_fields_the_sdks_read(
    name: str, body: object, path: tuple[str | int, ...]
) -> None:
    found = violation(name, body)
    assert (found.path, found.kind) == (path, "missing")


@pytest.mark.parametrize(
    ("name", "body", "path"),
    [
        ("anthropic_message", {**MESSAGE, "id": "chatcmpl-1"}, ("id",)),
        ("anthropic_message", {**MESSAGE, "stop_reason": None}, ("stop_reason",)),
        (
            "anthropic_message",
            {
                **MESSAGE,
                "content": [{"type": "tool_use", "id": "call_1", "name": "f", "input": {}}],
            },
            ("content", 0, "id"),
        ),
        (
            "anthropic_complete_response",
            {
                "type": "completion",
                "id": "msg_1",
                "completion": "",
                "stop_reason": None,
                "model": "m",
            },
            ("id",),
        ),
        ("openai_chat_completion", {**COMPLETION, "id": "msg_1"}, ("id",)),
        ("openai_chat_completion", {**COMPLETION, "object": "chat.completion.chunk"}, ("object",)),
        ("anthropic_stream_event", {"type": "message_stop", "index": 0}, ("index",)),
        (
            "anthropic_stream_event",
            {"type": "content_block_delta", "index": 0, "delta": {"type": "text", "text": ""}},
            ("delta", "type"),
        ),
    ],
)
def test_response_schemas_reject_wrong_values(
    name: str, body: object, path: tuple[str | int, ...]
) -> None:
    assert violation(name, body).path == path


# ---------------------------------------------------------------- properties

JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8)
    | st.sampled_from(
        ["text", "user", "assistant", "type", "role", "image", "tool_use", "function"]
    ),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                ["type", "role", "content", "text", "model", "messages", "max_tokens", "name", "x"]
            )
            | st.text(max_size=5),
            children,
            max_size=5,
        )
    ),
    max_leaves=20,
)

VALID_BODIES: list[tuple[str, object]] = [
    *(("anthropic_messages_request", body) for body in ANTHROPIC_VALID.values()),
    *(("openai_chat_request", body) for body in CHAT_VALID.values()),
    *RESPONSES_VALID,
]


def check_consistent(name: str, body: object) -> None:
    """validate never raises, agrees with is_valid, the quick check and jsonschema agree."""
    found = schemas().validate(name, body)
    thorough = schemas()._validators[name].is_valid(body)  # jsonschema alone
    assert schemas()._passes_fast(name, body) == thorough  # the quick check never disagrees
    assert (found is None) == thorough == schemas().is_valid(name, body)
    if found is not None:
        assert found.kind in ("missing", "extra", "type", "value")
        assert isinstance(anthropic_message(found), str)
        message, param, code = openai_error_fields(found)
        assert message and (param is None or isinstance(param, str)) and code


@pytest.mark.parametrize("name", REQUEST_SCHEMAS)
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=JSON)
def test_validate_never_raises_on_any_json_value(name: str, body: object) -> None:
    check_consistent(name, body)


@st.composite
def mutated(draw: st.DrawFn) -> tuple[str, object]:
    """A valid body with one value replaced, one key removed or one key added, somewhere."""
    name, body = draw(st.sampled_from(VALID_BODIES))
    body = copy.deepcopy(body)
    containers: list[Any] = []
    stack: list[Any] = [body]
    while stack:
        node = stack.pop()
        if isinstance(node, dict | list) and node:
            containers.append(node)
            stack.extend(node.values() if isinstance(node, dict) else node)
    target = draw(st.sampled_from(containers))
    if isinstance(target, list):
        index = draw(st.integers(0, len(target) - 1))
        target[index] = draw(JSON)
        return name, body
    key = draw(st.sampled_from(sorted(target)))
    action = draw(st.sampled_from(["replace", "delete", "add"]))
    if action == "replace":
        target[key] = draw(JSON)
    elif action == "delete":
        del target[key]
    else:
        target[draw(st.text(min_size=1, max_size=6))] = draw(JSON)
    return name, body


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=mutated())
def test_quick_check_agrees_with_jsonschema_on_near_valid_bodies(case: tuple[str, object]) -> None:
    check_consistent(*case)
