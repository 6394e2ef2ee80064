"""See every response the tests receive over httpx and check it against the specs.

:func:`install` wraps ``handle_request`` of the standard transports of ``httpx`` (the tests'
raw clients) and ``httpx2`` (which the anthropic and openai SDKs use), sync and async, so any
client made anywhere in a test is covered without changing the test. A response to an
operation the specs describe (:mod:`tests.spec.operations`) gets its byte stream teed: a JSON
body is validated when the client has read it, a stream's events one by one as they arrive.
Nothing is raised inside the client: violations go to :data:`RECORDER`, which the pytest
plugin turns into the failure of the test that received them.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from tests.spec.operations import Operation, operation_for
from tests.spec.validate import validators


@dataclass
class Recorder:
    """What was checked and what failed, since the last :meth:`take`."""

    bodies: int = 0
    events: int = 0
    violations: list[str] = field(default_factory=list)

    def take(self) -> tuple[int, int, list[str]]:
        taken = (self.bodies, self.events, self.violations)
        self.bodies, self.events, self.violations = 0, 0, []
        return taken


RECORDER = Recorder()


class BodyReader:
    """Checks one response's body as its bytes arrive."""

    def __init__(self, operation: Operation, label: str, status: int, content_type: str) -> None:
        self._operation = operation
        self._label = label
        self._status = status
        self._stream = content_type.startswith("text/event-stream")
        self._buffer = b""
        self._chunks: list[bytes] = []
        self._events = 0
        self._whole = False

    def feed(self, chunk: bytes) -> None:
        if self._stream:
            self._buffer += chunk
            self._take_events()
        else:
            self._chunks.append(chunk)

    def ended(self) -> None:
        """The body arrived whole."""
        self._whole = True

    def finish(self) -> None:
        """The client is done reading: check a JSON body that arrived whole. (A body the
        client let go of early, or a stream's last event cut by a dropped connection, is
        not checked.)"""
        if self._stream or not self._whole:
            return
        self._whole = False
        body = b"".join(self._chunks)
        self._check(self._operation.body_schema(self._status), body, self._label)
        RECORDER.bodies += 1

    def _take_events(self) -> None:
        while True:
            frame, separator, rest = _split_frame(self._buffer)
            if not separator:
                return
            self._buffer = rest
            data = "\n".join(
                line[5:].removeprefix(" ")
                for line in _LINE_END.split(frame.decode("utf-8", "replace"))
                if line.startswith("data:")
            )
            if not data:
                continue
            self._events += 1
            label = f"{self._label}, stream event {self._events}"
            payload = _json(data)
            schema = self._operation.event_schema(data if payload is _NOT_JSON else payload)
            if schema is not None:
                self._check(schema, data.encode(), label)
                RECORDER.events += 1

    def _check(self, schema: str, raw: bytes, label: str) -> None:
        body = _json(raw)
        if body is _NOT_JSON:
            RECORDER.violations.append(f"{label}: not JSON: {raw[:200]!r}")
            return
        for violation in validators().violations(self._operation.api, schema, body):
            RECORDER.violations.append(f"{label}: {violation}")


_NOT_JSON = object()
# SSE ends a line with CR, LF or CRLF only; str.splitlines would also split a JSON string
# holding U+2028 or U+0085, which JSON need not escape (the emulator sends them as they are).
_LINE_END = re.compile(r"\r\n|\r|\n")


def _json(raw: bytes | str) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        return _NOT_JSON


def _split_frame(buffer: bytes) -> tuple[bytes, bytes, bytes]:
    """The first event of ``buffer`` (up to a blank line), the separator, the rest."""
    ends = [
        (index, separator)
        for separator in (b"\n\n", b"\r\n\r\n", b"\r\r")
        if (index := buffer.find(separator)) >= 0
    ]
    if not ends:
        return buffer, b"", b""
    index, separator = min(ends)
    return buffer[:index], separator, buffer[index + len(separator) :]


def _reader_for(request: Any, response: Any) -> BodyReader | None:
    operation = operation_for(request.method, request.url.path, request.headers)
    if operation is None:
        return None
    label = f"{request.method} {request.url.path} -> {response.status_code}"
    content_type = response.headers.get("content-type", "")
    return BodyReader(operation, label, response.status_code, content_type)


def _tee_classes(module: ModuleType) -> tuple[type, type]:
    """Byte streams of ``module`` (httpx or httpx2) that pass every chunk to a reader."""

    class SyncTee(module.SyncByteStream):  # type: ignore[name-defined,misc]
        def __init__(self, inner: Any, reader: BodyReader) -> None:
            self._inner = inner
            self._reader = reader

        def __iter__(self) -> Iterator[bytes]:
            for chunk in self._inner:
                self._reader.feed(chunk)
                yield chunk
            self._reader.ended()

        def close(self) -> None:
            try:
                self._reader.finish()
            finally:
                self._inner.close()

    class AsyncTee(module.AsyncByteStream):  # type: ignore[name-defined,misc]
        def __init__(self, inner: Any, reader: BodyReader) -> None:
            self._inner = inner
            self._reader = reader

        async def __aiter__(self) -> AsyncIterator[bytes]:
            async for chunk in self._inner:
                self._reader.feed(chunk)
                yield chunk
            self._reader.ended()

        async def aclose(self) -> None:
            try:
                self._reader.finish()
            finally:
                await self._inner.aclose()

    return SyncTee, AsyncTee


def install(modules: list[ModuleType]) -> Callable[[], None]:
    """Wrap the transports of ``modules``; returns the function that restores them."""
    restore: list[tuple[type, str, Any]] = []
    for module in modules:
        sync_tee, async_tee = _tee_classes(module)
        sync_cls, async_cls = module.HTTPTransport, module.AsyncHTTPTransport
        sync_original = sync_cls.handle_request
        async_original = async_cls.handle_async_request

        def handle_request(
            self: Any, request: Any, _original: Any = sync_original, _tee: type = sync_tee
        ) -> Any:
            response = _original(self, request)
            reader = _reader_for(request, response)
            if reader is not None:
                response.stream = _tee(response.stream, reader)
            return response

        async def handle_async_request(
            self: Any, request: Any, _original: Any = async_original, _tee: type = async_tee
        ) -> Any:
            response = await _original(self, request)
            reader = _reader_for(request, response)
            if reader is not None:
                response.stream = _tee(response.stream, reader)
            return response

        sync_cls.handle_request = handle_request
        async_cls.handle_async_request = handle_async_request
        restore.append((sync_cls, "handle_request", sync_original))
        restore.append((async_cls, "handle_async_request", async_original))

    def undo() -> None:
        for cls, name, original in restore:
            setattr(cls, name, original)

    return undo
