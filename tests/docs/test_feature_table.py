"""tests/README.md's feature table names tests that exist: a renamed or deleted test
would otherwise leave a documented feature looking covered."""

from __future__ import annotations

import re
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
TABLE_ROW = re.compile(r"^\| (?P<feature>.+?) \| (?P<tests>[^|]*) \|$")
# file.py, file.py::name, ::name (in the file named before it), names with * or ::Class::name
REFERENCE = re.compile(r"(?P<file>[\w/]+\.py)?(?P<names>(?:::[\w*]+)*)")


def _file(name: str) -> Path:
    for candidate in (TESTS / name, TESTS / "integration" / name):
        if candidate.is_file():
            return candidate
    found = sorted(TESTS.rglob(name))
    assert found, f"tests/README.md names {name}, which is not under tests/"
    return found[0]


def _defines(source: str, name: str) -> bool:
    pattern = re.escape(name).replace(r"\*", r"\w*")
    return re.search(rf"^\s*(?:async\s+)?(?:def|class)\s+{pattern}\b", source, re.M) is not None


def _references() -> list[tuple[str, Path, list[str]]]:
    text = (TESTS / "README.md").read_text(encoding="utf-8")
    table = text[text.index("## Documented features") : text.index("## Mutation testing")]
    found: list[tuple[str, Path, list[str]]] = []
    for line in table.splitlines():
        row = TABLE_ROW.match(line)
        if row is None or row["tests"].strip() in ("", "tests", "---"):
            continue
        current: Path | None = None
        for cell in row["tests"].split(","):
            item = re.sub(r"\(.*?\)", "", cell).strip()
            if not item:
                continue
            match = REFERENCE.fullmatch(item.split()[0])
            assert match is not None, f"cannot read {item!r} in the row {row['feature']!r}"
            if match["file"]:
                current = _file(match["file"])
            assert current is not None, f"{item!r} names no file (row {row['feature']!r})"
            names = [n for n in match["names"].split("::") if n]
            found.append((row["feature"], current, names))
    return found


def test_every_test_the_feature_table_names_exists() -> None:
    references = _references()
    assert len(references) > 100
    missing = [
        f"{feature}: {path.relative_to(TESTS)}::{name}"
        for feature, path, names in references
        for name in names
        if not _defines(path.read_text(encoding="utf-8"), name)
    ]
    assert not missing, "tests/README.md names tests that do not exist:\n" + "\n".join(missing)
