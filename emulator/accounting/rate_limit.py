"""Rate limits: continuous-refill token buckets per API key, their headers, and 429s.

Each (API key, model group) has three buckets: requests, input tokens and output
tokens per minute. A bucket holds at most its per-minute limit and refills
continuously at limit / 60 per second.

* ``RateLimiter.check`` runs before the answer: it takes one request and the
  request's input tokens when every enforced bucket can pay, or takes nothing
  and reports the exact wait until all of them could. The caller passes input
  tokens *excluding* cache reads: cached-read tokens do not count toward input
  token limits (reference: anthropic-messages.md §10). Cache writes do count.
* A request larger than the input bucket's capacity could never fit. It is
  charged the whole capacity instead: allowed once the bucket is full, and it
  empties the bucket. (What the real APIs do is not documented.)
* ``RateLimiter.record_output`` debits the answer's output tokens afterwards;
  the bucket may go below zero, and later requests wait until it holds at
  least one token again.
* A limit of ``None`` is not enforced: its headers show a generous default
  (4,000 requests or 4,000,000 tokens per minute) with all of it remaining, so
  a client that paces itself by the headers never waits on a limit that does
  not exist. Only enforced buckets are spent.
* Models matching a glob of the ``RateLimitTable`` share one set of buckets per
  key (like Anthropic's model classes); any other model has its own set.
* At most ``capacity`` bucket sets are kept, least recently used evicted
  first; an evicted key starts again with full buckets.
"""

from __future__ import annotations

import fnmatch
import functools
import math
import threading
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal, NamedTuple

from emulator.core.errors import ApiError
from emulator.core.ids import ORGANIZATION_ID
from emulator.util.clock import Clock
from emulator.util.spec_items import parse_items

LimitKind = Literal["requests", "input_tokens", "output_tokens"]

DEFAULT_REQUESTS_PER_MINUTE = 4_000
DEFAULT_TOKENS_PER_MINUTE = 4_000_000
DEFAULT_CAPACITY = 10_000
OPENAI_ORGANIZATION = "org-llm-emulator"

# A bucket short of what it needs by less than this many seconds of refill counts
# as able to pay: float timestamps near 1.7e9 carry about 2e-7 s of rounding, and a
# client that waited exactly the advertised time must be let through.
_TIME_SLACK_S = 1e-6

_SPEC_KEYS: dict[str, str] = {
    "rpm": "requests_per_minute",
    "requests_per_minute": "requests_per_minute",
    "itpm": "input_tokens_per_minute",
    "input_tokens_per_minute": "input_tokens_per_minute",
    "otpm": "output_tokens_per_minute",
    "output_tokens_per_minute": "output_tokens_per_minute",
}


# --- settings ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RateLimitSettings:
    """Per-minute limits; ``None`` means not enforced."""

    requests_per_minute: int | None = None
    input_tokens_per_minute: int | None = None
    output_tokens_per_minute: int | None = None

    def __post_init__(self) -> None:
        for name in ("requests_per_minute", "input_tokens_per_minute", "output_tokens_per_minute"):
            value = getattr(self, name)
            if value is not None and (isinstance(value, bool) or value < 1):
                raise ValueError(f"{name} must be a positive integer, got {value!r}")

    @property
    def enforces_any(self) -> bool:
        return (
            self.requests_per_minute is not None
            or self.input_tokens_per_minute is not None
            or self.output_tokens_per_minute is not None
        )


UNLIMITED = RateLimitSettings()


@dataclass(frozen=True, slots=True)
class RateLimitTable:
    """Settings by model glob (first match wins), else ``default``."""

    default: RateLimitSettings = UNLIMITED
    overrides: tuple[tuple[str, RateLimitSettings], ...] = ()

    def lookup(self, model: str) -> tuple[str, RateLimitSettings]:
        """The bucket group of ``model`` (its glob, or the model itself) and its settings."""
        for pattern, settings in self.overrides:
            if fnmatch.fnmatchcase(model, pattern):
                return f"glob:{pattern}", settings
        return f"model:{model}", self.default


def _parse_limit(name: str, value: str) -> int:
    try:
        number = int(value)
    except ValueError as err:
        raise ValueError(f"{name} must be a positive integer, got {value!r}") from err
    if number < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return number


