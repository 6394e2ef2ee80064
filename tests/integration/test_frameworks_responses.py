"""Agent frameworks on the Responses and Embeddings surfaces: the OpenAI Agents SDK and
LangChain, with their model clients pointed at the emulator."""

from __future__ import annotations

import math
from collections.abc import AsyncIterator

import agents
import openai
import pytest
from langchain_core.tools import tool
from langchain_openai import ChatOpenAI, OpenAIEmbeddings
from pydantic import SecretStr

from conftest import Control
from tests.support import GPT

WEATHER_LOOP = {
    "name": "weather-loop",
    "rules": [
        {
            "name": "answer",
            "match": {"tool_result": True},
            "reply": {"text": "The forecast: {{tool_result}}."},
        },
        {
            "name": "call",
            "match": {"last_user_text": "weather"},
            "reply": {"tool_calls": [{"name": "get_weather", "input": {"city": "Paris"}}]},
        },
    ],
}


@agents.function_tool
def get_weather(city: str) -> str:
    """Weather for a city."""
    return f"sunny in {city}"


@pytest.fixture
async def weather_agent(base_url: str) -> AsyncIterator[agents.Agent]:
    agents.set_tracing_disabled(True)  # traces would go to the real platform
    async with openai.AsyncOpenAI(
        base_url=base_url + "/v1", api_key="sk-test", max_retries=0
    ) as client:
        model = agents.OpenAIResponsesModel(model=GPT, openai_client=client)
        yield agents.Agent(name="weather", instructions="Help.", tools=[get_weather], model=model)


async def test_agents_sdk_runs_a_tool_loop(weather_agent: agents.Agent, control: Control) -> None:
    control.load(WEATHER_LOOP)
    result = await agents.Runner.run(weather_agent, "What is the weather in Paris?")
    assert result.final_output == "The forecast: sunny in Paris."
    assert [e["rule"] for e in control.journal(api="responses")] == ["call", "answer"]


async def test_agents_sdk_streams_a_tool_loop(
    weather_agent: agents.Agent, control: Control
) -> None:
    control.load(WEATHER_LOOP)
    run = agents.Runner.run_streamed(weather_agent, "What is the weather in Paris?")
    kinds = {event.type async for event in run.stream_events()}
    assert run.final_output == "The forecast: sunny in Paris."
    assert "raw_response_event" in kinds and "run_item_stream_event" in kinds
    assert all(e["stream"] for e in control.journal(api="responses"))


def test_langchain_chat_openai_on_the_responses_api(base_url: str, control: Control) -> None:
    @tool
    def get_weather(city: str) -> str:
        """Weather for a city."""
        return "sunny"

    llm = ChatOpenAI(
        model=GPT, base_url=base_url + "/v1", api_key=SecretStr("sk-test"), use_responses_api=True
    )
    reply = llm.invoke("Hello")
    assert reply.text and reply.usage_metadata is not None
    assert reply.usage_metadata["output_tokens"] > 0
    called = llm.bind_tools([get_weather], tool_choice="get_weather").invoke("Weather in Rome?")
    assert [call["name"] for call in called.tool_calls] == ["get_weather"]
    streamed = "".join(chunk.text for chunk in llm.stream("Hello"))
    assert streamed == reply.text
    assert {e["api"] for e in control.journal()} == {"responses"}


def test_langchain_openai_embeddings(base_url: str) -> None:
    embeddings = OpenAIEmbeddings(
        model="text-embedding-3-small",
        base_url=base_url + "/v1",
        api_key=SecretStr("sk-test"),
        # Otherwise it downloads tiktoken's encoding files to count tokens first.
        check_embedding_ctx_length=False,
    )
    documents = embeddings.embed_documents(["a cat on a mat", "the cat and the mat", "tax law"])
    query = embeddings.embed_query("a cat on a mat")
    assert query == documents[0] and len(query) == 1536

    def cosine(a: list[float], b: list[float]) -> float:
        return sum(x * y for x, y in zip(a, b, strict=True))

    assert cosine(query, documents[1]) > cosine(query, documents[2])
    assert math.isclose(cosine(query, query), 1.0, rel_tol=1e-5)
