"""The bounded memos behind the hot path: LRU order, identity safety, byte budget."""

from __future__ import annotations

from emulator.core.completion import KeptChoices
from emulator.core.neutral import NeutralRequest
from emulator.core.outcome import Reply, TextPart
from emulator.http.parsed_bodies import ParsedBodies
from emulator.pipeline.respond import finish_all
from emulator.util.lru import IdentityMemo, Lru, SecondSight


def _request(model: str = "claude-sonnet-4-6") -> NeutralRequest:
    return NeutralRequest(
        api="messages", model=model, model_info=None, messages=(), max_tokens=5, content_key=b"k"
    )


def test_lru_evicts_the_least_recently_used() -> None:
    memo: Lru[str, int] = Lru(2)
    memo.put("a", 1)
    memo.put("b", 2)
    assert memo.get("a") == 1  # "b" is now the oldest
    memo.put("c", 3)
    assert (memo.get("a"), memo.get("b"), memo.get("c")) == (1, None, 3)
    assert len(memo) == 2


def test_lru_of_size_zero_keeps_nothing() -> None:
    memo: Lru[str, int] = Lru(0)
    memo.put("a", 1)
    assert memo.get("a") is None


def test_identity_memo_answers_only_for_the_same_object() -> None:
    memo: IdentityMemo[str] = IdentityMemo(8)
    source = tuple("ab")
    equal_but_other = tuple("ab")
    memo.put(source, "hashed", extra=1)
    assert memo.get(source, extra=1) == "hashed"
    assert memo.get(source, extra=2) is None
    assert memo.get(equal_but_other, extra=1) is None


def test_identity_memo_keeps_its_source_alive() -> None:
    memo: IdentityMemo[int] = IdentityMemo(8)
    memo.put([1, 2, 3], 6)  # no other reference: the memo's must keep the id unique
    for _ in range(100):
        assert memo.get([9, 9, 9]) is None


def test_parsed_bodies_by_kind_and_bytes() -> None:
    bodies = ParsedBodies()
    request = _request()
    bodies.put("messages", b"{}", request)
    assert bodies.get("messages", b"{}") is request
    assert bodies.get("count_tokens", b"{}") is None
    assert bodies.get("messages", b"{ }") is None


def test_parsed_bodies_keep_within_entries_and_bytes() -> None:
    bodies = ParsedBodies(max_entries=3, budget_bytes=100)
    for index in range(5):
        bodies.put("k", bytes([index]) * 10, _request())
    assert len(bodies) == 3
    assert bodies.get("k", bytes([0]) * 10) is None
    assert bodies.get("k", bytes([4]) * 10) is not None
    bodies.put("k", b"x" * 60, _request())
    bodies.put("k", b"y" * 60, _request())  # 120 bytes would pass the budget
    assert bodies.get("k", b"x" * 60) is None
    assert bodies.get("k", b"y" * 60) is not None
    bodies.put("k", b"z" * 101, _request())  # larger than the whole budget
    assert bodies.get("k", b"z" * 101) is None


def test_bodies_that_share_a_sample_are_never_confused() -> None:
    """Large entries are found by length and three slices, then compared whole."""
    bodies = ParsedBodies()
    one, other = b"a" * 40 + b"1" + b"b" * 400, b"a" * 40 + b"2" + b"b" * 400
    first, second = _request("one"), _request("other")
    bodies.put("k", one, first)
    assert bodies.get("k", one) is first
    assert bodies.get("k", other) is None  # same sample, different bytes
    bodies.put("k", other, second)  # takes the slot
    assert bodies.get("k", other) is second
    assert bodies.get("k", one) is None
    assert len(bodies) == 1


def test_small_bodies_that_differ_anywhere_are_apart() -> None:
    bodies = ParsedBodies()
    one, other = b"a" * 40 + b"1" + b"b" * 40, b"a" * 40 + b"2" + b"b" * 40
    first, second = _request("one"), _request("other")
    bodies.put("k", one, first)
    bodies.put("k", other, second)
    assert bodies.get("k", one) is first and bodies.get("k", other) is second
    assert bodies.get("j", one) is None
    assert len(bodies) == 2


def test_second_sight_admits_what_comes_back() -> None:
    door = SecondSight(remembered=3)
    assert not door.admits("a")
    assert door.admits("a")  # the second offer
    assert not door.admits("a")  # admitted once; a third offer starts again
    for key in ("b", "c", "d"):  # more than it remembers: it forgets them all
        door.admits(key)
    assert not door.admits("a")


def test_a_body_offered_twice_is_kept() -> None:
    bodies = ParsedBodies()
    first, second = _request("first"), _request("second")
    bodies.offer("k", b"{}", first)
    assert bodies.get("k", b"{}") is None and len(bodies) == 0
    bodies.offer("k", b"{}", second)
    assert bodies.get("k", b"{}") is second
    bodies.offer("k", b"{ }", first)
    assert bodies.get("k", b"{ }") is None


def test_only_replies_the_engine_keeps_have_their_cuts_kept() -> None:
    request = _request()  # max_tokens 5
    parts = ((TextPart("one two three four five six seven"),),)
    once = Reply(parts)
    first, again = finish_all(request, once), finish_all(request, once)
    assert type(first) is list and first == again and first is not again
    assert first[0].stop_reason == "max_tokens" and first[0].output_tokens == 5
    kept = Reply(parts, kept=True)
    assert kept == once  # keeping is not part of what the reply says
    cut = finish_all(request, kept)
    assert isinstance(cut, KeptChoices) and cut == first
    assert finish_all(request, kept) is cut
