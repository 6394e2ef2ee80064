"""Keeps benchmarks/ from rotting: a tiny run must produce figures for both servers.

No timing is asserted: the benchmark reports ratios, it never passes or fails on them.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from benchmarks import baseline, bodies, run, sse
from benchmarks.workloads import QUICK

ROOT = Path(__file__).resolve().parents[2]
WORKLOADS = ("messages_json", "messages_stream", "responses_stream")


@pytest.mark.parametrize("extra", [[], ["--coalesced-baseline"]], ids=["bare", "coalesced"])
def test_quick_run_reports_positive_figures_for_both_servers(
    tmp_path: Path, extra: list[str]
) -> None:
    out = tmp_path / "bench.json"
    argv = [
        sys.executable,
        "-m",
        "benchmarks.run",
        "--quick",
        "--duration",
        "0.5",
        "--rounds",
        "2",
        "--loadgen",
        "python",
        "--only",
        ",".join(WORKLOADS),
        "--json",
        str(out),
        *extra,
    ]
    done = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=90, check=False)
    assert done.returncode == 0, done.stderr[-3000:]

    document = json.loads(out.read_text())
    assert document["skipped"] == []
    assert document["meta"]["settings"]["coalesced_baseline"] == bool(extra)
    results = document["results"]
    assert {r["workload"] for r in results} == set(WORKLOADS)
    for row in results:
        assert row["emulator"] > 0, row
        assert row["baseline"] > 0, row
        assert row["emulator_errors"] == 0, row
        assert row["baseline_errors"] == 0, row
    assert "events/s" in {r["metric"] for r in results}


def test_the_coalesced_baseline_is_the_bare_app_sending_as_the_emulator_does() -> None:
    probe = bodies.Probe(
        body_bytes={},
        stream_events=28,
        stream_bytes=4000,
        stream_tokens=64,
        cached_body=b"",
        cached_prefix_tokens=0,
        cache_read_tokens=0,
    )
    plain = run.Run([], QUICK, None).baseline("baseline", probe)
    coalesced = run.Run([], replace(QUICK, coalesced_baseline=True), None).baseline("b", probe)
    assert "--coalesce-writes" not in plain.argv
    assert coalesced.argv[-1] == "--coalesce-writes"
    assert baseline.parse_args(coalesced.argv[3:]).coalesce_writes
    assert not baseline.parse_args(plain.argv[3:]).coalesce_writes


def test_the_baselines_responses_stream_has_the_probed_events_and_size() -> None:
    config = baseline.BaselineConfig(responses_events=19, responses_stream_bytes=7000)
    stream = baseline.responses_stream(config)
    frames = sse.FrameSplitter().feed(stream)
    assert len(frames) == 19
    assert sse.event_name(frames[0]) == b"response.created"
    assert sse.is_terminal(frames[-1]) and not any(sse.is_terminal(f) for f in frames[:-1])
    assert abs(len(stream) - 7000) < 100
    assert all(json.loads(sse.frame_data(f)) for f in frames)
