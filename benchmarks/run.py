"""Run the benchmark: the emulator and the baseline, the same load, one table of ratios.

    python -m benchmarks.run [--quick] [--json out.json] [--only a,b] [--loadgen python]

Servers run as subprocesses on 127.0.0.1, pinned to one CPU; the load
generator (this process, and wrk under it) is pinned to another when the
machine has two or more. Every subprocess is stopped at the end, also on
Ctrl-C or an error.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import os
import platform
import resource
import signal
import sys
import time
import traceback
from collections.abc import Iterator, Sequence
from dataclasses import asdict, replace
from pathlib import Path
from types import FrameType

from benchmarks import bodies, report, wrk
from benchmarks.procs import ServerFailed, ServerProcess, cpu_plan, pin_self, python_module
from benchmarks.report import Row, Skipped
from benchmarks.workloads import (
    FULL,
    IDLE_ARGS,
    PACED_ARGS,
    QUICK,
    TOKENS_PER_S,
    WORKLOADS,
    Metric,
    Settings,
    Target,
    Workload,
    scenario_args,
)
from emulator import __version__ as emulator_version
from emulator.render.events import TOKENS_PER_DELTA

RESULTS = Path(__file__).resolve().parent / "results"
EMULATOR_ARGS = [
    "serve",
    "--host",
    "127.0.0.1",
    "--port",
    "0",
    "--seed",
    "1",
    "--log-level",
    "warning",
]
_FILES_WANTED = 65536


class Run:
    """One benchmark run: which workloads, how hard, where the servers' logs go."""

    def __init__(
        self, workloads: Sequence[Workload], settings: Settings, server_cpus: set[int] | None
    ) -> None:
        self.workloads = workloads
        self.settings = settings
        self.server_cpus = server_cpus
        self.rows: list[Row] = []
        self.skipped: list[Skipped] = []
        self.probe: bodies.Probe | None = None

    def group(self, name: str) -> list[Workload]:
        return [w for w in self.workloads if w.group == name]

    def emulator(self, name: str, extra: Sequence[str] = ()) -> ServerProcess:
        argv = python_module("emulator", *EMULATOR_ARGS, *extra)
        return ServerProcess(name, argv, RESULTS / "logs" / f"{name}.log", self.server_cpus)

    def baseline(self, name: str, probe: bodies.Probe) -> ServerProcess:
        args = [
            "--port",
            "0",
            "--events",
            str(probe.stream_events),
            "--tokens",
            str(probe.stream_tokens),
            "--tokens-per-event",
            str(TOKENS_PER_DELTA),
            "--tokens-per-s",
            f"{TOKENS_PER_S:g}",
            "--stream-bytes",
            str(probe.stream_bytes),
            "--responses-events",
            str(probe.responses_stream_events),
            "--responses-stream-bytes",
            str(probe.responses_stream_bytes),
        ]
        for path, size in probe.body_bytes.items():
            args += ["--body", f"{path}={size}"]
        if self.settings.coalesced_baseline:
            args.append("--coalesce-writes")
        argv = python_module("benchmarks.baseline", *args)
        return ServerProcess(name, argv, RESULTS / "logs" / f"{name}.log", self.server_cpus)

    def measure(self, workload: Workload, emulator: ServerProcess, baseline: ServerProcess) -> None:
        assert self.probe is not None
        concurrency = workload.concurrency(self.settings)
        _say(f"{workload.name} (x{concurrency}): {workload.description}")
        rounds = self.settings.rounds if workload.alternates else 1
        try:
            figures: dict[bool, list[list[Metric]]] = {False: [], True: []}
            for index in range(max(1, rounds)):
                order = ((emulator, False), (baseline, True))
                for server, is_baseline in order if index % 2 == 0 else reversed(order):
                    target = Target(server.name, server.base_url, server.pid, is_baseline)
                    started = time.monotonic()
                    with _collector_paused():
                        figures[is_baseline].append(
                            workload.measure(target, self.settings, self.probe)
                        )
                    _say(f"  {server.name}: {time.monotonic() - started:.1f} s")
            self.rows += report.pair(
                workload.name,
                concurrency,
                report.median_figures(figures[False]),
                report.median_figures(figures[True]),
            )
        except Exception as err:  # one broken workload must not lose the others
            traceback.print_exc()
            self.skipped.append(Skipped(workload.name, f"failed: {err!r}"))

    def skip(self, workloads: Sequence[Workload], reason: str) -> None:
        for workload in workloads:
            _say(f"{workload.name}: skipped, {reason}")
            self.skipped.append(Skipped(workload.name, reason))

    def variant(self, group: str, extra: Sequence[str], baseline: ServerProcess) -> None:
        """The workloads of ``group`` against an emulator started with ``extra`` arguments."""
        workloads = self.group(group)
        if not workloads:
            return
        emulator = self.emulator(f"emulator-{group}", extra)
        try:
            emulator.start()
        except ServerFailed as err:
            self.skip(workloads, f"the emulator rejected {' '.join(extra)}: {err}")
            return
        try:
            for workload in workloads:
                self.measure(workload, emulator, baseline)
        finally:
            emulator.stop()

    def execute(self) -> None:
        with self.emulator("emulator") as emulator:
            self.probe = bodies.probe(emulator.base_url, self.settings.max_tokens)
            with self.baseline("baseline", self.probe) as baseline:
                for workload in self.group("plain"):
                    self.measure(workload, emulator, baseline)
                emulator.stop()
                self.variant("scenario", scenario_args(RESULTS / "scenario"), baseline)
                self.variant("paced", PACED_ARGS, baseline)
        if self.group("idle"):  # fresh processes: memory left over from other loads would hide
            with self.baseline("baseline-idle", self.probe) as baseline:
                self.variant("idle", IDLE_ARGS, baseline)

    def meta(self, loadgen_cpus: set[int] | None) -> dict[str, object]:
        json_loadgen = self.settings.loadgen
        if json_loadgen == "auto":
            json_loadgen = "wrk" if wrk.available() else "python"
        probe = asdict(self.probe) if self.probe else {}
        probe.pop("cached_body", None)
        return {
            "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "emulator_version": emulator_version,
            "python": platform.python_version(),
            "cpus": os.cpu_count() or 1,
            "server_cpus": sorted(self.server_cpus or []),
            "loadgen_cpus": sorted(loadgen_cpus or []),
            "json_loadgen": json_loadgen,
            "stream_loadgen": "python",
            "settings": asdict(self.settings),
            "probe": probe,
        }


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _raise_file_limit() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = _FILES_WANTED if hard == resource.RLIM_INFINITY else min(hard, _FILES_WANTED)
    if soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))


