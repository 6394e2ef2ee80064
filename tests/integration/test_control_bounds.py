"""The control plane refuses what would blow it up (issue 19, finding 6): YAML alias
bombs and deep nesting get a short 400, the clock a bounded advance."""

from __future__ import annotations

import time
from collections.abc import Iterator

import anthropic
import httpx
import openai
import pytest

from emulator.scenario.bounded_yaml import MAX_ALIAS_NODES, MAX_DEPTH
from emulator.util.clock import MAX_AHEAD_S
from tests.support import ANTHROPIC_HEADERS, CLAUDE, GPT, user

YAML = {"content-type": "application/yaml"}
PROMPT = "\n\nHuman: hi\n\nAssistant:"
# Nine levels of nine aliases: 9**9 strings once expanded, in 341 bytes.
ALIAS_BOMB = "rules: []\n" + "\n".join(
    [
        'a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
        *(f"a{i}: &a{i} [{','.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 9)),
    ]
)


@pytest.fixture
def clean(http: httpx.Client) -> Iterator[httpx.Client]:
    yield http
    assert http.post("/_emulator/reset").status_code == 204


def test_alias_bomb_is_a_short_400(clean: httpx.Client) -> None:
    started = time.perf_counter()
    response = clean.post("/_emulator/scenarios", content=ALIAS_BOMB, headers=YAML)
    assert response.status_code == 400
    assert len(response.content) < 2000
    message = response.json()["error"]["message"]
    assert f"aliases expand to more than {MAX_ALIAS_NODES} nodes" in message
    assert clean.get("/healthz").status_code == 200
    assert time.perf_counter() - started < 30  # only a hang fails this; speed is not tested


def test_self_referencing_alias_is_a_400(clean: httpx.Client) -> None:
    response = clean.post("/_emulator/scenarios", content="rules: &r [*r]", headers=YAML)
    assert response.status_code == 400
    assert "alias *r inside its own anchor" in response.json()["error"]["message"]


def test_a_few_aliases_still_load(clean: httpx.Client) -> None:
    scenario = (
        "name: shared\n"
        "x-reply: &reply {text: shared answer}\n"
        "rules:\n"
        "  - {name: one, match: {last_user_text: one}, reply: *reply}\n"
        "  - {name: two, match: {last_user_text: two}, reply: *reply}\n"
    )
    response = clean.post(
        "/_emulator/scenarios", content=scenario.replace("x-reply: ", "default: "), headers=YAML
    )
    assert response.status_code == 201, response.text
    assert response.json() == {"loaded": "shared", "rules": 2}


@pytest.mark.parametrize(
    "body", ["[" * 5000, "{" * 5000, "- " * 5000, "rules: " + "[" * (MAX_DEPTH + 1)]
)
def test_deep_yaml_is_a_400(clean: httpx.Client, body: str) -> None:
    response = clean.post("/_emulator/scenarios", content=body, headers=YAML)
    assert response.status_code == 400
    assert f"nesting deeper than {MAX_DEPTH} levels" in response.json()["error"]["message"]


def test_deep_json_scenario_is_a_400(clean: httpx.Client) -> None:
    deep: object = "x"
    for _ in range(200):
        deep = {"k": deep}
    scenario = {"rules": [{"name": "d", "reply": {"tool_calls": [{"name": "t", "input": deep}]}}]}
    response = clean.post("/_emulator/scenarios", json=scenario)
    assert response.status_code == 400
    assert f"nested deeper than {MAX_DEPTH} levels" in response.json()["error"]["message"]


@pytest.mark.parametrize("value", [".inf", "-.inf", ".nan"])
def test_numbers_that_are_not_finite_are_a_400(clean: httpx.Client, value: str) -> None:
    body = f"rules:\n  - name: s\n    reply: {{fault: {{kind: stall, seconds: {value}}}}}\n"
    response = clean.post("/_emulator/scenarios", content=body, headers=YAML)
    assert response.status_code == 400
    assert "is not a finite number" in response.json()["error"]["message"]


def test_schema_error_quoting_a_huge_value_is_cut(clean: httpx.Client) -> None:
    scenario = {"rules": [{"name": "big", "reply": {"text": ["x" * 200_000]}}]}
    response = clean.post("/_emulator/scenarios", json=scenario)
    assert response.status_code == 400
    assert len(response.content) < 3000
    assert response.json()["error"]["message"].endswith("more characters)")


@pytest.mark.parametrize("seconds", [1e12, MAX_AHEAD_S + 1, -1, "1", True, None])
def test_clock_refuses_bad_advances(clean: httpx.Client, seconds: object) -> None:
    before = clean.get("/_emulator/clock").json()["now"]
    response = clean.post("/_emulator/clock/advance", json={"seconds": seconds})
    assert response.status_code == 400, response.text
    assert "seconds" in response.json()["error"]["message"]
    assert clean.get("/_emulator/clock").json()["now"] - before < 60


@pytest.mark.parametrize("raw", [b'{"seconds": 1e400}', b'{"seconds": NaN}', b"[1]"])
def test_clock_refuses_what_json_cannot_hold(clean: httpx.Client, raw: bytes) -> None:
    response = clean.post("/_emulator/clock/advance", content=raw)
    assert response.status_code == 400


def test_every_api_answers_at_the_furthest_clock(
    clean: httpx.Client, anthropic_client: anthropic.Anthropic, openai_client: openai.OpenAI
) -> None:
    assert clean.post("/_emulator/clock/advance", json={"seconds": MAX_AHEAD_S}).status_code == 200
    refused = clean.post("/_emulator/clock/advance", json={"seconds": 1})
    assert refused.status_code == 400
    message = anthropic_client.messages.create(model=CLAUDE, max_tokens=8, messages=[user("hi")])
    assert message.usage.output_tokens > 0
    complete = clean.post(
        "/v1/complete",
        json={"model": "claude-2.1", "max_tokens_to_sample": 8, "prompt": PROMPT},
        headers=ANTHROPIC_HEADERS,
    )
    assert complete.status_code == 200, complete.text
    assert complete.headers["anthropic-ratelimit-requests-reset"].startswith("21")  # a century on
    chat = openai_client.chat.completions.create(model=GPT, messages=[user("hi")])
    assert chat.created > time.time() + MAX_AHEAD_S - 86_400
