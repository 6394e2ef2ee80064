"""Record modes, the nearest-miss error of replay-only mode, and what is kept out
of the written files (keys, credential headers, --require-header values, --scrub)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import anthropic
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from emulator.pipeline.config import EmulatorConfig
from emulator.scenario.replay_timing import ReplayTiming, parse_replay_timing
from emulator.testing import EmulatorThread
from tests.record.conftest import start, start_upstream
from tests.support import CLAUDE


def ask(base_url: str, text: str, **options: Any) -> str:
    client = anthropic.Anthropic(base_url=base_url, api_key="sk-ant-k", max_retries=0, **options)
    try:
        message = client.messages.create(
            model=CLAUDE, max_tokens=50, messages=[{"role": "user", "content": text}]
        )
    finally:
        client.close()
    block = message.content[0]
    assert block.type == "text"
    return block.text


def upstream_calls(upstream: EmulatorThread) -> int:
    return len(upstream.runtime.journal.entries())


def test_none_replays_and_refuses_an_unmatched_request_with_the_nearest_misses(
    recording_config: EmulatorConfig, upstream: EmulatorThread
) -> None:
    recorder = start(recording_config)
    recorded = ask(recorder.base_url, "hello there")
    recorder.stop()
    replayer = start(recording_config, record_mode="none")
    try:
        assert ask(replayer.base_url, "hello there") == recorded
        with pytest.raises(anthropic.BadRequestError) as refused:
            ask(replayer.base_url, "hello again")
    finally:
        replayer.stop()
    message = refused.value.body["error"]["message"]  # type: ignore[index]
    assert "no recording matches this messages request" in message
    assert "record mode 'none'" in message
    assert "differs in messages" in message
    assert upstream_calls(upstream) == 1


def test_once_records_a_new_cassette_then_only_replays(
    recording_config: EmulatorConfig, upstream: EmulatorThread
) -> None:
    first = start(recording_config, record_mode="once")
    ask(first.base_url, "one")
    ask(first.base_url, "two")  # still the session that found the cassette new
    first.stop()
    second = start(recording_config, record_mode="once")
    try:
        ask(second.base_url, "one")
        with pytest.raises(anthropic.BadRequestError):
            ask(second.base_url, "three")
    finally:
        second.stop()
    assert upstream_calls(upstream) == 2


def test_new_episodes_replays_what_is_recorded_and_records_the_rest(
    recording_config: EmulatorConfig, upstream: EmulatorThread
) -> None:
    first = start(recording_config, record_mode="new_episodes")
    ask(first.base_url, "one")
    first.stop()
    second = start(recording_config, record_mode="new_episodes")
    ask(second.base_url, "one")
    ask(second.base_url, "two")
    second.stop()
    assert upstream_calls(upstream) == 2
    upstream.stop()
    replayer = start(EmulatorConfig(), fixtures=recording_config.record_out, record_mode="none")
    try:
        ask(replayer.base_url, "one")
        ask(replayer.base_url, "two")
    finally:
        replayer.stop()


def test_all_forwards_even_what_is_recorded(
    recording_config: EmulatorConfig, upstream: EmulatorThread
) -> None:
    first = start(recording_config, record_mode="all")
    ask(first.base_url, "one")
    ask(first.base_url, "one")
    first.stop()
    assert upstream_calls(upstream) == 2


def test_a_request_repeated_while_recording_replays_its_answers_in_order(
    recording_config: EmulatorConfig, upstream: EmulatorThread
) -> None:
    upstream.runtime.engine.load([])
    recorder = start(recording_config, record_mode="all")
    answers = [
        ask(recorder.base_url, "same", default_headers={"x-emulator-force": f'{{"text": "{t}"}}'})
        for t in ("first", "second")
    ]
    recorder.stop()
    replayer = start(EmulatorConfig(), fixtures=recording_config.record_out)
    try:
        replayed = [ask(replayer.base_url, "same") for _ in range(3)]
    finally:
        replayer.stop()
    assert answers == ["first", "second"]
    assert replayed == ["first", "second", "second"]


def test_scrub_removes_user_data_from_the_written_files(
    recording_config: EmulatorConfig, upstream: EmulatorThread
) -> None:
    recorder = start(recording_config, scrub=(r"[\w.]+@example\.com",))
    try:
        ask(recorder.base_url, "write to alice.smith@example.com about a story")
    finally:
        recorder.stop()
    assert recording_config.record_out is not None
    text = (recording_config.record_out / "recorded.json").read_text()
    assert "alice.smith" not in text
    assert "[scrubbed]" in text


_TOKEN = st.text(
    alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_",
    min_size=8,
    max_size=40,
)


@settings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(key=_TOKEN, gateway=_TOKEN, bearer=_TOKEN)
def test_no_key_or_credential_header_value_is_written(
    tmp_path_factory: pytest.TempPathFactory, key: str, gateway: str, bearer: str
) -> None:
    out = tmp_path_factory.mktemp("recorded")
    upstream = start_upstream()
    recorder = start(
        EmulatorConfig(),
        upstream=upstream.base_url,
        record_out=out,
        require_headers=(f"X-Gateway-Auth={gateway}",),
    )
    try:
        # The key also appears in the conversation: that copy must go too.
        client = anthropic.Anthropic(
            base_url=recorder.base_url,
            api_key=key,
            max_retries=0,
            default_headers={"X-Gateway-Auth": gateway, "X-Proxy-Token": f"Bearer {bearer}"},
        )
        client.messages.create(
            model=CLAUDE, max_tokens=20, messages=[{"role": "user", "content": f"my key is {key}"}]
        )
        client.close()
    finally:
        recorder.stop()
        upstream.stop()
    written = "".join(p.read_text() for p in Path(out).rglob("*") if p.is_file())
    assert written
    for secret in (key, gateway, bearer):
        assert secret not in written


def test_replay_timing_scales_the_recorded_gaps() -> None:
    assert parse_replay_timing("none") == ReplayTiming(0.0)
    assert parse_replay_timing("recorded").delay_s(250) == 0.25
    assert parse_replay_timing("scale=0.5").delay_s(250) == 0.125
    for bad in ("scale=-1", "scale=x", "fast"):
        with pytest.raises(ValueError, match="none, recorded or scale=F"):
            parse_replay_timing(bad)
