"""Scenario predicates at their edges, over HTTP: what each one counts, and the
nearest-miss report README promises ("which predicate failed, and why") for each.

The mutation-testing pass (tests/README.md, "Mutation testing") found these
behaviours unchecked by the rest of the suite."""

from __future__ import annotations

from typing import Any

import anthropic
import httpx
import jsonschema

from conftest import Control
from tests.support import ANTHROPIC_HEADERS, CLAUDE, WEATHER_TOOL_SCHEMA, user


def _rule(name: str, match: dict[str, Any], text: str | None = None) -> dict[str, Any]:
    return {"name": name, "match": match, "reply": {"text": text or name}}


def _why(entry: dict[str, Any], rule: str) -> list[tuple[str, str]]:
    (miss,) = [m for m in entry["nearest_miss"] if m["rule"] == rule]
    return [(f["field"], f["why"]) for f in miss["failed"]]


def test_every_failed_predicate_is_reported_with_what_was_seen(
    control: Control, http: httpx.Client
) -> None:
    # README, "How a reply is chosen" 2: the journal lists the nearest misses, which
    # predicate failed and why; its example names the value seen and the one wanted.
    control.load(
        {
            "name": "all",
            "rules": [
                _rule(
                    "strict",
                    {
                        "api": ["chat", "complete"],
                        "model": ["gpt-*", "o1*"],
                        "system": "pirate",
                        "any_text": {"regex": "order \\d+"},
                        "headers": {"x-tenant": "acme"},
                        "metadata": {"user_id": {"regex": "^load-"}},
                        "turn": 1,
                        "times": {"gte": 1},
                    },
                )
            ],
        }
    )
    body = {
        "model": CLAUDE,
        "max_tokens": 5,
        "system": "You are a helpful clerk.",
        "metadata": {"user_id": "u-1"},
        "messages": [user("hello")],
    }
    headers = {**ANTHROPIC_HEADERS, "x-tenant": "globex"}
    assert http.post("/v1/messages", json=body, headers=headers).status_code == 200
    (entry,) = control.journal()
    assert entry["rule"] is None
    assert _why(entry, "strict") == [
        ("api", "api is 'messages', not one of ['chat', 'complete']"),
        ("model", f"model '{CLAUDE}' does not match gpt-*, o1*"),
        ("system", "system text 'You are a helpful clerk.' does not contain 'pirate'"),
        ("any_text", "no message text matches /order \\d+/"),
        ("headers", "header 'x-tenant' 'globex' does not contain 'acme'"),
        ("metadata", "metadata 'user_id' 'u-1' does not match /^load-/"),
        ("turn", "turn is 0, not == 1"),
        ("times", "times fired is 0, not >= 1"),
    ]


def test_any_text_miss_names_the_text_it_wanted(
    control: Control, anthropic_client: anthropic.Anthropic
) -> None:
    control.load(
        {
            "name": "texts",
            "rules": [
                _rule("contains", {"any_text": "refund"}),
                _rule("equals", {"any_text": {"equals": "Refund please"}}),
                _rule("regex", {"any_text": {"regex": "^refund"}}),
            ],
        }
    )
    anthropic_client.messages.create(model=CLAUDE, max_tokens=5, messages=[user("hello")])
    (entry,) = control.journal()
    assert _why(entry, "contains") == [("any_text", "no message text matches 'refund'")]
    assert _why(entry, "equals") == [("any_text", "no message text matches 'Refund please'")]
    assert _why(entry, "regex") == [("any_text", "no message text matches /^refund/")]


def test_times_in_a_miss_counts_the_rule_s_firings(
    control: Control, anthropic_client: anthropic.Anthropic
) -> None:
    """A rule that misses on the body still reports its `times` against how often it
    really fired, under the request's test id."""
    control.load(
        {
            "name": "counted",
            "rules": [_rule("once", {"last_user_text": "hello", "times": {"lt": 1}})],
        }
    )
    scoped = {"x-emulator-test-id": "t1"}
    anthropic_client.messages.create(
        model=CLAUDE, max_tokens=5, messages=[user("hello")], extra_headers=scoped
    )
    anthropic_client.messages.create(
        model=CLAUDE, max_tokens=5, messages=[user("bye")], extra_headers=scoped
    )
    first, second = control.journal()
    assert first["rule"] == "once"
    assert _why(second, "once") == [
        ("last_user_text", "last user text 'bye' does not contain 'hello'"),
        ("times", "times fired is 1, not < 1"),
    ]


