"""The container image, checked without a Docker engine: the Dockerfile read, its
health check run against its command as a subprocess."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

from emulator.testing import EmulatorThread
from tests.examples.docs import REPO
from tests.examples.test_docs_ci import (
    dockerfile_env,
    dockerfile_exec,
    dockerfile_instructions,
    resolve,
)

_SERVER_MODULES = (
    "aiohttp",
    "emulator.app",
    "emulator.pipeline.runtime",
    "yaml",
    "jsonschema",
    "faker",
)


def test_the_health_check_imports_no_part_of_the_server() -> None:
    argv = dockerfile_exec("HEALTHCHECK")
    assert argv[0] == "llm-emulator"  # the console script: emulator.cli:main
    with EmulatorThread() as server:
        script = (
            "import json, sys\n"
            "from emulator.cli import main\n"
            f"code = main({[*argv[1:], '--url', server.base_url]!r}, {{}})\n"
            f"print(json.dumps([code, [m for m in {_SERVER_MODULES!r} if m in sys.modules]]))\n"
        )
        done = subprocess.run(
            [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
        )
    assert json.loads(done.stdout) == [0, []]


def test_the_health_check_follows_the_port_the_server_started_with(tmp_path: Path) -> None:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("LLM_EMULATOR_")},
        **dockerfile_env(),
        "LLM_EMULATOR_HOST": "127.0.0.1",
        "LLM_EMULATOR_PORT_FILE": str(tmp_path / "port"),
    }
    health = resolve(dockerfile_exec("HEALTHCHECK"))
    process = subprocess.Popen(
        [*resolve(dockerfile_exec("CMD")), "--port", "0"],  # a CMD overridden with --port
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        banner = process.stdout.readline()
        port = re.search(r"listening on http://127\.0\.0\.1:(\d+)", banner)
        assert port and port.group(1) != env["LLM_EMULATOR_PORT"], banner
        assert subprocess.run(health, env=env, timeout=30, check=False).returncode == 0
    finally:
        process.terminate()
        process.wait(timeout=15)
        if process.stdout is not None:
            process.stdout.close()
    stopped = subprocess.run(health, env=env, capture_output=True, timeout=30, check=False)
    assert stopped.returncode == 1


def test_dockerfile_layers_and_base() -> None:
    instructions = dockerfile_instructions()
    (base,) = [arguments for name, arguments in instructions if name == "FROM"]
    assert re.fullmatch(r"python:\d+\.\d+\.\d+-slim-[a-z]+(@sha256:[0-9a-f]{64})?", base), base
    assert not [name for name, _ in instructions if name == "VOLUME"]  # no anonymous volume

    copies = [(i, arguments) for i, (name, arguments) in enumerate(instructions) if name == "COPY"]
    installs = [
        i
        for i, (name, arguments) in enumerate(instructions)
        if name == "RUN" and "pip" in arguments
    ]
    code_copied = next(i for i, arguments in copies if arguments.startswith("emulator "))
    dependencies = installs[0]
    assert dependencies < code_copied  # a code change does not reinstall the dependencies
    before = [arguments for i, arguments in copies if i < dependencies]
    assert before == ["requirements/serve.txt ./requirements/serve.txt"]
    assert "-r requirements/serve.txt" in instructions[dependencies][1]


def test_image_requirements_pin_every_dependency() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    pinned = {
        line.split("==")[0].lower()
        for line in (REPO / "requirements" / "serve.txt").read_text().splitlines()
        if "==" in line and not line.startswith("#")
    }
    wanted = {
        re.split(r"[<>=\[ ]", dependency)[0].lower() for dependency in project["dependencies"]
    }
    assert wanted <= pinned


def test_dockerignore_keeps_the_context_to_what_the_image_copies() -> None:
    ignored = {
        line.strip()
        for line in (REPO / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert {".git", ".venv", "tests", "benchmarks", "**/__pycache__"} <= ignored
    sources = {
        source
        for name, arguments in dockerfile_instructions()
        if name == "COPY"
        for source in arguments.split()[:-1]
    }
    assert sources == {
        "requirements/serve.txt",
        "pyproject.toml",
        "README.md",
        "emulator",
        "schemas",
        "fixtures",
    }
    assert not sources & ignored  # nothing the image copies is left out of the context
