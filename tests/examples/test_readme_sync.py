"""README.md and tests/examples/ cannot drift: every marked snippet is checked against its twin."""

from __future__ import annotations

import ast
import re
import textwrap

import pytest

from tests.examples.readme import README, REPO, Example, examples, readme_block

EXAMPLES = REPO / "tests" / "examples"
# The README sections whose every code block must have a twin in tests/examples/.
TWINNED_SECTIONS = (
    "In pytest",
    "Scenario files",
    "Control API",
    "In CI (service container)",
    "Gateway testing",
    "Local SDK work",
)


def _copied() -> list[Example]:
    return [e for e in examples() if e.kind == "example"]


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


def test_readme_has_copied_examples() -> None:
    files = {e.target.partition("::")[0] for e in _copied()}
    assert "tests/examples/test_readme_pytest.py" in files
    assert "tests/examples/test_readme_local.py" in files


@pytest.mark.parametrize("example", _copied(), ids=lambda e: f"README.md:{e.line}")
def test_snippet_is_verbatim_in_its_twin(example: Example) -> None:
    path_text, _, name = example.target.partition("::")
    path = REPO / path_text
    assert path.is_file(), f"README.md:{example.line}: {path_text} does not exist"
    source = path.read_text(encoding="utf-8")
    snippet = textwrap.dedent(example.text)
    if not name:
        assert snippet == source, f"README.md:{example.line}: differs from {path_text}"
        return
    assert example.language == "python", f"README.md:{example.line}: mark python blocks only"
    definitions = _definitions(ast.parse(source))
    assert name in definitions, f"README.md:{example.line}: {path_text} defines no {name!r}"
    places = (source, _body_text(source, definitions[name]))
    assert any(snippet in place for place in places), (
        f"README.md:{example.line}: the snippet for {name} is not verbatim in {path_text}; "
        "copy the README's block into the test (or back)"
    )


def test_every_named_block_is_read_by_a_test() -> None:
    names = [e.target for e in examples() if e.kind == "example-block"]
    assert len(names) == len(set(names)), f"block names used twice: {names}"
    sources = "\n".join(p.read_text(encoding="utf-8") for p in EXAMPLES.glob("test_*.py"))
    read = set(re.findall(r"readme_block\(\"([\w-]+)\"\)", sources))
    assert set(names) - read == set(), "README blocks that no test reads"
    assert read - set(names) == set(), "tests read blocks that README.md does not have"
    for name in names:
        assert readme_block(name)


def test_every_block_of_the_twinned_sections_is_marked() -> None:
    lines = README.read_text(encoding="utf-8").splitlines()
    marked = {e.line + 1 for e in examples()}  # 1-based line of each marked fence
    section = ""
    in_block = False
    unmarked: list[str] = []
    for number, line in enumerate(lines, start=1):
        if line.startswith("```"):
            if not in_block and section in TWINNED_SECTIONS and number not in marked:
                unmarked.append(f"README.md:{number} ({section})")
            in_block = not in_block
        elif line.startswith("## ") and not in_block:
            section = line[3:].strip()
    headings = {line[3:].strip() for line in lines if line.startswith("## ")}
    assert set(TWINNED_SECTIONS) <= headings
    assert unmarked == [], "code blocks without an example marker"


def test_marker_reader_finds_blocks() -> None:
    text = "intro\n<!-- example-block: demo -->\n```sh\necho hi\n```\n"
    (found,) = examples(text)
    assert (found.kind, found.target, found.language, found.text) == (
        "example-block",
        "demo",
        "sh",
        "echo hi\n",
    )
    with pytest.raises(AssertionError, match="just above"):
        examples("<!-- example-block: demo -->\ntext\n")
