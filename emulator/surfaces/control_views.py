"""The chaos and rate-limit tables as the control API shows them (GET)."""

from __future__ import annotations

from dataclasses import asdict

from emulator.accounting.rate_limit import RateLimitSettings, RateLimitTable
from emulator.faults.chaos import ChaosSettings, ChaosTable
from emulator.util.jsonvalue import JSONObject


def _settings(settings: ChaosSettings | RateLimitSettings) -> JSONObject:
    return dict(asdict(settings))


def chaos_json(table: ChaosTable) -> JSONObject:
    """``{"global": {...} | null, "models": [{"model": glob, ...}], "tests": [...]}``:
    every setting of each scope, in the order scopes are tried (tests, models, global)."""
    return {
        "tests": [
            {"test_id": test_id, **_settings(settings)}
            for test_id, settings in table.by_test_id.items()
        ],
        "models": [{"model": glob, **_settings(settings)} for glob, settings in table.by_model],
        "global": None if table.default is None else _settings(table.default),
    }


def rate_limits_json(table: RateLimitTable) -> JSONObject:
    """``{"models": [{"model": glob, ...}], "default": {...}}``: per-minute limits, null
    where none is enforced, model globs first as they are tried."""
    return {
        "models": [{"model": glob, **_settings(settings)} for glob, settings in table.overrides],
        "default": _settings(table.default),
    }
