"""Move emulator/'s modules to their layer's package, as ``mapping.toml`` says.

``python -m tools.relayout.apply`` (from the repository's top) does the ``git mv``s,
rewrites every reference to a moved module or name (imports, dotted strings, file
paths) in the code, tests and docs, and writes each new package's ``__init__.py``.
It refuses to start while a module in emulator/ has no place in the mapping, and
running it again on a moved tree changes nothing.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MAPPING = Path(__file__).with_name("mapping.toml")
PACKAGE = "emulator"
# Where references to modules may be: the code, its tests and tools, and the docs.
SOURCE_DIRS = ("emulator", "tests", "benchmarks", "scripts", "docs")
SOURCE_FILES = ("conftest.py", "pyproject.toml", "README.md", "Dockerfile", ".ci/run")
# The relayout's own tests quote old names on purpose.
SKIPPED_DIRS = ("tests/tools",)
SUFFIXES = (".py", ".md", ".toml", ".txt", ".cfg", ".ini", ".yaml", ".yml", ".json")


class MappingError(Exception):
    """The tree and the mapping disagree; the message lists what to fix."""


@dataclass(frozen=True)
class Mapping:
    modules: dict[str, str]  # old dotted module -> new dotted module
    symbols: dict[str, str]  # "old.module:Name" -> new dotted module (old module names)
    keep: frozenset[str]  # modules that stay where they are
    packages: dict[str, str]  # new package -> its __init__ docstring

    @classmethod
    def load(cls, path: Path) -> Mapping:
        data = tomllib.loads(path.read_text())
        return cls(
            modules=dict(data["modules"]),
            symbols=dict(data.get("symbols", {})),
            keep=frozenset(data["keep"]["modules"]),
            packages={name: doc.strip() for name, doc in data["packages"].items()},
        )


def module_of(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def file_of(module: str, *, package: bool = False) -> Path:
    base = ROOT.joinpath(*module.split("."))
    return base / "__init__.py" if package else base.with_suffix(".py")


def existing_file(module: str) -> Path | None:
    for candidate in (file_of(module), file_of(module, package=True)):
        if candidate.is_file():
            return candidate
    return None


def tree_modules() -> set[str]:
    return {module_of(p) for p in (ROOT / PACKAGE).rglob("*.py") if "__pycache__" not in p.parts}


def check(mapping: Mapping, present: set[str]) -> None:
    """Every module has a place, and no move would overwrite a file."""
    placed = set(mapping.modules) | set(mapping.modules.values()) | mapping.keep
    placed |= set(mapping.packages)
    unmapped = sorted(present - placed)
    clashes = sorted(
        f"{old} -> {new}"
        for old, new in mapping.modules.items()
        if old in present and new in present
    )
    problems = []
    if unmapped:
        problems.append(
            "modules in emulator/ that mapping.toml does not place (add each under [modules]"
            " as old = new, or under [keep]):\n" + "\n".join(f"  {m}" for m in unmapped)
        )
    if clashes:
        problems.append(
            "moves whose old and new files both exist (merge them by hand first):\n"
            + "\n".join(f"  {c}" for c in clashes)
        )
    if problems:
        raise MappingError("\n".join(problems))


def write_packages(mapping: Mapping) -> list[Path]:
    written = []
    for package, doc in mapping.packages.items():
        init = file_of(package, package=True)
        init.parent.mkdir(parents=True, exist_ok=True)
        if init.is_file() and init.read_text().strip():
            continue
        init.write_text(f'"""{doc}\n"""\n' if "\n" in doc else f'"""{doc}"""\n')
        written.append(init)
    return written


def move(mapping: Mapping, present: set[str]) -> list[tuple[str, str]]:
    moved = []
    for old, new in mapping.modules.items():
        if old not in present:
            continue
        source = existing_file(old)
        assert source is not None
        target = file_of(new, package=source.name == "__init__.py")
        target.parent.mkdir(parents=True, exist_ok=True)
        git("mv", str(source.relative_to(ROOT)), str(target.relative_to(ROOT)))
        moved.append((old, new))
    return moved


def git(*args: str) -> None:
    subprocess.run(["git", "-C", str(ROOT), *args], check=True)


# --- rewriting references -------------------------------------------------------------

_FROM_IMPORT = re.compile(
    r"^(?P<indent>[ \t]*)from[ \t]+(?P<module>emulator(?:\.\w+)*)[ \t]+import[ \t]+"
    r"(?:\((?P<group>[^)]*)\)|(?P<line>[^\n#]*?))(?P<comment>[ \t]*#[^\n]*)?$",
    re.MULTILINE,
)
# Logger names are left as they are: users' logging settings name them.
_DOTTED = re.compile(r"(?<![\w.])(?<!getLogger\([\"'])emulator(?:\.\w+)+")
_PATH = re.compile(r"(?<![\w./])emulator(?:/\w+)+(?:\.py|/)?")


class Rewriter:
    def __init__(self, mapping: Mapping, modules: set[str]) -> None:
        self.moves = mapping.modules
        self.symbols = mapping.symbols
        # Every module name, old or new, so that ``from pkg import name`` is told apart
        # from importing a value.
        self.modules = modules | set(mapping.modules) | set(mapping.modules.values())
        self.modules |= set(mapping.packages) | mapping.keep

    def new_module(self, dotted: str) -> str:
        """``dotted`` (a module, or a name inside one) with its module's new place."""
        parts = dotted.split(".")
        for cut in range(len(parts), 1, -1):
            head = ".".join(parts[:cut])
            if head in self.moves:
                return ".".join([self.moves[head], *parts[cut:]])
        return dotted

    def text(self, text: str) -> str:
        text = _FROM_IMPORT.sub(self._from_import, text)
        text = _DOTTED.sub(self._dotted, text)
        return _PATH.sub(self._path, text)

    def _dotted(self, match: re.Match[str]) -> str:
        dotted = match.group(0)
        module, _, name = dotted.rpartition(".")
        if f"{module}:{name}" in self.symbols:
            return self.new_module(self.symbols[f"{module}:{name}"]) + "." + name
        return self.new_module(dotted)

    def _path(self, match: re.Match[str]) -> str:
        path = match.group(0)
        suffix = ".py" if path.endswith(".py") else "/" if path.endswith("/") else ""
        dotted = path.removesuffix(".py").rstrip("/").replace("/", ".")
        moved = self.new_module(dotted)
        if moved == dotted:
            return path
        return moved.replace(".", "/") + suffix

    def _from_import(self, match: re.Match[str]) -> str:
        module = match.group("module")
        body = match.group("group") if match.group("group") is not None else match.group("line")
        names = [n.strip() for n in body.replace("\n", " ").split(",") if n.strip()]
        if any(n.startswith("#") for n in body.split()) and match.group("group") is not None:
            return match.group(0)  # comments inside a parenthesized import: left as it is
        targets: dict[str, list[str]] = {}
        for entry in names:
            name, _, alias = entry.partition(" as ")
            name, alias = name.strip(), alias.strip()
            source, new_name = self._place(module, name)
            if new_name != name and not alias:
                alias = name
            targets.setdefault(source, []).append(f"{new_name} as {alias}" if alias else new_name)
        if list(targets) == [module] and targets[module] == names:
            return match.group(0)
        indent, comment = match.group("indent"), match.group("comment") or ""
        lines = [
            f"{indent}from {source} import {', '.join(entries)}"
            for source, entries in targets.items()
        ]
        lines[0] += comment
        return "\n".join(lines)

    def _place(self, module: str, name: str) -> tuple[str, str]:
        """Where ``from module import name`` now imports from, and the name there."""
        if f"{module}:{name}" in self.symbols:
            return self.new_module(self.symbols[f"{module}:{name}"]), name
        submodule = f"{module}.{name}"
        if submodule in self.modules:
            moved = self.new_module(submodule)
            package, _, new_name = moved.rpartition(".")
            return package, new_name
        return self.new_module(module), name


