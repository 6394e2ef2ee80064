"""``llm-emulator healthcheck``: is the emulator answering? Standard library only: a
container runs it every few seconds, and importing the application would cost more
than the check (half a second and tens of MB each time)."""

from __future__ import annotations

import contextlib
import sys
import urllib.request
from collections.abc import Mapping
from pathlib import Path

PORT_VARIABLE = "LLM_EMULATOR_PORT"
PORT_FILE_VARIABLE = "LLM_EMULATOR_PORT_FILE"
DEFAULT_PORT = "8080"


def default_url(environ: Mapping[str, str]) -> str:
    """Where the server listens: the port it wrote to ``$LLM_EMULATOR_PORT_FILE`` (it
    follows ``--port``, even 0), else ``$LLM_EMULATOR_PORT``, else 8080, on loopback."""
    port = environ.get(PORT_VARIABLE) or DEFAULT_PORT
    port_file = environ.get(PORT_FILE_VARIABLE)
    if port_file:
        # Not written yet: the server is starting, and the port below is refused.
        with contextlib.suppress(OSError):
            port = Path(port_file).read_text(encoding="utf-8").strip() or port
    return f"http://127.0.0.1:{port}"


def healthcheck(url: str | None, environ: Mapping[str, str]) -> int:
    """0 when GET /healthz answers 200, else 1 with the reason on stderr."""
    base = url or default_url(environ)
    try:
        with urllib.request.urlopen(base.rstrip("/") + "/healthz", timeout=3) as response:
            healthy = response.status == 200
    except (OSError, ValueError) as err:
        print(f"unhealthy: {err}", file=sys.stderr)
        return 1
    return 0 if healthy else 1
