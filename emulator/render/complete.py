"""Legacy Text Completions wire format, both the 2023-06-01 and 2023-01-01 shapes."""

from __future__ import annotations

from collections.abc import Iterator

from emulator.core.outcome import FinishedChoice
from emulator.http.sse import StreamEvent
from emulator.render.anthropic import PING
from emulator.render.events import token_groups
from emulator.util.jsonvalue import JSONObject

HUMAN_PROMPT = "\n\nHuman:"
OLD_VERSION = "2023-01-01"


def _stop(choice: FinishedChoice) -> tuple[str, str | None]:
    if choice.stop_reason == "max_tokens":
        return "max_tokens", None
    # A natural end is the model starting the next Human turn, which is a stop sequence.
    return "stop_sequence", choice.stop_sequence or HUMAN_PROMPT


def completion_body(
    model: str, choice: FinishedChoice, completion_id: str, log_id: str, version: str
) -> JSONObject:
    stop_reason, stop = _stop(choice)
    if version == OLD_VERSION:
        return {
            "completion": choice.text,
            "stop_reason": stop_reason,
            "truncated": False,
            "stop": stop,
            "model": model,
            "log_id": log_id,
            "exception": None,
        }
    return {
        "type": "completion",
        "id": completion_id,
        "completion": choice.text,
        "stop_reason": stop_reason,
        "stop": stop,
        "model": model,
        "log_id": log_id,
    }


def completion_events(
    model: str, choice: FinishedChoice, completion_id: str, log_id: str, version: str
) -> Iterator[StreamEvent]:
    stop_reason, stop = _stop(choice)
    if version == OLD_VERSION:
        so_far = ""
        pieces = list(token_groups(choice.text)) or [("", 0)]
        for position, (piece, tokens) in enumerate(pieces):
            so_far += piece
            last = position == len(pieces) - 1
            yield StreamEvent(
                None,
                {
                    "completion": so_far,
                    "stop_reason": stop_reason if last else None,
                    "truncated": False,
                    "stop": stop if last else None,
                    "model": model,
                    "log_id": log_id,
                    "exception": None,
                },
                tokens,
            )
        yield StreamEvent(None, "[DONE]")
        return

    def event(delta: str, reason: str | None, stop_value: str | None, tokens: int) -> StreamEvent:
        return StreamEvent(
            "completion",
            {
                "type": "completion",
                "id": completion_id,
                "completion": delta,
                "stop_reason": reason,
                "model": model,
                "stop": stop_value,
                "log_id": log_id,
            },
            tokens,
        )

    pinged = False
    for piece, tokens in token_groups(choice.text):
        yield event(piece, None, None, tokens)
        if not pinged:
            pinged = True
            yield StreamEvent("ping", PING)
    if not pinged:
        # An empty completion still gets its keep-alive before the final event.
        yield StreamEvent("ping", PING)
    yield event("", stop_reason, stop, 0)
