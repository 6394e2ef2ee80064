"""What is measured: each workload runs the same load against the emulator and the baseline."""

from __future__ import annotations

import asyncio
import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from benchmarks import bodies, loadgen, wrk
from benchmarks.loadgen import HttpRequest, Load, PacedStream, RequestStats
from benchmarks.procs import rss_kib
from benchmarks.stats import mean, percentile
from emulator.render.events import TOKENS_PER_DELTA

# Stream pacing of the emulator under test; the baseline paces ?stream=paced alike.
TOKENS_PER_S = 50.0
PACED_ARGS = ["--latency", f"tokens_per_s={TOKENS_PER_S:g}"]
# Idle streams: headers at once, then the first event only after this long.
IDLE_ARGS = ["--latency", "ttft_ms=120000"]
SCENARIO_RULES = 100


def scenario_args(folder: Path) -> list[str]:
    """Emulator arguments loading a scenario of SCENARIO_RULES rules from ``folder``:
    all but the last miss the benchmark's "Hello" in different ways, so every request
    is tried against every rule before the last one answers."""
    folder.mkdir(parents=True, exist_ok=True)
    misses: list[dict[str, object]] = []
    for index in range(SCENARIO_RULES - 1):
        match: dict[str, object]
        kind = index % 4
        if kind == 0:
            match = {"last_user_text": f"order {index}"}
        elif kind == 1:
            match = {"last_user_text": {"regex": f"^ticket #?(?P<id>{index}\\d*)"}}
        elif kind == 2:
            match = {"model": f"claude-opus-{index}*", "last_user_text": "Hello"}
        else:
            match = {"tools": [f"tool_{index}"], "api": ["messages", "chat"]}
        misses.append({"name": f"miss-{index}", "match": match, "reply": {"text": "miss"}})
    hit = {"name": "hello", "match": {"last_user_text": "Hello"}, "reply": {"text": "Hi!"}}
    scenario = {"name": "bench-100-rules", "rules": [*misses, hit]}
    (folder / "bench.json").write_text(json.dumps(scenario))
    return ["--fixtures", str(folder)]


@dataclass(frozen=True)
class Settings:
    duration_s: float = 4.0  # per round
    rounds: int = 3
    warmup_s: float = 1.0
    json_connections: int = 64
    stream_connections: int = 64
    many_streams: int = 1000
    idle_streams: int = 1000
    paced_streams: int = 1000
    paced_duration_s: float = 8.0
    ramp_s: float = 1.0
    max_requests: int = 2_000_000
    max_tokens: int = 64
    # messages_stream_steady: each of the stream_connections starts a stream this
    # often (64 / 25 ms = 2,560 streams/s, well within both servers' reach).
    steady_interval_s: float = 0.025
    loadgen: str = "auto"
    coalesced_baseline: bool = False


FULL = Settings()
QUICK = Settings(
    duration_s=1.0,
    rounds=1,
    warmup_s=0.3,
    json_connections=8,
    stream_connections=8,
    many_streams=50,
    idle_streams=50,
    paced_streams=50,
    paced_duration_s=2.0,
    ramp_s=0.1,
    max_requests=50_000,
)


@dataclass(frozen=True)
class Target:
    """One server under test: the emulator, or the baseline (which reads ``?stream=``)."""

    name: str
    base_url: str
    pid: int
    is_baseline: bool

    def request(self, path: str, body: bytes, stream_mode: str | None = None) -> HttpRequest:
        return bodies.request(self.base_url, path, body, stream_mode if self.is_baseline else None)


@dataclass(frozen=True)
class Metric:
    name: str
    unit: str
    value: float
    errors: int = 0


Measure = Callable[[Target, Settings, bodies.Probe], list[Metric]]


@dataclass(frozen=True)
class Workload:
    name: str
    group: str  # which emulator configuration: "plain", "paced" or "idle"
    concurrency: Callable[[Settings], int]
    measure: Measure
    description: str
    # Measured in alternating rounds (emulator, baseline, baseline, emulator, ...) so
    # that drift of the machine's speed during the run hits both alike (a pacing p99
    # is as exposed to a noisy neighbour as a rate); memory held open is a state and
    # is measured once.
    alternates: bool = True


def _ms(seconds: float) -> float:
    return seconds * 1000


def _post_stats(request: HttpRequest, load: Load, settings: Settings) -> RequestStats:
    use_wrk = settings.loadgen == "wrk" or (settings.loadgen == "auto" and wrk.available())
    if use_wrk:
        return wrk.post_json(request, load)
    return asyncio.run(loadgen.post_json(request, load))


