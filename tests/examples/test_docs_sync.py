"""README.md, docs/ and the tests cannot drift: every fenced block is run by a test (a
verbatim twin in tests/examples/, or read by name) or says why it is not."""

from __future__ import annotations

import ast
import re
import textwrap

import pytest

from tests.examples.docs import (
    REPO,
    Example,
    all_examples,
    doc_block,
    examples,
    markdown_files,
    unmarked_fences,
)

TEST_FOLDERS = (REPO / "tests" / "examples", REPO / "tests" / "docs")


def _copied() -> list[Example]:
    return [e for e in all_examples() if e.kind == "example"]


def _definitions(tree: ast.Module) -> dict[str, ast.stmt]:
    found: dict[str, ast.stmt] = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            found[node.name] = node
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            found.update({t.id: node for t in targets if isinstance(t, ast.Name)})
    return found


def _body_text(source: str, node: ast.stmt) -> str:
    """The dedented body of a function, for snippets that show only its inside."""
    if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        return ""
    lines = source.splitlines()
    first, last = node.body[0].lineno, node.body[-1].end_lineno or node.body[-1].lineno
    return textwrap.dedent("\n".join(lines[first - 1 : last]) + "\n")


def test_the_docs_have_copied_examples() -> None:
    sources = {e.source for e in _copied()}
    assert {"README.md", "docs/guides/pytest.md", "docs/guides/scenarios.md"} <= sources


@pytest.mark.parametrize("example", _copied(), ids=lambda e: e.where)
def test_snippet_is_verbatim_in_its_twin(example: Example) -> None:
    path_text, _, name = example.target.partition("::")
    path = REPO / path_text
    assert path.is_file(), f"{example.where}: {path_text} does not exist"
    source = path.read_text(encoding="utf-8")
    snippet = textwrap.dedent(example.text)
    if not name:
        assert snippet == source, f"{example.where}: differs from {path_text}"
        return
    assert example.language == "python", f"{example.where}: mark python blocks only"
    definitions = _definitions(ast.parse(source))
    assert name in definitions, f"{example.where}: {path_text} defines no {name!r}"
    places = (source, _body_text(source, definitions[name]))
    assert any(snippet in place for place in places), (
        f"{example.where}: the snippet for {name} is not verbatim in {path_text}; "
        "copy the page's block into the test (or back)"
    )


def test_every_named_block_is_read_by_a_test() -> None:
    names = [e.target for e in all_examples() if e.kind == "example-block"]
    assert len(names) == len(set(names)), f"block names used twice: {names}"
    sources = "\n".join(
        path.read_text(encoding="utf-8")
        for folder in TEST_FOLDERS
        for path in folder.glob("test_*.py")
    )
    # doc_block(name), or a test's own reader named like it (install_block(name)).
    read = set(re.findall(r"\w*_block\(\"([\w-]+)\"\)", sources))
    assert set(names) - read == set(), "blocks that no test reads"
    assert read - set(names) == set(), "tests read blocks that no page has"
    for name in names:
        assert doc_block(name)


def test_every_fenced_block_is_run_by_a_test_or_says_why_not() -> None:
    unmarked = [
        where
        for path in markdown_files()
        for where in unmarked_fences(
            path.read_text(encoding="utf-8"), path.relative_to(REPO).as_posix()
        )
    ]
    assert unmarked == [], (
        "fenced blocks with no <!-- example: … -->, <!-- example-block: … --> "
        "or <!-- not-run: REASON --> marker just above them"
    )


def test_the_fence_check_finds_what_it_must() -> None:
    text = (
        "<!-- not-run: output shown -->\n```text\nok\n```\n"
        "```sh\nunmarked\n```\n"
        "<!-- not-run: -->\n```text\nno reason given\n```\n"
        "- a list item\n\n  ```python\n  indented\n  ```\n"
    )
    assert unmarked_fences(text, "page.md") == ["page.md:5", "page.md:9", "page.md:14"]


def test_marker_reader_finds_blocks() -> None:
    text = "intro\n<!-- example-block: demo -->\n```sh\necho hi\n```\n"
    (found,) = examples(text)
    assert (found.kind, found.target, found.language, found.text) == (
        "example-block",
        "demo",
        "sh",
        "echo hi\n",
    )
    (reason,) = examples("<!-- not-run: output shown -->\n```text\n42\n```\n")
    assert (reason.kind, reason.target) == ("not-run", "output shown")
    with pytest.raises(AssertionError, match="just above"):
        examples("<!-- example-block: demo -->\ntext\n")
