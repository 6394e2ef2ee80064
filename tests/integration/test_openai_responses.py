"""POST /v1/responses and the stored responses, through the real openai SDK."""

from __future__ import annotations

import json
from typing import Any

import httpx
import openai
import pydantic
import pytest

from conftest import Control
from tests.support import GPT, OPENAI_HEADERS, WEATHER_TOOL_SCHEMA

WEATHER_TOOL: Any = {
    "type": "function",
    "name": "get_weather",
    "description": "Weather for a city",
    "parameters": WEATHER_TOOL_SCHEMA,
    "strict": True,
}

# Well over the 1,024 tokens from which OpenAI caches a prompt prefix automatically.
LONG_INSTRUCTIONS = "You answer questions about the weather in great detail. " * 140


def test_text_response(openai_client: openai.OpenAI) -> None:
    response = openai_client.responses.create(model=GPT, input="Hello there")
    assert response.id.startswith("resp_")
    assert response.object == "response" and response.status == "completed"
    assert response.output_text
    message = response.output[0]
    assert message.type == "message" and message.role == "assistant"
    assert message.id.startswith("msg_")
    usage = response.usage
    assert usage is not None and usage.input_tokens > 0 and usage.output_tokens > 0
    assert usage.total_tokens == usage.input_tokens + usage.output_tokens
    assert usage.input_tokens_details.cached_tokens == 0


def test_same_request_same_answer(openai_client: openai.OpenAI) -> None:
    first = openai_client.responses.create(model=GPT, input="Tell me a story")
    second = openai_client.responses.create(model=GPT, input="Tell me a story")
    assert first.output_text == second.output_text and first.id != second.id


def test_instructions_are_echoed_and_count_as_input(openai_client: openai.OpenAI) -> None:
    plain = openai_client.responses.create(model=GPT, input="Hi")
    instructed = openai_client.responses.create(
        model=GPT, input="Hi", instructions="Answer as a pirate would."
    )
    assert instructed.instructions == "Answer as a pirate would."
    assert plain.usage is not None and instructed.usage is not None
    assert instructed.usage.input_tokens > plain.usage.input_tokens


def test_function_tool_round_trip(openai_client: openai.OpenAI, control: Control) -> None:
    control.load(
        {
            "name": "weather",
            "rules": [
                {
                    "name": "answer-with-result",
                    "match": {"tool_result": True},
                    "reply": {"text": "It is {{tool_result}} there."},
                },
                {
                    "name": "call-weather",
                    "match": {"last_user_text": "weather"},
                    "reply": {"tool_calls": [{"name": "get_weather"}]},
                },
            ],
        }
    )
    first = openai_client.responses.create(
        model=GPT, input="What is the weather in Paris?", tools=[WEATHER_TOOL]
    )
    calls = [item for item in first.output if item.type == "function_call"]
    assert len(calls) == 1 and calls[0].name == "get_weather"
    arguments = json.loads(calls[0].arguments)
    assert set(arguments) >= {"city", "unit"} and arguments["unit"] in ("celsius", "fahrenheit")
    second = openai_client.responses.create(
        model=GPT,
        previous_response_id=first.id,
        input=[{"type": "function_call_output", "call_id": calls[0].call_id, "output": "sunny"}],
        tools=[WEATHER_TOOL],
    )
    assert second.output_text == "It is sunny there."
    assert second.previous_response_id == first.id
    assert [e["rule"] for e in control.journal(api="responses")] == [
        "call-weather",
        "answer-with-result",
    ]


def test_stateless_tool_round_trip_with_output_items(openai_client: openai.OpenAI) -> None:
    """Without storing, the SDK's own output items go back as input (its documented way)."""
    conversation: list[Any] = [{"role": "user", "content": "Weather in Oslo?"}]
    first = openai_client.responses.create(
        model=GPT, input=conversation, tools=[WEATHER_TOOL], tool_choice="required", store=False
    )
    call = next(item for item in first.output if item.type == "function_call")
    conversation += [item.model_dump(exclude_none=True) for item in first.output]
    conversation.append({"type": "function_call_output", "call_id": call.call_id, "output": "4C"})
    second = openai_client.responses.create(
        model=GPT, input=conversation, tools=[WEATHER_TOOL], store=False
    )
    assert second.status == "completed" and second.output_text
    with pytest.raises(openai.NotFoundError):
        openai_client.responses.retrieve(first.id)


