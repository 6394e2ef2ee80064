"""The CLI as a CI service container runs it: a subprocess, health-polled, stopped by SIGTERM."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support import ANTHROPIC_HEADERS, CLAUDE

SCRIPT = Path(sys.executable).parent / "llm-emulator"
REPO = Path(__file__).resolve().parents[2]


def _command(*args: str) -> list[str]:
    return [str(SCRIPT), *args] if SCRIPT.exists() else [sys.executable, "-m", "emulator", *args]


@pytest.fixture
def service() -> Iterator[tuple[subprocess.Popen[str], str]]:
    env = {
        **os.environ,
        "LLM_EMULATOR_HOST": "127.0.0.1",
        "LLM_EMULATOR_PORT": "0",
        "LLM_EMULATOR_FIXTURES": str(REPO / "fixtures" / "examples"),
        "LLM_EMULATOR_LOG_FORMAT": "json",
        "LLM_EMULATOR_SHUTDOWN_TIMEOUT_S": "1",
    }
    process = subprocess.Popen(
        _command("serve"), env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert process.stdout is not None
    banner = process.stdout.readline()
    found = re.search(r"listening on (http://127\.0\.0\.1:\d+)", banner)
    assert found, f"no banner: {banner!r}"
    try:
        yield process, found.group(1)
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()


def test_serve_health_scripted_reply_and_graceful_sigterm(
    service: tuple[subprocess.Popen[str], str],
) -> None:
    process, base_url = service
    health = subprocess.run(_command("healthcheck", "--url", base_url), timeout=30, check=False)
    assert health.returncode == 0
    with httpx.Client(base_url=base_url, timeout=30) as http:
        body = {
            "model": CLAUDE,
            "max_tokens": 50,
            "messages": [{"role": "user", "content": "hello"}],
        }
        reply = http.post("/v1/messages", json=body, headers=ANTHROPIC_HEADERS).json()
        assert reply["content"][0]["text"] == "Hello! How can I help you today?"
        slow = {
            "name": "slow",
            "rules": [
                {"name": "slow", "reply": {"text": "word " * 200, "timing": {"tokens_per_s": 20}}}
            ],
        }
        assert http.post("/_emulator/scenarios", json=slow).status_code == 201

    slow_body = {**body, "stream": True, "messages": [{"role": "user", "content": "go slowly"}]}
    events: list[str] = []
    stream_ended = threading.Event()

    def read_stream() -> None:
        try:
            with (
                httpx.Client(base_url=base_url, timeout=30) as client,
                client.stream(
                    "POST", "/v1/messages", json=slow_body, headers=ANTHROPIC_HEADERS
                ) as response,
            ):
                for line in response.iter_lines():
                    events.append(line)
        except httpx.HTTPError:
            events.append("<connection closed>")
        finally:
            stream_ended.set()

    reader = threading.Thread(target=read_stream)
    reader.start()
    while not any(line.startswith("event: content_block_delta") for line in events):
        assert not stream_ended.wait(0.02), "the stream ended before the first delta"
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=15) == 0
    assert stream_ended.wait(15), "the open stream did not end after SIGTERM"
    reader.join(timeout=5)
    # 200 words at 20 tokens/s take over 10 s; the grace period is 1 s: the stream
    # was cut at shutdown, not allowed to run to its end.
    assert "event: message_stop" not in events
    deltas = sum(line.startswith("event: content_block_delta") for line in events)
    assert 1 <= deltas < 200
    assert process.stderr is not None
    log_lines = [
        json.loads(line) for line in process.stderr.read().splitlines() if line.startswith("{")
    ]
    access = [
        line
        for line in log_lines
        if line["logger"] == "emulator.access" and line["path"] == "/v1/messages"
    ]
    assert {
        "method": "POST",
        "path": "/v1/messages",
        "status": 200,
        "rule": "greeting",
        "api": "messages",
    }.items() <= access[0].items()


def test_healthcheck_fails_without_a_server() -> None:
    result = subprocess.run(
        _command("healthcheck", "--url", "http://127.0.0.1:9"),
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 1 and "unhealthy" in result.stderr


def test_version_help_and_check_fixtures(tmp_path: Path) -> None:
    version = subprocess.run(
        _command("--version"), capture_output=True, text=True, timeout=30, check=False
    )
    assert version.stdout.strip() == "llm-emulator 0.1.0"
    help_text = subprocess.run(
        _command("serve", "--help"), capture_output=True, text=True, timeout=30, check=False
    )
    assert "--latency" in help_text.stdout and "examples:" in help_text.stdout
    good = subprocess.run(
        _command("check-fixtures", str(REPO / "fixtures")),
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert good.returncode == 0 and good.stdout.startswith("ok: ")
    (tmp_path / "bad.yaml").write_text("rules:\n  - name: a\n    reply: {txt: x}\n")
    bad = subprocess.run(
        _command("check-fixtures", str(tmp_path)),
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert bad.returncode == 1
    assert (
        "bad.yaml: rule 'a' (rules[0]): reply: Additional properties are not allowed" in bad.stderr
    )


def test_bad_fixtures_stop_start_up(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text("rules: [")
    result = subprocess.run(
        _command("serve", "--port", "0", "--fixtures", str(tmp_path)),
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 2 and "bad.yaml: not valid YAML" in result.stderr


def test_bad_option_names_its_source() -> None:
    result = subprocess.run(
        _command("serve"),
        env={**os.environ, "LLM_EMULATOR_LATENCY": "warp"},
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 2 and "LLM_EMULATOR_LATENCY" in result.stderr


def test_log_level_warning_silences_the_access_log() -> None:
    env = {**os.environ, "LLM_EMULATOR_LOG_FORMAT": "json"}
    process = subprocess.Popen(
        _command("serve", "--port", "0", "--log-level", "warning"),
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None and process.stderr is not None
        found = re.search(r"listening on (http://127\.0\.0\.1:\d+)", process.stdout.readline())
        assert found
        body = {"model": CLAUDE, "max_tokens": 5, "messages": [{"role": "user", "content": "x"}]}
        with httpx.Client(base_url=found.group(1), timeout=30) as http:
            assert http.post("/v1/messages", json=body, headers=ANTHROPIC_HEADERS).is_success
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=15) == 0
        # The access log is at info: at warning, a good request leaves stderr empty.
        assert process.stderr.read() == ""
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()
