"""Server options per test (marker) and per session (ini), expectations on what a test
used, and what importing the plugin costs: in throwaway pytest sessions."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.plugin.test_pytest_plugin import ARGS

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

_ASK = """
import anthropic
import httpx
import openai
import pytest


def ask(llm_emulator, model="claude-sonnet-4-6", **options):
    client = llm_emulator.anthropic_client(max_retries=0, **options)
    return client.messages.create(
        model=model, max_tokens=30, messages=[{"role": "user", "content": "hi"}]
    ).content[0].text
"""


def test_marker_sets_each_server_option_for_one_test(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        _ASK
        + """
@pytest.mark.llm_emulator(accept_any_model=True)
def test_any_model(llm_emulator):
    llm_emulator.reply("tuned")
    assert ask(llm_emulator, model="my-fine-tune-v3") == "tuned"

def test_unknown_model_without_the_option(llm_emulator):
    with pytest.raises(anthropic.NotFoundError):
        ask(llm_emulator, model="my-fine-tune-v3")

@pytest.mark.llm_emulator(api_keys=["sk-ant-only"])
def test_api_keys(llm_emulator):
    assert ask(llm_emulator)  # the ready client sends the first accepted key
    with pytest.raises(anthropic.AuthenticationError):
        ask(llm_emulator, api_key="sk-ant-other")

@pytest.mark.llm_emulator(strict=True)
def test_strict(llm_emulator):
    with pytest.raises(anthropic.BadRequestError, match="no-such-beta"):
        ask(llm_emulator, default_headers={"anthropic-beta": "no-such-beta"})

@pytest.mark.llm_emulator(route_prefixes="/anthropic", require_headers=["X-Gateway=g1"])
def test_gateway_options(llm_emulator):
    client = anthropic.Anthropic(base_url=llm_emulator.base_url + "/anthropic",
                                 api_key="k", max_retries=0,
                                 default_headers={"X-Gateway": "g1"})
    message = client.messages.create(model="claude-sonnet-4-6", max_tokens=5,
                                     messages=[{"role": "user", "content": "hi"}])
    assert message.type == "message"
    with pytest.raises(anthropic.AuthenticationError, match="X-Gateway"):
        ask(llm_emulator)

@pytest.mark.llm_emulator(rate_limits=["rpm=1"])
def test_rate_limits(llm_emulator):
    ask(llm_emulator)
    with pytest.raises(anthropic.RateLimitError):
        ask(llm_emulator)

@pytest.mark.llm_emulator(chaos=["overloaded=1.0"])
def test_chaos(llm_emulator):
    with pytest.raises(anthropic.InternalServerError) as caught:
        ask(llm_emulator)
    assert caught.value.status_code == 529

@pytest.mark.llm_emulator(latency="realistic")
def test_latency(llm_emulator):
    assert llm_emulator.server.config.latency == "realistic"

@pytest.mark.llm_emulator(max_body_bytes=2000)
def test_max_body_bytes(llm_emulator):
    with pytest.raises(anthropic.APIStatusError) as caught:
        llm_emulator.anthropic_client(max_retries=0).messages.create(
            model="claude-sonnet-4-6", max_tokens=5,
            messages=[{"role": "user", "content": "x" * 5000}])
    assert caught.value.status_code == 413

@pytest.mark.llm_emulator(accept_any_model=True)
def test_same_options_share_a_server(llm_emulator):
    assert ask(llm_emulator, model="another-fine-tune")

def test_back_to_the_session_server(llm_emulator, llm_emulator_server):
    assert llm_emulator.server is llm_emulator_server
"""
    )
    result = pytester.runpytest(*ARGS, "-p", "no:randomly")
    result.assert_outcomes(passed=11)


def test_ini_options_apply_to_every_test_and_a_marker_overrides_them(
    pytester: pytest.Pytester,
) -> None:
    pytester.makeini(
        """
        [pytest]
        llm_emulator_accept_any_model = true
        llm_emulator_api_keys =
            sk-ant-session
        llm_emulator_seed = 9
        """
    )
    pytester.makepyfile(
        _ASK
        + """
def test_session_options(llm_emulator):
    assert llm_emulator.server.runtime.engine.seed == 9
    assert ask(llm_emulator, model="my-fine-tune")
    assert llm_emulator.last_request["status"] == 200
    with pytest.raises(anthropic.AuthenticationError):
        ask(llm_emulator, api_key="sk-ant-other")

@pytest.mark.llm_emulator(accept_any_model=False, seed=3)
def test_marker_wins(llm_emulator):
    assert llm_emulator.server.runtime.engine.seed == 3
    with pytest.raises(anthropic.NotFoundError):
        ask(llm_emulator, model="my-fine-tune")
"""
    )
    result = pytester.runpytest(*ARGS)
    result.assert_outcomes(passed=2)


def test_unknown_or_bad_options_are_errors_naming_the_valid_ones(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.llm_emulator(seeed=7)
        def test_misspelled(llm_emulator):
            pass

        @pytest.mark.llm_emulator(rate_limits=["rpm=lots"])
        def test_bad_value(llm_emulator):
            pass

        @pytest.mark.llm_emulator(strict="yes")
        def test_not_a_bool(llm_emulator):
            pass
        """
    )
    result = pytester.runpytest(*ARGS)
    result.assert_outcomes(errors=3)
    result.stdout.fnmatch_lines(
        [
            "*@pytest.mark.llm_emulator: unknown option(s) seeed; valid options: "
            "accept_any_model, api_keys, assert_all_called, *, seed, strict",
            "*@pytest.mark.llm_emulator: rate_limits=*rpm=lots*",
            "*@pytest.mark.llm_emulator: strict must be True or False, got 'yes'",
        ]
    )


