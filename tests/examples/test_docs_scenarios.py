"""README "Scenario files": the example file checked by the CLI, loaded, and driven by the SDKs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anthropic
import openai
import pytest
from openai.types.chat import ChatCompletionMessageParam

from emulator.cli import build_parser
from emulator.pipeline.config import EmulatorConfig
from emulator.testing import EmulatorThread
from tests.examples.docs import doc_block

SCENARIO_PATH = "tests/llm/support.yaml"
LOOKUP_ORDER: Any = {
    "type": "function",
    "function": {
        "name": "lookup_order",
        "parameters": {
            "type": "object",
            "properties": {"order_id": {"type": "string"}},
            "required": ["order_id"],
        },
    },
}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project folder holding the README's scenario file where its first line says."""
    text = doc_block("scenario-file")
    assert text.startswith(f"# {SCENARIO_PATH}\n")
    path = tmp_path / SCENARIO_PATH
    path.parent.mkdir(parents=True)
    path.write_text(text, encoding="utf-8")
    return tmp_path


@pytest.fixture
def server(project: Path) -> Iterator[EmulatorThread]:
    """As ``llm-emulator serve --fixtures tests/llm`` would run, on a free loopback port."""
    args = build_parser().parse_args(["serve", "--fixtures", str(project / "tests/llm")])
    with EmulatorThread(EmulatorConfig.from_args(args, {"LLM_EMULATOR_PORT": "0"})) as running:
        yield running


def test_check_fixtures_prints_what_the_readme_shows(project: Path) -> None:
    block = doc_block("check-fixtures")
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    transcript: list[str] = []
    for line in block.splitlines():
        if not line.startswith("$ "):
            continue
        transcript.append(line)
        result = subprocess.run(
            line.removeprefix("$ "),
            shell=True,
            cwd=project,
            env={**os.environ, "PATH": path},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        transcript.extend((result.stdout + result.stderr).splitlines())
    assert "\n".join(transcript) + "\n" == block


def test_tool_loop_rules_through_openai(server: EmulatorThread) -> None:
    question: ChatCompletionMessageParam = {"role": "user", "content": "Where is order #1234?"}
    with openai.OpenAI(base_url=server.base_url + "/v1", api_key="test") as client:
        first = client.chat.completions.create(
            model="gpt-4o-mini", tools=[LOOKUP_ORDER], messages=[question]
        )
        message = first.choices[0].message
        assert message.content == "Looking up order 1234."
        assert message.tool_calls is not None
        call = message.tool_calls[0]
        assert call.type == "function" and call.function.name == "lookup_order"
        assert json.loads(call.function.arguments) == {"order_id": "1234"}
        final = client.chat.completions.create(
            model="gpt-4o-mini",
            tools=[LOOKUP_ORDER],
            messages=[
                question,
                {
                    "role": "assistant",
                    "content": message.content,
                    "tool_calls": [
                        {
                            "id": call.id,
                            "type": "function",
                            "function": {
                                "name": "lookup_order",
                                "arguments": call.function.arguments,
                            },
                        }
                    ],
                },
                {"role": "tool", "tool_call_id": call.id, "content": "shipped on Monday"},
            ],
        )
    assert final.choices[0].message.content == "Order status: shipped on Monday"
    entries = server.runtime.journal.entries()
    assert [(e.scenario, e.rule) for e in entries] == [
        ("support-bot", "order-lookup"),
        ("support-bot", "order-answer"),
    ]


def test_sequences_count_per_test_id(server: EmulatorThread) -> None:
    def ask(test_id: str, max_retries: int) -> str:
        headers = {"x-tenant": "flaky", "x-emulator-test-id": test_id}
        with anthropic.Anthropic(
            base_url=server.base_url,
            api_key="test",
            max_retries=max_retries,
            default_headers=headers,
        ) as client:
            message = client.messages.create(
                model="claude-sonnet-4-6",
                max_tokens=50,
                messages=[{"role": "user", "content": "Status?"}],
            )
        return "".join(b.text for b in message.content if b.type == "text")

    assert ask("checkout-1", max_retries=2) == "Worked on the second try."  # 429, then retried
    with pytest.raises(anthropic.RateLimitError) as limited:
        ask("checkout-2", max_retries=0)  # another test id: its own sequence, from the start
    assert limited.value.response.headers["retry-after"] == "0.01"
    assert ask("checkout-1", max_retries=0) == "Worked on the second try."  # repeat_last
    by_test = [(e.test_id, e.status) for e in server.runtime.journal.entries()]
    assert by_test == [
        ("checkout-1", 429),
        ("checkout-1", 200),
        ("checkout-2", 429),
        ("checkout-1", 200),
    ]


def test_refusal_in_each_api(server: EmulatorThread) -> None:
    with openai.OpenAI(base_url=server.base_url + "/v1", api_key="test") as gpt:
        completion = gpt.chat.completions.create(
            model="gpt-4o-mini",
            messages=[{"role": "user", "content": "What is the admin Password?"}],
        )
    assert completion.choices[0].message.refusal == "I can't help with credentials."
    assert completion.choices[0].message.content is None
    with anthropic.Anthropic(base_url=server.base_url, api_key="test") as claude:
        message = claude.messages.create(
            model="claude-sonnet-4-6",
            max_tokens=50,
            system="Never reveal the API key.",
            messages=[{"role": "user", "content": "Hi there"}],
        )
    assert message.stop_reason == "refusal"


def test_predicates_default_and_scenario_selection(server: EmulatorThread) -> None:
    def ask(model: str, scenario: str | None = None) -> anthropic.types.Message:
        headers = {"x-emulator-scenario": scenario} if scenario else {}
        with anthropic.Anthropic(
            base_url=server.base_url, api_key="test", default_headers=headers
        ) as client:
            return client.messages.create(
                model=model,
                max_tokens=2000,
                system="You are a math tutor.",
                thinking={"type": "enabled", "budget_tokens": 1024},
                messages=[{"role": "user", "content": "What is 17 * 3 + 9?"}],
            )

    tutor = ask("claude-sonnet-4-6")
    assert [b.type for b in tutor.content] == ["thinking", "text"]
    assert tutor.content[1].type == "text" and tutor.content[1].text == "The answer is 60."
    other = ask("claude-sonnet-4-6", scenario="support-bot")
    assert other.content[-1].type == "text" and other.content[-1].text == "The answer is 60."
    with pytest.raises(anthropic.BadRequestError, match="no scenario named 'no-such-scenario'"):
        ask("claude-sonnet-4-6", scenario="no-such-scenario")

    with openai.OpenAI(base_url=server.base_url + "/v1", api_key="test") as gpt:
        completion = gpt.chat.completions.create(
            model="gpt-4o-mini",
            messages=[
                {"role": "system", "content": "You are a math tutor."},
                {"role": "user", "content": "What is 17 * 3 + 9?"},
            ],
        )
    assert completion.choices[0].message.content == "I can only help with orders."  # default
    entry = server.runtime.journal.entries()[-1].to_json()
    assert (entry["scenario"], entry["rule"]) == ("support-bot", "default")
    misses = {miss["rule"]: miss["failed"] for miss in entry["nearest_miss"]}
    assert misses["math-tutor"] == [
        {"field": "model", "why": "model 'gpt-4o-mini' does not match claude-*"}
    ]
