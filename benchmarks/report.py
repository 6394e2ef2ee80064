"""Pair the two servers' figures, print them as a table, save them as JSON."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from benchmarks.workloads import Metric


@dataclass(frozen=True)
class Row:
    workload: str
    concurrency: int
    metric: str
    unit: str
    emulator: float
    baseline: float
    ratio: float | None
    emulator_errors: int = 0
    baseline_errors: int = 0


@dataclass(frozen=True)
class Skipped:
    workload: str
    reason: str


def ratio(emulator: float, baseline: float) -> float | None:
    return emulator / baseline if baseline else None


def median_figures(rounds: Sequence[Sequence[Metric]]) -> list[Metric]:
    """Each metric's median over the rounds (errors summed): one slow or fast round,
    which on a shared machine happens, does not make the figure."""
    combined = []
    for same in zip(*rounds, strict=True):
        values = sorted(metric.value for metric in same)
        middle = len(values) // 2
        value = values[middle] if len(values) % 2 else (values[middle - 1] + values[middle]) / 2
        combined.append(replace(same[0], value=value, errors=sum(m.errors for m in same)))
    return combined


def pair(
    workload: str, concurrency: int, emulator: Sequence[Metric], baseline: Sequence[Metric]
) -> list[Row]:
    rows = []
    for mine, theirs in zip(emulator, baseline, strict=True):
        assert mine.name == theirs.name, (mine.name, theirs.name)
        rows.append(
            Row(
                workload,
                concurrency,
                mine.name,
                mine.unit,
                mine.value,
                theirs.value,
                ratio(mine.value, theirs.value),
                mine.errors,
                theirs.errors,
            )
        )
    return rows


def _number(value: float) -> str:
    if value == 0:
        return "0"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 1:
        return f"{value:.2f}"
    return f"{value:.3f}"


def table(rows: Sequence[Row], skipped: Sequence[Skipped]) -> str:
    header = ("workload", "conc", "metric", "unit", "emulator", "baseline", "emu/base")
    cells = [
        (
            r.workload,
            str(r.concurrency),
            r.metric,
            r.unit,
            _number(r.emulator) + (f" ({r.emulator_errors} err)" if r.emulator_errors else ""),
            _number(r.baseline) + (f" ({r.baseline_errors} err)" if r.baseline_errors else ""),
            "-" if r.ratio is None else f"{r.ratio:.2f}",
        )
        for r in rows
    ]
    widths = [max(len(line[i]) for line in [header, *cells]) for i in range(len(header))]
    right = {1, 4, 5, 6}

    def line(values: Sequence[str]) -> str:
        return "  ".join(
            v.rjust(w) if i in right else v.ljust(w)
            for i, (v, w) in enumerate(zip(values, widths, strict=True))
        ).rstrip()

    out = [line(header), line(["-" * w for w in widths])]
    out += [line(c) for c in cells]
    out += [f"skipped {s.workload}: {s.reason}" for s in skipped]
    return "\n".join(out)


def write_json(
    path: Path, meta: dict[str, object], rows: Sequence[Row], skipped: Sequence[Skipped]
) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    document = {
        "meta": meta,
        "results": [asdict(r) for r in rows],
        "skipped": [asdict(s) for s in skipped],
    }
    path.write_text(json.dumps(document, indent=2) + "\n")
