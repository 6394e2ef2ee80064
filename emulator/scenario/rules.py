"""Rules: a name, a match (predicates on the neutral request), and replies.

Every predicate is a small named check that returns ``None`` when it holds or a
reason why not; the reason is what the nearest-miss report shows. A reason is a
sentence, or a function that writes it: most rules tried miss, and only the
nearest few misses are ever reported, so their sentences are written on demand.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from emulator.core.neutral import NeutralRequest
from emulator.scenario.fingerprint import Fingerprint
from emulator.scenario.replies import ReplySpec
from emulator.util.linear_regex import LinearPattern

Exhausted = Literal["repeat_last", "cycle", "error"]


class MatchContext:
    """What a predicate may look at besides the request. A plain class: one is made per
    rule tried, and a dataclass's generated ``__init__`` is several times slower."""

    __slots__ = ("fired", "groups", "headers", "request")

    def __init__(self, request: NeutralRequest, headers: Mapping[str, str], fired: int) -> None:
        self.request = request
        self.headers = headers
        self.fired = fired
        self.groups: dict[str, str] = {}


Why = str | Callable[[], str]
Predicate = Callable[[MatchContext], Why | None]


def explain(why: Why) -> str:
    return why if isinstance(why, str) else why()


@dataclass(frozen=True, slots=True)
class TextMatcher:
    """``contains`` (case-insensitive substring), ``regex`` (search, named groups kept),
    or ``equals``."""

    contains: str | None = None
    regex: LinearPattern | None = None  # RE2: linear in the text matched
    equals: str | None = None

    def check(self, what: str, text: str, groups: dict[str, str]) -> Why | None:
        equals, contains, regex = self.equals, self.contains, self.regex
        if equals is not None and text != equals:
            return lambda: f"{what} is {_clip(text)!r}, not {equals!r}"
        if contains is not None and contains.lower() not in text.lower():
            return lambda: f"{what} {_clip(text)!r} does not contain {contains!r}"
        if regex is not None:
            found = regex.search(text)
            if found is None:
                return lambda: f"{what} {_clip(text)!r} does not match /{regex.pattern}/"
            groups.update({k: v for k, v in found.groupdict().items() if v is not None})
        return None


