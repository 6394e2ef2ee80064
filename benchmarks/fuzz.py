"""Fuzz and soak: ``python -m benchmarks.fuzz`` sends mutated requests and cut
streams to ``llm-emulator serve`` and reports what a hostile client could do.

The server runs as a subprocess on a free loopback port (with two route
prefixes, so prefixed routes are fuzzed too). It gets ``--requests`` mutated
requests (``benchmarks.mutations``, drawn from a ``random.Random(--seed)``)
from ``--concurrency`` clients over raw sockets, then ``--cut-rounds`` rounds of
``--cuts`` streams each, which the client aborts after the first bytes while
the server is still pacing the events. It prints the 5xx count, hangs
(requests with no answer within ``--timeout-s``), the server's worst event-loop
lag and asyncio task count (from ``GET /metrics``), and its RSS (VmRSS of
/proc/PID/status) before and after; it exits 1 on any 5xx or hang, or when
RSS grew past ``--max-rss-growth-mib`` over the whole run or past
``--max-cut-growth-mib`` over the cut streams.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import time
import urllib.request
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from benchmarks.known_findings import known_finding
from benchmarks.mutations import API_KEY, CLAUDE, GPT, Case, Target, make_case
from benchmarks.procs import LOOPBACK, ServerProcess, python_module, rss_kib
from benchmarks.raw_http import Hang, exchange

T = TypeVar("T")
PREFIXES = ("", "/anthropic", "/openai")
RESULTS = Path(__file__).resolve().parent / "results"
_SETTLE_S = 10.0  # how long the server may take to notice the cut streams
_EXAMPLES_SHOWN = 10


class RandomChooser:
    """The mutations' choices, from a seeded ``random.Random``."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)

    def pick(self, options: Sequence[T]) -> T:
        return options[self.rng.randrange(len(options))]

    def number(self, lo: int, hi: int) -> int:
        return self.rng.randint(lo, hi)

    def octets(self, max_size: int) -> bytes:
        return self.rng.randbytes(self.rng.randint(0, max_size))


@dataclass
class Report:
    requests: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    server_errors: int = 0
    hangs: int = 0
    dropped_unasked: int = 0
    skipped_known: Counter[str] = field(default_factory=Counter)
    cuts: int = 0
    examples: list[str] = field(default_factory=list)
    worst_lag_s: float = 0.0
    rss_kib: dict[str, int] = field(default_factory=dict)
    tasks: dict[str, int] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)

    def keep_example(self, what: str, case: Case) -> None:
        if len(self.examples) < _EXAMPLES_SHOWN:
            self.examples.append(f"{what} {case.labels}: {case.encode()[:400]!r}")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.fuzz", description=__doc__)
    parser.add_argument(
        "--requests",
        type=int,
        default=100_000,
        help="mutated requests to make; with --skip-known, those of known classes are made "
        "and counted here but not sent",
    )
    parser.add_argument("--concurrency", type=int, default=32, help="clients at once")
    parser.add_argument("--seed", type=int, default=0, help="seed of the mutations")
    parser.add_argument("--cut-rounds", type=int, default=4, help="rounds of cut streams")
    parser.add_argument("--cuts", type=int, default=1000, help="cut streams per round")
    parser.add_argument("--timeout-s", type=float, default=5.0, help="a request's hang guard")
    parser.add_argument(
        "--skip-known",
        action="store_true",
        help="do not send input classes of issue 19's known findings (benchmarks/known_findings)",
    )
    parser.add_argument(
        "--reset-every",
        type=int,
        default=1000,
        help="POST /_emulator/reset after this many requests (0: never); mutated control "
        "requests load scenarios under ever new names, and every request then tries their rules",
    )
    parser.add_argument("--log", type=Path, default=RESULTS / "fuzz-server.log")
    parser.add_argument("--max-rss-growth-mib", type=float, default=256.0)
    parser.add_argument("--max-cut-growth-mib", type=float, default=8.0)
    parser.add_argument(
        "--server-arg", action="append", default=[], help="extra argument to llm-emulator serve"
    )
    return parser


