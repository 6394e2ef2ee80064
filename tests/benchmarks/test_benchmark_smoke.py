"""Keeps benchmarks/ from rotting: a tiny run must produce figures for both servers.

No timing is asserted: the benchmark reports ratios, it never passes or fails on them.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WORKLOADS = ("messages_json", "messages_stream")


def test_quick_run_reports_positive_figures_for_both_servers(tmp_path: Path) -> None:
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
    ]
    done = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=90, check=False)
    assert done.returncode == 0, done.stderr[-3000:]

    document = json.loads(out.read_text())
    assert document["skipped"] == []
    results = document["results"]
    assert {r["workload"] for r in results} == set(WORKLOADS)
    for row in results:
        assert row["emulator"] > 0, row
        assert row["baseline"] > 0, row
        assert row["emulator_errors"] == 0, row
        assert row["baseline_errors"] == 0, row
    assert "events/s" in {r["metric"] for r in results}