def _clip(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _last_user_text(request: NeutralRequest) -> str:
    return request.last_user_text


def text_predicate(
    what: str, matcher: TextMatcher, pick: Callable[[NeutralRequest], str]
) -> Predicate:
    def check(ctx: MatchContext) -> Why | None:
        return matcher.check(what, pick(ctx.request), ctx.groups)

    return check


def last_user_text(matcher: TextMatcher) -> Predicate:
    return text_predicate("last user text", matcher, _last_user_text)


def system_text(matcher: TextMatcher) -> Predicate:
    return text_predicate("system text", matcher, lambda r: r.system)


def any_text(matcher: TextMatcher) -> Predicate:
    def check(ctx: MatchContext) -> Why | None:
        texts = [ctx.request.system, *(m.text for m in ctx.request.messages)]
        for text in texts:
            if matcher.check("a message", text, ctx.groups) is None:
                return None
        return lambda: f"no message text matches {_describe(matcher)}"

    return check


def _describe(matcher: TextMatcher) -> str:
    if matcher.regex is not None:
        return f"/{matcher.regex.pattern}/"
    return repr(matcher.contains if matcher.contains is not None else matcher.equals)


def api_is(apis: frozenset[str]) -> Predicate:
    def check(ctx: MatchContext) -> Why | None:
        api = ctx.request.api
        if api in apis:
            return None
        return lambda: f"api is {api!r}, not one of {sorted(apis)}"

    return check


def model_glob(patterns: tuple[str, ...]) -> Predicate:
    # fnmatch escapes all but its wildcards, and makes each ``*`` an atomic group (no
    # backtracking into it): linear enough for re, which RE2 could not run (atomic groups).
    matches = re.compile("|".join(f"(?:{fnmatch.translate(p)})" for p in patterns)).match

    def check(ctx: MatchContext) -> Why | None:
        model = ctx.request.model
        if matches(model):
            return None
        return lambda: f"model {model!r} does not match {', '.join(patterns)}"

    return check


def tools_offered(names: tuple[str, ...]) -> Predicate:
    def check(ctx: MatchContext) -> Why | None:
        tools = ctx.request.tools
        if all(any(t.name == n for t in tools) for n in names):
            return None

        def why() -> str:
            offered = {t.name for t in tools}
            missing = [n for n in names if n not in offered]
            return f"tools {missing} are not offered (offered: {sorted(offered)})"

        return why

    return check


def tool_result(expected: bool | str) -> Predicate:
    """``True``: the last turn carries a tool result; ``False``: it does not;
    a name: it carries a result of that tool."""

    def check(ctx: MatchContext) -> Why | None:
        results = ctx.request.last_tool_results
        if expected is True:
            return None if results else "the last turn carries no tool result"
        if expected is False:
            return "the last turn carries a tool result" if results else None
        names = [r.tool_name for r in results]
        if expected in names:
            return None
        return lambda: f"the last turn has no result of tool {expected!r}"

    return check


def header_values(expected: Mapping[str, TextMatcher]) -> Predicate:
    def check(ctx: MatchContext) -> Why | None:
        for name, matcher in expected.items():
            value = ctx.headers.get(name)
            if value is None:
                return f"header {name!r} is missing"
            failure = matcher.check(f"header {name!r}", value, ctx.groups)
            if failure:
                return failure
        return None

    return check


def metadata_values(expected: Mapping[str, TextMatcher]) -> Predicate:
    def check(ctx: MatchContext) -> Why | None:
        for name, matcher in expected.items():
            value = ctx.request.metadata.get(name)
            if value is None:
                return f"metadata {name!r} is missing"
            failure = matcher.check(f"metadata {name!r}", str(value), ctx.groups)
            if failure:
                return failure
        return None

    return check


@dataclass(frozen=True, slots=True)
class Bounds:
    """Integer comparisons: all given bounds must hold."""

    eq: int | None = None
    lt: int | None = None
    lte: int | None = None
    gt: int | None = None
    gte: int | None = None

    def failure(self, what: str, value: int) -> Why | None:
        checks = (
            (self.eq, value == self.eq, "=="),
            (self.lt, self.lt is not None and value < self.lt, "<"),
            (self.lte, self.lte is not None and value <= self.lte, "<="),
            (self.gt, self.gt is not None and value > self.gt, ">"),
            (self.gte, self.gte is not None and value >= self.gte, ">="),
        )
        for bound, holds, op in checks:
            if bound is not None and not holds:
                return f"{what} is {value}, not {op} {bound}"
        return None


def turn_index(bounds: Bounds) -> Predicate:
    """Turn = how many assistant turns the conversation already holds (0 for the first call)."""

    def check(ctx: MatchContext) -> Why | None:
        turns = sum(1 for m in ctx.request.messages if m.role == "assistant")
        if ctx.request.prefill:
            turns -= 1
        return bounds.failure("turn", turns)

    return check


def fired_times(bounds: Bounds) -> Predicate:
    def check(ctx: MatchContext) -> Why | None:
        return bounds.failure("times fired", ctx.fired)

    return check


def no_result_for(tool_names: tuple[str, ...]) -> Predicate:
    """Implicit guard of a tool-calling rule: once the result of its call is in the
    conversation since the last user text, it does not fire again in that agent turn,
    so a chain of different tools ends instead of starting over."""

    def check(ctx: MatchContext) -> Why | None:
        answered = {r.tool_name for r in ctx.request.tool_results_this_turn}
        repeated = [n for n in tool_names if n in answered]
        if repeated:
            return (
                "the conversation since the last user text already answers its tool call "
                f"({', '.join(repeated)})"
            )
        return None

    return check


@dataclass(frozen=True, slots=True)
class NamedPredicate:
    """``live`` predicates look beyond the request's body (its headers, how many times
    the rule fired), so their answer for the same body can change between requests."""

    field: str
    check: Predicate
    live: bool = False


# (predicate index, field, why): the index keeps reports in declaration order.
Failure = tuple[int, str, Why]


@dataclass(frozen=True, slots=True)
class Rule:
    name: str
    predicates: tuple[NamedPredicate, ...]
    replies: tuple[ReplySpec, ...]
    on_exhausted: Exhausted = "repeat_last"
    source: str = ""
    # A recorded rule: matched by this fingerprint and answered by the replay of its
    # recordings (emulator.pipeline.replay), never by the engine.
    fingerprint: Fingerprint | None = None
    # Asked of every rule tried on every request: worked out once.
    has_live_predicates: bool = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "has_live_predicates", any(p.live for p in self.predicates))

    def failures(self, ctx: MatchContext) -> list[Failure]:
        """Every predicate that does not hold; empty when the rule matches."""
        return self._failures(ctx, live=None)

    def body_failures(self, ctx: MatchContext) -> list[Failure]:
        """The predicates on the request's body that do not hold: the same for every
        request with that body."""
        return self._failures(ctx, live=False)

    def live_failures(self, ctx: MatchContext) -> list[Failure]:
        return self._failures(ctx, live=True) if self.has_live_predicates else []

    def _failures(self, ctx: MatchContext, *, live: bool | None) -> list[Failure]:
        found: list[Failure] = []
        for index, predicate in enumerate(self.predicates):
            if live is not None and predicate.live != live:
                continue
            why = predicate.check(ctx)
            if why is not None:
                found.append((index, predicate.field, why))
        return found

    def reply_for(self, fired: int) -> ReplySpec | None:
        """The reply for this rule's ``fired``-th firing (0-based), or None when exhausted."""
        count = len(self.replies)
        if fired < count:
            return self.replies[fired]
        if self.on_exhausted == "cycle":
            return self.replies[fired % count]
        if self.on_exhausted == "repeat_last":
            return self.replies[-1]
        return None