def test_parse_with_a_pydantic_model(openai_client: openai.OpenAI) -> None:
    class Forecast(pydantic.BaseModel):
        city: str
        temperature_c: int
        rain: bool

    response = openai_client.responses.parse(
        model=GPT, input="Forecast for Rome, please", text_format=Forecast
    )
    parsed = response.output_parsed
    assert isinstance(parsed, Forecast)
    assert Forecast.model_validate_json(response.output_text) == parsed


def test_reasoning_summary(openai_client: openai.OpenAI) -> None:
    response = openai_client.responses.create(
        model="o4-mini",
        input="Think it over",
        reasoning={"effort": "low", "summary": "auto"},
        include=["reasoning.encrypted_content"],
    )
    reasoning = response.output[0]
    assert reasoning.type == "reasoning" and reasoning.id.startswith("rs_")
    assert reasoning.summary and reasoning.summary[0].text
    assert reasoning.encrypted_content
    assert response.output[1].type == "message"
    usage = response.usage
    assert usage is not None and usage.output_tokens_details.reasoning_tokens > 0
    assert usage.output_tokens > usage.output_tokens_details.reasoning_tokens


def test_the_documents_newer_fields_are_accepted(openai_client: openai.OpenAI) -> None:
    # In CreateResponse (the official document) and kept there by tests/spec/test_schemas_drift.py.
    newer: Any = {
        "service_tier": "fast",
        "moderation": {"model": "omni-moderation-latest"},
        "prompt_cache_options": {"mode": "implicit", "ttl": "30m"},
        "context_management": [{"type": "compaction", "compact_threshold": 20000}],
    }
    response = openai_client.responses.create(
        model="o4-mini",
        input="Think it over",
        reasoning={"effort": "max", "context": "all_turns"},
        extra_body=newer,
    )
    assert response.status == "completed"
    usage = response.usage
    assert usage is not None and usage.output_tokens_details.reasoning_tokens > 0


def test_max_output_tokens_makes_it_incomplete(openai_client: openai.OpenAI) -> None:
    response = openai_client.responses.create(
        model=GPT, input="Write a long essay", max_output_tokens=16
    )
    assert response.status == "incomplete"
    assert response.incomplete_details is not None
    assert response.incomplete_details.reason == "max_output_tokens"
    assert response.usage is not None and response.usage.output_tokens <= 16
    message = response.output[0]
    assert message.type == "message" and message.status == "incomplete"


def test_stream_accumulates_to_the_stored_response(openai_client: openai.OpenAI) -> None:
    with openai_client.responses.stream(
        model=GPT, input="Stream a story", reasoning={"effort": "low", "summary": "auto"}
    ) as stream:
        events = list(stream)
        final = stream.get_final_response()
    kinds = [event.type for event in events]
    assert kinds[:3] == ["response.created", "response.in_progress", "response.output_item.added"]
    assert kinds[-1] == "response.completed"
    assert "response.reasoning_summary_text.delta" in kinds
    assert [event.sequence_number for event in events] == list(range(len(events)))
    deltas = "".join(e.delta for e in events if e.type == "response.output_text.delta")
    assert deltas == final.output_text
    stored = openai_client.responses.retrieve(final.id)
    assert stored.output_text == final.output_text
    assert [item.model_dump()["id"] for item in stored.output] == [
        item.model_dump()["id"] for item in final.output
    ]


def sse_events(raw: str) -> list[tuple[str, dict[str, Any]]]:
    events = []
    for block in raw.strip().split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines())
        events.append((lines["event"], json.loads(lines["data"])))
    return events


