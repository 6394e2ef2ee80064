"""README.md: short, in the order a newcomer needs it, and its blocks run as written."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import anthropic
import openai
import pytest

from emulator.cli import build_parser
from emulator.pipeline.config import EmulatorConfig
from emulator.testing import EmulatorThread
from tests.examples.docs import README, REPO, commands, doc_block, examples, exported

README_ADDRESS = "http://127.0.0.1:8080"
SECTIONS = (
    "Install",
    "Quickstart in pytest",
    "Point an SDK or app at it",
    "CI quickstart",
    "Documentation",
)
FIRST_SCREEN = 50  # lines


@pytest.fixture
def server() -> Iterator[EmulatorThread]:
    with EmulatorThread(EmulatorConfig(port=0)) as running:
        yield running


def test_readme_is_short_and_in_order() -> None:
    lines = README.read_text(encoding="utf-8").splitlines()
    assert len(lines) <= 250, f"README.md has {len(lines)} lines; move detail to docs/"
    headings = [line[3:] for line in lines if line.startswith("## ")]
    assert headings == list(SECTIONS)
    intro = "\n".join(lines[: lines.index("## Install")])
    assert "does not emulate" in intro and "/v1/completions" in intro


def test_the_two_setup_commands_are_on_the_first_screen() -> None:
    where = {e.target: e.line for e in examples() if e.kind == "example-block"}
    assert where["run-command"] < where["test-command"] <= FIRST_SCREEN


def test_run_command_serves_on_the_address_the_readme_gives() -> None:
    block = doc_block("run-command")
    assert commands(block, "pip") == [["pip", "install", "."]]
    (serve,) = commands(block, "llm-emulator")
    config = EmulatorConfig.from_args(build_parser().parse_args(serve[1:]), {})
    assert f"http://{config.host}:{config.port}" == README_ADDRESS


def test_sdk_quickstart_runs(server: EmulatorThread, capsys: pytest.CaptureFixture[str]) -> None:
    code = doc_block("sdk-quickstart")
    assert code.count(README_ADDRESS) == 2
    namespace: dict[str, Any] = {}
    exec(compile(code.replace(README_ADDRESS, server.base_url), "README.md", "exec"), namespace)
    namespace["claude"].close()  # not in the README: closing spares ResourceWarnings
    namespace["gpt"].close()
    printed = capsys.readouterr().out.splitlines()
    assert len(printed) == 2 and all(printed)
    assert [e.api for e in server.runtime.journal.entries()] == ["messages", "chat"]


def test_env_recipe_points_both_sdks(
    server: EmulatorThread, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = exported(doc_block("env-recipe"))
    assert set(env) == {
        "ANTHROPIC_BASE_URL",
        "ANTHROPIC_API_KEY",
        "OPENAI_BASE_URL",
        "OPENAI_API_KEY",
    }
    monkeypatch.delenv("ANTHROPIC_AUTH_TOKEN", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value.replace(README_ADDRESS, server.base_url))
    with anthropic.Anthropic() as claude, openai.OpenAI() as gpt:
        claude.messages.create(
            model="claude-sonnet-4-6", max_tokens=20, messages=[{"role": "user", "content": "Hi"}]
        )
        gpt.chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": "Hi"}]
        )
    assert [e.path for e in server.runtime.journal.entries()] == [
        "/v1/messages",
        "/v1/chat/completions",
    ]


def test_docs_serve_command() -> None:
    block = doc_block("docs-serve")
    assert commands(block, "pip") == commands(doc_block("test-command"), "pip")
    assert commands(block, "mkdocs") == [["mkdocs", "serve"]]
    assert (REPO / "mkdocs.yml").is_file()
    assert re.search(r'"mkdocs-material[>=<]', (REPO / "pyproject.toml").read_text())