def _json_workload(path: str, body: Callable[[Settings, bodies.Probe], bytes]) -> Measure:
    def measure(target: Target, settings: Settings, probe: bodies.Probe) -> list[Metric]:
        load = Load(
            settings.json_connections, settings.duration_s, settings.warmup_s, settings.max_requests
        )
        stats = _post_stats(target.request(path, body(settings, probe)), load, settings)
        return [
            Metric("requests/s", "req/s", stats.per_second, stats.errors),
            Metric("latency p50", "ms", _ms(stats.p50_s)),
            Metric("latency p99", "ms", _ms(stats.p99_s)),
        ]

    return measure


def _stream_workload(
    connections: Callable[[Settings], int],
    with_ttfb: bool,
    *,
    steady: bool = False,
    path: str = bodies.MESSAGES,
    body: Callable[[int], bytes] = lambda max_tokens: bodies.messages(max_tokens, stream=True),
) -> Measure:
    """Streams of ``body`` to ``path`` read to the end, each worker starting the next
    at once, or with ``steady`` every ``Settings.steady_interval_s``."""

    def measure(target: Target, settings: Settings, probe: bodies.Probe) -> list[Metric]:
        count = connections(settings)
        load = Load(
            count,
            settings.duration_s,
            settings.warmup_s,
            settings.max_requests,
            ramp_s=settings.ramp_s if count > 100 else 0.0,
            interval_s=settings.steady_interval_s if steady else 0.0,
        )
        request = target.request(path, body(settings.max_tokens), "plain")
        stats = asyncio.run(loadgen.read_streams(request, load))
        # A steady load's rates are what was offered; only that both kept up matters.
        metrics = [] if steady else [Metric("events/s", "events/s", stats.events_per_second)]
        metrics.append(Metric("streams/s", "streams/s", stats.streams_per_second, stats.errors))
        if with_ttfb:
            metrics += [
                Metric("time to first byte p50", "ms", _ms(percentile(stats.ttfb_s, 50))),
                Metric("time to first byte p99", "ms", _ms(percentile(stats.ttfb_s, 99))),
            ]
        return metrics

    return measure


def _idle_memory(target: Target, settings: Settings, probe: bodies.Probe) -> list[Metric]:
    body = bodies.messages(4096, stream=True)
    request = target.request(bodies.MESSAGES, body, "idle")
    warm = Load(10, 0.0, timeout_s=30.0)
    asyncio.run(loadgen.hold_idle_streams(request, warm, lambda: 0, settle_s=0.2))
    before = rss_kib(target.pid)
    load = Load(settings.idle_streams, 0.0, ramp_s=settings.ramp_s, timeout_s=60.0)
    opened, during = asyncio.run(
        loadgen.hold_idle_streams(request, load, lambda: rss_kib(target.pid))
    )
    per_stream = (during - before) / opened if opened else 0.0
    return [
        Metric("memory per idle stream", "KiB", per_stream, settings.idle_streams - opened),
        Metric("RSS with no stream open", "MiB", before / 1024),
    ]


def pacing_errors(
    streams: Sequence[PacedStream], tokens_per_event: int, tokens_per_s: float
) -> tuple[list[float], list[float]]:
    """(|gap - expected| per delta after the first, |rate/configured - 1| per stream).

    A delta is expected to carry ``tokens_per_event`` tokens, the last one the rest
    of the stream's ``output_tokens``; a stream cut otherwise is taken as even.
    """
    gap_errors: list[float] = []
    rate_errors: list[float] = []
    for stream in streams:
        times, total = stream.delta_times, stream.output_tokens
        count = len(times)
        if count < 2:
            continue
        tokens: list[float]
        if count == math.ceil(total / tokens_per_event):
            tokens = [min(tokens_per_event, total - i * tokens_per_event) for i in range(count)]
        else:
            tokens = [total / count] * count
        for i in range(1, count):
            expected = tokens[i] / tokens_per_s
            gap_errors.append(abs(times[i] - times[i - 1] - expected))
        span = times[-1] - times[0]
        if span > 0:
            rate = (total - tokens[0]) / span
            rate_errors.append(abs(rate / tokens_per_s - 1))
    return gap_errors, rate_errors