def test_raw_stream_ends_in_the_response_that_is_stored(http: httpx.Client) -> None:
    body = {"model": GPT, "input": "Raw stream", "stream": True}
    with http.stream("POST", "/v1/responses", json=body, headers=OPENAI_HEADERS) as streamed:
        assert streamed.headers["content-type"].startswith("text/event-stream")
        events = sse_events(streamed.read().decode())
    assert all(name == data["type"] for name, data in events)
    name, completed = events[-1]
    assert name == "response.completed"
    stored = http.get(f"/v1/responses/{completed['response']['id']}", headers=OPENAI_HEADERS)
    assert stored.json() == completed["response"]
    created = events[0][1]["response"]
    assert created["status"] == "in_progress" and created["output"] == []


def test_stream_of_a_function_call(openai_client: openai.OpenAI) -> None:
    with openai_client.responses.stream(
        model=GPT, input="Weather?", tools=[WEATHER_TOOL], tool_choice="required"
    ) as stream:
        events = list(stream)
        final = stream.get_final_response()
    call = final.output[0]
    assert call.type == "function_call"
    arguments = "".join(
        e.delta for e in events if e.type == "response.function_call_arguments.delta"
    )
    assert arguments == call.arguments
    done = [e for e in events if e.type == "response.function_call_arguments.done"]
    assert len(done) == 1 and done[0].arguments == call.arguments


def test_retrieve_delete_and_input_items(openai_client: openai.OpenAI) -> None:
    first = openai_client.responses.create(model=GPT, input="First question")
    second = openai_client.responses.create(
        model=GPT, input="Second question", previous_response_id=first.id
    )
    items = openai_client.responses.input_items.list(second.id)
    listed = [item.model_dump() for item in items.data]
    # Newest first: this turn's input, the first answer, then the first input.
    assert listed[0]["type"] == "message"
    assert listed[0]["content"][0]["text"] == "Second question"
    assert listed[1]["id"] == first.output[0].model_dump()["id"]
    assert listed[2]["content"][0]["text"] == "First question"
    ascending = openai_client.responses.input_items.list(second.id, order="asc", limit=1)
    assert [item.id for item in ascending.data] == [items.data[-1].id]
    assert ascending.has_more is True
    assert openai_client.responses.retrieve(first.id).output_text == first.output_text
    openai_client.responses.delete(first.id)
    with pytest.raises(openai.NotFoundError) as missing:
        openai_client.responses.retrieve(first.id)
    assert missing.value.body == {
        "message": f"Response with id '{first.id}' not found.",
        "type": "invalid_request_error",
        "param": "response_id",
        "code": None,
    }
    with pytest.raises(openai.BadRequestError) as unknown:
        openai_client.responses.create(model=GPT, input="again", previous_response_id=first.id)
    assert isinstance(unknown.value.body, dict)
    assert unknown.value.body["param"] == "previous_response_id"


def test_stored_responses_belong_to_their_api_key(
    openai_client: openai.OpenAI, base_url: str
) -> None:
    response = openai_client.responses.create(model=GPT, input="Mine")
    with openai.OpenAI(base_url=base_url + "/v1", api_key="sk-other", max_retries=0) as other:
        with pytest.raises(openai.NotFoundError):
            other.responses.retrieve(response.id)


def test_input_token_count_agrees_with_usage(openai_client: openai.OpenAI) -> None:
    conversation: Any = [
        {"role": "developer", "content": "Be brief."},
        {"role": "user", "content": "How many tokens is this question?"},
    ]
    counted = openai_client.responses.input_tokens.count(model=GPT, input=conversation)
    response = openai_client.responses.create(model=GPT, input=conversation)
    assert response.usage is not None
    assert counted.input_tokens == response.usage.input_tokens


