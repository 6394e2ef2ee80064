"""The docs site builds with ``mkdocs build --strict``: a page missing from the nav or
the disk, a broken link or a broken anchor fails it (mkdocs.yml's validation settings)."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("mkdocs") is None or importlib.util.find_spec("material") is None,
    reason="mkdocs-material is not installed (it is in the test extra: pip install -e '.[test]')",
)


def build(project: Path, site: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(site)],
        cwd=project,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_site_builds_strictly(tmp_path: Path) -> None:
    result = build(REPO, tmp_path / "site")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "site" / "guides" / "pytest" / "index.html").is_file()


def test_a_broken_link_fails_the_build(tmp_path: Path) -> None:
    """The strict build is not vacuous: the same site with one broken link and one
    broken anchor fails, naming both."""
    project = tmp_path / "project"
    shutil.copytree(REPO / "docs", project / "docs")
    shutil.copy(REPO / "mkdocs.yml", project / "mkdocs.yml")
    page = project / "docs" / "index.md"
    page.write_text(
        page.read_text(encoding="utf-8")
        + "\n[gone](guides/no-such-page.md) and [no anchor](fidelity.md#no-such-heading)\n",
        encoding="utf-8",
    )
    result = build(project, tmp_path / "site")
    assert result.returncode != 0
    assert "no-such-page.md" in result.stderr and "#no-such-heading" in result.stderr