def _pacing(target: Target, settings: Settings, probe: bodies.Probe) -> list[Metric]:
    load = Load(
        settings.paced_streams,
        settings.paced_duration_s,
        0.0,
        settings.max_requests,
        ramp_s=settings.ramp_s,
        timeout_s=60.0,
    )
    request = target.request(
        bodies.MESSAGES, bodies.messages(settings.max_tokens, stream=True), "paced"
    )
    stats = asyncio.run(loadgen.read_paced_streams(request, load))
    gaps, rates = pacing_errors(stats.streams, TOKENS_PER_DELTA, TOKENS_PER_S)
    return [
        Metric("gap error p50", "ms", _ms(percentile(gaps, 50)), stats.errors),
        Metric("gap error p99", "ms", _ms(percentile(gaps, 99))),
        Metric("mean per-stream rate error", "%", 100 * mean(rates)),
        Metric("paced streams completed", "streams", float(len(stats.streams))),
    ]


WORKLOADS: tuple[Workload, ...] = (
    Workload(
        "messages_json",
        "plain",
        lambda s: s.json_connections,
        _json_workload(bodies.MESSAGES, lambda s, p: bodies.messages(s.max_tokens)),
        "POST /v1/messages, JSON reply",
    ),
    Workload(
        "messages_json_distinct",
        "plain",
        lambda s: s.json_connections,
        _json_workload(bodies.MESSAGES, lambda s, p: bodies.messages(s.max_tokens, distinct=True)),
        "POST /v1/messages, JSON reply, every prompt one not sent before (so every request"
        " is validated, parsed and generated for; no kept parse or reply)",
    ),
    Workload(
        "chat_json",
        "plain",
        lambda s: s.json_connections,
        _json_workload(bodies.CHAT, lambda s, p: bodies.chat(s.max_tokens)),
        "POST /v1/chat/completions, JSON reply",
    ),
    Workload(
        "responses_json",
        "plain",
        lambda s: s.json_connections,
        _json_workload(bodies.RESPONSES, lambda s, p: bodies.responses(s.max_tokens)),
        "POST /v1/responses (store: true, the default), JSON reply",
    ),
    Workload(
        "complete_json",
        "plain",
        lambda s: s.json_connections,
        _json_workload(bodies.COMPLETE, lambda s, p: bodies.complete(s.max_tokens)),
        "POST /v1/complete, JSON reply",
    ),
    Workload(
        "messages_cached_json",
        "plain",
        lambda s: s.json_connections,
        _json_workload(bodies.MESSAGES, lambda s, p: p.cached_body),
        "POST /v1/messages, 4,000-token system block with cache_control",
    ),
    Workload(
        "scenario_100_rules_json",
        "scenario",
        lambda s: s.json_connections,
        _json_workload(bodies.MESSAGES, lambda s, p: bodies.messages(s.max_tokens)),
        "POST /v1/messages with a scenario of 100 rules loaded (the last one answers)",
    ),
    Workload(
        "messages_stream",
        "plain",
        lambda s: s.stream_connections,
        _stream_workload(lambda s: s.stream_connections, with_ttfb=True),
        "POST /v1/messages stream=true, unpaced, read to message_stop",
    ),
    Workload(
        "messages_stream_steady",
        "plain",
        lambda s: s.stream_connections,
        _stream_workload(lambda s: s.stream_connections, with_ttfb=True, steady=True),
        "as messages_stream, each connection starting a stream every 25 ms "
        "(a fixed load below both servers' limits: time to first byte without the queue)",
    ),
    Workload(
        "messages_stream_many",
        "plain",
        lambda s: s.many_streams,
        _stream_workload(lambda s: s.many_streams, with_ttfb=False),
        "as messages_stream, at many concurrent streams",
    ),
    Workload(
        "responses_stream",
        "plain",
        lambda s: s.stream_connections,
        _stream_workload(
            lambda s: s.stream_connections,
            with_ttfb=True,
            path=bodies.RESPONSES,
            body=lambda max_tokens: bodies.responses(max_tokens, stream=True),
        ),
        "POST /v1/responses stream=true, unpaced, read to response.completed (the baseline "
        "streams a Responses-shaped SSE of the same events and size)",
    ),
    Workload(
        "paced_stream_many",
        "paced",
        lambda s: s.paced_streams,
        _pacing,
        f"streams paced at {TOKENS_PER_S:g} tokens/s ({' '.join(PACED_ARGS)})",
    ),
    Workload(
        "idle_stream_memory",
        "idle",
        lambda s: s.idle_streams,
        _idle_memory,
        f"streams held open before their first event ({' '.join(IDLE_ARGS)})",
        alternates=False,
    ),
)
BY_NAME = {w.name: w for w in WORKLOADS}
