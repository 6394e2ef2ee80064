"""README "In pytest": the plugin's command-line options, in a throwaway pytest session."""

from __future__ import annotations

import pytest

from tests.examples.readme import commands, readme_block

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
    runs = commands(readme_block("pytest-options"), "pytest")
    assert [run[1] for run in runs] == ["--llm-emulator-seed", "--llm-emulator-report-unmatched"]
    pytester.makepyfile(test_bot=_UNMATCHED_TEST)
    for run in runs:
        result = pytester.runpytest(*_ISOLATED, *run[1:])
        result.assert_outcomes(passed=1)
    expected = [
        f"*{line.strip('= ')}*" if line.startswith("=") else line
        for line in readme_block("pytest-unmatched-report").splitlines()
    ]
    result.stdout.fnmatch_lines(expected)