def test_a_bad_ini_option_stops_the_run(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nllm_emulator_latency = sluggish\n")
    pytester.makepyfile("def test_any(llm_emulator):\n    pass\n")
    result = pytester.runpytest(*ARGS)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*ini options llm_emulator_*: latency=*sluggish*"])


def test_assert_all_matched_and_assert_all_called(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        _ASK
        + """
@pytest.mark.llm_emulator(assert_all_matched=True)
def test_unmatched_request_fails(llm_emulator):
    llm_emulator.reply("cats!", when="cat")
    ask(llm_emulator)  # "hi": no rule matches

@pytest.mark.llm_emulator(assert_all_matched=True)
def test_every_request_matched_passes(llm_emulator):
    llm_emulator.reply("hello", when="hi")
    assert ask(llm_emulator) == "hello"

@pytest.mark.llm_emulator(assert_all_called=True)
def test_unused_rule_fails(llm_emulator):
    llm_emulator.reply("hello", when="hi")
    llm_emulator.reply("never", when="goodbye")
    ask(llm_emulator)

@pytest.mark.llm_emulator(assert_all_called=True)
def test_every_rule_used_passes(llm_emulator):
    llm_emulator.reply("hello", when="hi")
    ask(llm_emulator)

def test_off_by_default(llm_emulator):
    llm_emulator.reply("never", when="goodbye")
    ask(llm_emulator)
"""
    )
    result = pytester.runpytest(*ARGS, "-p", "no:randomly")
    result.assert_outcomes(passed=5, errors=2)
    result.stdout.fnmatch_lines(
        [
            "*ERROR at teardown of test_unmatched_request_fails*",
            "llm-emulator: assert_all_matched: 1 request(s) no rule matched: POST /v1/messages*",
            "*ERROR at teardown of test_unused_rule_fails*",
            "llm-emulator: assert_all_called: rule(s) never used: pytest/rule-2",
        ]
    )


def test_assert_all_called_from_the_ini_covers_scenario_files(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nllm_emulator_assert_all_called = true\n")
    pytester.makefile(
        ".yaml",
        pair="""
        name: pair
        rules:
          - {name: used, match: {last_user_text: hi}, reply: {text: "hello"}}
          - {name: unused, match: {last_user_text: bye}, reply: {text: "bye"}}
        """,
    )
    pytester.makepyfile(
        _ASK
        + """
@pytest.mark.llm_emulator("pair.yaml")
def test_file_rule_unused(llm_emulator):
    assert ask(llm_emulator) == "hello"
"""
    )
    result = pytester.runpytest(*ARGS)
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*assert_all_called: rule(s) never used: pair/unused"])


def test_repr_is_short_and_a_missing_file_says_where_it_looked(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        """
        import os
        import pytest

        def test_repr(llm_emulator):
            llm_emulator.reply("x")
            assert repr(llm_emulator) == f"<LLMEmulator {llm_emulator.base_url} rules=1>"

        def test_load_missing(llm_emulator):
            with pytest.raises(FileNotFoundError) as caught:
                llm_emulator.load("nowhere.yaml")
            here = os.path.dirname(__file__)
            assert str(caught.value) == (
                f"scenario file 'nowhere.yaml' not found; looked in: "
                f"{os.path.join(here, 'nowhere.yaml')}, {os.path.join(os.getcwd(), 'nowhere.yaml')}"
            )

        @pytest.mark.llm_emulator("missing/greet.yaml")
        def test_marker_missing(llm_emulator):
            pass
        """
    )
    result = pytester.runpytest(*ARGS)
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(
        ["*@pytest.mark.llm_emulator: scenario file 'missing/greet.yaml' not found; looked in: *"]
    )


_HEAVY = (
    "aiohttp",
    "anthropic",
    "openai",
    "yaml",
    "jsonschema",
    "faker",
    "httpx",
    "emulator.pipeline.config",  # it imports every option's parser (chaos, rate limits, …)
)


def test_importing_the_plugin_imports_nothing_heavy() -> None:
    """pytest imports the plugin on every run wherever the package is installed: it must
    not pull in the server or the SDKs until a test asks for the fixture."""
    script = (
        "import json, sys\n"
        "import emulator.pytest_plugin\n"
        f"print(json.dumps([m for m in {_HEAVY!r} if m in sys.modules]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
    )
    assert json.loads(done.stdout) == []


def test_importing_the_package_keeps_its_public_names() -> None:
    script = (
        "import sys\n"
        "import emulator\n"
        "assert 'aiohttp' not in sys.modules\n"
        "from emulator import EmulatorConfig, ManualClock, create_app\n"
        "assert callable(create_app) and EmulatorConfig().port == 8080 and ManualClock(1).now() == 1\n"
        "try:\n"
        "    emulator.nope\n"
        "except AttributeError as err:\n"
        "    print(err)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.strip() == "module 'emulator' has no attribute 'nope'"
