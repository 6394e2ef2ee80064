"""Apply a request's limits to a reply: stop sequences, then max_tokens.

The result (``FinishedChoice``) is what every renderer turns into wire format,
so the JSON and streamed answers to one request always agree.
"""

from __future__ import annotations

from emulator.core.outcome import (
    FinishedChoice,
    Part,
    RefusalPart,
    StopReason,
    TextPart,
    ThinkingPart,
    ToolCallPart,
)
from emulator.core.tokenizer import count_tokens, truncate_at_sentences, truncate_to_tokens
from emulator.util import jsonvalue


def tool_call_tokens(part: ToolCallPart) -> int:
    return count_tokens(part.name) + count_tokens(jsonvalue.dumps_str(part.input))


def _first_stop(text: str, stop_sequences: tuple[str, ...]) -> tuple[int, str] | None:
    best: tuple[int, str] | None = None
    for seq in stop_sequences:
        if not seq:
            continue
        at = text.find(seq)
        if at >= 0 and (best is None or at < best[0]):
            best = (at, seq)
    return best


class KeptChoices(list[FinishedChoice]):
    """Finished choices that are kept and served again as this very object, so what
    is derived from them (their rendered templates) is worth keeping by identity.
    A plain list is made for one answer."""


def finish_choice(
    parts: tuple[Part, ...], *, max_tokens: int, stop_sequences: tuple[str, ...] = ()
) -> FinishedChoice:
    if max_tokens == 0:
        return FinishedChoice((), "max_tokens", None, 0)
    if len(parts) == 1 and not stop_sequences:
        only = parts[0]
        if type(only) is TextPart and only.sentence_ends:  # a generated reply
            cut = truncate_at_sentences(only.text, only.sentence_ends, max_tokens)
            stop_reason: StopReason = "max_tokens" if cut.was_cut else "end_turn"
            return FinishedChoice((TextPart(cut.text),), stop_reason, None, cut.tokens)
    kept: list[Part] = []
    used = 0
    for part in parts:
        if isinstance(part, TextPart | RefusalPart):
            text = part.text
            stop = _first_stop(text, stop_sequences) if isinstance(part, TextPart) else None
            if stop is not None:
                text = text[: stop[0]]
            ends = part.sentence_ends if stop is None and isinstance(part, TextPart) else ()
            if ends:
                cut = truncate_at_sentences(text, ends, max_tokens - used)
            else:
                cut = truncate_to_tokens(text, max_tokens - used)
            used += cut.tokens
            if cut.text or not kept:
                kept.append(type(part)(cut.text))
            if cut.was_cut:
                return FinishedChoice(tuple(kept), "max_tokens", None, used)
            if stop is not None:
                return FinishedChoice(tuple(kept), "stop_sequence", stop[1], used)
            if isinstance(part, RefusalPart):
                return FinishedChoice(tuple(kept), "refusal", None, used)
        elif isinstance(part, ThinkingPart):
            cut = truncate_to_tokens(part.thinking, max_tokens - used)
            used += cut.tokens
            kept.append(ThinkingPart(cut.text, part.signature))
            if cut.was_cut:
                return FinishedChoice(tuple(kept), "max_tokens", None, used)
        else:
            cost = tool_call_tokens(part)
            if used + cost > max_tokens:
                return FinishedChoice(tuple(kept), "max_tokens", None, max_tokens)
            used += cost
            kept.append(part)
    has_tool_call = any(isinstance(p, ToolCallPart) for p in kept)
    return FinishedChoice(tuple(kept), "tool_use" if has_tool_call else "end_turn", None, used)
