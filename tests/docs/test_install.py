"""docs/install.md's release and wheel install, run as written: ``python -m build`` and
``twine check`` in a copy of the checkout, the wheel installed into a fresh venv with its
dependencies, and the installed server started on its embedded data."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import zipfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.examples.readme import REPO, examples

INSTALL = REPO / "docs" / "install.md"
# What the blocks call the user's checkout; the test puts its copy's path there.
CHECKOUT_PLACEHOLDER = "path/to/llm-emulator"
# Left out of the copy: what .gitignore keeps out of the repository anyway.
_NOT_COPIED = shutil.ignore_patterns(
    ".git",
    ".venv",
    ".ci-venv",
    "dist",
    "build",
    "mutants",
    ".spec-cache",
    "*.egg-info",
    "__pycache__",
    "*.pyc",
    ".*_cache",
    ".hypothesis",
)


def install_block(name: str) -> str:
    text = INSTALL.read_text(encoding="utf-8")
    found = [e.text for e in examples(text) if e.kind == "example-block" and e.target == name]
    assert len(found) == 1, f"docs/install.md has {len(found)} blocks named {name!r}"
    return found[0]


def _environment(**extra: str) -> dict[str, str]:
    """The test's environment less its venv and our settings, with this interpreter's
    ``python`` (and build, twine) first on PATH."""
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in {"VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME"}
        and not name.startswith("LLM_EMULATOR_")
    }
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    return {**env, **extra}


def _run_block(block: str, cwd: Path, env: Mapping[str, str]) -> str:
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", block],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert result.returncode == 0, f"{block}\nexit {result.returncode}:\n{result.stderr}"
    return result.stdout


def _data_files(folder: str) -> set[str]:
    return {
        path.relative_to(REPO / folder).as_posix()
        for path in (REPO / folder).rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }


def _build(root: Path) -> tuple[Path, Path, Path]:
    """A copy of the checkout, and its wheel and sdist as the install-build block makes them."""
    checkout = root / "llm-emulator"
    shutil.copytree(REPO, checkout, ignore=_NOT_COPIED)
    output = _run_block(install_block("install-build"), checkout, _environment())
    assert output.count("PASSED") == 2, output
    (wheel,) = (checkout / "dist").glob("llm_emulator-*-py3-none-any.whl")
    (sdist,) = (checkout / "dist").glob("llm_emulator-*.tar.gz")
    return checkout, wheel, sdist


def _check_archives(wheel: Path, sdist: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
    for folder in ("schemas", "fixtures"):
        prefix = f"emulator/_data/{folder}/"
        inside = {n.removeprefix(prefix) for n in names if n.startswith(prefix)}
        assert inside == _data_files(folder), f"the wheel's {folder}/ differs from the checkout's"
    with tarfile.open(sdist) as archive:
        top = archive.getnames()[0].split("/")[0]
        in_sdist = {n.removeprefix(f"{top}/") for n in archive.getnames()}
    assert {f"schemas/{n}" for n in _data_files("schemas")} <= in_sdist
    assert {"README.md", "pyproject.toml", "Dockerfile", "requirements/serve.txt"} <= in_sdist


def _install(checkout: Path, project: Path) -> None:
    """The wheel installed into a fresh venv of ``project`` by the install-wheel block."""
    block = install_block("install-wheel")
    assert CHECKOUT_PLACEHOLDER in block
    # The dependencies at the versions the container image pins (and the pip cache holds).
    env = _environment(PIP_CONSTRAINT=str(checkout / "requirements" / "serve.txt"))
    output = _run_block(block.replace(CHECKOUT_PLACEHOLDER, str(checkout)), project, env)
    assert "usage: llm-emulator" in output
    assert "<function create_app at" in output


def _check_installed_package(project: Path) -> None:
    """The package and its data folders are the venv's, not the checkout's."""
    script = (
        "import emulator, json\n"
        "from emulator.util.resources import data_dir\n"
        "print(json.dumps([emulator.__file__, str(data_dir('schemas')), "
        "str(data_dir('fixtures'))]))\n"
    )
    result = subprocess.run(
        [project / ".venv" / "bin" / "python", "-c", script],
        cwd=project,
        env=_environment(),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    package, schemas, fixtures = (Path(p) for p in json.loads(result.stdout))
    site_packages = project / ".venv" / "lib"
    assert package.is_relative_to(site_packages)
    assert schemas.is_relative_to(site_packages) and schemas.parts[-2] == "_data"
    assert fixtures.is_relative_to(site_packages) and fixtures.parts[-2] == "_data"


@contextmanager
def _installed_server(project: Path) -> Iterator[str]:
    """``llm-emulator serve`` from the fresh venv, on a free loopback port: its base URL."""
    with subprocess.Popen(
        [project / ".venv" / "bin" / "llm-emulator", "serve", "--port", "0"],
        cwd=project,
        env=_environment(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as process:
        assert process.stdout is not None
        try:
            banner = process.stdout.readline()
            listening = re.search(r"listening on (http://127\.0\.0\.1:\d+)", banner)
            if listening is None:
                _, errors = process.communicate(timeout=30)
                pytest.fail(f"the installed server did not start: {banner!r}\n{errors}")
            yield listening[1]
        finally:
            process.terminate()
            _, errors = process.communicate(timeout=30)
    assert process.returncode == 0, errors


# One test, not one per step: under xdist, steps split over workers would each build.
@pytest.mark.timeout(300)
def test_a_release_builds_and_its_wheel_installs_and_serves(tmp_path: Path) -> None:
    checkout, wheel, sdist = _build(tmp_path)
    _check_archives(wheel, sdist)
    project = tmp_path / "project"
    project.mkdir()
    _install(checkout, project)
    _check_installed_package(project)
    catalogue = json.loads((REPO / "fixtures" / "models.json").read_text(encoding="utf-8"))
    expected = {entry["id"] for entry in catalogue["models"] if entry["provider"] == "openai"}

    with _installed_server(project) as base_url:
        answer = httpx.get(f"{base_url}/v1/models", headers={"Authorization": "Bearer t"})

    assert answer.status_code == 200
    served = {model["id"] for model in answer.json()["data"]}
    assert expected and expected <= served
