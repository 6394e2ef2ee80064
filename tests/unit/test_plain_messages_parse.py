"""A plain Messages body (string system and contents, no tools, thinking or cache
marks) takes a shorter parse: it must give exactly what the full parse gives,
request or error, on any body the schema lets through."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any
from unittest.mock import patch

from hypothesis import given
from hypothesis import strategies as st

from emulator.core.catalogue import Catalogue
from emulator.core.errors import ApiError
from emulator.core.neutral import NeutralRequest
from emulator.surfaces import anthropic_parse
from emulator.surfaces import anthropic_rules as rules
from emulator.surfaces.anthropic_parse import (
    is_plain,
    parse_any_body,
    parse_messages_body,
    parse_plain_body,
)
from emulator.util.jsonvalue import JSONObject
from emulator.validation.schemas import SchemaSet, default_schema_dir

_REAL = Catalogue.load()
_ROOMY = next(m for m in _REAL.models if m.provider == "anthropic")
# Small limits, so that generated prompts and max_tokens reach them.
_TIGHT = replace(_ROOMY, id="tight", aliases=(), context_window=40, max_output_tokens=50)
_PREFILL = replace(_ROOMY, id="prefill", aliases=(), supports_prefill=True)
_NO_PREFILL = replace(_ROOMY, id="no-prefill", aliases=(), supports_prefill=False)
CATALOGUE = Catalogue.from_models([_TIGHT, _PREFILL, _NO_PREFILL])
SCHEMAS = SchemaSet.load(default_schema_dir())

_TEXT = st.one_of(
    st.just(""),
    st.just("  \n"),
    st.text(alphabet="abc xyz.,!?é\n", max_size=60),
)
_MESSAGE = st.fixed_dictionaries({"role": st.sampled_from(["user", "assistant"]), "content": _TEXT})
_OPTIONAL = {
    "system": _TEXT,
    "stream": st.booleans(),
    "temperature": st.floats(0, 1),
    "top_p": st.floats(0, 1),
    "top_k": st.integers(0, 500),
    "stop_sequences": st.lists(st.text(alphabet="ab.", min_size=1, max_size=3), max_size=3),
    "metadata": st.fixed_dictionaries({"user_id": st.text(max_size=8)}),
}
PLAIN_BODIES = st.fixed_dictionaries(
    {
        "model": st.sampled_from(["tight", "prefill", "no-prefill"]),
        "max_tokens": st.integers(0, 80),
        "messages": st.lists(_MESSAGE, min_size=1, max_size=4),
    },
    optional=_OPTIONAL,
)


def _outcome(parse: object) -> NeutralRequest | tuple[int, str]:
    assert callable(parse)
    try:
        result = parse()
    except ApiError as error:
        return error.status, error.message
    assert isinstance(result, NeutralRequest)
    return result


@given(body=PLAIN_BODIES, count_only=st.booleans())
def test_the_plain_parse_gives_what_the_full_parse_gives(
    body: JSONObject, count_only: bool
) -> None:
    assert SCHEMAS.validate("anthropic_messages_request", body) is None
    assert is_plain(body)
    info = CATALOGUE.lookup(str(body["model"]))
    plain = _outcome(lambda: parse_plain_body(body, info, count_only=count_only))
    full = _outcome(lambda: parse_any_body(body, info, count_only=count_only))
    assert plain == full


def _passes_the_model_checks(body: JSONObject) -> bool:
    """Whether ``body`` gets past what ``parse_messages_body`` checks before it
    chooses a parse (the model and the generation limits)."""
    info = CATALOGUE.lookup(str(body["model"]))
    try:
        rules.check_model(str(body["model"]), info, accept_any=False)
        rules.check_generation_limits(body, info)
    except ApiError:
        return False
    return True


@given(body=PLAIN_BODIES)
def test_plain_bodies_take_the_plain_parse(body: JSONObject) -> None:
    taken: list[str] = []

    def spy(name: str, parse: Callable[..., NeutralRequest]) -> Callable[..., NeutralRequest]:
        def recorded(*args: Any, **kwargs: Any) -> NeutralRequest:
            taken.append(name)
            return parse(*args, **kwargs)

        return recorded

    with (
        patch.object(anthropic_parse, "parse_plain_body", spy("plain", parse_plain_body)),
        patch.object(anthropic_parse, "parse_any_body", spy("full", parse_any_body)),
    ):
        try:
            request: NeutralRequest | None = parse_messages_body(body, catalogue=CATALOGUE)
        except ApiError:
            request = None
    # Rejected or not, a plain body past the model checks is parsed by the plain parse
    # alone (a rejection from inside it included).
    assert taken == (["plain"] if _passes_the_model_checks(body) else [])
    if request is not None:
        assert request.tools == () and request.cache_breakpoints == ()
        assert request.prompt_tokens == sum(block.tokens for block in request.blocks)


def test_anything_more_than_plain_takes_the_full_parse() -> None:
    base: JSONObject = {
        "model": "prefill",
        "max_tokens": 10,
        "messages": [{"role": "user", "content": "Hi"}],
    }
    assert is_plain(base)
    for key, value in [
        ("tools", []),
        ("thinking", {"type": "disabled"}),
        ("cache_control", {"type": "ephemeral"}),
        ("system", [{"type": "text", "text": "Be brief."}]),
        ("messages", [{"role": "user", "content": [{"type": "text", "text": "Hi"}]}]),
    ]:
        assert not is_plain({**base, key: value}), key
