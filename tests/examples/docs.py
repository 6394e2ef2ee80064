"""The marked code blocks of README.md and of every page under docs/, read the way the
tests that keep them true need them.

Every fenced block carries an HTML comment on the line just before it:

- ``<!-- example: tests/examples/FILE.py::NAME -->``: the block is copied verbatim
  into that file (into the body of ``NAME`` or at top level), where it runs as a test;
- ``<!-- example: PATH -->``: the block is verbatim the content of the file ``PATH``;
- ``<!-- example-block: NAME -->``: a test reads the block by name (``doc_block("NAME")``;
  names are unique across all the files) and runs or checks it;
- ``<!-- not-run: REASON -->``: no test runs the block, for the reason given (an output
  sample, a command that needs the real API).
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parents[2]
README = REPO / "README.md"
DOCS = REPO / "docs"

_MARKER = re.compile(r"^<!-- (example|example-block|not-run): (.*?) ?-->$")
_FENCE = re.compile(r"^```([\w-]*)$")
_ANY_FENCE = re.compile(r"^\s*(```|~~~)")


@dataclass(frozen=True, slots=True)
class Example:
    kind: str  # "example", "example-block" or "not-run"
    target: str  # "PATH", "PATH::NAME", a block name, or the reason it is not run
    language: str
    text: str
    line: int  # line of the marker, 1-based
    source: str = "README.md"  # the markdown file, relative to the repository

    @property
    def where(self) -> str:
        return f"{self.source}:{self.line}"


def markdown_files() -> list[Path]:
    """README.md and every page of the docs site."""
    return [README, *sorted(DOCS.rglob("*.md"))]


def _relative(path: Path) -> str:
    return path.relative_to(REPO).as_posix()


def examples(text: str | None = None, source: str = "README.md") -> list[Example]:
    """Every marked block of one markdown file (README.md, or ``text``), in order."""
    if text is None:
        text = (REPO / source).read_text(encoding="utf-8")
    lines = text.splitlines()
    found: list[Example] = []
    for index, line in enumerate(lines):
        marker = _MARKER.match(line.strip())
        if marker is None:
            continue
        fence = _FENCE.match(lines[index + 1]) if index + 1 < len(lines) else None
        if fence is None:
            raise AssertionError(f"{source}:{index + 1}: a marker must sit just above a ``` fence")
        end = next((j for j in range(index + 2, len(lines)) if lines[j] == "```"), None)
        if end is None:
            raise AssertionError(f"{source}:{index + 2}: the fenced block is never closed")
        body = "\n".join(lines[index + 2 : end]) + "\n"
        found.append(Example(marker[1], marker[2], fence[1], body, index + 1, source))
    return found


def all_examples() -> list[Example]:
    """Every marked block of README.md and of the docs pages."""
    return [e for path in markdown_files() for e in examples(source=_relative(path))]


def fence_lines(text: str) -> list[int]:
    """1-based line numbers of every opening fence (``` or ~~~, indented or not)."""
    opening: list[int] = []
    inside = False
    for number, line in enumerate(text.splitlines(), start=1):
        if _ANY_FENCE.match(line):
            if not inside:
                opening.append(number)
            inside = not inside
    return opening


def unmarked_fences(text: str, source: str) -> list[str]:
    """Where a fenced block of ``text`` has no marker: neither run by a test nor said why not."""
    marked = {e.line + 1 for e in examples(text, source) if e.target.strip()}
    return [f"{source}:{line}" for line in fence_lines(text) if line not in marked]


def doc_block(name: str) -> str:
    """The text of the block marked ``<!-- example-block: name -->``, in whichever file."""
    matches = [e for e in all_examples() if e.kind == "example-block" and e.target == name]
    if len(matches) != 1:
        where = [e.where for e in matches]
        raise AssertionError(f"{len(matches)} blocks named {name!r} ({where}), expected 1")
    return matches[0].text


def logical_lines(block: str) -> list[str]:
    """Shell lines with ``\\`` continuations joined; blank lines dropped."""
    lines: list[str] = []
    pending = ""
    for raw in block.splitlines():
        if raw.rstrip().endswith("\\"):
            pending += raw.rstrip()[:-1] + " "
            continue
        line = (pending + raw).strip()
        pending = ""
        if line:
            lines.append(line)
    return lines


_SEPARATORS = frozenset({"&&", "||", ";", "&", "|", ";;"})
_KEYWORDS = frozenset({"until", "while", "do", "then", "if", "!"})
_ASSIGNMENT = re.compile(r"^[A-Za-z_]\w*=")


def commands(block: str, program: str) -> list[list[str]]:
    """argv of each command of a sh block that runs ``program``: after ``$ ``, ``&&``,
    ``;`` or a keyword like ``until``; ``# comments`` and leading ``NAME=value``
    assignments are dropped."""
    found: list[list[str]] = []
    for line in logical_lines(block):
        if line.startswith("#"):
            continue
        lexer = shlex.shlex(line.removeprefix("$ "), posix=True, punctuation_chars=True)
        lexer.whitespace_split = True
        lexer.commenters = "#"
        current: list[str] = []
        for word in [*lexer, ";"]:
            if word in _SEPARATORS:
                if current and current[0] == program:
                    found.append(current)
                current = []
            elif current or (word not in _KEYWORDS and not _ASSIGNMENT.match(word)):
                current.append(word)
    return found


def exported(block: str) -> dict[str, str]:
    """``export A=1 B=2`` lines of a sh block, as a mapping."""
    found: dict[str, str] = {}
    for words in commands(block, "export"):
        for word in words[1:]:
            name, _, value = word.partition("=")
            found[name] = value
    return found


@dataclass(slots=True)
class CurlRequest:
    """One ``curl`` line of a docs block, as an HTTP request plus the expected answer."""

    method: str
    path: str  # path and query, without scheme and host
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None
    expect: str | None = None  # the text after ``# →`` on the next line, if any


def curl_requests(block: str, env: Mapping[str, str] | None = None) -> list[CurlRequest]:
    """The ``curl`` commands of a sh block; ``$NAME`` is replaced from ``env``; a line
    ``# → 204`` or ``# → {json}`` after a command is its expected answer."""
    requests: list[CurlRequest] = []
    for line in logical_lines(block):
        if line.startswith("# →"):
            if not requests:
                raise AssertionError(f"an expected answer before any curl command: {line!r}")
            requests[-1].expect = line.removeprefix("# →").strip()
            continue
        if line.startswith("#") or not line.startswith("curl "):
            continue
        words = [_expand(w, env or {}) for w in shlex.split(line, comments=True)[1:]]
        requests.append(_parse_curl(words))
    return requests


def _expand(word: str, env: Mapping[str, str]) -> str:
    def value(found: re.Match[str]) -> str:
        name = found[1] or found[2]
        if name not in env:
            raise AssertionError(f"${name} is used in a docs block but the test gives no value")
        return env[name]

    return re.sub(r"\$\{(\w+)\}|\$(\w+)", value, word)


def _parse_curl(words: list[str]) -> CurlRequest:
    method: str | None = None
    url: str | None = None
    headers: dict[str, str] = {}
    body: bytes | None = None
    items = iter(words)
    for word in items:
        if word in {"-s", "-f", "-sf", "-fs", "-S", "-sS"}:
            continue
        if word == "-X":
            method = next(items)
        elif word == "-H":
            name, _, value = next(items).partition(":")
            headers[name.strip().lower()] = value.strip()
        elif word in {"-d", "--data", "--data-binary"}:
            data = next(items)
            body = (REPO / data[1:]).read_bytes() if data.startswith("@") else data.encode()
        elif word.startswith("-"):
            raise AssertionError(f"curl option {word!r} is not understood by the docs' curl parser")
        else:
            url = word
    if url is None:
        raise AssertionError(f"a curl command without a URL: {words}")
    if body is not None:
        # As curl does: -d without a content-type header sends a form content type.
        headers.setdefault("content-type", "application/x-www-form-urlencoded")
    parts = urlsplit(url if "://" in url else "http://" + url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    return CurlRequest(method or ("POST" if body is not None else "GET"), path, headers, body)


def expected_json(text: str) -> Any:
    """An expected answer where ``…`` stands for the fields and items left out."""
    return json.loads(re.sub(r",\s*…|…", "", text))


def is_subset(expected: Any, actual: Any) -> bool:
    """Dicts: every expected key, recursively; lists: same length, item by item."""
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(
            key in actual and is_subset(value, actual[key]) for key, value in expected.items()
        )
    if isinstance(expected, list):
        return (
            isinstance(actual, list)
            and len(expected) == len(actual)
            and all(is_subset(e, a) for e, a in zip(expected, actual, strict=True))
        )
    return bool(expected == actual)
