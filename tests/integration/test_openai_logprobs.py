"""Chat Completions ``logprobs`` / ``top_logprobs``: through the openai SDK, in raw stream
chunks, deterministic, and refused in the combinations the API refuses."""

from __future__ import annotations

import json
from typing import Any

import httpx
import openai
import pytest
from openai.types.chat import ChatCompletion
from openai.types.chat.chat_completion_token_logprob import ChatCompletionTokenLogprob

from conftest import Control, ResponseChecker
from tests.support import GPT, OPENAI_HEADERS, user

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


def _check_entries(entries: list[ChatCompletionTokenLogprob], text: str, top: int) -> None:
    """Tokens that join to ``text``, each with its bytes, a logprob <= 0 and ``top``
    alternatives led by the token itself, most likely first."""
    assert "".join(e.token for e in entries) == text
    assert len(entries) > 1
    for entry in entries:
        assert entry.bytes == list(entry.token.encode())
        assert entry.logprob <= 0
        assert len(entry.top_logprobs) == top
        if top:
            assert entry.top_logprobs[0].token == entry.token
            assert entry.top_logprobs[0].logprob == entry.logprob
            tokens = [alt.token for alt in entry.top_logprobs]
            assert len(set(tokens)) == top
            logprobs = [alt.logprob for alt in entry.top_logprobs]
            assert logprobs == sorted(logprobs, reverse=True) and len(set(logprobs)) == top
            for alt in entry.top_logprobs:
                assert alt.bytes == list(alt.token.encode())


def _logprob_dicts(completion: ChatCompletion, index: int = 0) -> Any:
    logprobs = completion.choices[index].logprobs
    assert logprobs is not None
    return logprobs.model_dump()


@pytest.mark.parametrize("top", [0, 1, 5, 20])
def test_content_logprobs_through_the_sdk(
    openai_client: openai.OpenAI, check_response: ResponseChecker, top: int
) -> None:
    params: Any = {"top_logprobs": top} if top else {}
    raw = openai_client.chat.completions.with_raw_response.create(
        model=GPT, messages=[user("Hello")], logprobs=True, **params
    )
    check_response("openai_chat_completion", raw.http_response.json())
    choice = raw.parse().choices[0]
    assert choice.message.content
    assert choice.logprobs is not None and choice.logprobs.content is not None
    assert choice.logprobs.refusal is None
    _check_entries(choice.logprobs.content, choice.message.content, top)


def test_asking_for_logprobs_does_not_change_the_answer(openai_client: openai.OpenAI) -> None:
    plain = openai_client.chat.completions.create(model=GPT, messages=[user("Same")])
    described = openai_client.chat.completions.create(
        model=GPT, messages=[user("Same")], logprobs=True, top_logprobs=3
    )
    assert plain.choices[0].logprobs is None
    assert described.choices[0].message.content == plain.choices[0].message.content


def test_same_request_same_logprobs(openai_client: openai.OpenAI) -> None:
    def ask(top: int) -> ChatCompletion:
        return openai_client.chat.completions.create(
            model=GPT, messages=[user("Repeat me")], logprobs=True, top_logprobs=top, seed=7
        )

    first, again, more = ask(2), ask(2), ask(6)
    assert _logprob_dicts(first) == _logprob_dicts(again)
    # asking for more alternatives keeps the values and extends the lists
    for fewer, wider in zip(
        _logprob_dicts(first)["content"], _logprob_dicts(more)["content"], strict=True
    ):
        assert (fewer["token"], fewer["logprob"]) == (wider["token"], wider["logprob"])
        assert wider["top_logprobs"][:2] == fewer["top_logprobs"]


def test_other_content_other_logprobs(openai_client: openai.OpenAI) -> None:
    one = openai_client.chat.completions.create(
        model=GPT, messages=[user("One")], logprobs=True, max_completion_tokens=8
    )
    two = openai_client.chat.completions.create(
        model=GPT, messages=[user("Two")], logprobs=True, max_completion_tokens=8
    )
    one_values = [e["logprob"] for e in _logprob_dicts(one)["content"]]
    two_values = [e["logprob"] for e in _logprob_dicts(two)["content"]]
    assert one_values != two_values


def test_each_of_n_choices_has_its_own(openai_client: openai.OpenAI) -> None:
    completion = openai_client.chat.completions.create(
        model=GPT, messages=[user("Several")], n=3, logprobs=True, top_logprobs=2
    )
    seen = set()
    for choice in completion.choices:
        assert choice.message.content and choice.logprobs and choice.logprobs.content
        _check_entries(choice.logprobs.content, choice.message.content, 2)
        seen.add(tuple(e.logprob for e in choice.logprobs.content))
    assert len(seen) == 3


def test_cut_answer_covers_the_tokens_kept(openai_client: openai.OpenAI) -> None:
    completion = openai_client.chat.completions.create(
        model=GPT, messages=[user("Long")], max_completion_tokens=4, logprobs=True
    )
    choice = completion.choices[0]
    assert choice.finish_reason == "length"
    assert choice.logprobs is not None and choice.logprobs.content is not None
    assert len(choice.logprobs.content) == 4
    assert "".join(e.token for e in choice.logprobs.content) == choice.message.content