def metrics(base_url: str) -> dict[str, float]:
    with urllib.request.urlopen(base_url + "/metrics", timeout=10) as reply:
        text = reply.read().decode()
    values = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, value = line.split(" ")
            values[name.removeprefix("llm_emulator_")] = float(value)
    return values


async def fuzz_requests(port: int, options: argparse.Namespace, report: Report) -> None:
    chooser = RandomChooser(options.seed)
    target = Target(prefixes=PREFIXES)
    remaining = options.requests
    reset = Case("POST", "/_emulator/reset").encode()

    async def client() -> None:
        nonlocal remaining
        while remaining > 0:
            remaining -= 1
            sent = options.requests - remaining
            if options.reset_every and sent % options.reset_every == 0:
                await exchange(LOOPBACK, port, reset, options.timeout_s)
            if sent % 10_000 == 0:
                print(f"fuzz: {sent:,} requests", file=sys.stderr, flush=True)
            case = make_case(chooser, target)
            if options.skip_known and (finding := known_finding(case)):
                report.skipped_known[finding] += 1
                continue
            report.requests += 1
            try:
                answer = await exchange(LOOPBACK, port, case.encode(), options.timeout_s)
            except Hang:
                report.hangs += 1
                report.keep_example("hang", case)
                continue
            report.statuses[answer.status] += 1
            if answer.status >= 500:
                report.server_errors += 1
                report.keep_example(f"{answer.status} {answer.body[:120]!r}", case)
            elif answer.status == 0 and not case.forced_fault:
                report.dropped_unasked += 1
                report.keep_example("closed without an answer", case)

    await asyncio.gather(*(client() for _ in range(options.concurrency)))


def _paced(text_words: int) -> str:
    """x-emulator-force: a long reply paced at 100 tokens/s, so a cut lands mid-stream."""
    reply = {"text": " ".join(["word"] * text_words), "timing": {"tokens_per_s": 100}}
    return json.dumps(reply)


STREAMS = (
    ("/v1/messages", [("x-api-key", API_KEY), ("anthropic-version", "2023-06-01")],
     {"model": CLAUDE, "max_tokens": 1000, "stream": True,
      "messages": [{"role": "user", "content": "cut me"}]}),
    ("/v1/chat/completions", [("authorization", "Bearer " + API_KEY)],
     {"model": GPT, "stream": True, "messages": [{"role": "user", "content": "cut me"}]}),
    ("/v1/complete", [("x-api-key", API_KEY), ("anthropic-version", "2023-06-01")],
     {"model": "claude-2.1", "max_tokens_to_sample": 1000, "stream": True,
      "prompt": "\n\nHuman: cut me\n\nAssistant:"}),
)  # fmt: skip


async def cut_stream(port: int, index: int, timeout_s: float) -> bool:
    """Open a paced stream, read its first bytes, abort; False when nothing came."""
    path, headers, body = STREAMS[index % len(STREAMS)]
    head = [f"POST {path} HTTP/1.1", "host: 127.0.0.1", "content-type: application/json"]
    head += [f"{k}: {v}" for k, v in headers] + [f"x-emulator-force: {_paced(300)}"]
    raw = json.dumps(body).encode()
    request = ("\r\n".join([*head, f"content-length: {len(raw)}"]) + "\r\n\r\n").encode() + raw
    reader, writer = await asyncio.open_connection(LOOPBACK, port)
    try:
        writer.write(request)
        async with asyncio.timeout(timeout_s):
            first = await reader.read(4096)
    except TimeoutError:
        first = b""
    finally:
        writer.transport.abort()  # a client gone mid-stream, as a killed process leaves it
    return first.startswith(b"HTTP/1.1 200")


async def cut_streams(port: int, options: argparse.Namespace, report: Report) -> None:
    limit = asyncio.Semaphore(options.concurrency)

    async def one(index: int) -> None:
        async with limit:
            if await cut_stream(port, index, options.timeout_s):
                report.cuts += 1
            else:
                report.hangs += 1

    await asyncio.gather(*(one(i) for i in range(options.cuts)))


