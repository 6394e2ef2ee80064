"""Rate limits on the request path: take from the buckets, refuse with 429, send headers."""

from __future__ import annotations

import math
from collections.abc import Mapping
from types import MappingProxyType

from emulator.accounting import rate_limit as rl
from emulator.accounting.usage import PromptUsage
from emulator.core.neutral import OPENAI_APIS, NeutralRequest
from emulator.pipeline.runtime import Runtime


def _headers(request: NeutralRequest, state: rl.RateLimitState, now: float) -> Mapping[str, str]:
    if request.api in OPENAI_APIS:
        return rl.openai_headers(state, now)
    return rl.anthropic_headers(state, now)


def _unenforced_headers(request: NeutralRequest, now: float) -> Mapping[str, str]:
    """Always the same full buckets: only the reset second changes."""
    key = (request.api in OPENAI_APIS, math.ceil(now))
    known = _UNENFORCED_HEADERS.get(key)
    if known is None:
        known = MappingProxyType(dict(_headers(request, rl.full_state(now), now)))
        if len(_UNENFORCED_HEADERS) >= 8:
            _UNENFORCED_HEADERS.clear()  # past seconds: at most a recomputation away
        _UNENFORCED_HEADERS[key] = known
    return known


# Read-only: shared between answers (see answer_head).
_NO_HEADERS: Mapping[str, str] = MappingProxyType({})
# The last few seconds' (a plain dict: cheaper to read than an Lru).
_UNENFORCED_HEADERS: dict[tuple[bool, int], Mapping[str, str]] = {}


def take(
    runtime: Runtime, request: NeutralRequest, api_key: str, prompt: PromptUsage
) -> Mapping[str, str]:
    """Charge one request and its uncached input tokens (cache reads are free, as on the
    real APIs); the rate-limit headers for the answer, or the API's 429."""
    limiter = runtime.rate_limiter
    if limiter is None:
        return _NO_HEADERS
    now = runtime.clock.now()
    if not limiter.enforces(request.model):
        return _unenforced_headers(request, now)
    uncached = prompt.input_tokens + prompt.cache_creation_tokens
    decision = limiter.check(api_key, request.model, uncached, now=now)
    if not decision.is_allowed:
        if request.api in OPENAI_APIS:
            raise rl.openai_rate_limit_error(decision, request.model)
        raise rl.anthropic_rate_limit_error(decision)
    return _headers(request, decision.state, now)


def peek(runtime: Runtime, request: NeutralRequest, api_key: str) -> Mapping[str, str]:
    """Headers for an answer that takes nothing (a scripted error)."""
    limiter = runtime.rate_limiter
    if limiter is None:
        return _NO_HEADERS
    now = runtime.clock.now()
    if not limiter.enforces(request.model):
        return _unenforced_headers(request, now)
    return _headers(request, limiter.snapshot(api_key, request.model, now=now), now)


def record_output(
    runtime: Runtime, request: NeutralRequest, api_key: str, output_tokens: int
) -> None:
    limiter = runtime.rate_limiter
    if limiter is not None and output_tokens and limiter.enforces(request.model):
        limiter.record_output(api_key, request.model, output_tokens, now=runtime.clock.now())
