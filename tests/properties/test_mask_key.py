"""mask_key reveals at most a short type label and the last 4 characters, of keys of 20
characters or more, and nothing of shorter ones (issue 19, finding 4)."""

from __future__ import annotations

from collections.abc import Iterator

import openai
import pytest
from hypothesis import given
from hypothesis import strategies as st

from emulator.pipeline.config import EmulatorConfig
from emulator.surfaces.auth import MASK_MAX_PREFIX, MASK_MIN_KEY_LENGTH, mask_key
from emulator.testing import EmulatorThread
from tests.support import GPT, user

keys = st.text(min_size=1, max_size=120) | st.builds(
    lambda label, body: label + body,
    st.sampled_from(["sk-", "sk-proj-", "sk-ant-api03-", "key-", "abcdefghij-", "SK-"]),
    st.text(
        alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-", max_size=80
    ),
)


@given(keys)
def test_mask_reveals_at_most_a_label_and_the_last_four(key: str) -> None:
    mask = mask_key(key)
    if len(key) < MASK_MIN_KEY_LENGTH:
        assert mask == "********"
        return
    label = mask.split("*", 1)[0]  # the type label, made of letters and dashes only
    assert len(label) <= MASK_MAX_PREFIX and key.startswith(label)
    assert set(label) <= set("abcdefghijklmnopqrstuvwxyz-")
    hidden = len(key) - len(label) - 4
    assert hidden >= MASK_MIN_KEY_LENGTH - MASK_MAX_PREFIX - 4
    assert mask[len(label) : len(label) + hidden] == "*" * hidden
    tail = mask[len(label) + hidden :]
    assert tail == key[-4:] or not key[-4:].isascii()  # bytes that were not UTF-8 show U+FFFD
    assert len(tail) <= 4 * 3


@pytest.fixture(scope="module")
def one_key_server() -> Iterator[EmulatorThread]:
    with EmulatorThread(EmulatorConfig(port=0, api_keys=("sk-the-right-one",))) as running:
        yield running


@pytest.mark.parametrize(
    ("key", "shown"),
    [
        ("sk-abc123xyz", "********"),  # 12 characters: used to show all but one
        ("short-key-42", "********"),
        ("sk-proj-0123456789abcdefghijWXYZ", "sk-proj-********************WXYZ"),
    ],
)
def test_401_body_and_journal_show_only_the_mask(
    one_key_server: EmulatorThread, key: str, shown: str
) -> None:
    with (
        openai.OpenAI(
            base_url=one_key_server.base_url + "/v1", api_key=key, max_retries=0
        ) as client,
        pytest.raises(openai.AuthenticationError) as refused,
    ):
        client.chat.completions.create(model=GPT, messages=[user("hi")])
    message = refused.value.message
    assert f"Incorrect API key provided: {shown}." in message
    journaled = one_key_server.runtime.journal.entries()[-1].to_json()
    assert shown in journaled["error"]
    secret_part = key[len("sk-proj-") : -4] if len(key) >= MASK_MIN_KEY_LENGTH else key
    for text in (message, journaled["error"]):
        assert secret_part not in text