def _settings_from(items: Iterable[tuple[str, str]]) -> RateLimitSettings:
    values: dict[str, int] = {}
    for name, value in items:
        field_name = _SPEC_KEYS.get(name)
        if field_name is None:
            known = ", ".join(sorted(_SPEC_KEYS))
            raise ValueError(f"unknown rate limit {name!r} (known: {known})")
        if field_name in values:
            raise ValueError(f"rate limit {field_name} given twice")
        values[field_name] = _parse_limit(name, value)
    return RateLimitSettings(**values)


def parse_rate_limits(spec: str) -> RateLimitSettings:
    """Settings from ``rpm=60,itpm=20000,otpm=8000`` (any subset; the rest unlimited)."""
    return _settings_from(parse_items(spec, "rate limit"))


def parse_rate_limit_table(specs: Iterable[str]) -> RateLimitTable:
    """A table from several specs; one may be plain (the default), the others start with
    ``model=<glob>``, e.g. ``["rpm=60", "model=claude-opus-*,rpm=5,otpm=4000"]``."""
    default: RateLimitSettings | None = None
    overrides: list[tuple[str, RateLimitSettings]] = []
    for spec in specs:
        items = parse_items(spec, "rate limit")
        globs = [value for name, value in items if name == "model"]
        settings = _settings_from((n, v) for n, v in items if n != "model")
        if len(globs) > 1:
            raise ValueError(f"rate limit spec {spec!r} names more than one model glob")
        if globs and not globs[0]:
            raise ValueError(f"rate limit spec {spec!r} has an empty model glob")
        if globs:
            overrides.append((globs[0], settings))
        elif default is not None:
            raise ValueError("more than one default rate limit spec (add model=<glob>)")
        else:
            default = settings
    return RateLimitTable(default or UNLIMITED, tuple(overrides))


# --- buckets -------------------------------------------------------------------------


# The states and decisions below are named tuples, not frozen dataclasses: several
# are made for every request, and a tuple is made four times faster.


class BucketState(NamedTuple):
    """One bucket as of ``RateLimitState.at``."""

    kind: LimitKind
    limit: int
    remaining: float  # below zero while output tokens are owed
    full_at: float  # epoch seconds when the bucket is full again
    is_enforced: bool

    @property
    def remaining_whole(self) -> int:
        return max(0, math.floor(self.remaining + self._noise))

    @property
    def used(self) -> int:
        return max(0, math.ceil(self.limit - self.remaining - self._noise))

    @property
    def _noise(self) -> float:
        # What the refill of _TIME_SLACK_S adds: float noise, not a token.
        return self.limit / 60.0 * _TIME_SLACK_S + 1e-9


class RateLimitState(NamedTuple):
    at: float
    requests: BucketState
    input_tokens: BucketState
    output_tokens: BucketState

    @property
    def is_unenforced(self) -> bool:
        return not (
            self.requests.is_enforced
            or self.input_tokens.is_enforced
            or self.output_tokens.is_enforced
        )

    @property
    def tokens(self) -> BucketState:
        """The most restrictive token bucket: the one with fewer tokens left."""
        if self.output_tokens.remaining < self.input_tokens.remaining:
            return self.output_tokens
        return self.input_tokens

    def bucket(self, kind: LimitKind) -> BucketState:
        if kind == "requests":
            return self.requests
        return self.input_tokens if kind == "input_tokens" else self.output_tokens


class Decision(NamedTuple):
    """The verdict of ``RateLimiter.check``; a refusal names the binding limit."""

    is_allowed: bool
    state: RateLimitState
    wait_s: float = 0.0
    limited_by: LimitKind | None = None
    requested: int = 0  # what the request asked of the binding bucket

    @property
    def limit(self) -> BucketState | None:
        return None if self.limited_by is None else self.state.bucket(self.limited_by)


class _Bucket:
    __slots__ = ("capacity", "is_enforced", "kind", "level", "rate", "updated_at")

    def __init__(self, kind: LimitKind, limit: int | None, now: float) -> None:
        default = DEFAULT_REQUESTS_PER_MINUTE if kind == "requests" else DEFAULT_TOKENS_PER_MINUTE
        self.kind: LimitKind = kind
        self.is_enforced = limit is not None
        self.capacity = float(limit if limit is not None else default)
        self.rate = self.capacity / 60.0
        self.level = self.capacity
        self.updated_at = now

    def refill(self, now: float) -> None:
        # A clock moved backwards (a control-API reset) refills nothing and restarts here.
        elapsed = now - self.updated_at
        if elapsed > 0:
            self.level = min(self.capacity, self.level + elapsed * self.rate)
        self.updated_at = now

    def wait_for(self, need: float) -> float:
        """Seconds until the bucket holds ``need``; 0 when it already does."""
        deficit = need - self.level
        if deficit <= self.rate * _TIME_SLACK_S:
            return 0.0
        return deficit / self.rate

    def take(self, amount: float) -> None:
        if self.is_enforced:
            self.level -= amount

    def state(self) -> BucketState:
        full_at = self.updated_at + max(0.0, self.capacity - self.level) / self.rate
        return BucketState(self.kind, int(self.capacity), self.level, full_at, self.is_enforced)


