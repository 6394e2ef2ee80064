"""docs/guides/record-replay.md: its commands are ones the CLI and the pytest plugin
accept, and its cassette example records from a stand-in upstream, then replays with
that upstream stopped."""

from __future__ import annotations

import json

import pytest

from emulator.cli import build_parser
from emulator.pipeline.config import EmulatorConfig
from emulator.scenario.loader import parse_scenario
from emulator.testing import EmulatorThread
from tests.examples.docs import commands, doc_block

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

_ISOLATED = ("-p", "no:cacheprovider", "-o", "asyncio_default_fixture_loop_scope=function")
REAL_OPENAI = "https://api.openai.com"


def test_record_and_replay_commands_are_valid() -> None:
    runs = commands(doc_block("record-commands"), "llm-emulator")
    assert [argv[1] for argv in runs] == ["record", "serve", "serve"]
    for argv in runs:
        args = build_parser().parse_args(argv[1:])
        if args.command == "serve":
            EmulatorConfig.from_args(args, {})
    assert runs[-1][-2:] == ["--record-mode", "none"]


def test_drift_command_is_valid() -> None:
    (argv,) = commands(doc_block("record-drift"), "llm-emulator")
    args = build_parser().parse_args(argv[1:])
    assert args.command == "record-drift"


def test_cassette_example_records_then_replays_offline(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    record, replay = commands(doc_block("pytest-cassette-commands"), "pytest")
    assert replay == ["pytest"]
    pytester.makepyfile(test_bot=doc_block("pytest-cassette"))
    upstream = EmulatorThread(EmulatorConfig(port=0))
    upstream.runtime.startup_scenarios = [
        parse_scenario(
            {
                "name": "real",
                "rules": [{"name": "any", "reply": {"text": "A refund is on its way."}}],
            },
            "upstream",
            "real",
        )
    ]
    upstream.runtime.reset()
    monkeypatch.setenv("OPENAI_API_KEY", "sk-a-real-key-for-the-recording")
    upstream.start()
    try:
        options = [word.replace(REAL_OPENAI, upstream.base_url) for word in record[1:]]
        assert options != record[1:], "the record command names no upstream to replace"
        pytester.runpytest(*_ISOLATED, *options).assert_outcomes(passed=2)
        calls = len(upstream.runtime.journal.entries())
    finally:
        upstream.stop()
    assert calls == 1
    cassette = pytester.path / "cassettes" / "test_bot" / "test_refund.json"
    written = cassette.read_text(encoding="utf-8")
    assert "refund is on its way" in written and "sk-a-real-key" not in written
    json.loads(written)

    monkeypatch.delenv("OPENAI_API_KEY")  # CI: no key, and the upstream is gone
    pytester.runpytest(*_ISOLATED, *replay[1:]).assert_outcomes(passed=2)
