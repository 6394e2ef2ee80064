"""Secrets never reach a log line: a filter on aiohttp's loggers and ours.

aiohttp logs a malformed header line as it arrived (``x-api-key : sk-…``, or a
value with a control character), with the traceback, at ERROR. The filter
rewrites every record before any handler sees it: the value after a
credential-like header name (``x-api-key``, ``Authorization``, ``*api-key*``,
``*-auth``, cookies, and each ``--require-header`` name) up to the end of the
line, key-like tokens (``sk-…``, ``Bearer …``), and the configured keys, admin
token and required header values wherever they appear. Message, arguments,
traceback and stack all go through it, at every level.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable

# What stands in for a secret, in log lines and in the journal.
REDACTED = "[redacted]"


_ALWAYS_SECRET_NAMES = (
    "x-api-key",
    "proxy-authorization",
    "authorization",
    "set-cookie",
    "cookie",
    r"[a-z0-9-]*api-key",
    r"[a-z0-9-]*-auth",
)
# Between a header's name and its value: spaces, tabs, a colon or equals sign, also
# as a repr of bytes shows them (``\\t``, ``\\x01``).
_SEPARATOR = r"(?:[\s:=]|\\[tvf]|\\x[0-9a-f]{2})+"
_KEY_LIKE_TOKENS = (
    r"\b(?:sk|pk|rk)[-_][A-Za-z0-9_\-]{6,}",
    r"\bbearer\s+[^\s'\"]+",
)
# Every match of the patterns above holds one of these (the names' own words: "key"
# for x-api-key and *api-key, "auth" for authorization and *-auth).
_TRIGGER_WORDS = ("key", "auth", "cookie", "bearer", "sk-", "sk_", "pk-", "pk_", "rk-", "rk_")
# Literal secrets shorter than this are left to the patterns: redacting every "k"
# in every line would hide the log, not the key.
_MIN_LITERAL_SECRET = 6
_LOGGER_NAMES = (
    "",
    "asyncio",
    "aiohttp",
    "aiohttp.access",
    "aiohttp.client",
    "aiohttp.internal",
    "aiohttp.server",
    "aiohttp.web",
    "aiohttp.websocket",
    "emulator",
)


_SEEN = "_llm_emulator_redacted"


class SecretRedactor(logging.Filter):
    """Redacts secrets in each record it sees; ``add`` teaches it more of them."""

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self._names: set[str] = set()
        self._literals: set[str] = set()
        self._plain_names: set[str] = set()
        self._pattern = self._compile()
        self._triggers = self._trigger_words()

    def add(self, *, header_names: Iterable[str] = (), secrets: Iterable[str] = ()) -> None:
        with self._lock:
            names = [n.lower() for n in header_names if n]
            self._plain_names.update(names)
            self._names.update(re.escape(n) for n in names)
            self._literals.update(s for s in secrets if len(s) >= _MIN_LITERAL_SECRET)
            self._pattern = self._compile()
            self._triggers = self._trigger_words()

    def _trigger_words(self) -> tuple[str, ...]:
        """Words one of which every match of the pattern contains (lower-cased)."""
        return (*_TRIGGER_WORDS, *self._plain_names, *(s.lower() for s in self._literals))

    def _compile(self) -> re.Pattern[str]:
        names = "|".join((*sorted(self._names, key=len, reverse=True), *_ALWAYS_SECRET_NAMES))
        header = rf"(?<![a-z0-9-])(?:{names}){_SEPARATOR}[^\r\n]*"
        literals = [re.escape(s) for s in sorted(self._literals, key=len, reverse=True)]
        return re.compile("|".join((header, *_KEY_LIKE_TOKENS, *literals)), re.IGNORECASE)

    def redact(self, text: str) -> str:
        # Most lines (the access log's) hold none of the words a secret comes with:
        # looking for those words is ~50 times cheaper than the pattern.
        lowered = text.lower()
        for word in self._triggers:  # a loop: a generator in any() costs twice as much
            if word in lowered:
                return self._pattern.sub(REDACTED, text)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, _SEEN, False):  # a handler's filter after a logger's
            return True
        setattr(record, _SEEN, True)
        message = record.getMessage()
        record.msg = self.redact(message)
        record.args = None
        if record.exc_info:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
            record.exc_info = None  # the exception object would carry the secret on
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


REDACTOR = SecretRedactor()


def install(*, header_names: Iterable[str] = (), secrets: Iterable[str] = ()) -> None:
    """Put the redactor on aiohttp's loggers, ours and the root (a filter on a logger
    sees only the records logged to that very logger, so each is named), teaching
    it ``header_names`` and ``secrets``. Idempotent."""
    REDACTOR.add(header_names=header_names, secrets=secrets)
    manager = logging.Logger.manager
    ours = [n for n in manager.loggerDict if n.startswith(("emulator.", "aiohttp."))]
    for name in (*_LOGGER_NAMES, *ours):
        logger = logging.getLogger(name)
        if REDACTOR not in logger.filters:
            logger.addFilter(REDACTOR)
