"""Scenario files: what loads, and the messages for what does not."""

from __future__ import annotations

from pathlib import Path

import pytest

from emulator.scenario.loader import ScenarioError, load_file, load_folder, parse_text
from emulator.util.resources import data_dir


def test_shipped_examples_load() -> None:
    scenarios = load_folder(data_dir("fixtures"))
    names = {s.name for s in scenarios}
    assert {"weather-agent", "plain-chat", "rate-limit-then-success", "mid-stream-failure"} <= names
    assert all(s.rules for s in scenarios)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("rules: [", "broken.yaml: not valid YAML"),
        ("- a\n- b\n", "broken.yaml: a scenario is an object with a 'rules' list"),
        ("{}", "broken.yaml: (top level): 'rules' is a required property"),
        (
            "rules:\n  - reply: {text: x}\n",
            "broken.yaml: rules[0]: (the rule itself): 'name' is a required property",
        ),
        (
            "rules:\n  - name: a\n    reply: {text: x}\n    match: {modle: gpt}\n",
            "broken.yaml: rule 'a' (rules[0]): match: Additional properties are not allowed ('modle' was unexpected)",
        ),
        (
            "rules:\n  - name: a\n    reply: {txt: x}\n",
            "broken.yaml: rule 'a' (rules[0]): reply: Additional properties are not allowed ('txt' was unexpected)",
        ),
        (
            "rules:\n  - name: a\n    reply: {error: {status: 200}}\n",
            "broken.yaml: rule 'a' (rules[0]): reply.error.status: 200 is less than the minimum of 400",
        ),
        (
            "rules:\n  - name: a\n    match: {last_user_text: {regex: '('}}\n    reply: {text: x}\n",
            "broken.yaml: rule 'a' (rules[0]): match.last_user_text.regex: invalid regular expression",
        ),
        (
            "rules:\n  - name: a\n",
            "broken.yaml: rule 'a' (rules[0]): give exactly one of 'reply' or 'replies'",
        ),
        (
            "rules:\n  - {name: a, reply: {text: x}}\n  - {name: a, reply: {text: y}}\n",
            "broken.yaml: rule 'a' (rules[1]): (the rule itself): name 'a' is used by an earlier rule",
        ),
        (
            "rules:\n  - name: a\n    reply: {fault: {kind: explode}}\n",
            "broken.yaml: rule 'a' (rules[0]): reply.fault.kind: 'explode' is not one of",
        ),
    ],
)
def test_errors_name_file_rule_and_field(text: str, message: str) -> None:
    with pytest.raises(ScenarioError) as raised:
        parse_text(text, "broken.yaml", "broken")
    assert str(raised.value).startswith(message), str(raised.value)


def test_json_files_and_duplicate_scenarios(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text(
        '{"name": "same", "rules": [{"name": "r", "reply": {"text": "x"}}]}'
    )
    (tmp_path / "b.yaml").write_text("name: same\nrules: []\n")
    assert load_file(tmp_path / "a.json").name == "same"
    with pytest.raises(ScenarioError, match="scenario name 'same' is already used by"):
        load_folder(tmp_path)


def test_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="not a folder"):
        load_folder(tmp_path / "nope")
