"""Rounds of figures combine into one figure per metric: the median."""

from __future__ import annotations

from benchmarks.report import median_figures, pair
from benchmarks.workloads import Metric


def _round(rate: float, p99: float, errors: int = 0) -> list[Metric]:
    return [Metric("requests/s", "req/s", rate, errors), Metric("latency p99", "ms", p99)]


def test_an_odd_number_of_rounds_takes_the_middle_one() -> None:
    combined = median_figures([_round(100, 9), _round(300, 7, errors=2), _round(200, 8)])
    assert [(m.name, m.value, m.errors) for m in combined] == [
        ("requests/s", 200, 2),
        ("latency p99", 8, 0),
    ]


def test_an_even_number_of_rounds_averages_the_middle_two() -> None:
    combined = median_figures([_round(100, 1), _round(400, 4), _round(200, 2), _round(300, 3)])
    assert [m.value for m in combined] == [250, 2.5]


def test_one_round_is_itself() -> None:
    assert median_figures([_round(123, 4, errors=1)]) == _round(123, 4, errors=1)


def test_ratios_are_of_the_combined_figures() -> None:
    emulator = median_figures([_round(50, 10), _round(60, 12), _round(40, 30)])
    baseline = median_figures([_round(100, 5), _round(90, 6), _round(120, 4)])
    rows = pair("messages_json", 64, emulator, baseline)
    assert [(r.emulator, r.baseline, r.ratio) for r in rows] == [(50, 100, 0.5), (12, 5, 2.4)]
