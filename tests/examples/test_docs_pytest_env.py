"""docs/guides/pytest.md and the README: a fixture that points the SDKs' environment
variables at the emulator, for code that makes its own clients."""

from __future__ import annotations

import openai
import pytest

from emulator.pytest_plugin import LLMEmulator


@pytest.fixture
def llm_env(llm_emulator: LLMEmulator, monkeypatch: pytest.MonkeyPatch) -> LLMEmulator:
    """Every Anthropic and OpenAI client made during the test talks to the emulator."""
    monkeypatch.delenv("ANTHROPIC_AUTH_TOKEN", raising=False)
    monkeypatch.setenv("ANTHROPIC_BASE_URL", llm_emulator.base_url)
    monkeypatch.setenv("ANTHROPIC_API_KEY", "test")
    monkeypatch.setenv("OPENAI_BASE_URL", llm_emulator.openai_base_url)
    monkeypatch.setenv("OPENAI_API_KEY", "test")
    return llm_emulator


def test_app_reads_the_environment(llm_env: LLMEmulator) -> None:
    llm_env.reply("Hello from the emulator.")

    with openai.OpenAI() as client:  # as the application makes it: from the environment
        completion = client.chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": "Hi"}]
        )

    assert completion.choices[0].message.content == "Hello from the emulator."
