"""The llm_emulator fixture, run inside throwaway pytest sessions (pytester)."""

from __future__ import annotations

import pytest

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


def test_sync_and_async_clients_with_one_line_scripts(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import anthropic
        import pytest

        def test_reply_and_journal(llm_emulator):
            llm_emulator.reply("Bonjour!", when="french")
            client = llm_emulator.anthropic_client()
            message = client.messages.create(
                model="claude-sonnet-4-6", max_tokens=50,
                messages=[{"role": "user", "content": "Say hi in french"}],
            )
            assert message.content[0].text == "Bonjour!"
            entry = llm_emulator.assert_called(times=1, api="messages", rule="rule-1")[0]
            assert entry["body"]["messages"][0]["content"] == "Say hi in french"
            assert llm_emulator.last_request["headers"]["authorization"] == "[redacted]"

        def test_state_is_clean_between_tests(llm_emulator):
            assert llm_emulator.requests == []
            client = llm_emulator.openai_client()
            text = client.chat.completions.create(
                model="gpt-4o-mini", messages=[{"role": "user", "content": "Say hi in french"}]
            ).choices[0].message.content
            assert text != "Bonjour!"

        async def test_async_openai_in_the_tests_loop(llm_emulator):
            llm_emulator.reply("one", "two")
            async with llm_emulator.async_openai_client() as client:
                texts = [
                    (await client.chat.completions.create(
                        model="gpt-4o-mini", messages=[{"role": "user", "content": "x"}]
                    )).choices[0].message.content
                    for _ in range(3)
                ]
            assert texts == ["one", "two", "two"]

        def test_fail_once_then_default(llm_emulator):
            llm_emulator.fail(429, "slow down", retry_after=0.01, times=1)
            client = llm_emulator.anthropic_client(max_retries=0)
            with pytest.raises(anthropic.RateLimitError):
                client.messages.create(model="claude-sonnet-4-6", max_tokens=5,
                                       messages=[{"role": "user", "content": "x"}])
            ok = client.messages.create(model="claude-sonnet-4-6", max_tokens=5,
                                        messages=[{"role": "user", "content": "x"}])
            assert ok.stop_reason in ("end_turn", "max_tokens")

        def test_tool_call_one_liner(llm_emulator):
            llm_emulator.reply_tool_call("get_weather", {"city": "Oslo"}, text="Checking.")
            llm_emulator.reply("It is cold.")
            client = llm_emulator.openai_client()
            tools = [{"type": "function", "function": {"name": "get_weather",
                      "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}}]
            first = client.chat.completions.create(
                model="gpt-4o-mini", tools=tools, messages=[{"role": "user", "content": "Weather?"}]
            ).choices[0].message
            assert first.tool_calls[0].function.arguments == '{"city":"Oslo"}'
            messages = [
                {"role": "user", "content": "Weather?"},
                {"role": "assistant", "content": first.content, "tool_calls": [
                    {"id": first.tool_calls[0].id, "type": "function",
                     "function": {"name": "get_weather", "arguments": '{"city":"Oslo"}'}}]},
                {"role": "tool", "tool_call_id": first.tool_calls[0].id, "content": "-5C"},
            ]
            final = client.chat.completions.create(model="gpt-4o-mini", tools=tools, messages=messages)
            assert final.choices[0].message.content == "It is cold."
        """
    )
    result = pytester.runpytest(*ARGS)
    result.assert_outcomes(passed=5)


def test_marker_loads_scenario_files_and_clock_moves_ttls(pytester: pytest.Pytester) -> None:
    pytester.makefile(
        ".yaml",
        greet="""
        name: greet
        rules:
          - name: hello
            match: {last_user_text: hello}
            reply: {text: "Hello from a file"}
        """,
    )
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.llm_emulator("greet.yaml")
        def test_marker(llm_emulator):
            client = llm_emulator.anthropic_client()
            message = client.messages.create(model="claude-sonnet-4-6", max_tokens=20,
                                             messages=[{"role": "user", "content": "hello"}])
            assert message.content[0].text == "Hello from a file"

        def test_clock(llm_emulator):
            client = llm_emulator.anthropic_client()
            system = [{"type": "text", "text": "word " * 1100, "cache_control": {"type": "ephemeral"}}]
            def read():
                return client.messages.create(
                    model="claude-sonnet-4-6", max_tokens=5, system=system,
                    messages=[{"role": "user", "content": "hi"}],
                ).usage.cache_read_input_tokens
            assert read() == 0
            llm_emulator.clock.advance(299)
            assert read() == 1100  # a hit refreshes the 5-minute TTL ...
            llm_emulator.clock.advance(200)
            assert read() == 1100  # ... so 499 s after the write the entry is there
            llm_emulator.clock.advance(301)
            assert read() == 0
        """
    )
    result = pytester.runpytest(*ARGS)
    result.assert_outcomes(passed=2)


def test_marker_seed_and_paths_beside_the_test_file(pytester: pytest.Pytester) -> None:
    tests_dir = pytester.mkdir("suite")
    (tests_dir / "scripts").mkdir()
    (tests_dir / "scripts" / "near.yaml").write_text(
        "name: near\nrules:\n  - name: n\n    match: {last_user_text: near}\n"
        "    reply: {text: found beside the test}\n"
    )
    (tests_dir / "test_seeded.py").write_text(
        """
import pytest

def ask(llm_emulator, text):
    client = llm_emulator.anthropic_client()
    return client.messages.create(model="claude-sonnet-4-6", max_tokens=40,
                                  messages=[{"role": "user", "content": text}]).content[0].text

SEEN = {}

@pytest.mark.llm_emulator(seed=11)
def test_seed_11(llm_emulator):
    SEEN["a"] = ask(llm_emulator, "tell me something")

@pytest.mark.llm_emulator(seed=11)
def test_seed_11_again(llm_emulator):
    assert ask(llm_emulator, "tell me something") == SEEN["a"]

@pytest.mark.llm_emulator(seed=12)
def test_seed_12(llm_emulator):
    assert ask(llm_emulator, "tell me something") != SEEN["a"]

def test_session_seed_is_back(llm_emulator):
    assert llm_emulator.server.runtime.engine.seed == 0
    assert ask(llm_emulator, "tell me something") != SEEN["a"]

@pytest.mark.llm_emulator("scripts/near.yaml")
def test_marker_path_beside_the_test(llm_emulator):
    assert ask(llm_emulator, "near") == "found beside the test"

def test_load_path_beside_the_test(llm_emulator):
    llm_emulator.load("scripts/near.yaml")
    assert ask(llm_emulator, "near") == "found beside the test"
"""
    )
    result = pytester.runpytest(*ARGS, "-p", "no:randomly", str(tests_dir))
    result.assert_outcomes(passed=6)


def test_internal_error_fails_the_test_at_teardown(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        def test_bad_script(llm_emulator):
            llm_emulator.reply_tool_call("lookup", {"q": 1})
            client = llm_emulator.anthropic_client(max_retries=0)
            tools = [{"name": "lookup", "input_schema": {
                "type": "object", "properties": {"q": {"type": "string"}}}}]
            try:
                client.messages.create(model="claude-sonnet-4-6", max_tokens=50, tools=tools,
                                       messages=[{"role": "user", "content": "x"}])
            except Exception:
                pass  # code under test that swallows errors must not hide the emulator's
        """
    )
    result = pytester.runpytest(*ARGS)
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(
        ["*llm-emulator failed internally*not valid under the tool's input_schema*"]
    )


def test_unmatched_report_and_seed_option(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        def test_unmatched(llm_emulator):
            llm_emulator.reply("only for cats", when="cat")
            client = llm_emulator.openai_client()
            client.chat.completions.create(model="gpt-4o-mini",
                                           messages=[{"role": "user", "content": "dogs"}])
        """
    )
    result = pytester.runpytest(
        *ARGS, "--llm-emulator-report-unmatched", "--llm-emulator-seed", "5"
    )
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(
        [
            "*llm-emulator: requests no rule matched*",
            "*test_unmatched: /v1/chat/completions",
            "*nearest: pytest/rule-1*last_user_text*does not contain 'cat'*",
        ]
    )


def test_each_xdist_worker_gets_its_own_server(pytester: pytest.Pytester) -> None:
    pytest.importorskip("xdist")
    pytester.makepyfile(
        """
        import os
        import pytest

        @pytest.mark.parametrize("n", range(4))
        def test_script_is_private_to_the_worker(llm_emulator, n):
            worker = os.environ["PYTEST_XDIST_WORKER"]
            llm_emulator.reply(f"from {worker}")
            client = llm_emulator.openai_client()
            answer = client.chat.completions.create(
                model="gpt-4o-mini", messages=[{"role": "user", "content": "who?"}]
            )
            assert answer.choices[0].message.content == f"from {worker}"
            path = os.path.join(os.path.dirname(__file__), f"port-{worker}-{n}")
            with open(path, "w") as handle:
                handle.write(str(llm_emulator.server.port))
        """
    )
    result = pytester.runpytest(*ARGS, "-n", "2", "-p", "xdist")
    result.assert_outcomes(passed=4)
    ports = {path.name.split("-")[1]: path.read_text() for path in pytester.path.glob("port-*")}
    assert len(ports) == 2 and len(set(ports.values())) == 2  # two workers, two ports
