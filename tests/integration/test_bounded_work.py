"""Issue 19, bounded work per request: what a request chooses cannot freeze or 500 the server.

Each test failed before its fix (a hang, a 500, or unbounded work counted structurally);
"quickly" is never timed here: a hang is caught by the timeout mark, and the benchmark of
the loop stalls lives in the change's report, not in a test.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import anthropic
import httpx
import openai
import pytest

from conftest import Control, ResponseChecker
from emulator.jsongen.common import MAX_STRING_LENGTH
from emulator.pipeline.config import EmulatorConfig
from emulator.surfaces import read_request
from emulator.testing import EmulatorThread
from emulator.util.linear_regex import compile_linear
from emulator.util.nesting import MAX_DEPTH
from tests.support import ANTHROPIC_HEADERS, CLAUDE, GPT, OPENAI_HEADERS, user

# Backtracks exponentially in Python's re on a string that almost matches.
CATASTROPHIC = r"^(\w+\s?)*\d$"


def _string_format(pattern: str, **more: Any) -> Any:
    schema = {
        "type": "object",
        "properties": {"s": {"type": "string", "pattern": pattern, **more}},
        "required": ["s"],
    }
    return {"type": "json_schema", "json_schema": {"name": "x", "schema": schema}}


@pytest.fixture
def own_server() -> Iterator[EmulatorThread]:
    """A server of its own: a test that froze the session server's loop would take every
    later test with it."""
    with EmulatorThread(EmulatorConfig(port=0, seed=0)) as running:
        yield running


class TestCallerPatterns:
    @pytest.mark.timeout(60)
    def test_catastrophic_pattern_answers_and_healthz_meanwhile(
        self, own_server: EmulatorThread
    ) -> None:
        """The issue's curl: minLength 40 never answered, and /healthz hung with it."""
        body = {
            "model": GPT,
            "messages": [user("hi")],
            "response_format": _string_format(CATASTROPHIC, minLength=40),
        }
        with (
            httpx.Client(base_url=own_server.base_url, timeout=30) as http,
            ThreadPoolExecutor(1) as pool,
        ):
            pending = pool.submit(
                http.post, "/v1/chat/completions", json=body, headers=OPENAI_HEADERS
            )
            assert http.get("/healthz").status_code == 200
            response = pending.result()
        assert response.status_code == 200, response.text
        value = json.loads(response.json()["choices"][0]["message"]["content"])
        assert len(value["s"]) >= 40
        assert compile_linear(CATASTROPHIC).search(value["s"]) is not None

    def test_backreference_in_response_format_is_openai_400(
        self, openai_client: openai.OpenAI
    ) -> None:
        with pytest.raises(openai.BadRequestError) as raised:
            openai_client.chat.completions.create(
                model=GPT, messages=[user("hi")], response_format=_string_format(r"^(a)\1$")
            )
        error = raised.value.body
        assert isinstance(error, dict)
        assert error["param"] == "response_format"
        assert error["message"].startswith(
            "Invalid schema for response_format 'x': In context=('properties', 's'), "
            "pattern '^(a)\\\\1$' is not a supported regular expression"
        )

    def test_lookahead_in_openai_tool_parameters_is_400(self, openai_client: openai.OpenAI) -> None:
        tool: Any = {
            "type": "function",
            "function": {
                "name": "f",
                "parameters": {"type": "object", "patternProperties": {"^(?=x)": {}}},
            },
        }
        with pytest.raises(openai.BadRequestError) as raised:
            openai_client.chat.completions.create(model=GPT, messages=[user("hi")], tools=[tool])
        error = raised.value.body
        assert isinstance(error, dict)
        assert error["param"] == "tools[0].function.parameters"
        assert error["code"] == "invalid_function_parameters"
        assert "patternProperties key '^(?=x)'" in error["message"]

    def test_backreference_in_a_responses_text_format_is_400(
        self, openai_client: openai.OpenAI
    ) -> None:
        schema = _string_format(r"^(a)\1$")["json_schema"]["schema"]
        with pytest.raises(openai.BadRequestError) as raised:
            openai_client.responses.create(
                model=GPT,
                input="hi",
                text={"format": {"type": "json_schema", "name": "x", "schema": schema}},
            )
        error = raised.value.body
        assert isinstance(error, dict)
        assert error["param"] == "text.format.schema"
        assert error["code"] == "invalid_json_schema"
        assert error["message"].startswith(
            "Invalid schema for response_format 'x': In context=('properties', 's'), "
            "pattern '^(a)\\\\1$' is not a supported regular expression"
        )

    def test_lookahead_in_responses_tool_parameters_is_400(
        self, openai_client: openai.OpenAI
    ) -> None:
        tool: Any = {
            "type": "function",
            "name": "f",
            "parameters": {"type": "object", "patternProperties": {"^(?=x)": {}}},
            "strict": False,
        }
        with pytest.raises(openai.BadRequestError) as raised:
            openai_client.responses.create(model=GPT, input="hi", tools=[tool])
        error = raised.value.body
        assert isinstance(error, dict)
        assert error["param"] == "tools[0].parameters"
        assert error["code"] == "invalid_function_parameters"
        assert "patternProperties key '^(?=x)'" in error["message"]

    @pytest.mark.timeout(60)
    def test_a_responses_min_length_beyond_the_generator_is_400_and_a_catastrophic_pattern_answers(
        self, own_server: EmulatorThread
    ) -> None:
        def body(**more: Any) -> Any:
            schema = _string_format(CATASTROPHIC, **more)["json_schema"]["schema"]
            return {
                "model": GPT,
                "input": "hi",
                "text": {"format": {"type": "json_schema", "name": "x", "schema": schema}},
            }

        with httpx.Client(base_url=own_server.base_url, timeout=30) as http:
            refused = http.post(
                "/v1/responses",
                json=body(minLength=MAX_STRING_LENGTH + 1),
                headers=OPENAI_HEADERS,
            )
            answered = http.post("/v1/responses", json=body(minLength=40), headers=OPENAI_HEADERS)
        assert refused.status_code == 400, refused.text
        assert refused.json()["error"]["param"] == "text.format.schema"
        assert answered.status_code == 200, answered.text
        text = answered.json()["output"][-1]["content"][0]["text"]
        assert compile_linear(CATASTROPHIC).search(json.loads(text)["s"]) is not None

    def test_possessive_in_anthropic_tool_schema_is_400(
        self, anthropic_client: anthropic.Anthropic
    ) -> None:
        schema: Any = {"type": "object", "properties": {"a": {"type": "string", "pattern": "a++"}}}
        with pytest.raises(anthropic.BadRequestError) as raised:
            anthropic_client.messages.create(
                model=CLAUDE,
                max_tokens=5,
                messages=[user("hi")],
                tools=[{"name": "t", "input_schema": schema}],
            )
        assert raised.value.status_code == 400
        message = raised.value.body["error"]["message"]  # type: ignore[index]
        assert message.startswith(
            "tools.0.input_schema.properties.a: pattern 'a++' is not a supported regular expression"
        )

    def test_anthropic_output_format_pattern_is_checked(
        self, http: httpx.Client, check_response: ResponseChecker
    ) -> None:
        schema = {"type": "object", "properties": {"a": {"type": "string", "pattern": "(?<=a)b"}}}
        body = {
            "model": CLAUDE,
            "max_tokens": 5,
            "messages": [user("hi")],
            "output_config": {"format": {"type": "json_schema", "schema": schema}},
        }
        response = http.post("/v1/messages", json=body, headers=ANTHROPIC_HEADERS)
        assert response.status_code == 400, response.text
        check_response("anthropic_error", response.json())
        message = response.json()["error"]["message"]
        assert message.startswith("output_config.format.schema.properties.a: pattern '(?<=a)b'")

    def test_min_length_beyond_the_generator_is_400(self, openai_client: openai.OpenAI) -> None:
        too_long = MAX_STRING_LENGTH + 1
        with pytest.raises(openai.BadRequestError) as raised:
            openai_client.chat.completions.create(
                model=GPT,
                messages=[user("hi")],
                response_format=_string_format("^a", minLength=too_long),
            )
        assert f"'minLength' is {too_long}, above the supported maximum of" in str(
            raised.value.message
        )


