"""docs/guides/pytest.md and the README: the ``llm_emulator_env`` fixture points the SDKs'
environment variables at the emulator, for code that makes its own clients."""

from __future__ import annotations

import os
import subprocess
import sys

import anthropic
import openai

from emulator.pytest_plugin import LLMEmulator


def test_app_reads_the_environment(llm_emulator_env: LLMEmulator) -> None:
    llm_emulator_env.reply("Hello from the emulator.")

    with openai.OpenAI() as client:  # as the application makes it: from the environment
        completion = client.chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": "Hi"}]
        )

    assert completion.choices[0].message.content == "Hello from the emulator."


def test_an_anthropic_client_from_the_environment_reaches_the_emulator(
    llm_emulator_env: LLMEmulator,
) -> None:
    llm_emulator_env.reply("Hi from the environment.")
    with anthropic.Anthropic() as client:
        message = client.messages.create(
            model="claude-sonnet-4-5",
            max_tokens=32,
            messages=[{"role": "user", "content": "Hi"}],
        )
    assert message.content[0].type == "text"
    assert message.content[0].text == "Hi from the environment."
    assert llm_emulator_env.last_request["path"] == "/v1/messages"


def test_the_variables_name_this_server_and_the_ready_clients_keys(
    llm_emulator: LLMEmulator,
) -> None:
    with llm_emulator.anthropic_client() as claude, llm_emulator.openai_client() as gpt:
        keys = (claude.api_key, gpt.api_key)
    assert llm_emulator.sdk_environment() == {
        "ANTHROPIC_BASE_URL": llm_emulator.base_url,
        "ANTHROPIC_API_KEY": keys[0],
        "OPENAI_BASE_URL": llm_emulator.base_url + "/v1",
        "OPENAI_API_KEY": keys[1],
    }


def test_a_subprocess_given_the_variables_reaches_the_emulator(llm_emulator: LLMEmulator) -> None:
    llm_emulator.reply("Hello, subprocess.")
    script = (
        "import openai\n"
        "c = openai.OpenAI()\n"
        "r = c.chat.completions.create(model='gpt-4o-mini', messages=[{'role': 'user', 'content': 'Hi'}])\n"
        "print(r.choices[0].message.content)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        env={**os.environ, **llm_emulator.sdk_environment()},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert done.stdout.strip() == "Hello, subprocess."
