"""Server subprocesses: start on a free loopback port, pin to a CPU, wait for health, stop.

Output goes to a log file, never a pipe, so a chatty server can not block on a
full pipe while it is being measured.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType

LOOPBACK = "127.0.0.1"
_LISTENING = re.compile(r"listening on (http://127\.0\.0\.1:(\d+))")
_READY_TIMEOUT_S = 30.0
_STOP_TIMEOUT_S = 5.0


class ServerFailed(RuntimeError):
    """A server exited or never became healthy; the message ends with its log."""


def cpu_plan() -> tuple[set[int] | None, set[int] | None]:
    """(server CPUs, load generator CPUs): one CPU each when 2+ are usable, else no pinning."""
    usable = sorted(os.sched_getaffinity(0))
    if len(usable) < 2:
        return None, None
    return {usable[0]}, {usable[1]}


def pin_self(cpus: set[int] | None) -> None:
    """Pin this process (and children started later, such as wrk) to ``cpus``."""
    if cpus:
        os.sched_setaffinity(0, cpus)


def rss_kib(pid: int) -> int:
    """Resident set size of ``pid`` in KiB, from /proc/PID/status."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise ServerFailed(f"no VmRSS for pid {pid}")


class ServerProcess:
    """``with ServerProcess("emulator", argv, log) as server: server.base_url``"""

    def __init__(
        self, name: str, argv: Sequence[str], log_path: Path, cpus: set[int] | None = None
    ) -> None:
        self.name = name
        self.argv = list(argv)
        self.log_path = log_path
        self.cpus = cpus
        self.base_url = ""
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int:
        if self._proc is None:
            raise ServerFailed(f"{self.name} is not running")
        return self._proc.pid

    def __enter__(self) -> ServerProcess:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def start(self) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("wb") as log:
            self._proc = subprocess.Popen(
                self.argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT
            )
        try:
            if self.cpus:
                os.sched_setaffinity(self._proc.pid, self.cpus)
            self.base_url = self._wait_for_banner()
            self._wait_for_health()
        except BaseException:
            self.stop()
            raise

    def log_tail(self, lines: int = 15) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def _failed(self, why: str) -> ServerFailed:
        return ServerFailed(f"{self.name} {why}; command: {' '.join(self.argv)}\n{self.log_tail()}")

    def _wait_for_banner(self) -> str:
        assert self._proc is not None
        deadline = time.monotonic() + _READY_TIMEOUT_S
        while time.monotonic() < deadline:
            match = _LISTENING.search(self.log_path.read_text(errors="replace"))
            if match:
                return match.group(1)
            if self._proc.poll() is not None:
                raise self._failed(f"exited with status {self._proc.returncode}")
            time.sleep(0.05)
        raise self._failed("printed no 'listening on http://127.0.0.1:PORT' line in time")

    def _wait_for_health(self) -> None:
        deadline = time.monotonic() + _READY_TIMEOUT_S
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self.base_url + "/healthz", timeout=2) as reply:
                    if reply.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.05)
        raise self._failed("did not answer GET /healthz with 200 in time")

    def stop(self) -> None:
        """SIGINT, then SIGKILL after a grace period; only ever this process."""
        proc, self._proc = self._proc, None
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=_STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=_STOP_TIMEOUT_S)


def python_module(module: str, *args: str) -> list[str]:
    return [sys.executable, "-m", module, *args]
