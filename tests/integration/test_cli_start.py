"""``llm-emulator serve`` as a newcomer meets it: --help names each option's real
variable, unknown variables are warned about, errors name the flag typed, the
banner's URLs work, and a server that cannot start says why in one line."""

from __future__ import annotations

import argparse
import os
import re
import signal
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import anthropic
import openai
import pytest

from emulator.cli.command import _banner, build_parser
from emulator.cli.env_vars import SETTINGS
from emulator.pipeline.config import ENV_PREFIX, EmulatorConfig
from emulator.scenario.loader import load_folder
from emulator.testing import EmulatorThread
from tests.integration.test_cli import REPO, _command
from tests.support import CLAUDE, GPT

# For each option given as a flag, a value; list options get two, so that the
# variable's separator is checked too.
SAMPLES: dict[str, list[str]] = {
    "host": ["0.0.0.0"],
    "port": ["9001"],
    "port_file": ["/tmp/port"],
    "seed": ["7"],
    "fixtures": ["/tmp/scenarios"],
    "api_keys": ["k1", "k2"],
    "log_level": ["debug"],
    "log_format": ["json"],
    "latency": ["fast"],
    "max_body_bytes": ["2048"],
    "models_file": ["/tmp/models.json"],
    "admin_token": ["t0ken"],
    "journal_size": ["50"],
    "shutdown_timeout_s": ["1.5"],
    "route_prefixes": ["/anthropic", "/openai"],
    "require_headers": ["X-A=1", "X-B"],
    "rate_limits": ["rpm=5", "model=gpt-*,rpm=6"],
    "chaos": ["overloaded=0.1", "model=gpt-*,rate_limit=0.2"],
    "journal_max_bytes": ["4096"],
    "head_timeout_s": ["2.5"],
    "body_timeout_s": ["3.5"],
    "upstream": ["https://api.example.com"],
    "anthropic_upstream": ["https://anthropic.example.com"],
    "openai_upstream": ["https://openai.example.com"],
    "record_out": ["/tmp/recorded"],
    "record_mode": ["all"],
    "cassette": ["mine"],
    "match_keys": ["model,messages"],
    "scrub": ["sk-[a-z]+"],  # a regular expression: one per variable, any character allowed
    "scrub_file": ["/tmp/scrub.txt"],
    "replay_timing": ["recorded"],
}


def _serve_actions() -> list[argparse.Action]:
    parser = build_parser()
    (serve,) = (
        a.choices["serve"] for a in parser._actions if isinstance(a, argparse._SubParsersAction)
    )
    return [a for a in serve._actions if a.option_strings and a.dest != "help"]


def _env_value(action: argparse.Action, help_text: str) -> str:
    if isinstance(action, argparse._StoreConstAction):
        return help_text.split(f"{ENV_PREFIX}{action.dest.upper()}=")[1].split("]", maxsplit=1)[0]
    values = SAMPLES[action.dest]
    separator = re.search(r"several separated by '(.)'", help_text)
    return separator.group(1).join(values) if separator else values[0]


@pytest.mark.parametrize("action", _serve_actions(), ids=lambda a: a.option_strings[0])
def test_each_option_help_names_the_variable_that_sets_it(action: argparse.Action) -> None:
    """The variable --help names, set to a value, gives the setting the flag gives."""
    assert action.dest in SETTINGS, f"{action.option_strings[0]} is no setting"
    help_text = " ".join((action.help or "").split())
    variable = f"{ENV_PREFIX}{action.dest.upper()}"
    assert f"[env: {variable}" in help_text

    if isinstance(action, argparse._StoreConstAction):
        argv = ["serve", action.option_strings[0]]
    else:
        repeatable = isinstance(action, argparse._AppendAction)
        values = SAMPLES[action.dest] if repeatable else SAMPLES[action.dest][:1]
        argv = ["serve"]
        for value in values:
            argv += [action.option_strings[0], value]
    from_flag = EmulatorConfig.from_args(build_parser().parse_args(argv), {})
    from_variable = EmulatorConfig.from_env({variable: _env_value(action, help_text)})

    assert getattr(from_variable, action.dest) == getattr(from_flag, action.dest)
    assert getattr(from_flag, action.dest) != getattr(EmulatorConfig(), action.dest)