def test_model_matches_any_glob_of_a_list(
    control: Control, anthropic_client: anthropic.Anthropic
) -> None:
    # README, match predicates: `model` matches a glob, or one of a list.
    control.load({"name": "m", "rules": [_rule("either", {"model": ["gpt-*", "claude-*"]})]})
    reply = anthropic_client.messages.create(model=CLAUDE, max_tokens=5, messages=[user("hi")])
    assert reply.content[0].type == "text" and reply.content[0].text == "either"


def test_metadata_regex_groups_become_templates(
    control: Control, anthropic_client: anthropic.Anthropic
) -> None:
    # README, match predicates: `{regex:}` named groups become templates; `metadata`
    # fields match in the same forms.
    control.load(
        {
            "name": "load",
            "rules": [
                _rule(
                    "worker", {"metadata": {"user_id": {"regex": "^load-(?P<n>\\d+)$"}}}, "w{{n}}"
                )
            ],
        }
    )
    reply = anthropic_client.messages.create(
        model=CLAUDE, max_tokens=5, messages=[user("hi")], metadata={"user_id": "load-7"}
    )
    assert reply.content[0].type == "text" and reply.content[0].text == "w7"
    other = anthropic_client.messages.create(
        model=CLAUDE, max_tokens=5, messages=[user("hi")], metadata={"user_id": "web-7"}
    )
    assert control.journal()[-1]["rule"] is None
    assert other.content[0].type == "text" and other.content[0].text != "w7"


def test_turn_counts_assistant_turns_so_far_not_the_prefill(
    control: Control, anthropic_client: anthropic.Anthropic
) -> None:
    # README, match predicates: `turn` is the number of assistant turns so far. A
    # prefill (a last assistant message, anthropic-messages.md §4) starts the answer
    # being written: not a turn. (The newest models refuse a prefill: an older one.)
    control.load(
        {
            "name": "turns",
            "rules": [
                _rule("first", {"turn": 0}),
                _rule("second", {"turn": 1}),
                _rule("later", {"turn": {"gte": 2}}),
            ],
        }
    )
    assistant: Any = {"role": "assistant", "content": "Sure."}
    conversations: list[tuple[list[Any], str]] = [
        ([user("a")], "first"),
        ([user("a"), {"role": "assistant", "content": "Well,"}], "first"),
        ([user("a"), assistant, user("b")], "second"),
        ([user("a"), assistant, user("b"), {"role": "assistant", "content": "So"}], "second"),
        ([user("a"), assistant, user("b"), assistant, user("c")], "later"),
    ]
    for messages, _ in conversations:
        anthropic_client.messages.create(model="claude-haiku-4-5", max_tokens=5, messages=messages)
    assert [e["rule"] for e in control.journal()] == [rule for _, rule in conversations]


def test_a_forced_outcome_is_not_journaled_as_generated(
    control: Control, http: httpx.Client
) -> None:
    # README, journal entry: `rule` is null for a generated reply; a reply forced by
    # x-emulator-force names the header that chose it.
    body = {"model": CLAUDE, "max_tokens": 5, "messages": [user("hi")]}
    forced = {**ANTHROPIC_HEADERS, "x-emulator-force": '{"text": "forced"}'}
    response = http.post("/v1/messages", json=body, headers=forced)
    assert response.status_code == 200 and response.json()["content"][0]["text"] == "forced"
    http.post("/v1/messages", json=body, headers=ANTHROPIC_HEADERS)
    assert [e["rule"] for e in control.journal()] == ["x-emulator-force", None]


