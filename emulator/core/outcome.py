"""What the scenario engine decides for a request: a closed union of outcomes.

Each surface renders every variant in its own wire format; a renderer that
forgets one fails mypy (``assert_never``), not a user.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from emulator.util.jsonvalue import JSONObject
from emulator.util.value_class import value_class

# Where a text's sentences end and the tokens up to each end (see TextPart).
SentenceEnds = tuple[tuple[int, int], ...]


@value_class(slots=True)
class TextPart:
    text: str
    # For a text made of sentences with known costs (generated replies): each
    # sentence's end in ``text`` and the tokens up to there, so that cutting the
    # text to a budget tokenizes one sentence, not every one before it.
    sentence_ends: SentenceEnds = field(default=(), compare=False, repr=False)


@value_class(slots=True)
class ToolCallPart:
    name: str
    input: JSONObject
    id: str | None = None


@value_class(slots=True)
class ThinkingPart:
    thinking: str
    signature: str


@value_class(slots=True)
class RefusalPart:
    text: str


Part = TextPart | ToolCallPart | ThinkingPart | RefusalPart


StopReason = Literal["end_turn", "max_tokens", "stop_sequence", "tool_use", "refusal"]


@value_class(slots=True)
class FinishedChoice:
    parts: tuple[Part, ...]
    stop_reason: StopReason
    stop_sequence: str | None
    output_tokens: int

    @property
    def text(self) -> str:
        return "".join(p.text for p in self.parts if isinstance(p, TextPart))

    @property
    def tool_calls(self) -> list[ToolCallPart]:
        return [p for p in self.parts if isinstance(p, ToolCallPart)]


@dataclass(frozen=True, slots=True)
class Timing:
    """Pacing of a streamed reply; zeros mean as fast as possible."""

    ttft_ms: float = 0.0
    tokens_per_s: float = 0.0
    jitter_ms: float = 0.0
    # Asked several times per answer: worked out once.
    is_paced: bool = field(init=False, compare=False, repr=False)
    # A stream's headers may then wait for the first events and leave with them.
    first_event_at_once: bool = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        paced = self.ttft_ms > 0 or self.tokens_per_s > 0 or self.jitter_ms > 0
        object.__setattr__(self, "is_paced", paced)
        object.__setattr__(self, "first_event_at_once", self.ttft_ms <= 0 and self.jitter_ms <= 0)


NO_DELAY = Timing()


@value_class(slots=True)
class Reply:
    """A successful answer: one tuple of parts per choice (OpenAI ``n``)."""

    choices: tuple[tuple[Part, ...], ...]
    timing: Timing = NO_DELAY
    rule: str | None = None
    # The engine keeps this very object and answers it again (so what is derived
    # from it is worth keeping by identity); a reply made for one answer is not.
    kept: bool = field(default=False, compare=False)
    # A reply made for one answer may come finished for that request's limits, as
    # ``completion.finish_choice`` would have finished its choices.
    finished: tuple[FinishedChoice, ...] | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class ErrorReply:
    status: int
    message: str
    error_type: str | None = None
    retry_after_s: float | None = None
    headers: dict[str, str] = field(default_factory=dict)
    code: str | None = None
    openai_type: str | None = None
    timing: Timing = NO_DELAY
    rule: str | None = None


FaultKind = Literal["drop", "stall", "malformed", "empty", "error_event"]


@dataclass(frozen=True, slots=True)
class FaultReply:
    """Misbehaviour: drop the connection after N events, stall, send a broken frame."""

    kind: FaultKind
    after_events: int = 0
    stall_s: float = 0.0
    parts: tuple[Part, ...] = ()
    timing: Timing = NO_DELAY
    rule: str | None = None


Outcome = Reply | ErrorReply | FaultReply
