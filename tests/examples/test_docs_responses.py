"""docs/guides/responses-embeddings.md: every snippet, verbatim, as a test."""

from __future__ import annotations

from emulator.pytest_plugin import LLMEmulator


def test_responses_chain(llm_emulator: LLMEmulator) -> None:
    llm_emulator.reply("Paris.", when="capital of France", api="responses")
    client = llm_emulator.openai_client()

    first = client.responses.create(model="gpt-4o-mini", input="What is the capital of France?")
    assert first.output_text == "Paris."

    second = client.responses.create(
        model="gpt-4o-mini", previous_response_id=first.id, input="And its population?"
    )
    assert second.status == "completed" and second.output_text
    assert first.usage is not None and second.usage is not None
    assert second.usage.input_tokens > first.usage.input_tokens  # the first turn counts too
    assert client.responses.retrieve(first.id).output_text == "Paris."  # stored by default


def test_embeddings_for_a_retrieval_test(llm_emulator: LLMEmulator) -> None:
    client = llm_emulator.openai_client()

    result = client.embeddings.create(
        model="text-embedding-3-small", input=["red apples", "green apples", "tax law"]
    )

    red, green, tax = (item.embedding for item in result.data)
    assert len(red) == 1536

    def similarity(a: list[float], b: list[float]) -> float:  # the vectors are unit length
        return sum(x * y for x, y in zip(a, b, strict=True))

    assert similarity(red, green) > similarity(red, tax)  # shared words, not meaning