def test_turn_bounds_hold_at_their_edges(control: Control, http: httpx.Client) -> None:
    # README, match predicates: `turn` takes `{lt:, lte:, gt:, gte:, eq:}`, each the
    # comparison it names; the conversation below has 1 assistant turn.
    bounds_rules = {
        "low": [_rule("gt-1", {"turn": {"gt": 1}}), _rule("lte-1", {"turn": {"lte": 1}})],
        "high": [_rule("lt-1", {"turn": {"lt": 1}}), _rule("gte-1", {"turn": {"gte": 1}})],
        "none": [
            _rule("gt", {"turn": {"gt": 1}}),
            _rule("lt", {"turn": {"lt": 1}}),
            _rule("lte", {"turn": {"lte": 0}}),
        ],
        "none-2": [_rule("gte", {"turn": {"gte": 2}})],
    }
    for name, rules in bounds_rules.items():
        control.load({"name": name, "rules": rules})
    messages = [user("a"), {"role": "assistant", "content": "Sure."}, user("b")]
    body = {"model": CLAUDE, "max_tokens": 5, "messages": messages}
    for name in bounds_rules:
        headers = {**ANTHROPIC_HEADERS, "x-emulator-scenario": name}
        assert http.post("/v1/messages", json=body, headers=headers).status_code == 200
    low, high, none, none_2 = control.journal()
    assert (low["rule"], high["rule"], none["rule"], none_2["rule"]) == (
        "lte-1",
        "gte-1",
        None,
        None,
    )
    assert [_why(none, rule) for rule in ("gt", "lt", "lte")] == [
        [("turn", "turn is 1, not > 1")],
        [("turn", "turn is 1, not < 1")],
        [("turn", "turn is 1, not <= 0")],
    ]
    assert _why(none_2, "gte") == [("turn", "turn is 1, not >= 2")]


def test_tool_result_forms_and_their_misses(control: Control, http: httpx.Client) -> None:
    # README, match predicates: `tool_result` true: the last turn carries a tool
    # result; false: it does not; a name: a result of that tool.
    control.load(
        {
            "name": "results",
            "rules": [
                _rule("without", {"tool_result": False}),
                _rule("other-tool", {"tool_result": "get_time"}),
                _rule("with", {"tool_result": True, "last_user_text": {"equals": "never"}}),
            ],
        }
    )
    call = {"type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": {}}
    result = {"type": "tool_result", "tool_use_id": "toolu_1", "content": "21C"}
    answered = [
        user("weather?"),
        {"role": "assistant", "content": [call]},
        {"role": "user", "content": [result]},
    ]
    for messages in (answered, [user("hello")]):
        body = {"model": CLAUDE, "max_tokens": 5, "messages": messages}
        assert http.post("/v1/messages", json=body, headers=ANTHROPIC_HEADERS).status_code == 200
    with_result, without_result = control.journal()
    assert with_result["rule"] is None
    assert _why(with_result, "without") == [("tool_result", "the last turn carries a tool result")]
    assert _why(with_result, "other-tool") == [
        ("tool_result", "the last turn has no result of tool 'get_time'")
    ]
    assert _why(with_result, "with") == [
        ("last_user_text", "last user text is 'weather?', not 'never'")
    ]
    assert without_result["rule"] == "without"


def test_tool_result_true_misses_a_turn_without_results(
    control: Control, anthropic_client: anthropic.Anthropic
) -> None:
    control.load({"name": "r", "rules": [_rule("with", {"tool_result": True})]})
    anthropic_client.messages.create(model=CLAUDE, max_tokens=5, messages=[user("hello")])
    (entry,) = control.journal()
    assert _why(entry, "with") == [("tool_result", "the last turn carries no tool result")]