def _select(only: str | None) -> list[Workload]:
    if not only:
        return list(WORKLOADS)
    names = [n.strip() for n in only.split(",") if n.strip()]
    known = {w.name: w for w in WORKLOADS}
    unknown = [n for n in names if n not in known]
    if unknown:
        raise SystemExit(f"unknown workload(s) {unknown}; known: {', '.join(known)}")
    return [known[n] for n in names]


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.run",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--quick", action="store_true", help="tiny load, ~2 s per workload")
    parser.add_argument(
        "--json",
        type=Path,
        default=RESULTS / "latest.json",
        help="where to write the results (default benchmarks/results/latest.json)",
    )
    parser.add_argument("--only", help="comma-separated workloads (see --list)")
    parser.add_argument("--list", action="store_true", help="list the workloads and exit")
    parser.add_argument(
        "--loadgen",
        choices=["auto", "wrk", "python"],
        default="auto",
        help="load generator for plain POSTs (auto: wrk when installed)",
    )
    parser.add_argument("--duration", type=float, help="seconds per measured phase")
    parser.add_argument(
        "--rounds",
        type=int,
        help="alternating rounds per rate workload, median taken (default 3; --quick 1)",
    )
    parser.add_argument(
        "--coalesced-baseline",
        action="store_true",
        help="give the bare app the emulator's write coalescing, so that the ratios "
        "measure the emulator's work per request alone",
    )
    return parser.parse_args(argv)


def _terminate(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


@contextlib.contextmanager
def _interrupts() -> Iterator[None]:
    """Ctrl-C and SIGTERM unwind through the ``with`` blocks that stop the servers.

    SIGINT is reset explicitly: a shell starting us in the background ignores it.
    """
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _terminate)
    try:
        yield
    except KeyboardInterrupt:
        _say("interrupted; servers stopped")
        raise SystemExit(130) from None


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """No garbage collection while a workload runs: a full pass in the load generator
    stalls every stream it reads, and would show up as the server's pacing error or
    time to first byte. What the workload left is collected after it."""
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        gc.collect()


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.list:
        for w in WORKLOADS:
            print(f"{w.name:26} {w.description}")
        return 0
    settings = replace(
        QUICK if args.quick else FULL,
        loadgen=args.loadgen,
        coalesced_baseline=args.coalesced_baseline,
    )
    if args.duration:
        settings = replace(settings, duration_s=args.duration, paced_duration_s=args.duration)
    if args.rounds:
        settings = replace(settings, rounds=max(1, args.rounds))
    if args.loadgen == "wrk" and not wrk.available():
        raise SystemExit("--loadgen wrk: wrk is not installed (apt-get install wrk)")
    server_cpus, loadgen_cpus = cpu_plan()
    pin_self(loadgen_cpus)
    _raise_file_limit()
    run = Run(_select(args.only), settings, server_cpus)
    with _interrupts():
        run.execute()
    print(report.table(run.rows, run.skipped))
    report.write_json(args.json, run.meta(loadgen_cpus), run.rows, run.skipped)
    _say(f"results written to {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