class _BucketSet:
    __slots__ = ("input_tokens", "output_tokens", "requests")

    def __init__(self, settings: RateLimitSettings, now: float) -> None:
        self.requests = _Bucket("requests", settings.requests_per_minute, now)
        self.input_tokens = _Bucket("input_tokens", settings.input_tokens_per_minute, now)
        self.output_tokens = _Bucket("output_tokens", settings.output_tokens_per_minute, now)

    def refill(self, now: float) -> None:
        self.requests.refill(now)
        self.input_tokens.refill(now)
        self.output_tokens.refill(now)

    def state(self, now: float) -> RateLimitState:
        return RateLimitState(
            now, self.requests.state(), self.input_tokens.state(), self.output_tokens.state()
        )


def _full_bucket(kind: LimitKind, now: float) -> BucketState:
    capacity = DEFAULT_REQUESTS_PER_MINUTE if kind == "requests" else DEFAULT_TOKENS_PER_MINUTE
    return BucketState(kind, capacity, float(capacity), now, False)


def full_state(now: float) -> RateLimitState:
    """What headers show for a group that enforces nothing: every default bucket full,
    as of the start of the current second (the headers show whole seconds)."""
    return _full_state_at(math.floor(now))


@functools.lru_cache(maxsize=4)
def _full_state_at(second: int) -> RateLimitState:
    at = float(second)
    return RateLimitState(
        at,
        _full_bucket("requests", at),
        _full_bucket("input_tokens", at),
        _full_bucket("output_tokens", at),
    )


def _enforces_any_model(table: RateLimitTable) -> bool:
    return table.default.enforces_any or any(s.enforces_any for _, s in table.overrides)


class RateLimiter:
    """Token buckets per (API key, model group); thread-safe, O(1) per call."""

    def __init__(
        self,
        clock: Clock,
        table: RateLimitTable | None = None,
        *,
        capacity: int = DEFAULT_CAPACITY,
    ) -> None:
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self._clock = clock
        self._table = table or RateLimitTable()
        self._enforces_any_model = _enforces_any_model(self._table)
        self._capacity = capacity
        self._lock = threading.Lock()
        self._sets: OrderedDict[tuple[str, str], _BucketSet] = OrderedDict()
        self._groups: dict[str, tuple[str, RateLimitSettings]] = {}

    @property
    def table(self) -> RateLimitTable:
        return self._table

    def set_table(self, table: RateLimitTable) -> None:
        """New limits; every bucket starts again full."""
        with self._lock:
            self._table = table
            self._enforces_any_model = _enforces_any_model(table)
            self._sets.clear()
            self._groups.clear()

    def reset(self) -> None:
        """Forget all usage: every bucket starts again full."""
        with self._lock:
            self._sets.clear()

    def __len__(self) -> int:
        return len(self._sets)

    def enforces(self, model: str) -> bool:
        """Whether any bucket limits ``model``; if not, every call shows full buckets."""
        return self._enforces_any_model and self._group(model)[1].enforces_any

    def check(
        self, api_key: str, model: str, input_tokens: int, *, now: float | None = None
    ) -> Decision:
        """Take one request and ``input_tokens`` (cache reads excluded) if every enforced
        bucket can pay; otherwise take nothing and say how long to wait."""
        at = self._clock.now() if now is None else now
        if not self._group(model)[1].enforces_any:
            return Decision(True, full_state(at))
        with self._lock:
            buckets = self._buckets(api_key, model, at)
            charge = min(float(max(0, input_tokens)), buckets.input_tokens.capacity)
            needs = (
                (buckets.requests, 1.0, 1),
                (buckets.input_tokens, charge, max(0, input_tokens)),
                (buckets.output_tokens, 1.0, 1),
            )
            wait, binding, requested = 0.0, None, 0
            for bucket, need, asked in needs:
                bucket_wait = bucket.wait_for(need) if bucket.is_enforced else 0.0
                if bucket_wait > wait:
                    wait, binding, requested = bucket_wait, bucket.kind, asked
            if binding is not None:
                return Decision(False, buckets.state(at), wait, binding, requested)
            buckets.requests.take(1.0)
            buckets.input_tokens.take(charge)
            return Decision(True, buckets.state(at))

    def record_output(
        self, api_key: str, model: str, output_tokens: int, *, now: float | None = None
    ) -> RateLimitState:
        """Debit the answer's output tokens; the bucket may go below zero."""
        at = self._clock.now() if now is None else now
        if not self._group(model)[1].enforces_any:
            return full_state(at)
        with self._lock:
            buckets = self._buckets(api_key, model, at)
            buckets.output_tokens.take(float(max(0, output_tokens)))
            return buckets.state(at)

    def snapshot(self, api_key: str, model: str, *, now: float | None = None) -> RateLimitState:
        """The buckets as of ``now``, taking nothing."""
        at = self._clock.now() if now is None else now
        if not self._group(model)[1].enforces_any:
            return full_state(at)
        with self._lock:
            return self._buckets(api_key, model, at).state(at)

    def _group(self, model: str) -> tuple[str, RateLimitSettings]:
        found = self._groups.get(model)
        if found is None:
            if len(self._groups) >= self._capacity:
                self._groups.clear()
            found = self._groups[model] = self._table.lookup(model)
        return found

    def _buckets(self, api_key: str, model: str, now: float) -> _BucketSet:
        group, settings = self._group(model)
        key = (api_key, group)
        buckets = self._sets.get(key)
        if buckets is None:
            buckets = self._sets[key] = _BucketSet(settings, now)
            if len(self._sets) > self._capacity:
                self._sets.popitem(last=False)
        else:
            self._sets.move_to_end(key)
            buckets.refill(now)
        return buckets


