"""docs/guides/local-sdk.md: SDK clients configured only by environment variables."""

from __future__ import annotations

import shlex
from collections.abc import Iterator

import anthropic
import openai
import pytest

from emulator.cli import build_parser
from emulator.pipeline.config import EmulatorConfig
from emulator.testing import EmulatorThread
from tests.examples.docs import commands, doc_block, exported

README_ADDRESS = "http://127.0.0.1:8080"


@pytest.fixture
def server() -> Iterator[EmulatorThread]:
    with EmulatorThread(EmulatorConfig(port=0)) as running:
        yield running


def test_serve_line_is_a_valid_command() -> None:
    (serve,) = commands(doc_block("local-env"), "llm-emulator")
    config = EmulatorConfig.from_args(build_parser().parse_args(serve[1:]), {})
    assert config.latency == "realistic" and config.strict
    assert shlex.join(serve) == "llm-emulator serve --latency realistic --strict"


def test_sdks_from_the_environment(
    server: EmulatorThread, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    env = exported(doc_block("local-env"))
    assert set(env) == {
        "ANTHROPIC_BASE_URL",
        "ANTHROPIC_API_KEY",
        "OPENAI_BASE_URL",
        "OPENAI_API_KEY",
    }
    monkeypatch.delenv("ANTHROPIC_AUTH_TOKEN", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value.replace(README_ADDRESS, server.base_url))

    claude = anthropic.Anthropic()  # reads ANTHROPIC_BASE_URL and ANTHROPIC_API_KEY
    with claude.messages.stream(
        model="claude-sonnet-4-6", max_tokens=50, messages=[{"role": "user", "content": "Hi"}]
    ) as stream:
        for text in stream.text_stream:
            print(text, end="", flush=True)

    gpt = openai.OpenAI()  # reads OPENAI_BASE_URL and OPENAI_API_KEY
    completion = gpt.chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": "Hi"}]
    )
    print(completion.choices[0].message.content)

    claude.close()
    gpt.close()
    printed = capsys.readouterr().out
    assert printed.strip() and f"{completion.choices[0].message.content}\n" in printed
    paths = [e.path for e in server.runtime.journal.entries()]
    assert paths == ["/v1/messages", "/v1/chat/completions"]
    assert [e.stream for e in server.runtime.journal.entries()] == [True, False]


def test_strict_refuses_unknown_betas(server: EmulatorThread) -> None:
    def create(base_url: str) -> anthropic.types.Message:
        with anthropic.Anthropic(base_url=base_url, api_key="test", max_retries=0) as client:
            return client.messages.create(
                model="claude-sonnet-4-6",
                max_tokens=20,
                messages=[{"role": "user", "content": "Hi"}],
                extra_headers={"anthropic-beta": "prompt-cachin-2024-07-31"},  # a typo
            )

    assert create(server.base_url).stop_reason is not None
    with EmulatorThread(EmulatorConfig(port=0, strict=True)) as strict_server:
        with pytest.raises(anthropic.BadRequestError) as refused:
            create(strict_server.base_url)
    assert "prompt-cachin-2024-07-31" in refused.value.response.json()["error"]["message"]
