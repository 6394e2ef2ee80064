"""Logging set-up: text or JSON lines, and one access-log line per request."""

from __future__ import annotations

import json
import logging
import sys
from typing import Any

from emulator.util import log_redaction

ACCESS = logging.getLogger("emulator.access")
_ACCESS_FIELDS = ("method", "path", "status", "duration_ms", "rule", "api", "request_id")


class JsonFormatter(logging.Formatter):
    """One JSON object per line; access-log lines carry their fields at the top level."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in _ACCESS_FIELDS:
            if hasattr(record, name):
                line[name] = getattr(record, name)
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            line["exception"] = record.exc_text
        return json.dumps(line)


def configure(level: str, log_format: str) -> None:
    handler = logging.StreamHandler(sys.stderr)
    if log_format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(log_redaction.REDACTOR)  # also for loggers that are not ours
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())


def access(
    *,
    method: str,
    path: str,
    status: int,
    duration_ms: float,
    rule: str | None,
    api: str | None,
    request_id: str,
) -> None:
    """One access-log line; callers check ``ACCESS.isEnabledFor(logging.INFO)`` first,
    which spares a load test at --log-level warning the cost of the call."""
    fields = {
        "method": method,
        "path": path,
        "status": status,
        "duration_ms": round(duration_ms, 2),
        "rule": rule,
        "api": api,
        "request_id": request_id,
    }
    ACCESS.info(
        "%s %s %s %.1fms rule=%s", method, path, status, duration_ms, rule or "-", extra=fields
    )