# --- headers -------------------------------------------------------------------------


def rfc3339(epoch_s: float) -> str:
    """``2025-02-24T22:25:30Z``: UTC, whole seconds, rounded up."""
    if not math.isfinite(epoch_s):
        return _format_second(_LAST_SECOND if epoch_s > 0 else _FIRST_SECOND)
    return _format_second(math.ceil(epoch_s - _TIME_SLACK_S))


# The seconds a date can show (1970-01-01T00:00:00Z to 9999-12-31T23:59:59Z): any
# clock value renders, at worst as the nearest of these.
_FIRST_SECOND, _LAST_SECOND = 0, 253_402_300_799


@functools.lru_cache(maxsize=1024)
def _format_second(whole: int) -> str:
    # Cached: every response renders four of these, mostly for the same few seconds.
    shown = min(max(whole, _FIRST_SECOND), _LAST_SECOND)
    return datetime.fromtimestamp(shown, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _whole_ms(seconds: float) -> int:
    """Rounded up, but not for the float noise of epoch timestamps (see _TIME_SLACK_S)."""
    return max(0, math.ceil((seconds - _TIME_SLACK_S) * 1000))


def go_duration(seconds: float) -> str:
    """A wait as Go's ``time.Duration`` prints it, rounded up to whole milliseconds:
    ``0s``, ``12ms``, ``1s``, ``1.304s``, ``6m0s``, ``1h2m3s``. Negative means ``0s``."""
    ms = _whole_ms(seconds)
    if ms == 0:
        return "0s"
    if ms < 1000:
        return f"{ms}ms"
    hours, rest = divmod(ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    whole_s, frac_ms = divmod(rest, 1000)
    secs = f"{whole_s}.{frac_ms:03d}".rstrip("0") if frac_ms else str(whole_s)
    if hours:
        return f"{hours}h{minutes}m{secs}s"
    if minutes:
        return f"{minutes}m{secs}s"
    return f"{secs}s"


def _round_down_thousands(tokens: int) -> int:
    return tokens // 1000 * 1000


_ANTHROPIC_HEADER_NAMES = {
    name: tuple(f"anthropic-ratelimit-{name}-{part}" for part in ("limit", "remaining", "reset"))
    for name in ("requests", "tokens", "input-tokens", "output-tokens")
}


def anthropic_headers(
    state: RateLimitState, now: float, *, round_tokens: bool = True
) -> dict[str, str]:
    """``anthropic-ratelimit-*``. Token ``remaining`` values are rounded to thousands as
    the real API does (down, so a client never plans on tokens it lacks) unless
    ``round_tokens`` is false; ``tokens-*`` is the most restrictive token bucket."""
    headers: dict[str, str] = {}
    named = (
        ("requests", state.requests),
        ("tokens", state.tokens),
        ("input-tokens", state.input_tokens),
        ("output-tokens", state.output_tokens),
    )
    for name, bucket in named:
        remaining = bucket.remaining_whole
        if round_tokens and name != "requests":
            remaining = _round_down_thousands(remaining)
        limit_name, remaining_name, reset_name = _ANTHROPIC_HEADER_NAMES[name]
        headers[limit_name] = str(bucket.limit)
        headers[remaining_name] = str(remaining)
        headers[reset_name] = rfc3339(max(bucket.full_at, now))
    return headers


def openai_headers(state: RateLimitState, now: float) -> dict[str, str]:
    """``x-ratelimit-*``; tokens are the most restrictive token bucket, resets are Go
    durations until the bucket is full."""
    requests, tokens = state.requests, state.tokens
    return {
        "x-ratelimit-limit-requests": str(requests.limit),
        "x-ratelimit-limit-tokens": str(tokens.limit),
        "x-ratelimit-remaining-requests": str(requests.remaining_whole),
        "x-ratelimit-remaining-tokens": str(tokens.remaining_whole),
        "x-ratelimit-reset-requests": go_duration(requests.full_at - now),
        "x-ratelimit-reset-tokens": go_duration(tokens.full_at - now),
    }


# --- 429 errors ----------------------------------------------------------------------


def retry_headers(wait_s: float) -> dict[str, str]:
    """``retry-after`` (whole seconds, rounded up, at least 1) and ``retry-after-ms``
    (whole milliseconds, rounded up, at least 1): waiting either is enough."""
    ms = max(1, _whole_ms(wait_s))
    return {"retry-after": str(max(1, math.ceil(ms / 1000))), "retry-after-ms": str(ms)}


def _refused(decision: Decision) -> tuple[LimitKind, BucketState]:
    if decision.is_allowed or decision.limited_by is None:
        raise ValueError("the decision allowed the request: there is no rate limit error")
    return decision.limited_by, decision.state.bucket(decision.limited_by)


_ANTHROPIC_UNITS: dict[LimitKind, str] = {
    "requests": "requests",
    "input_tokens": "input tokens",
    "output_tokens": "output tokens",
}


def anthropic_rate_limit_error(
    decision: Decision, *, organization_id: str = ORGANIZATION_ID
) -> ApiError:
    """429 ``rate_limit_error`` with retry and ``anthropic-ratelimit-*`` headers."""
    kind, bucket = _refused(decision)
    message = (
        f"This request would exceed the rate limit for your organization ({organization_id})"
        f" of {bucket.limit:,} {_ANTHROPIC_UNITS[kind]} per minute. For details, refer to:"
        " https://docs.claude.com/en/api/rate-limits. You can see the response headers for"
        " current usage. Please reduce the prompt length or the maximum tokens requested,"
        " or try again later. You may also contact sales at"
        " https://www.anthropic.com/contact-sales to discuss your options for a rate limit"
        " increase."
    )
    headers = anthropic_headers(decision.state, decision.state.at)
    headers.update(retry_headers(decision.wait_s))
    return ApiError(429, message, error_type="rate_limit_error", headers=headers)


def openai_rate_limit_error(
    decision: Decision, model: str, *, organization: str = OPENAI_ORGANIZATION
) -> ApiError:
    """429 with ``type`` ``requests`` or ``tokens``, ``code`` ``rate_limit_exceeded``, retry
    and ``x-ratelimit-*`` headers."""
    kind, bucket = _refused(decision)
    unit = "requests per min (RPM)" if kind == "requests" else "tokens per min (TPM)"
    message = (
        f"Rate limit reached for {model} in organization {organization} on {unit}:"
        f" Limit {bucket.limit}, Used {bucket.used}, Requested {decision.requested}."
        f" Please try again in {go_duration(decision.wait_s)}."
        " Visit https://platform.openai.com/account/rate-limits to learn more."
    )
    headers = openai_headers(decision.state, decision.state.at)
    headers.update(retry_headers(decision.wait_s))
    return ApiError(
        429,
        message,
        error_type="rate_limit_error",
        code="rate_limit_exceeded",
        openai_type="requests" if kind == "requests" else "tokens",
        headers=headers,
    )
