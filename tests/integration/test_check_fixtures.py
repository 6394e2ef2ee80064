"""``llm-emulator check-fixtures``: one file or a folder, nothing to check is an error,
and so is a template placeholder nothing fills."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.integration.test_cli import _command

GOOD = (
    "name: good\nrules:\n  - name: city\n"
    "    match: {last_user_text: {regex: 'in (?P<city>\\w+)'}}\n"
    "    reply: {text: 'Sunny in {{city}}, says {{ model }}'}\n"
)
UNFILLED = (
    "name: typo\nrules:\n  - name: greet\n    reply: {text: 'Hello {{nmae}}'}\n"
    "default: {text: '{{tool_reslt}}'}\n"
)


def _check(target: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        _command("check-fixtures", str(target)),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_one_file_or_a_folder(tmp_path: Path) -> None:
    (tmp_path / "good.yaml").write_text(GOOD)

    one = _check(tmp_path / "good.yaml")
    folder = _check(tmp_path)

    assert (one.returncode, one.stdout) == (
        0,
        f"ok: 1 scenario(s), 1 rule(s) in {tmp_path / 'good.yaml'}\n",
    )
    assert (folder.returncode, folder.stdout) == (
        0,
        f"ok: 1 scenario(s), 1 rule(s) in {tmp_path}\n",
    )


def test_nothing_to_check_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("not a scenario")

    empty = _check(tmp_path)
    missing = _check(tmp_path / "nowhere")

    assert (empty.returncode, empty.stderr) == (
        1,
        f"error: {tmp_path}: no scenario files (.json, .yaml, .yml) found\n",
    )
    assert (missing.returncode, missing.stderr) == (
        1,
        f"error: {tmp_path / 'nowhere'}: no such file or folder\n",
    )


def test_a_placeholder_nothing_fills_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "typo.yaml"
    path.write_text(UNFILLED)

    result = _check(path)

    known = "known: model, api, last_user_text, tool_result, tool_name, and the named groups"
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.splitlines() == [
        f"error: {path}: rule 'greet' (rules[0]): {{{{nmae}}}}: unknown template placeholder "
        f"({known} of the rule's regexes)",
        f"error: {path}: default: {{{{tool_reslt}}}}: unknown template placeholder "
        f"({known} of the rule's regexes)",
    ]