def settle(base_url: str, tasks_before: float) -> dict[str, float]:
    """/metrics once the server has noticed the cut streams (or after _SETTLE_S)."""
    deadline = time.monotonic() + _SETTLE_S
    while True:
        now = metrics(base_url)
        if now["asyncio_tasks"] <= tasks_before or time.monotonic() > deadline:
            return now
        time.sleep(0.1)


def run(options: argparse.Namespace) -> Report:
    report = Report()
    argv = python_module("emulator", "serve", "--port", "0", *options.server_arg)
    for prefix in PREFIXES[1:]:
        argv += ["--route-prefix", prefix]
    with ServerProcess("emulator", argv, options.log) as server:
        port = int(server.base_url.rsplit(":", 1)[1])
        before = metrics(server.base_url)
        report.rss_kib["before"] = rss_kib(server.pid)
        report.tasks["before"] = int(before["asyncio_tasks"])
        asyncio.run(fuzz_requests(port, options, report))
        report.rss_kib["after requests"] = rss_kib(server.pid)
        for _ in range(options.cut_rounds):
            asyncio.run(cut_streams(port, options, report))
        after = settle(server.base_url, before["asyncio_tasks"])
        report.rss_kib["after cuts"] = rss_kib(server.pid)
        report.tasks["after"] = int(after["asyncio_tasks"])
        report.worst_lag_s = after["event_loop_worst_lag_seconds"]
    _judge(report, options)
    return report


def _judge(report: Report, options: argparse.Namespace) -> None:
    rss = report.rss_kib
    if report.server_errors:
        report.failures.append(f"{report.server_errors} answers with a 5xx status")
    if report.hangs:
        report.failures.append(f"{report.hangs} requests without an answer in time")
    if report.dropped_unasked:
        report.failures.append(f"{report.dropped_unasked} connections closed without an answer")
    growth = (rss["after cuts"] - rss["before"]) / 1024
    if growth > options.max_rss_growth_mib:
        report.failures.append(f"RSS grew {growth:.1f} MiB (bound {options.max_rss_growth_mib})")
    cut_growth = (rss["after cuts"] - rss["after requests"]) / 1024
    if cut_growth > options.max_cut_growth_mib:
        report.failures.append(
            f"RSS grew {cut_growth:.1f} MiB over the cut streams "
            f"(bound {options.max_cut_growth_mib})"
        )


def render(report: Report, options: argparse.Namespace) -> str:
    mib = {name: f"{kib / 1024:.1f} MiB" for name, kib in report.rss_kib.items()}
    lines = [
        f"requests sent        {report.requests:,} (seed {options.seed}, "
        f"concurrency {options.concurrency})",
        "statuses             "
        + ", ".join(f"{status}: {n:,}" for status, n in sorted(report.statuses.items())),
        f"5xx                  {report.server_errors}",
        f"hangs                {report.hangs} (no answer within {options.timeout_s} s)",
        f"closed, not asked    {report.dropped_unasked}",
        f"cut streams          {report.cuts:,} ({options.cut_rounds} x {options.cuts})",
        f"worst loop lag       {report.worst_lag_s * 1000:.1f} ms",
        "RSS                  " + ", ".join(f"{k} {v}" for k, v in mib.items()),
        f"asyncio tasks        before {report.tasks['before']}, after {report.tasks['after']}",
    ]
    for finding, n in sorted(report.skipped_known.items()):
        lines.append(f"skipped (known)      {n:,} x {finding}")
    lines += [f"example              {example}" for example in report.examples]
    lines.append("result               " + ("; ".join(report.failures) or "ok"))
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    options = build_parser().parse_args(argv)
    report = run(options)
    print(render(report, options), flush=True)
    return 1 if report.failures else 0


if __name__ == "__main__":
    sys.exit(main())