def test_unknown_variable_is_warned_and_an_error_names_the_flag_typed() -> None:
    result = subprocess.run(
        _command("serve", "--port", "0", "--rate-limit", "rpm=lots"),
        env={**os.environ, "LLM_EMULATOR_SEEED": "7", "LLM_EMULATOR_PORT_FILE": ""},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 2
    lines = result.stderr.splitlines()
    assert lines[0] == (
        "warning: LLM_EMULATOR_SEEED is not an llm-emulator setting, ignored; "
        "did you mean LLM_EMULATOR_SEED?"
    )
    assert (
        lines[-1] == "llm-emulator: error: --rate-limit: rpm must be a positive integer, got 'lots'"
    )


@pytest.fixture
def gateway_service(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], list[str]]]:
    port_file = tmp_path / "port"
    process = subprocess.Popen(
        _command(
            "serve",
            "--host",
            "0.0.0.0",
            "--port",
            "0",
            "--port-file",
            str(port_file),
            "--no-root",
            "--route-prefix",
            "/gw/anthropic",
            "--require-header",
            "X-Gateway-Auth=g1",
            "--fixtures",
            str(REPO / "fixtures" / "examples"),
        ),
        env={k: v for k, v in os.environ.items() if not k.startswith(ENV_PREFIX)},
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert process.stdout is not None
    banner: list[str] = []
    try:
        while not banner or not banner[-1].startswith("  required headers"):
            line = process.stdout.readline()
            assert line, f"the server stopped; banner so far: {banner}"
            banner.append(line.rstrip("\n"))
        yield process, banner
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)
        process.stdout.close()


def test_banner_urls_work_and_say_what_is_loaded(
    gateway_service: tuple[subprocess.Popen[str], list[str]],
) -> None:
    process, banner = gateway_service
    port = re.search(r"listening on http://0\.0\.0\.0:(\d+) ", banner[0])
    assert port, banner
    root = f"http://127.0.0.1:{port.group(1)}/gw/anthropic"
    assert banner[0].endswith(
        f"(every interface; from this machine: http://127.0.0.1:{port.group(1)})"
    )
    assert banner[1] == f"  anthropic: anthropic.Anthropic(base_url='{root}', api_key='test')"
    assert banner[2] == f"  openai:    openai.OpenAI(base_url='{root}/v1', api_key='test')"
    loaded = load_folder(REPO / "fixtures" / "examples")
    assert banner[3] == "  scenarios: " + ", ".join(
        f"{s.name} ({len(s.rules)} rule(s))" for s in loaded
    )
    assert banner[4] == "  required headers: X-Gateway-Auth"

    headers = {"X-Gateway-Auth": "g1"}
    with anthropic.Anthropic(base_url=root, api_key="test", default_headers=headers) as client:
        message = client.messages.create(
            model=CLAUDE, max_tokens=10, messages=[{"role": "user", "content": "hi"}]
        )
        assert message.type == "message"
    with openai.OpenAI(base_url=root + "/v1", api_key="test", default_headers=headers) as client:
        completion = client.chat.completions.create(
            model=GPT, messages=[{"role": "user", "content": "hi"}]
        )
        assert completion.object == "chat.completion"

    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=15) == 0
    assert process.stdout is not None
    assert "Ctrl-C" not in process.stdout.read()  # not a terminal: nothing to press


def test_banner_on_a_terminal_says_how_to_stop() -> None:
    with EmulatorThread(EmulatorConfig(port=0)) as server:
        config = EmulatorConfig(host="127.0.0.1")
        shown = _banner(config, 8080, server.runtime, interactive=True).splitlines()
        hidden = _banner(config, 8080, server.runtime, interactive=False).splitlines()
    assert shown[-1] == "Press Ctrl-C to stop." and shown[:-1] == hidden
    assert (
        hidden[1]
        == "  anthropic: anthropic.Anthropic(base_url='http://127.0.0.1:8080', api_key='test')"
    )


def _serve_fails(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        _command("serve", *args),
        env={k: v for k, v in os.environ.items() if not k.startswith(ENV_PREFIX)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_port_in_use_is_one_line_and_exit_2() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = _serve_fails("--port", str(port))

    assert result.returncode == 2
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"error: cannot listen on 127.0.0.1:{port} (--host/--port): ")
    assert "in use" in line


def test_missing_models_file_is_one_line_and_exit_2(tmp_path: Path) -> None:
    missing = tmp_path / "models.json"

    result = _serve_fails("--port", "0", "--models-file", str(missing))

    assert result.returncode == 2
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"error: --models-file: {missing}: ")
    assert "No such file" in line
