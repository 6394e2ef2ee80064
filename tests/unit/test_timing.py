"""--latency values: profiles, explicit settings, overrides and the errors."""

from __future__ import annotations

import re

import pytest

from emulator.core.outcome import NO_DELAY, Timing
from emulator.core.timing import PROFILES, parse_latency
from emulator.pipeline.config import ConfigError, EmulatorConfig

# The profiles as README's "Local SDK work" documents them: realistic is a first token
# after about 450 ms, then about 60 tokens/s with jitter; fast is 50 ms and 250 tokens/s;
# none (the default in "Options") paces nothing.
DOCUMENTED = {"none": (0, 0), "fast": (50, 250), "realistic": (450, 60)}


@pytest.mark.parametrize("name", sorted(DOCUMENTED))
def test_profiles_by_name(name: str) -> None:
    assert set(PROFILES) == set(DOCUMENTED)
    timing = parse_latency(name)
    assert (timing.ttft_ms, timing.tokens_per_s) == DOCUMENTED[name]
    assert parse_latency(f"  {name}  ") == timing


def test_profile_values() -> None:
    assert parse_latency("none") == NO_DELAY and not NO_DELAY.is_paced
    fast, realistic = parse_latency("fast"), parse_latency("realistic")
    assert fast.is_paced and realistic.is_paced
    assert realistic.jitter_ms > 0  # "with jitter"


@pytest.mark.parametrize("spec", ["", " ", ",", " , "])
def test_empty_is_no_delay(spec: str) -> None:
    assert parse_latency(spec) == NO_DELAY


def test_explicit_settings_default_to_zero() -> None:
    assert parse_latency("ttft_ms=300") == Timing(ttft_ms=300)
    assert parse_latency("tokens_per_s=50, jitter_ms=5") == Timing(tokens_per_s=50, jitter_ms=5)
    assert parse_latency("ttft_ms = 1.5 ,tokens_per_s=2e2,jitter_ms=0") == Timing(1.5, 200, 0)


def test_profile_with_overrides() -> None:
    realistic = PROFILES["realistic"]
    timing = parse_latency("realistic,tokens_per_s=120")
    assert timing == Timing(realistic.ttft_ms, 120, realistic.jitter_ms)
    assert parse_latency("fast,ttft_ms=0,jitter_ms=0") == Timing(
        0, PROFILES["fast"].tokens_per_s, 0
    )
    assert not parse_latency("fast,ttft_ms=0,tokens_per_s=0,jitter_ms=0").is_paced
    assert parse_latency("fast,ttft_ms=0,tokens_per_s=0").is_paced  # jitter alone paces


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("slow", "unknown latency profile 'slow'"),
        ("FAST", "unknown latency profile 'FAST'"),
        ("ttft=5", "unknown latency setting 'ttft'"),
        ("=5", "unknown latency setting ''"),
        ("ttft_ms=", "ttft_ms must be a number"),
        ("ttft_ms=fast", "ttft_ms must be a number, got 'fast'"),
        ("tokens_per_s=-1", "tokens_per_s must not be negative"),
        ("jitter_ms=inf", "jitter_ms must be a finite number"),
        ("ttft_ms=nan", "ttft_ms must be a finite number"),
        ("tokens_per_s=10,fast", "latency profile 'fast' must come first"),
        ("fast,realistic", "latency profile 'realistic' must come first"),
        ("ttft_ms=1,ttft_ms=2", "latency setting 'ttft_ms' given twice"),
    ],
)
def test_errors_say_why(spec: str, message: str) -> None:
    with pytest.raises(ValueError, match="^" + re.escape(message)):
        parse_latency(spec)


def test_unknown_profile_lists_the_known_ones() -> None:
    with pytest.raises(ValueError, match=r"known: fast, none, realistic"):
        parse_latency("turbo")


def test_config_rejects_bad_latency() -> None:
    assert EmulatorConfig.from_env({"LLM_EMULATOR_LATENCY": "fast"}).latency == "fast"
    with pytest.raises(ConfigError, match="LLM_EMULATOR_LATENCY"):
        EmulatorConfig.from_env({"LLM_EMULATOR_LATENCY": "warp"})


def test_is_paced_follows_every_setting_however_the_timing_was_made() -> None:
    assert not Timing().is_paced and not parse_latency("").is_paced
    for spec in ("ttft_ms=1", "tokens_per_s=0.5", "jitter_ms=2", "fast"):
        assert parse_latency(spec).is_paced, spec
    assert not parse_latency("fast,ttft_ms=0,tokens_per_s=0,jitter_ms=0").is_paced
    assert parse_latency("tokens_per_s=50") == Timing(tokens_per_s=50)
