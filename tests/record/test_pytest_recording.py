"""Recording per test through the ``llm_emulator`` fixture, in throwaway pytest
sessions (pytester): a cassette next to the test file, the run's record mode and
upstream from the command line or the ini file, replay with the upstream stopped."""

from __future__ import annotations

from pathlib import Path

import pytest

from emulator.pipeline.config import EmulatorConfig
from emulator.scenario.loader import load_file
from emulator.testing import EmulatorThread
from tests.record.conftest import UPSTREAM_SCENARIO

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

ARGS = (
    "-p",
    "no:cacheprovider",
    "-o",
    "asyncio_mode=auto",
    "-o",
    "asyncio_default_fixture_loop_scope=function",
    "-W",
    "error",
)

CONVERSATIONS = """
import pytest

TOOL = {
    "name": "get_weather",
    "description": "Weather",
    "input_schema": {"type": "object", "properties": {"city": {"type": "string"}},
                     "required": ["city"]},
}


@pytest.mark.llm_emulator_record(cassette="weather")
def test_tool_conversation(llm_emulator):
    client = llm_emulator.anthropic_client(max_retries=0)
    messages = [{"role": "user", "content": "What is the weather in Paris?"}]
    first = client.messages.create(model="claude-sonnet-4-6", max_tokens=200,
                                   messages=messages, tools=[TOOL])
    call = next(block for block in first.content if block.type == "tool_use")
    assert (call.name, call.input) == ("get_weather", {"city": "Paris"})
    messages += [
        {"role": "assistant", "content": [b.model_dump(exclude_none=True) for b in first.content]},
        {"role": "user", "content": [
            {"type": "tool_result", "tool_use_id": call.id, "content": "Sunny, 21C"}]},
    ]
    second = client.messages.create(model="claude-sonnet-4-6", max_tokens=200,
                                    messages=messages, tools=[TOOL])
    assert second.content[0].text == "Here is the forecast: Sunny, 21C"


@pytest.mark.llm_emulator_record
def test_streamed_story(llm_emulator):
    client = llm_emulator.openai_client(max_retries=0)
    chunks = list(client.chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": "a story"}], stream=True))
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text.startswith("Once upon a time a small emulator")
    assert chunks[-1].choices[0].finish_reason == "stop"
"""

# One test whose prompts come from the environment, so that runs differ in what they ask.
TALK = """
import os
import pytest


@pytest.mark.llm_emulator_record(cassette="talk")
def test_talk(llm_emulator):
    client = llm_emulator.openai_client(max_retries=0)
    for prompt in os.environ["TALK_PROMPTS"].split(","):
        completion = client.chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": prompt}])
        assert completion.choices[0].message.content
"""


def start_upstream(**config: object) -> EmulatorThread:
    server = EmulatorThread(EmulatorConfig(port=0, **config))  # type: ignore[arg-type]
    server.runtime.startup_scenarios = [load_file(UPSTREAM_SCENARIO)]
    server.runtime.reset()
    return server.start()


def upstream_calls(upstream: EmulatorThread) -> int:
    return len(upstream.runtime.journal.entries())


def test_a_test_records_its_cassette_beside_it_and_replays_it_with_the_upstream_stopped(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    anthropic_key, openai_key = "sk-ant-real-5c1e7f0a9b", "sk-proj-real-77d2c4e1aa"
    monkeypatch.setenv("ANTHROPIC_API_KEY", anthropic_key)
    monkeypatch.setenv("OPENAI_API_KEY", openai_key)
    # The upstream accepts only the real keys: a recording proves they were forwarded.
    upstream = start_upstream(api_keys=(anthropic_key, openai_key))
    pytester.makepyfile(test_weather=CONVERSATIONS)
    try:
        recorded = pytester.runpytest(
            *ARGS, "--llm-emulator-record-mode=once", f"--llm-emulator-upstream={upstream.base_url}"
        )
        recorded.assert_outcomes(passed=2)
        calls = upstream_calls(upstream)
    finally:
        upstream.stop()
    assert calls == 3  # two tool turns and the stream
    cassettes = [
        pytester.path / "cassettes" / "weather.json",
        pytester.path / "cassettes" / "test_weather" / "test_streamed_story.json",
    ]
    written = "".join(path.read_text() for path in cassettes)
    assert '"recorded"' in written
    assert anthropic_key not in written and openai_key not in written

    # CI: replay only, the upstream gone, no key in the environment.
    monkeypatch.delenv("ANTHROPIC_API_KEY")
    monkeypatch.delenv("OPENAI_API_KEY")
    replayed = pytester.runpytest(
        *ARGS, "--llm-emulator-record-mode=none", f"--llm-emulator-upstream={upstream.base_url}"
    )
    replayed.assert_outcomes(passed=2)
    assert "".join(path.read_text() for path in cassettes) == written


def talk(
    pytester: pytest.Pytester,
    monkeypatch: pytest.MonkeyPatch,
    mode: str,
    prompts: str,
    upstream: EmulatorThread | None = None,
) -> pytest.RunResult:
    monkeypatch.setenv("TALK_PROMPTS", prompts)
    options = [f"--llm-emulator-record-mode={mode}"]
    if upstream is not None:
        options.append(f"--llm-emulator-upstream={upstream.base_url}")
    return pytester.runpytest(*ARGS, *options)


@pytest.fixture
def talk_file(pytester: pytest.Pytester) -> Path:
    pytester.makepyfile(test_talk=TALK)
    return pytester.path / "cassettes" / "talk.json"


def test_mode_none_without_a_cassette_refuses_every_request(
    pytester: pytest.Pytester,
    monkeypatch: pytest.MonkeyPatch,
    talk_file: Path,
    upstream: EmulatorThread,
) -> None:
    result = talk(pytester, monkeypatch, "none", "one", upstream)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*no recording matches this chat request and the record mode 'none' does not record it."
            " Nearest recordings: no recordings are loaded*"
        ]
    )
    assert upstream_calls(upstream) == 0
    assert not talk_file.exists()