def reference_files() -> list[Path]:
    files = [ROOT / f for f in SOURCE_FILES if (ROOT / f).is_file()]
    for folder in SOURCE_DIRS:
        files += [
            p
            for p in sorted((ROOT / folder).rglob("*"))
            if p.is_file()
            and p.suffix in SUFFIXES
            and "__pycache__" not in p.parts
            and not any(p.is_relative_to(ROOT / skipped) for skipped in SKIPPED_DIRS)
        ]
    return files


def rewrite(rewriter: Rewriter) -> list[Path]:
    changed = []
    for path in reference_files():
        before = path.read_text()
        after = rewriter.text(before)
        if after != before:
            path.write_text(after)
            changed.append(path)
    return changed


def tidy(paths: list[Path]) -> None:
    """Sort the imports that moved; ruff also wraps the lines that grew too long."""
    python = [str(p) for p in paths if p.suffix == ".py"]
    if python:
        subprocess.run(
            [sys.executable, "-m", "ruff", "check", "--quiet", "--fix", "--select", "I", *python],
            check=False,
            cwd=ROOT,
        )
        subprocess.run(
            [sys.executable, "-m", "ruff", "format", "--quiet", *python],
            check=False,
            cwd=ROOT,
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check the mapping")
    args = parser.parse_args(argv)
    mapping = Mapping.load(MAPPING)
    present = tree_modules()
    try:
        check(mapping, present)
    except MappingError as err:
        print(f"relayout: {err}", file=sys.stderr)
        return 1
    if args.check:
        print("relayout: every module has a place")
        return 0
    inits = write_packages(mapping)
    moved = move(mapping, present)
    changed = rewrite(Rewriter(mapping, tree_modules()))
    tidy(sorted(set(changed) | set(inits)))
    print(
        f"relayout: {len(moved)} modules moved, {len(inits)} packages made, "
        f"{len(changed)} files rewritten"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