def test_previous_response_chain_reads_the_prompt_cache(openai_client: openai.OpenAI) -> None:
    key = "chain-test"
    first = openai_client.responses.create(
        model=GPT, instructions=LONG_INSTRUCTIONS, input="Turn one", prompt_cache_key=key
    )
    second = openai_client.responses.create(
        model=GPT,
        instructions=LONG_INSTRUCTIONS,
        input="Turn two",
        previous_response_id=first.id,
        prompt_cache_key=key,
    )
    third = openai_client.responses.create(
        model=GPT,
        instructions=LONG_INSTRUCTIONS,
        input="Turn three",
        previous_response_id=second.id,
        prompt_cache_key=key,
    )
    usages = [r.usage for r in (first, second, third)]
    assert all(u is not None for u in usages)
    cached = [u.input_tokens_details.cached_tokens for u in usages if u is not None]
    inputs = [u.input_tokens for u in usages if u is not None]
    assert cached[0] == 0
    # Each turn's whole prompt is the next turn's prefix, cached in 128-token steps.
    assert cached[1] == inputs[0] // 128 * 128
    assert cached[2] == inputs[1] // 128 * 128
    assert inputs[0] < inputs[1] < inputs[2]


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({"model": GPT, "input": "x", "max_output_tokens": 5}, "max_output_tokens"),
        ({"model": GPT, "input": "x", "temperature": 3}, "temperature"),
        ({"model": GPT, "input": "x", "surprise": 1}, "surprise"),
        ({"model": GPT, "input": "x", "tools": [{"type": "web_search"}]}, "tools[0].type"),
        ({"model": GPT, "input": "x", "tool_choice": "required"}, "tool_choice"),
        (
            {
                "model": GPT,
                "input": [{"type": "function_call_output", "call_id": "c", "output": ""}],
            },
            "input[0]",
        ),
    ],
)
def test_invalid_requests_get_the_api_error(
    http: httpx.Client, body: dict[str, Any], param: str
) -> None:
    response = http.post("/v1/responses", json=body, headers=OPENAI_HEADERS)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["type"] == "invalid_request_error" and error["param"] == param
    assert error["message"]


def test_unknown_model_is_404(openai_client: openai.OpenAI) -> None:
    with pytest.raises(openai.NotFoundError) as caught:
        openai_client.responses.create(model="gpt-nonexistent", input="x")
    assert isinstance(caught.value.body, dict) and caught.value.body["code"] == "model_not_found"


def test_scripted_error_and_mid_stream_error_event(
    openai_client: openai.OpenAI, control: Control
) -> None:
    control.load(
        {
            "name": "failures",
            "rules": [
                {
                    "name": "limited",
                    "match": {"last_user_text": "limit me"},
                    "reply": {"error": {"status": 429, "type": "rate_limit_error"}},
                },
                {
                    "name": "broken",
                    "match": {"last_user_text": "break the stream"},
                    "reply": {
                        "text": "one two three four five six seven eight nine ten",
                        "fault": {"kind": "error_event", "after_events": 4},
                    },
                },
            ],
        }
    )
    with pytest.raises(openai.RateLimitError):
        openai_client.responses.create(model=GPT, input="limit me")
    # The spec's ResponseErrorEvent (code, message, param at the top): the SDK hands it
    # over as an event rather than raising.
    with openai_client.responses.stream(model=GPT, input="break the stream") as stream:
        events = list(stream)
    assert [e.type for e in events][:4] == [
        "response.created",
        "response.in_progress",
        "response.output_item.added",
        "response.content_part.added",
    ]
    error = events[-1]
    assert error.type == "error" and error.sequence_number == 4
    assert error.code == "server_error" and "server had an error" in error.message
    assert not any(e.type == "response.completed" for e in events)


@pytest.mark.parametrize(
    ("limit", "error"),
    [
        (
            "ten",
            {
                "message": "Invalid 'limit': expected an integer, but got 'ten' instead.",
                "type": "invalid_request_error",
                "param": "limit",
                "code": None,
            },
        ),
        (
            "101",
            {
                "message": "Invalid 'limit': integer out of range. Expected a value between 1 "
                "and 100, but got 101 instead.",
                "type": "invalid_request_error",
                "param": "limit",
                "code": "integer_out_of_range",
            },
        ),
    ],
)
def test_input_items_limit_out_of_bounds(
    openai_client: openai.OpenAI, limit: str, error: dict[str, Any]
) -> None:
    created = openai_client.responses.create(model=GPT, input="Page me")
    with pytest.raises(openai.BadRequestError) as refused:
        openai_client.responses.input_items.list(created.id, extra_query={"limit": limit})
    assert refused.value.body == error
    page = openai_client.responses.input_items.list(created.id, extra_query={"limit": "100"})
    assert [item.type for item in page.data] == ["message"]
