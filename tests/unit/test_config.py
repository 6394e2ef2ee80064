from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from emulator.cli import build_parser
from emulator.pipeline.config import ConfigError, EmulatorConfig


def test_defaults_are_the_embedded_configuration() -> None:
    config = EmulatorConfig()
    assert (config.host, config.port, config.seed) == ("127.0.0.1", 8080, 0)
    assert config.is_key_accepted("anything") and not config.is_key_accepted("")


def test_environment_then_flags() -> None:
    env = {"LLM_EMULATOR_PORT": "9000", "LLM_EMULATOR_SEED": "3", "LLM_EMULATOR_API_KEYS": "a, b"}
    assert EmulatorConfig.from_env(env).port == 9000
    args = build_parser().parse_args(["serve", "--port", "0", "--fixtures", "fx"])
    config = EmulatorConfig.from_args(args, env)
    assert config.port == 0 and config.seed == 3
    assert config.api_keys == ("a", "b") and config.fixtures == Path("fx")
    assert not config.is_key_accepted("c")


def test_bad_values_name_their_source() -> None:
    with pytest.raises(ConfigError, match="LLM_EMULATOR_PORT"):
        EmulatorConfig.from_env({"LLM_EMULATOR_PORT": "http"})
    with pytest.raises(ConfigError, match="--port"):
        EmulatorConfig.from_args(argparse.Namespace(port=70000))
    with pytest.raises(ConfigError, match="LLM_EMULATOR_STRICT"):
        EmulatorConfig.from_env({"LLM_EMULATOR_STRICT": "maybe"})


def test_lifecycle_limits_from_environment_and_flags() -> None:
    env = {"LLM_EMULATOR_JOURNAL_MAX_BYTES": "1000"}
    assert EmulatorConfig().journal_max_bytes == 64 * 1024 * 1024
    assert EmulatorConfig.from_env(env).journal_max_bytes == 1000
    args = build_parser().parse_args(["serve", "--journal-max-bytes", "2000"])
    assert EmulatorConfig.from_args(args, env).journal_max_bytes == 2000
    with pytest.raises(ConfigError, match="LLM_EMULATOR_JOURNAL_MAX_BYTES"):
        EmulatorConfig.from_env({"LLM_EMULATOR_JOURNAL_MAX_BYTES": "0"})
    assert (EmulatorConfig().head_timeout_s, EmulatorConfig().body_timeout_s) == (10.0, 30.0)
    timeouts = {"LLM_EMULATOR_HEAD_TIMEOUT_S": "2.5", "LLM_EMULATOR_BODY_TIMEOUT_S": "0"}
    args = build_parser().parse_args(["serve", "--head-timeout-s", "4"])
    config = EmulatorConfig.from_args(args, timeouts)
    assert (config.head_timeout_s, config.body_timeout_s) == (4.0, 0.0)
    with pytest.raises(ConfigError, match="--body-timeout-s"):
        EmulatorConfig.from_args(argparse.Namespace(body_timeout_s=-1))