class TestScenarioRegexes:
    @pytest.mark.timeout(60)
    def test_nested_quantifier_rule_against_client_text(self, own_server: EmulatorThread) -> None:
        """^(a+)+$ on 40 'a' and a '!' backtracks 2**40 steps in re; RE2 says no at once."""
        rule = {"name": "r", "match": {"last_user_text": {"regex": "^(a+)+$"}}}
        scenario = {"name": "s", "rules": [{**rule, "reply": {"text": "matched"}}]}
        with httpx.Client(base_url=own_server.base_url, timeout=30) as http:
            assert http.post("/_emulator/scenarios", json=scenario).status_code == 201
            body = {"model": GPT, "messages": [user("a" * 40 + "!")]}
            missed = http.post("/v1/chat/completions", json=body, headers=OPENAI_HEADERS)
            body = {"model": GPT, "messages": [user("a" * 40)]}
            hit = http.post("/v1/chat/completions", json=body, headers=OPENAI_HEADERS)
        assert missed.status_code == 200
        assert missed.json()["choices"][0]["message"]["content"] != "matched"
        assert hit.json()["choices"][0]["message"]["content"] == "matched"

    def test_backreference_rule_is_a_load_error_naming_rule_and_field(
        self, control: Control
    ) -> None:
        rule = {"name": "echo", "match": {"last_user_text": {"regex": r"(\w)\1"}}}
        scenario = {"name": "s", "rules": [{**rule, "reply": {"text": "x"}}]}
        response = control.http.post("/_emulator/scenarios", json=scenario)
        assert response.status_code == 400, response.text
        assert "rule 'echo' (rules[0]): match.last_user_text.regex: invalid regular expression" in (
            response.text
        )


