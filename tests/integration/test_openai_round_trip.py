"""A Chat Completions answer sent back as the next turn, the way the openai SDK's docs show:
the message object itself, or its ``model_dump()``; each field family of the SDK's message
types comes back accepted, and what no SDK sends is still refused."""

from __future__ import annotations

from typing import Any

import openai
import pytest
from openai.types.chat import ChatCompletion, ChatCompletionMessage
from openai.types.chat.chat_completion_audio import ChatCompletionAudio
from openai.types.chat.chat_completion_message import (
    Annotation,
    AnnotationURLCitation,
    FunctionCall,
)

from conftest import Control
from tests.support import GPT, user

CITY_TOOL: Any = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
        },
    },
}


def _next_turn(client: openai.OpenAI, *messages: Any, **params: Any) -> str:
    """The content of the answer to ``messages``: the call must succeed and parse."""
    completion: ChatCompletion = client.chat.completions.create(
        model=GPT, messages=list(messages), **params
    )
    content = completion.choices[0].message.content
    assert content, completion
    return content


def _tool_results(message: Any) -> list[Any]:
    calls = message.tool_calls or []
    return [{"role": "tool", "tool_call_id": c.id, "content": "sunny"} for c in calls]


@pytest.mark.parametrize("form", ["object", "model_dump", "model_dump_json_mode"])
def test_text_message_with_empty_annotations(openai_client: openai.OpenAI, form: str) -> None:
    first = openai_client.chat.completions.create(model=GPT, messages=[user("Hello")])
    message = first.choices[0].message
    assert message.annotations == []
    sent: Any = {
        "object": message,
        "model_dump": message.model_dump(),
        "model_dump_json_mode": message.model_dump(mode="json"),
    }[form]
    _next_turn(openai_client, user("Hello"), sent, user("And then?"))


def test_url_citation_annotations_accepted(openai_client: openai.OpenAI) -> None:
    citation = AnnotationURLCitation(
        start_index=0, end_index=5, url="https://example.com/a", title="A page"
    )
    message = ChatCompletionMessage(
        role="assistant",
        content="Hello, see the page.",
        refusal=None,
        annotations=[Annotation(type="url_citation", url_citation=citation)],
    )
    _next_turn(openai_client, user("Search"), message, user("Thanks"))


def test_annotation_with_an_unknown_field_is_refused(openai_client: openai.OpenAI) -> None:
    annotation = {
        "type": "url_citation",
        "url_citation": {"start_index": 0, "end_index": 1, "url": "u", "title": "t", "x": 1},
    }
    sent: Any = {"role": "assistant", "content": "Hi", "annotations": [annotation]}
    with pytest.raises(openai.BadRequestError) as caught:
        openai_client.chat.completions.create(model=GPT, messages=[user("Hi"), sent, user("?")])
    assert caught.value.status_code == 400
    assert caught.value.param == "messages[1].annotations[0].url_citation.x"


def test_refusal_message_sent_back(openai_client: openai.OpenAI, control: Control) -> None:
    control.load(
        {
            "name": "refuse",
            "rules": [
                {
                    "name": "no",
                    "match": {"last_user_text": "forbidden"},
                    "reply": {"refusal": "No."},
                }
            ],
        }
    )
    first = openai_client.chat.completions.create(model=GPT, messages=[user("forbidden")])
    message = first.choices[0].message
    assert message.content is None and message.refusal == "No."
    _next_turn(openai_client, user("forbidden"), message, user("Something else"))
    _next_turn(openai_client, user("forbidden"), message.model_dump(), user("Something else"))


def test_audio_response_fields_accepted(openai_client: openai.OpenAI) -> None:
    audio = ChatCompletionAudio(
        id="audio_abc", data="UklGRg==", expires_at=1_800_000_000, transcript="Hi"
    )
    message = ChatCompletionMessage(role="assistant", content=None, refusal=None, audio=audio)
    _next_turn(openai_client, user("Say hi"), message, user("Again"))
    _next_turn(openai_client, user("Say hi"), message.model_dump(), user("Again"))


