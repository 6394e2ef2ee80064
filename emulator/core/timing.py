"""Latency profiles: ``--latency none|fast|realistic`` or explicit values.

Explicit form: ``ttft_ms=300,tokens_per_s=50,jitter_ms=5`` (any subset; the
rest are zero). A profile name may be followed by overrides:
``realistic,tokens_per_s=120``.
"""

from __future__ import annotations

import math

from emulator.core.outcome import NO_DELAY, Timing

PROFILES: dict[str, Timing] = {
    "none": NO_DELAY,
    "fast": Timing(ttft_ms=50.0, tokens_per_s=250.0, jitter_ms=2.0),
    "realistic": Timing(ttft_ms=450.0, tokens_per_s=60.0, jitter_ms=15.0),
}
_FIELDS = ("ttft_ms", "tokens_per_s", "jitter_ms")


def parse_latency(spec: str) -> Timing:
    """The Timing a ``--latency`` value names; ValueError with the reason otherwise."""
    timing = NO_DELAY
    seen: set[str] = set()
    items = [raw.strip() for raw in spec.split(",")]
    for position, item in enumerate(i for i in items if i):
        if "=" not in item:
            if item not in PROFILES:
                names = ", ".join(sorted(PROFILES))
                raise ValueError(f"unknown latency profile {item!r} (known: {names})")
            if position:
                # A later profile would silently discard what came before it.
                raise ValueError(f"latency profile {item!r} must come first")
            timing = PROFILES[item]
            continue
        name, _, value = item.partition("=")
        name = name.strip()
        if name not in _FIELDS:
            raise ValueError(f"unknown latency setting {name!r} (known: {', '.join(_FIELDS)})")
        if name in seen:
            raise ValueError(f"latency setting {name!r} given twice")
        seen.add(name)
        try:
            number = float(value)
        except ValueError as err:
            raise ValueError(f"{name} must be a number, got {value.strip()!r}") from err
        if not math.isfinite(number):
            raise ValueError(f"{name} must be a finite number, got {value.strip()!r}")
        if number < 0:
            raise ValueError(f"{name} must not be negative")
        settings = {
            "ttft_ms": timing.ttft_ms,
            "tokens_per_s": timing.tokens_per_s,
            "jitter_ms": timing.jitter_ms,
        }
        settings[name] = number
        timing = Timing(**settings)
    return timing
