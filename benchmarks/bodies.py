"""The requests each workload sends, and what the emulator answers them (probed once)."""

from __future__ import annotations

import json
import math
import urllib.request
from dataclasses import dataclass

from benchmarks import sse
from benchmarks.loadgen import DISTINCT, HttpRequest

ANTHROPIC_HEADERS = {
    "x-api-key": "k",
    "anthropic-version": "2023-06-01",
    "content-type": "application/json",
}
OPENAI_HEADERS = {"authorization": "Bearer k", "content-type": "application/json"}

MESSAGES = "/v1/messages"
CHAT = "/v1/chat/completions"
COMPLETE = "/v1/complete"
RESPONSES = "/v1/responses"
COUNT_TOKENS = "/v1/messages/count_tokens"

CACHED_PREFIX_TOKENS = 4000
_PROSE = "The quick brown fox jumps over the lazy dog while seven wizards box jovially. "


def _dumps(body: object) -> bytes:
    return json.dumps(body, separators=(",", ":")).encode()


def messages(
    max_tokens: int, *, stream: bool = False, system: object = None, distinct: bool = False
) -> bytes:
    """``distinct``: the prompt carries the load generator's per-request number."""
    prompt = f"Hello, this is prompt {DISTINCT.decode()} of the run" if distinct else "Hello"
    body: dict[str, object] = {
        "model": "claude-sonnet-4-5",
        "max_tokens": max_tokens,
        "messages": [{"role": "user", "content": prompt}],
    }
    if system is not None:
        body["system"] = system
    if stream:
        body["stream"] = True
    return _dumps(body)


def chat(max_tokens: int) -> bytes:
    return _dumps(
        {
            "model": "gpt-4o-mini",
            "max_tokens": max_tokens,
            "messages": [{"role": "user", "content": "Hello"}],
        }
    )


def responses(max_tokens: int, *, stream: bool = False) -> bytes:
    body: dict[str, object] = {
        "model": "gpt-4o-mini",
        "max_output_tokens": max_tokens,
        "input": "Hello",
    }
    if stream:
        body["stream"] = True
    return _dumps(body)


def complete(max_tokens: int) -> bytes:
    return _dumps(
        {
            "model": "claude-2.1",
            "max_tokens_to_sample": max_tokens,
            "prompt": "\n\nHuman: Hi\n\nAssistant:",
        }
    )


def cached_system(text: str) -> list[dict[str, object]]:
    return [{"type": "text", "text": text, "cache_control": {"type": "ephemeral"}}]


def _post(url: str, headers: dict[str, str], body: bytes) -> bytes:
    assert url.startswith("http://127.0.0.1:"), url
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    with urllib.request.urlopen(request, timeout=30) as reply:
        data: bytes = reply.read()
        return data


def _count_tokens(base_url: str, text: str) -> int:
    body = _dumps(
        {
            "model": "claude-sonnet-4-5",
            "system": cached_system(text),
            "messages": [{"role": "user", "content": "Hello"}],
        }
    )
    reply = json.loads(_post(base_url + COUNT_TOKENS, ANTHROPIC_HEADERS, body))
    return int(reply["input_tokens"])


def cached_prefix(base_url: str, tokens: int = CACHED_PREFIX_TOKENS) -> str:
    """Prose of about ``tokens`` tokens, sized with the emulator's own count_tokens."""
    unit = _count_tokens(base_url, _PROSE * 100) / 100
    return _PROSE * max(1, math.ceil(tokens / unit))


@dataclass(frozen=True)
class Probe:
    """What the emulator answers, so the baseline can answer alike."""

    body_bytes: dict[str, int]
    stream_events: int
    stream_bytes: int
    stream_tokens: int
    cached_body: bytes
    cached_prefix_tokens: int
    cache_read_tokens: int
    # The Responses stream (responses_stream), for the baseline's Responses-shaped one.
    responses_stream_events: int = 0
    responses_stream_bytes: int = 0


def _usage_tokens(stream: bytes) -> int:
    for frame in sse.FrameSplitter().feed(stream):
        if sse.event_name(frame) == b"message_delta":
            return int(json.loads(sse.frame_data(frame))["usage"]["output_tokens"])
    return 0


def probe(base_url: str, max_tokens: int) -> Probe:
    sizes = {
        MESSAGES: len(_post(base_url + MESSAGES, ANTHROPIC_HEADERS, messages(max_tokens))),
        CHAT: len(_post(base_url + CHAT, OPENAI_HEADERS, chat(max_tokens))),
        COMPLETE: len(_post(base_url + COMPLETE, ANTHROPIC_HEADERS, complete(max_tokens))),
        RESPONSES: len(_post(base_url + RESPONSES, OPENAI_HEADERS, responses(max_tokens))),
    }
    stream = _post(base_url + MESSAGES, ANTHROPIC_HEADERS, messages(max_tokens, stream=True))
    frames = sse.FrameSplitter().feed(stream)
    responses_stream = _post(
        base_url + RESPONSES, OPENAI_HEADERS, responses(max_tokens, stream=True)
    )
    prefix = cached_prefix(base_url)
    cached_body = messages(max_tokens, system=cached_system(prefix))
    usage: dict[str, int] = {}
    for _ in range(2):  # the first writes the cache, the second should read it
        usage = json.loads(_post(base_url + MESSAGES, ANTHROPIC_HEADERS, cached_body))["usage"]
    return Probe(
        body_bytes=sizes,
        stream_events=len(frames),
        stream_bytes=len(stream),
        stream_tokens=_usage_tokens(stream),
        cached_body=cached_body,
        cached_prefix_tokens=_count_tokens(base_url, prefix),
        cache_read_tokens=int(usage.get("cache_read_input_tokens") or 0),
        responses_stream_events=len(sse.FrameSplitter().feed(responses_stream)),
        responses_stream_bytes=len(responses_stream),
    )


def request(base_url: str, path: str, body: bytes, stream_mode: str | None = None) -> HttpRequest:
    """``stream_mode`` is the baseline's ``?stream=`` (the emulator reads ``"stream"``)."""
    headers = OPENAI_HEADERS if path in (CHAT, RESPONSES) else ANTHROPIC_HEADERS
    query = f"?stream={stream_mode}" if stream_mode else ""
    return HttpRequest(base_url + path + query, headers, body)
