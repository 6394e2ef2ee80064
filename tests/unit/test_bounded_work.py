"""Issue 19, bounded work per request, counted structurally (never timed): jsonschema is
asked about the wrong parts of a body only and at most MAX_ERRORS times; the generator's
pattern strings match in RE2 and stay within their caps; the depth bound is exact."""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from emulator.jsongen.common import MAX_STRING_LENGTH
from emulator.jsongen.instance import UnsatisfiableSchema, make_instance
from emulator.util.linear_regex import compile_linear, unsupported_reason
from emulator.util.nesting import MAX_DEPTH, nests_too_deeply
from emulator.validation import schemas
from emulator.validation.bounded import MAX_ERRORS
from emulator.validation.schemas import SchemaSet, default_schema_dir
from emulator.validation.violations import _candidates

WORDS = ("amber", "basil", "cedar", "delta")


def _counting(monkeypatch: pytest.MonkeyPatch, keyword: str) -> list[int]:
    """Counts the calls of one jsonschema keyword in SchemaSets made after this."""
    calls = [0]
    original = Draft202012Validator.VALIDATORS[keyword]

    def counted(validator: Any, value: Any, instance: Any, schema: Any) -> Iterator[Any]:
        calls[0] += 1
        yield from original(validator, value, instance, schema) or ()

    monkeypatch.setitem(Draft202012Validator.VALIDATORS, keyword, counted)
    return calls


def _fresh_schemas() -> SchemaSet:
    return SchemaSet.load(default_schema_dir())


def test_valid_parts_of_an_invalid_body_are_not_walked(monkeypatch: pytest.MonkeyPatch) -> None:
    """20,000 valid messages and a bad max_tokens: jsonschema checked every message (0.8 s)."""
    calls = _counting(monkeypatch, "required")
    messages = [{"role": "user", "content": "x"}, {"role": "assistant", "content": "y"}] * 10_000
    body = {"model": "claude-sonnet-4-6", "max_tokens": -1, "messages": messages}
    violation = _fresh_schemas().validate("anthropic_messages_request", body)
    assert violation is not None
    assert violation.path == ("max_tokens",)
    assert calls[0] < 10


def test_errors_read_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    """2,000 null content blocks: every one of them became a ranked error (2 s)."""
    ranked: list[object] = []

    def counted(error: object) -> Iterator[object]:
        ranked.append(error)
        return _candidates(error)

    monkeypatch.setattr(schemas, "_candidates", counted)
    body = {
        "model": "claude-sonnet-4-6",
        "max_tokens": 5,
        "messages": [{"role": "user", "content": [None] * 2000}],
    }
    violation = _fresh_schemas().validate("anthropic_messages_request", body)
    assert violation is not None
    assert violation.path == ("messages", 0, "content", 0)
    assert 0 < len(ranked) <= MAX_ERRORS


def test_no_body_is_held_after_validation() -> None:
    schema_set = _fresh_schemas()
    assert schema_set.validate("openai_chat_request", {"model": 1, "messages": []}) is not None
    assert schema_set._bounded._verdicts == {}


@pytest.mark.parametrize(
    ("depth", "too_deep"), [(1, False), (MAX_DEPTH, False), (MAX_DEPTH + 1, True)]
)
def test_depth_bound_is_exact(depth: int, too_deep: bool) -> None:
    for raw in ("[" * depth + "]" * depth, '{"a":' * (depth - 1) + "{}" + "}" * (depth - 1)):
        assert nests_too_deeply(raw.encode(), orjson.loads(raw)) is too_deep


def test_wide_shallow_body_is_not_too_deep() -> None:
    raw = orjson.dumps({"a": [[{"b": [1]}] for _ in range(5000)]})
    assert not nests_too_deeply(raw, orjson.loads(raw))


@pytest.mark.parametrize("pattern", [r"(a)\1", "(?=a)", "(?!a)", "(?<=a)b", "a++", r"a\Z"])
def test_features_without_linear_match_are_refused(pattern: str) -> None:
    assert unsupported_reason(pattern) is not None


def test_ecma_unicode_escapes_are_understood() -> None:
    assert compile_linear(r"^\u00e9+$").search("éé") is not None
    assert compile_linear(r"^\\u0041$").search("\\u0041") is not None


# A small regex grammar: what hypothesis builds, RE2 accepts (checked, not assumed).
_ATOMS = st.sampled_from(["a", "b", "x", ".", r"\d", r"\w", r"\s", "[a-c]", "[^0-9]", "[xyz_]"])
_QUANTIFIERS = st.sampled_from(["", "", "*", "+", "?", "{2}", "{1,3}", "{0,}"])


def _regexes() -> st.SearchStrategy[str]:
    quantified = st.builds(lambda atom, q: atom + q, _ATOMS, _QUANTIFIERS)
    return st.recursive(
        st.lists(quantified, min_size=1, max_size=4).map("".join),
        lambda inner: st.one_of(
            st.builds(lambda r, q: f"({r}){q}", inner, _QUANTIFIERS),
            st.lists(inner, min_size=2, max_size=3).map("|".join),
            st.lists(inner, min_size=1, max_size=3).map("".join),
        ),
        max_leaves=8,
    )


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    body=_regexes(),
    anchored=st.booleans(),
    min_length=st.one_of(st.none(), st.integers(0, 2 * MAX_STRING_LENGTH)),
    seed=st.integers(0, 2**32),
)
def test_pattern_strings_match_in_re2_and_stay_bounded(
    body: str, anchored: bool, min_length: int | None, seed: int
) -> None:
    pattern = f"^(?:{body})$" if anchored else body
    assert unsupported_reason(pattern) is None
    schema: dict[str, Any] = {"type": "string", "pattern": pattern}
    if min_length is not None:
        schema["minLength"] = min_length
    try:
        value = make_instance(schema, random.Random(seed), WORDS)
    except UnsatisfiableSchema:
        return  # a reachable outcome: the request still gets an answer
    assert isinstance(value, str)
    assert compile_linear(pattern).search(value) is not None
    assert len(value) <= MAX_STRING_LENGTH
    assert min_length is None or len(value) >= min_length


def test_min_length_beyond_the_cap_is_unsatisfiable() -> None:
    schema = {"type": "string", "minLength": MAX_STRING_LENGTH + 1}
    with pytest.raises(UnsatisfiableSchema):
        make_instance(schema, random.Random(0), WORDS)


@pytest.mark.timeout(60)
def test_empty_repetitions_end() -> None:
    """((a?)*)* makes no characters for many steps: the walk's step budget ends it."""
    schema = {"type": "string", "pattern": "^((a?)*)*b$", "minLength": 300}
    try:
        value = make_instance(schema, random.Random(0), WORDS)
    except UnsatisfiableSchema:
        return
    assert isinstance(value, str)
    assert compile_linear("^((a?)*)*b$").search(value) is not None