class TestNestingAndNumbers:
    def test_deep_tool_schema_is_400_not_500(
        self, http: httpx.Client, check_response: ResponseChecker
    ) -> None:
        schema: Any = {"type": "string"}
        for _ in range(300):
            schema = {"type": "object", "properties": {"a": schema}}
        body = {
            "model": CLAUDE,
            "max_tokens": 5,
            "messages": [user("hi")],
            "tools": [{"name": "t", "input_schema": schema}],
        }
        response = http.post("/v1/messages", json=body, headers=ANTHROPIC_HEADERS)
        assert response.status_code == 400, response.text
        check_response("anthropic_error", response.json())
        assert f"more than {MAX_DEPTH} levels" in response.json()["error"]["message"]

    @pytest.mark.parametrize("path", ["/v1/messages", "/v1/chat/completions"])
    def test_deep_invalid_field_is_400_not_500(self, http: httpx.Client, path: str) -> None:
        deep = "[" * 1000 + '"x"' + "]" * 1000
        headers = ANTHROPIC_HEADERS if path == "/v1/messages" else OPENAI_HEADERS
        raw = f'{{"model": {deep}, "max_tokens": 5, "messages": [{{"role": "user", "content": "x"}}]}}'
        response = http.post(path, content=raw.encode(), headers=headers)
        assert response.status_code == 400, response.text
        assert f"more than {MAX_DEPTH} levels" in response.text

    def test_nesting_at_the_limit_is_accepted(self, http: httpx.Client) -> None:
        schema: Any = {"type": "string"}
        for _ in range((MAX_DEPTH - 4) // 2):  # body > tools > [0] > input_schema > ...
            schema = {"type": "object", "properties": {"a": schema}}
        body = {
            "model": CLAUDE,
            "max_tokens": 5,
            "messages": [user("hi")],
            "tools": [{"name": "t", "input_schema": schema}],
        }
        response = http.post("/v1/messages", json=body, headers=ANTHROPIC_HEADERS)
        assert response.status_code == 200, response.text

    def test_integer_bound_beyond_64_bits_gives_a_valid_reply(
        self, openai_client: openai.OpenAI
    ) -> None:
        schema: Any = {
            "type": "object",
            "properties": {"n": {"type": "integer", "minimum": 1e20}},
            "required": ["n"],
        }
        completion = openai_client.chat.completions.create(
            model=GPT,
            messages=[user("hi")],
            response_format={"type": "json_schema", "json_schema": {"name": "n", "schema": schema}},
        )
        value = json.loads(completion.choices[0].message.content or "")
        assert value["n"] >= 1e20
        assert float(value["n"]).is_integer()

    def test_two_thousand_null_blocks_are_one_400(
        self, anthropic_client: anthropic.Anthropic
    ) -> None:
        content: Any = [None] * 2000
        with pytest.raises(anthropic.BadRequestError) as raised:
            anthropic_client.messages.create(
                model=CLAUDE, max_tokens=5, messages=[{"role": "user", "content": content}]
            )
        assert raised.value.body["error"]["message"] == (  # type: ignore[index]
            "messages.0.content.0: Input should be a valid dictionary or object to extract "
            "fields from"
        )


class TestLargeBodiesOffTheLoop:
    """A new body above THREAD_ABOVE_BYTES is decoded, checked and parsed on a worker
    thread, so its size cannot stall the event loop for the other requests and streams."""

    def _threads(
        self, monkeypatch: pytest.MonkeyPatch, http: httpx.Client, content: str
    ) -> list[str]:
        seen: list[str] = []
        original = read_request.decode_and_parse

        def spy(*args: Any) -> Any:
            seen.append(threading.current_thread().name)
            return original(*args)

        monkeypatch.setattr(read_request, "decode_and_parse", spy)
        body = {"model": GPT, "messages": [{"role": "user", "content": content}]}
        response = http.post("/v1/chat/completions", json=body, headers=OPENAI_HEADERS)
        assert response.status_code == 200, response.text
        return seen

    # EmulatorThread runs the server's event loop on the thread it names so.
    LOOP_THREAD = "llm-emulator"

    def test_a_large_body_is_parsed_on_a_worker_thread(
        self, monkeypatch: pytest.MonkeyPatch, http: httpx.Client
    ) -> None:
        large = "word " * (read_request.THREAD_ABOVE_BYTES // 4)
        [name] = self._threads(monkeypatch, http, large)
        assert name != self.LOOP_THREAD

    def test_a_small_body_is_parsed_on_the_loop(
        self, monkeypatch: pytest.MonkeyPatch, http: httpx.Client
    ) -> None:
        [name] = self._threads(monkeypatch, http, "a small question")
        assert name == self.LOOP_THREAD
