"""Plain POSTs driven by wrk (Debian package ``wrk``), when it is installed.

A generated Lua script sets the method, headers and body (read from a file,
so any body works) and prints one machine-readable result line when done.
"""

from __future__ import annotations

import math
import shutil
import subprocess
import tempfile
from pathlib import Path

from benchmarks.loadgen import DISTINCT, HttpRequest, Load, RequestStats

_RESULT = "WRK_RESULT"
_GRACE_S = 30.0


def available() -> bool:
    return shutil.which("wrk") is not None


def _long_string(text: str) -> str:
    """``text`` as a Lua long-bracket string literal that can not be closed early."""
    level = 0
    while "]" + "=" * level + "]" in text:
        level += 1
    eq = "=" * level
    return f"[{eq}[{text}]{eq}]"


def lua_script(request: HttpRequest, body_path: Path, first_number: int = 0) -> str:
    """``first_number``: where a distinct body's numbering starts (each run its own)."""
    lines = [
        'wrk.method = "POST"',
        f"local f = assert(io.open({_long_string(str(body_path))}, 'rb'))",
        'wrk.body = f:read("*a")',
        "f:close()",
    ]
    if request.is_distinct:
        marker = _long_string(DISTINCT.decode())
        lines += [
            f"local cut = assert(string.find(wrk.body, {marker}, 1, true))",
            "local before = string.sub(wrk.body, 1, cut - 1)",
            f"local after = string.sub(wrk.body, cut + {len(DISTINCT)})",
            f"local number = {first_number}",
            "function request()",
            "  number = number + 1",
            "  return wrk.format(nil, nil, nil, before .. number .. after)",
            "end",
        ]
    lines += [
        f"wrk.headers[ {_long_string(k)} ] = {_long_string(v)}" for k, v in request.headers.items()
    ]
    lines += [
        "function done(summary, latency, requests)",
        "  local e = summary.errors",
        f'  io.write(string.format("{_RESULT} %d %d %d %d %d\\n", summary.requests,',
        "    summary.duration, latency:percentile(50.0), latency:percentile(99.0),",
        "    e.connect + e.read + e.write + e.status + e.timeout))",
        "end",
    ]
    return "\n".join(lines) + "\n"


def _run_once(script: Path, request: HttpRequest, load: Load, seconds: float) -> RequestStats:
    argv = [
        "wrk",
        "-t1",
        f"-c{load.connections}",
        f"-d{max(1, math.ceil(seconds))}s",
        f"--timeout={max(1, math.ceil(load.timeout_s))}s",
        "-s",
        str(script),
        request.url,
    ]
    done = subprocess.run(
        argv, capture_output=True, text=True, timeout=seconds + _GRACE_S, check=False
    )
    for line in done.stdout.splitlines():
        if line.startswith(_RESULT):
            requests, duration_us, p50_us, p99_us, errors = (int(x) for x in line.split()[1:])
            return RequestStats(
                requests=requests - errors,
                errors=errors,
                elapsed_s=duration_us / 1e6,
                p50_s=p50_us / 1e6,
                p99_s=p99_us / 1e6,
            )
    raise RuntimeError(f"wrk printed no result (status {done.returncode}):\n{done.stderr}")


def post_json(request: HttpRequest, load: Load) -> RequestStats:
    """A warm-up run (discarded), then the measured run."""
    with tempfile.TemporaryDirectory(prefix="bench-wrk-") as tmp:
        body_path = Path(tmp) / "body"
        body_path.write_bytes(request.body)
        warmup, measured = Path(tmp) / "warmup.lua", Path(tmp) / "post.lua"
        # Apart, so that the measured run's distinct bodies are new to the server too.
        warmup.write_text(lua_script(request, body_path, first_number=0))
        measured.write_text(lua_script(request, body_path, first_number=1 << 40))
        if load.warmup_s > 0:
            _run_once(warmup, request, load, load.warmup_s)
        return _run_once(measured, request, load, load.duration_s)
