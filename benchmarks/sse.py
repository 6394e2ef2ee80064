"""Just enough SSE parsing for a load generator: split a byte stream into frames."""

from __future__ import annotations

_SEPARATOR = b"\n\n"
_EVENT = b"event: "


class FrameSplitter:
    """Feed chunks as they arrive; get back the frames they complete."""

    __slots__ = ("_pending",)

    def __init__(self) -> None:
        self._pending = b""

    def feed(self, chunk: bytes) -> list[bytes]:
        data = self._pending + chunk if self._pending else chunk
        frames = data.split(_SEPARATOR)
        self._pending = frames.pop()
        return frames


def event_name(frame: bytes) -> bytes:
    """The ``event:`` of a frame, or b"" for a data-only frame."""
    if frame.startswith(_EVENT):
        return frame[len(_EVENT) : frame.find(b"\n")]
    return b""


def frame_data(frame: bytes) -> bytes:
    """The payload of the frame's ``data:`` line."""
    start = frame.find(b"data: ")
    if start < 0:
        return b""
    end = frame.find(b"\n", start)
    return frame[start + 6 : end if end >= 0 else len(frame)]


_RESPONSES_ENDS = (b"event: response.completed\n", b"event: response.incomplete\n")


def is_terminal(frame: bytes) -> bool:
    """Whether a frame ends a stream: Anthropic ``message_stop``, Chat Completions'
    ``[DONE]``, or the Responses API's ``response.completed`` / ``response.incomplete``."""
    return (
        frame.startswith(b"event: message_stop")
        or frame == b"data: [DONE]"
        or frame.startswith(_RESPONSES_ENDS)
    )
