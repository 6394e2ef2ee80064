"""The model catalogue against the installed SDKs: every model they name answers,
dated snapshots and fine-tuned names answer with their base model's limits, and a
client may ask for the maximum the Models API reports."""

from __future__ import annotations

import anthropic
import openai
import pytest

from scripts.catalogue import installed_sdk_models, load_sources, not_served
from tests.support import user

# The SDK warns on each call naming a model it lists as deprecated; they must answer all the same.
pytestmark = pytest.mark.filterwarnings("ignore:The model .* is deprecated:DeprecationWarning")

SDK = installed_sdk_models()
NOT_SERVED = not_served(load_sources())


def test_every_anthropic_sdk_model_answers(anthropic_client: anthropic.Anthropic) -> None:
    failures: list[str] = []
    for name in SDK.anthropic:
        if name in NOT_SERVED:
            continue
        try:
            anthropic_client.models.retrieve(name)
            anthropic_client.messages.create(model=name, max_tokens=5, messages=[user("hi")])
        except anthropic.APIStatusError as err:
            failures.append(f"{name}: {err.status_code}")
    assert failures == [], f"SDK model ids the emulator refuses: {failures}"


def test_every_openai_sdk_model_answers(openai_client: openai.OpenAI) -> None:
    failures: list[str] = []
    for name in SDK.openai:
        if name in NOT_SERVED:
            continue
        try:
            assert openai_client.models.retrieve(name).id
            openai_client.chat.completions.create(model=name, messages=[user("hi")])
        except openai.APIStatusError as err:
            failures.append(f"{name}: {err.status_code}")
    assert failures == [], f"SDK model ids the emulator refuses: {failures}"


def test_not_served_ids_are_sdk_ids_the_api_refuses(openai_client: openai.OpenAI) -> None:
    """The exclusions stay honest: each is still in an SDK literal, and answers 404."""
    sdk_ids = {*SDK.anthropic, *SDK.openai}
    for name in NOT_SERVED:
        assert name in sdk_ids, f"{name} is no longer in the SDKs: drop it from [not_served]"
        with pytest.raises(openai.NotFoundError) as raised:
            openai_client.chat.completions.create(model=name, messages=[user("hi")])
        assert raised.value.code == "model_not_found"


@pytest.mark.parametrize(
    ("name", "base"),
    [
        ("gpt-4o-2024-08-06", "gpt-4o"),
        ("gpt-4o-mini-2031-02-03", "gpt-4o-mini"),
        ("ft:gpt-4o-mini:acme::abc123", "gpt-4o-mini"),
        ("ft:gpt-4o-mini-2024-07-18:org:name:id", "gpt-4o-mini"),
        ("ft:gpt-4.1-2025-04-14:org:custom:job42:ckpt-step-100", "gpt-4.1"),
    ],
)
def test_openai_dated_and_fine_tuned_names_take_the_base_limits(
    openai_client: openai.OpenAI, name: str, base: str
) -> None:
    assert openai_client.models.retrieve(name).id == name
    limit = _openai_limit(openai_client, base)
    completion = openai_client.chat.completions.create(
        model=name, messages=[user("hi")], max_completion_tokens=limit
    )
    assert completion.model == name
    with pytest.raises(openai.BadRequestError) as raised:
        openai_client.chat.completions.create(
            model=name, messages=[user("hi")], max_completion_tokens=limit + 1
        )
    assert raised.value.code == "invalid_value"
    assert f"at most {limit} completion tokens" in raised.value.message


def _openai_limit(client: openai.OpenAI, base: str) -> int:
    """The base model's output limit, read from the refusal one token above any limit."""
    with pytest.raises(openai.BadRequestError) as raised:
        client.chat.completions.create(
            model=base, messages=[user("hi")], max_completion_tokens=10_000_000
        )
    body = raised.value.body
    assert isinstance(body, dict)
    message = str(body["message"])
    return int(message.split("at most ")[1].split(" ", maxsplit=1)[0])


def test_anthropic_dated_snapshot_takes_the_base_limits(
    anthropic_client: anthropic.Anthropic,
) -> None:
    base = anthropic_client.models.retrieve("claude-sonnet-4-6")
    dated = anthropic_client.models.retrieve("claude-sonnet-4-6-20260217")
    assert dated.id == "claude-sonnet-4-6-20260217"
    assert (dated.max_tokens, dated.max_input_tokens) == (base.max_tokens, base.max_input_tokens)
    assert base.max_tokens is not None
    with pytest.raises(anthropic.BadRequestError):
        anthropic_client.messages.create(
            model="claude-sonnet-4-6-20260217",
            max_tokens=base.max_tokens + 1,
            messages=[user("hi")],
            timeout=30,  # the SDK refuses a long non-streaming call without one
        )


@pytest.mark.parametrize(
    "name",
    ["gpt-4o-2024-13-01", "gpt-nope-2024-01-01", "ft:claude-sonnet-4-6:acme::x", "ft:gpt-4o"],
)
def test_names_that_resolve_to_nothing_stay_unknown(
    openai_client: openai.OpenAI, name: str
) -> None:
    with pytest.raises(openai.NotFoundError) as raised:
        openai_client.chat.completions.create(model=name, messages=[user("hi")])
    assert raised.value.code == "model_not_found"


def test_asking_for_the_reported_maximum_succeeds(anthropic_client: anthropic.Anthropic) -> None:
    """What pydantic-ai does: read max_tokens from the Models API and ask for exactly it."""
    for name in SDK.anthropic:
        info = anthropic_client.models.retrieve(name)
        assert info.max_tokens is not None
        message = anthropic_client.messages.create(
            model=name,
            max_tokens=info.max_tokens,
            messages=[user("hi")],
            timeout=30,  # the SDK refuses a long non-streaming call without one
        )
        assert message.stop_reason == "end_turn", name


@pytest.mark.parametrize("name", ["claude-sonnet-4-6", "claude-haiku-5-5"])
def test_limits_the_models_api_reports(anthropic_client: anthropic.Anthropic, name: str) -> None:
    """Issue 20: Anthropic's Models API reports max_tokens 128,000 for these."""
    assert anthropic_client.models.retrieve(name).max_tokens == 128_000