def test_refusal_logprobs(openai_client: openai.OpenAI, control: Control) -> None:
    control.load(
        {
            "name": "refuse",
            "rules": [
                {
                    "name": "no",
                    "match": {"last_user_text": "forbidden"},
                    "reply": {"refusal": "I can't help with that."},
                }
            ],
        }
    )
    choice = openai_client.chat.completions.create(
        model=GPT, messages=[user("forbidden")], logprobs=True, top_logprobs=1
    ).choices[0]
    assert choice.logprobs is not None
    assert choice.logprobs.content is None and choice.logprobs.refusal is not None
    _check_entries(choice.logprobs.refusal, "I can't help with that.", 1)


def test_tool_call_only_choice_has_no_content_logprobs(openai_client: openai.OpenAI) -> None:
    choice = openai_client.chat.completions.create(
        model=GPT,
        messages=[user("Weather?")],
        tools=[CITY_TOOL],
        tool_choice="required",
        logprobs=True,
    ).choices[0]
    assert choice.message.tool_calls and choice.message.content is None
    assert choice.logprobs is not None
    assert choice.logprobs.content is None and choice.logprobs.refusal is None


def test_sdk_stream_accumulates_the_same_logprobs(openai_client: openai.OpenAI) -> None:
    messages: Any = [user("Stream it")]
    whole = openai_client.chat.completions.create(
        model=GPT, messages=messages, logprobs=True, top_logprobs=3
    )
    with openai_client.chat.completions.stream(
        model=GPT, messages=messages, logprobs=True, top_logprobs=3
    ) as stream:
        final = stream.get_final_completion()
    assert final.choices[0].message.content == whole.choices[0].message.content
    assert _logprob_dicts(final) == _logprob_dicts(whole)


def _chunks(http: httpx.Client, body: dict[str, Any]) -> list[dict[str, Any]]:
    response = http.post("/v1/chat/completions", json=body, headers=OPENAI_HEADERS)
    assert response.status_code == 200, response.text
    datas = [line[6:] for line in response.text.split("\n") if line.startswith("data: ")]
    assert datas[-1] == "[DONE]"
    return [json.loads(d) for d in datas[:-1]]


@pytest.mark.parametrize("n", [1, 2])
def test_raw_stream_chunks_carry_their_tokens(
    http: httpx.Client, check_response: ResponseChecker, n: int
) -> None:
    body = {
        "model": GPT,
        "messages": [user("Chunks")],
        "stream": True,
        "n": n,
        "logprobs": True,
        "top_logprobs": 2,
    }
    texts = [""] * n
    tokens = [""] * n
    for chunk in _chunks(http, body):
        check_response("openai_chat_completion_chunk", chunk)
        (choice,) = chunk["choices"]
        delta, logprobs, index = choice["delta"], choice["logprobs"], choice["index"]
        if choice["finish_reason"] is not None:
            assert logprobs is None
            continue
        if "role" in delta:
            assert logprobs == {"content": [], "refusal": None}
            continue
        piece = "".join(e["token"] for e in logprobs["content"])
        assert piece == delta["content"]
        assert all(len(e["top_logprobs"]) == 2 for e in logprobs["content"])
        texts[index] += delta["content"]
        tokens[index] += piece
    whole = http.post(
        "/v1/chat/completions", json={**body, "stream": False}, headers=OPENAI_HEADERS
    ).json()
    assert texts == [c["message"]["content"] for c in whole["choices"]]
    assert tokens == texts


def test_raw_stream_without_logprobs_has_none(http: httpx.Client) -> None:
    body = {"model": GPT, "messages": [user("Chunks")], "stream": True}
    assert all(c["choices"][0]["logprobs"] is None for c in _chunks(http, body))


@pytest.mark.parametrize(
    ("params", "message", "code"),
    [
        (
            {"top_logprobs": 2},
            "The 'top_logprobs' parameter is only allowed when 'logprobs' is enabled.",
            None,
        ),
        (
            {"top_logprobs": 0, "logprobs": False},
            "The 'top_logprobs' parameter is only allowed when 'logprobs' is enabled.",
            None,
        ),
        (
            {"top_logprobs": 21, "logprobs": True},
            "Invalid 'top_logprobs': integer above maximum value. Expected a value <= 20, but "
            "got 21 instead.",
            "integer_above_max_value",
        ),
        (
            {"top_logprobs": -1, "logprobs": True},
            "Invalid 'top_logprobs': integer below minimum value. Expected a value >= 0, but "
            "got -1 instead.",
            "integer_below_min_value",
        ),
    ],
)
def test_invalid_combinations_are_refused(
    openai_client: openai.OpenAI, params: dict[str, Any], message: str, code: str | None
) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        openai_client.chat.completions.create(model=GPT, messages=[user("Hi")], **params)
    error = caught.value
    assert error.status_code == 400
    assert error.body == {
        "message": message,
        "type": "invalid_request_error",
        "param": "top_logprobs",
        "code": code,
    }


def test_null_top_logprobs_without_logprobs_is_fine(openai_client: openai.OpenAI) -> None:
    completion = openai_client.chat.completions.create(
        model=GPT, messages=[user("Hi")], logprobs=False, top_logprobs=None
    )
    assert completion.choices[0].logprobs is None