def test_mode_none_is_the_default_and_names_the_nearest_recording(
    pytester: pytest.Pytester,
    monkeypatch: pytest.MonkeyPatch,
    talk_file: Path,
    upstream: EmulatorThread,
) -> None:
    talk(pytester, monkeypatch, "once", "one", upstream).assert_outcomes(passed=1)
    monkeypatch.setenv("TALK_PROMPTS", "one,two")
    result = pytester.runpytest(*ARGS, f"--llm-emulator-upstream={upstream.base_url}")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*Nearest recordings: talk:chat-* (differs in messages)*"])
    assert upstream_calls(upstream) == 1


def test_mode_once_records_a_new_cassette_then_only_replays(
    pytester: pytest.Pytester,
    monkeypatch: pytest.MonkeyPatch,
    talk_file: Path,
    upstream: EmulatorThread,
) -> None:
    talk(pytester, monkeypatch, "once", "one,two", upstream).assert_outcomes(passed=1)
    assert upstream_calls(upstream) == 2
    recorded = talk_file.read_text()
    talk(pytester, monkeypatch, "once", "two,one", upstream).assert_outcomes(passed=1)
    refused = talk(pytester, monkeypatch, "once", "one,three", upstream)
    refused.assert_outcomes(failed=1)
    refused.stdout.fnmatch_lines(["*record mode 'once' does not record it*"])
    assert upstream_calls(upstream) == 2
    assert talk_file.read_text() == recorded


def test_mode_new_episodes_replays_what_is_recorded_and_records_the_rest(
    pytester: pytest.Pytester,
    monkeypatch: pytest.MonkeyPatch,
    talk_file: Path,
    upstream: EmulatorThread,
) -> None:
    talk(pytester, monkeypatch, "new_episodes", "one", upstream).assert_outcomes(passed=1)
    talk(pytester, monkeypatch, "new_episodes", "one,two", upstream).assert_outcomes(passed=1)
    assert upstream_calls(upstream) == 2
    assert talk_file.read_text().count('"recorded"') == 2
    upstream.stop()
    talk(pytester, monkeypatch, "none", "two,one").assert_outcomes(passed=1)


def test_mode_all_forwards_even_what_is_recorded(
    pytester: pytest.Pytester,
    monkeypatch: pytest.MonkeyPatch,
    talk_file: Path,
    upstream: EmulatorThread,
) -> None:
    talk(pytester, monkeypatch, "all", "one", upstream).assert_outcomes(passed=1)
    talk(pytester, monkeypatch, "all", "one", upstream).assert_outcomes(passed=1)
    assert upstream_calls(upstream) == 2
    assert talk_file.read_text().count('"recorded"') == 1


def test_a_mode_that_records_without_an_upstream_is_an_error_naming_the_option(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, talk_file: Path
) -> None:
    result = talk(pytester, monkeypatch, "new_episodes", "one")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*no upstream is set: give --llm-emulator-upstream URL*"])
    assert not talk_file.exists()


def test_ini_options_set_mode_upstream_and_cassette_folder(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, upstream: EmulatorThread
) -> None:
    pytester.makepyfile(test_talk=TALK)
    pytester.makeini(
        f"""
        [pytest]
        llm_emulator_record_mode = once
        llm_emulator_openai_upstream = {upstream.base_url}
        llm_emulator_cassette_dir = recorded
        llm_emulator_scrub =
            secret-\\d+
        """
    )
    monkeypatch.setenv("TALK_PROMPTS", "my code is secret-4242")
    pytester.runpytest(*ARGS).assert_outcomes(passed=1)
    written = (pytester.path / "recorded" / "talk.json").read_text()
    assert "[scrubbed]" in written and "secret-4242" not in written
    assert upstream_calls(upstream) == 1
    # The command line wins over the ini file.
    result = pytester.runpytest(*ARGS, "--llm-emulator-record-mode=none")
    result.assert_outcomes(passed=1)
    assert upstream_calls(upstream) == 1


@pytest.mark.parametrize(
    ("options", "marker", "message"),
    [
        (
            ("--llm-emulator-upstream=ftp://example",),
            "llm_emulator_record",
            "*llm-emulator recording: expected an http:// or https:// base URL*",
        ),
        (
            (),
            'llm_emulator_record(cassette="talk", mode="all")',
            "*llm_emulator_record takes only cassette=...; got mode*",
        ),
        ((), "llm_emulator_record(cassette=3)", "*must be a file name, got 3*"),
    ],
)
def test_bad_options_and_marker_arguments_are_usage_errors(
    pytester: pytest.Pytester, options: tuple[str, ...], marker: str, message: str
) -> None:
    pytester.makepyfile(
        f"""
        import pytest

        @pytest.mark.{marker}
        def test_x(llm_emulator):
            pass
        """
    )
    result = pytester.runpytest(*ARGS, *options)
    assert result.ret != 0
    combined = result.stdout.lines + result.stderr.lines
    pytest.LineMatcher(combined).fnmatch_lines([message])
