"""``--replay-timing``: whether a replayed stream waits the recorded gaps."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ReplayTiming:
    """``factor`` times each recorded gap: 0 sends at once, 1 as recorded."""

    factor: float = 0.0

    def delay_s(self, gap_ms: float) -> float:
        return max(0.0, gap_ms) * self.factor / 1000


def parse_replay_timing(text: str) -> ReplayTiming:
    """``none`` (the default), ``recorded``, or ``scale=F`` (F >= 0)."""
    spec = text.strip()
    if spec == "none":
        return ReplayTiming(0.0)
    if spec == "recorded":
        return ReplayTiming(1.0)
    if spec.startswith("scale="):
        try:
            factor = float(spec.removeprefix("scale="))
        except ValueError:
            factor = -1.0
        if factor >= 0 and factor != float("inf"):
            return ReplayTiming(factor)
    raise ValueError(f"expected none, recorded or scale=F (F >= 0), got {text!r}")