def test_deprecated_function_call_accepted(openai_client: openai.OpenAI) -> None:
    call = FunctionCall(name="get_weather", arguments='{"city": "Paris"}')
    message = ChatCompletionMessage(
        role="assistant", content=None, refusal=None, annotations=[], function_call=call
    )
    result: Any = {"role": "function", "name": "get_weather", "content": "sunny"}
    _next_turn(openai_client, user("Weather?"), message.model_dump(), result)


@pytest.mark.parametrize("form", ["object", "model_dump"])
def test_tool_call_message_sent_back_with_results(openai_client: openai.OpenAI, form: str) -> None:
    first = openai_client.chat.completions.create(
        model=GPT, messages=[user("Weather?")], tools=[CITY_TOOL], tool_choice="required"
    )
    message = first.choices[0].message
    assert message.tool_calls
    sent = message if form == "object" else message.model_dump()
    _next_turn(openai_client, user("Weather?"), sent, *_tool_results(message), tools=[CITY_TOOL])


def test_streamed_tool_calls_carry_index_and_parsed_arguments(openai_client: openai.OpenAI) -> None:
    with openai_client.chat.completions.stream(
        model=GPT, messages=[user("Weather?")], tools=[CITY_TOOL], tool_choice="required"
    ) as stream:
        final = stream.get_final_completion()
    message = final.choices[0].message
    assert message.tool_calls
    dumped = message.model_dump(exclude_unset=True)
    assert (
        "index" in dumped["tool_calls"][0]
        and "parsed_arguments" in dumped["tool_calls"][0]["function"]
    )
    _next_turn(openai_client, user("Weather?"), message, *_tool_results(message), tools=[CITY_TOOL])


def test_parsed_structured_output_sent_back(openai_client: openai.OpenAI) -> None:
    response_format: Any = {
        "type": "json_schema",
        "json_schema": {
            "name": "answer",
            "strict": True,
            "schema": {
                "type": "object",
                "properties": {"a": {"type": "integer"}},
                "required": ["a"],
                "additionalProperties": False,
            },
        },
    }
    first = openai_client.chat.completions.parse(
        model=GPT, messages=[user("A number")], response_format=response_format
    )
    message = first.choices[0].message
    assert "parsed" in message.model_dump(exclude_unset=True)
    _next_turn(openai_client, user("A number"), message, user("Another"))


@pytest.mark.parametrize(
    ("field", "value"),
    [("reasoning_content", "thoughts"), ("id", "msg_1")],
)
def test_fields_no_sdk_sends_are_still_refused(
    openai_client: openai.OpenAI, field: str, value: str
) -> None:
    sent: Any = {"role": "assistant", "content": "Hi", field: value}
    with pytest.raises(openai.BadRequestError) as caught:
        openai_client.chat.completions.create(model=GPT, messages=[user("Hi"), sent, user("?")])
    assert caught.value.status_code == 400
    assert caught.value.code == "unknown_parameter"
    assert caught.value.param == f"messages[1].{field}"


def test_tool_call_index_must_be_an_integer(openai_client: openai.OpenAI) -> None:
    call = {
        "id": "call_1",
        "type": "function",
        "index": "0",
        "function": {"name": "f", "arguments": "{}"},
    }
    sent: Any = {"role": "assistant", "content": None, "tool_calls": [call]}
    result: Any = {"role": "tool", "tool_call_id": "call_1", "content": "ok"}
    with pytest.raises(openai.BadRequestError) as caught:
        openai_client.chat.completions.create(model=GPT, messages=[user("Hi"), sent, result])
    assert caught.value.param == "messages[1].tool_calls[0].index"


@pytest.mark.parametrize("field", ["tool_calls", "function_call"])
def test_a_null_call_does_not_stand_in_for_content(
    openai_client: openai.OpenAI, field: str
) -> None:
    sent: Any = {"role": "assistant", field: None}
    with pytest.raises(openai.BadRequestError) as caught:
        openai_client.chat.completions.create(model=GPT, messages=[user("Hi"), sent, user("?")])
    assert caught.value.body == {
        "message": "Missing required parameter: 'messages[1].content'.",
        "type": "invalid_request_error",
        "param": "messages[1].content",
        "code": "missing_required_parameter",
    }
