"""docs/guides/pytest.md: the plugin's command-line and ini options, in throwaway pytest sessions."""

from __future__ import annotations

import pytest

from tests.examples.docs import all_examples, commands, doc_block

_ISOLATED = ("-p", "no:cacheprovider", "-o", "asyncio_default_fixture_loop_scope=function")
_UNMATCHED_TEST = """
from emulator.pytest_plugin import LLMEmulator


def test_refund(llm_emulator: LLMEmulator) -> None:
    llm_emulator.reply("Refund issued.", when="refund")
    completion = llm_emulator.openai_client().chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": "I want my money back"}]
    )
    assert completion.choices[0].message.content != "Refund issued."
"""


def test_pytest_options(pytester: pytest.Pytester) -> None:
    runs = commands(doc_block("pytest-options"), "pytest")
    assert [run[1] for run in runs] == ["--llm-emulator-seed", "--llm-emulator-report-unmatched"]
    pytester.makepyfile(test_bot=_UNMATCHED_TEST)
    for run in runs:
        result = pytester.runpytest(*_ISOLATED, *run[1:])
        result.assert_outcomes(passed=1)
    expected = [
        f"*{line.strip('= ')}*" if line.startswith("=") else line
        for line in doc_block("pytest-unmatched-report").splitlines()
    ]
    result.stdout.fnmatch_lines(expected)


def test_async_example_runs_without_pytest_asyncio(pytester: pytest.Pytester) -> None:
    """A newcomer copies the guide's async example into a project with nothing but
    the package and the SDKs: anyio's plugin (it comes with httpx) runs it."""
    (block,) = (e for e in all_examples() if e.target.endswith("::test_async_stream"))
    header = "import pytest\n\nfrom emulator.pytest_plugin import LLMEmulator\n\n\n"
    pytester.makepyfile(test_async=header + block.text)
    result = pytester.runpytest(
        "-p", "no:cacheprovider", "-p", "no:asyncio", "-p", "no:aiohttp", "-W", "error"
    )
    result.assert_outcomes(passed=1)


def test_ini_options(pytester: pytest.Pytester) -> None:
    pytester.makeini(doc_block("pytest-ini"))
    pytester.makepyfile(
        test_ini="""
import anthropic
import pytest


def test_session_options(llm_emulator):
    client = llm_emulator.anthropic_client(max_retries=0)
    with pytest.raises(anthropic.BadRequestError):  # strict: an unknown beta is refused
        client.messages.create(model="claude-sonnet-4-6", max_tokens=5,
                               messages=[{"role": "user", "content": "Hi"}],
                               extra_headers={"anthropic-beta": "made-up-2031"})
    ok = client.messages.with_raw_response.create(
        model="claude-sonnet-4-6", max_tokens=5, messages=[{"role": "user", "content": "Hi"}])
    assert ok.headers["anthropic-ratelimit-requests-limit"] == "600"
"""
    )
    result = pytester.runpytest(*_ISOLATED)
    result.assert_outcomes(passed=1, errors=1)  # assert_all_matched: nothing was scripted
    result.stdout.fnmatch_lines(["*assert_all_matched: 1 request(s) no rule matched*"])