def test_replacing_a_scenario_restarts_its_sequences_only(
    control: Control, anthropic_client: anthropic.Anthropic
) -> None:
    # README, control API: a scenario loaded with a loaded one's name replaces it; the
    # replacement's `replies` start from the first, and other scenarios keep theirs.
    def scenario(name: str) -> dict[str, Any]:
        rule = {"name": "steps", "match": {"last_user_text": name}}
        return {"name": name, "rules": [{**rule, "replies": [{"text": "1"}, {"text": "2"}]}]}

    def ask(text: str) -> str:
        reply = anthropic_client.messages.create(model=CLAUDE, max_tokens=5, messages=[user(text)])
        block = reply.content[0]
        assert block.type == "text"
        return block.text

    control.load(scenario("a"))
    control.load(scenario("b"))
    assert [ask("a"), ask("b")] == ["1", "1"]
    control.load(scenario("a"))
    assert [ask("a"), ask("b")] == ["1", "2"]
    # Deleted and loaded again, it starts over too (README: DELETE /_emulator/scenarios/NAME).
    assert control.http.delete("/_emulator/scenarios/a").status_code == 204
    control.load(scenario("a"))
    assert ask("a") == "1"


def test_a_rule_missing_on_its_headers_lets_the_next_rule_answer(
    control: Control, anthropic_client: anthropic.Anthropic
) -> None:
    # README, "How a reply is chosen" 1: rules are tried top to bottom; the first whose
    # predicates all hold answers.
    control.load(
        {
            "name": "tenants",
            "rules": [
                _rule("acme", {"headers": {"x-tenant": "acme"}}),
                _rule("anyone", {"last_user_text": "hi"}),
            ],
        }
    )
    reply = anthropic_client.messages.create(
        model=CLAUDE, max_tokens=5, messages=[user("hi")], extra_headers={"x-tenant": "globex"}
    )
    assert reply.content[0].type == "text" and reply.content[0].text == "anyone"


def test_naming_a_scenario_when_none_is_loaded_is_a_400(http: httpx.Client) -> None:
    # README, "How a reply is chosen" 3: a name that is not loaded gets a 400
    # invalid_request_error, even with no scenario loaded at all.
    headers = {**ANTHROPIC_HEADERS, "x-emulator-scenario": "nope"}
    body = {"model": CLAUDE, "max_tokens": 5, "messages": [user("hi")]}
    response = http.post("/v1/messages", json=body, headers=headers)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["type"] == "invalid_request_error" and "'nope'" in error["message"]


def test_a_scripted_tool_call_without_input_gets_a_seeded_valid_one(
    control: Control, anthropic_client: anthropic.Anthropic
) -> None:
    # README, replies: a tool call with no `input` gets one generated from the tool's
    # schema; same request and seed, same content.
    control.load(
        {
            "name": "tools",
            "rules": [{"name": "call", "reply": {"tool_calls": [{"name": "get_weather"}]}}],
        }
    )
    tool: Any = {"name": "get_weather", "input_schema": WEATHER_TOOL_SCHEMA}
    inputs = []
    for _ in range(2):
        reply = anthropic_client.messages.create(
            model=CLAUDE, max_tokens=50, messages=[user("weather?")], tools=[tool]
        )
        (call,) = [b for b in reply.content if b.type == "tool_use"]
        jsonschema.validate(call.input, WEATHER_TOOL_SCHEMA)
        inputs.append(call.input)
    assert inputs[0] == inputs[1]


def test_a_deleted_scenario_no_longer_answers_and_the_others_still_do(
    control: Control, http: httpx.Client
) -> None:
    # README, control API: DELETE /_emulator/scenarios/NAME removes that scenario; the
    # same body sent again is matched against what is loaded now.
    def load(name: str, text: str) -> None:
        control.load({"name": name, "rules": [_rule(f"{name}-rule", {"last_user_text": text})]})

    def ask(text: str) -> str | None:
        body = {"model": CLAUDE, "max_tokens": 5, "messages": [user(text)]}
        assert http.post("/v1/messages", json=body, headers=ANTHROPIC_HEADERS).status_code == 200
        rule: str | None = control.journal()[-1]["rule"]
        return rule

    load("a", "x")
    assert ask("x") == "a-rule"
    assert http.delete("/_emulator/scenarios/a").status_code == 204
    assert ask("x") is None
    load("b", "x")
    assert ask("x") == "b-rule"
    load("c", "y")
    assert http.delete("/_emulator/scenarios/b").status_code == 204
    assert ask("y") == "c-rule"
