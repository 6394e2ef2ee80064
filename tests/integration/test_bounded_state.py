"""State a client can make the server keep is bounded: per-test-id counters and
the journal's bytes."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import openai
import pytest

from emulator.pipeline.config import EmulatorConfig
from emulator.scenario import counters
from emulator.testing import EmulatorThread
from tests.support import GPT, user

SEQUENCE = {
    "name": "seq",
    "rules": [{"name": "s", "replies": [{"text": "first"}, {"text": "later"}]}],
}


@pytest.fixture
def three_test_ids(monkeypatch: pytest.MonkeyPatch) -> Iterator[EmulatorThread]:
    monkeypatch.setattr(counters, "MAX_TEST_IDS", 3, raising=False)
    with EmulatorThread(EmulatorConfig(port=0)) as running:
        yield running


def test_the_least_recently_used_test_ids_counters_start_again(
    three_test_ids: EmulatorThread,
) -> None:
    base_url = three_test_ids.base_url
    assert httpx.post(base_url + "/_emulator/scenarios", json=SEQUENCE).status_code == 201
    with openai.OpenAI(base_url=base_url + "/v1", api_key="sk-test", max_retries=0) as client:

        def ask(test_id: str | None) -> str | None:
            headers = {} if test_id is None else {"x-emulator-test-id": test_id}
            completion = client.chat.completions.create(
                model=GPT, messages=[user("x")], extra_headers=headers
            )
            return completion.choices[0].message.content

        assert [ask(None)] + [ask(test_id) for test_id in "abcd"] == ["first"] * 5
        # "a" fired longest ago: with room for three ids its sequence starts again;
        # "d" is kept, and so is the sequence of requests with no test id.
        assert [ask("d"), ask("a"), ask("a"), ask(None)] == ["later", "first", "later", "later"]


def test_the_journal_drops_its_oldest_entries_past_its_byte_budget() -> None:
    budget = 256 * 1024
    config = EmulatorConfig(port=0, journal_max_bytes=budget)
    with (
        EmulatorThread(config) as running,
        openai.OpenAI(
            base_url=running.base_url + "/v1", api_key="sk-test", max_retries=0
        ) as client,
    ):
        prompts = [f"request {n}: " + "words " * 10_000 for n in range(12)]  # ~60 KB each
        for prompt in prompts:
            client.chat.completions.create(model=GPT, messages=[user(prompt)])
        journal = httpx.get(running.base_url + "/_emulator/journal").json()

    kept = [entry["body"]["messages"][0]["content"] for entry in journal["entries"]]
    assert 1 <= len(kept) < len(prompts)
    assert kept == prompts[-len(kept) :]  # the newest, in order
    assert journal["dropped"] == len(prompts) - len(kept)
    assert sum(len(prompt) for prompt in kept) <= budget
