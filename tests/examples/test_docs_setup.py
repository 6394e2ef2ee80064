"""The README's test command is what CI runs, and it installs pinned versions; the
fidelity page names the pinned SDK versions."""

from __future__ import annotations

import re
import tomllib

from tests.examples.docs import DOCS, REPO, doc_block


def _pins() -> dict[str, str]:
    text = (REPO / "requirements" / "test.txt").read_text()
    return {
        name.lower(): version
        for name, version in re.findall(r"^([A-Za-z0-9_.\-]+)==(\S+)", text, re.MULTILINE)
    }


def _names(requirements: list[str]) -> list[str]:
    return [re.split(r"[<>=!~\[; ]", spec, maxsplit=1)[0].lower() for spec in requirements]


def test_ci_runs_exactly_the_readme_test_command() -> None:
    command = doc_block("test-command").strip()
    ci_lines = (REPO / ".ci" / "run").read_text().splitlines()
    assert command in [line.replace(" --quiet", "") for line in ci_lines]


def test_readme_test_command_installs_with_the_committed_constraints() -> None:
    assert "-c requirements/test.txt" in doc_block("test-command")


def test_every_runtime_and_test_dependency_is_pinned() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    pins = _pins()
    wanted = _names(project["dependencies"]) + _names(project["optional-dependencies"]["test"])
    missing = [name for name in wanted if name.replace("_", "-") not in pins]
    assert missing == [], f"not pinned in requirements/test.txt: {missing}"


def test_fidelity_page_lists_the_pinned_sdk_versions() -> None:
    """docs/fidelity.md's "Pinned SDKs" line names exactly the versions requirements/test.txt pins."""
    page = (DOCS / "fidelity.md").read_text()
    line = re.search(r"<!-- pinned-sdks -->\n(Pinned SDKs: .*)\n", page)
    assert line is not None, (
        "docs/fidelity.md has no 'Pinned SDKs:' line after <!-- pinned-sdks -->"
    )
    listed = dict(re.findall(r"`([A-Za-z0-9_.\-]+)==(\S+?)`", line.group(1)))
    pins = _pins()
    assert listed, "the Pinned SDKs line lists no versions"
    assert {"anthropic", "openai"} <= listed.keys()
    assert {name: pins.get(name) for name in listed} == listed


def test_fidelity_page_names_the_newest_releases_check() -> None:
    script = REPO / "scripts" / "check-newest"
    assert "`scripts/check-newest`" in (DOCS / "fidelity.md").read_text()
    assert script.stat().st_mode & 0o111, "scripts/check-newest is not executable"
    assert "scripts/check-newest" in (REPO / ".ci" / "run").read_text()
