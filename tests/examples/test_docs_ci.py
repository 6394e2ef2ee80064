"""docs/guides/ci.md and the README's CI quickstart: the container's command run for real
(as a subprocess on loopback: no Docker engine here), and the CI snippets checked against
the real options and subcommands."""

from __future__ import annotations

import json
import os
import re
import shlex
import signal
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from dataclasses import fields
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from emulator.cli import build_parser
from emulator.pipeline.config import ENV_PREFIX, EmulatorConfig
from emulator.testing import EmulatorThread
from tests.examples.docs import REPO, commands, curl_requests, doc_block

DOCKERFILE = REPO / "Dockerfile"
SCRIPT_DIR = Path(sys.executable).parent
OPTION_NAMES = {f.name for f in fields(EmulatorConfig)} - {"extra"}


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of the Dockerfile, continuation lines joined."""
    joined = re.sub(r"\\\n\s*", " ", DOCKERFILE.read_text(encoding="utf-8"))
    found: list[tuple[str, str]] = []
    for line in joined.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            instruction, _, arguments = line.strip().partition(" ")
            found.append((instruction.upper(), arguments.strip()))
    return found


def dockerfile_exec(instruction: str) -> list[str]:
    """The exec-form (JSON array) command of CMD, or of HEALTHCHECK after its options."""
    (arguments,) = [a for i, a in dockerfile_instructions() if i == instruction]
    command = arguments.partition(" CMD ")[2] if instruction == "HEALTHCHECK" else arguments
    argv: list[str] = json.loads(command)
    return argv


def dockerfile_env() -> dict[str, str]:
    env: dict[str, str] = {}
    for instruction, arguments in dockerfile_instructions():
        if instruction == "ENV":
            for word in shlex.split(arguments):
                name, _, value = word.partition("=")
                env[name] = value
    return env


def resolve(argv: list[str]) -> list[str]:
    """``llm-emulator …`` from this virtualenv (or ``python -m emulator`` without the script)."""
    assert argv[0] == "llm-emulator"
    script = SCRIPT_DIR / "llm-emulator"
    if script.exists():
        return [str(script), *argv[1:]]
    return [sys.executable, "-m", "emulator", *argv[1:]]


def assert_valid_command(argv: list[str]) -> None:
    """``argv`` is an ``llm-emulator`` command its parser accepts, with valid values."""
    assert argv[0] == "llm-emulator", argv
    args = build_parser().parse_args(argv[1:])
    if args.command == "serve":
        EmulatorConfig.from_args(args, {})


def emulator_variables(tree: Any) -> dict[str, str]:
    """Every ``LLM_EMULATOR_*`` variable set anywhere in a parsed YAML document
    (mapping keys, or ``NAME=value`` items of an environment list)."""
    found: dict[str, str] = {}
    if isinstance(tree, dict):
        for key, value in tree.items():
            if isinstance(key, str) and key.startswith(ENV_PREFIX):
                found[key] = str(value)
            found.update(emulator_variables(value))
    elif isinstance(tree, list):
        for item in tree:
            if isinstance(item, str) and item.startswith(ENV_PREFIX) and "=" in item:
                name, _, value = item.partition("=")
                found[name] = value
            else:
                found.update(emulator_variables(item))
    return found


def assert_real_options(variables: dict[str, str]) -> None:
    for name in variables:
        option = name.removeprefix(ENV_PREFIX).lower()
        assert option in OPTION_NAMES, f"{name} is not an option of EmulatorConfig"
    EmulatorConfig.from_env(variables)  # and every value is one it accepts


# -- the container's command, run ------------------------------------------------------


@pytest.fixture
def container_command() -> Iterator[tuple[subprocess.Popen[str], str]]:
    """The Dockerfile's CMD with its ENV, except that it binds loopback on a free port."""
    env = {
        **os.environ,
        **dockerfile_env(),
        "LLM_EMULATOR_HOST": "127.0.0.1",
        "LLM_EMULATOR_PORT": "0",
    }
    process = subprocess.Popen(
        resolve(dockerfile_exec("CMD")),
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert process.stdout is not None
    banner = process.stdout.readline()
    found = re.search(r"listening on (http://127\.0\.0\.1:\d+)", banner)
    try:
        assert found, f"no banner: {banner!r}"
        yield process, found.group(1)
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)
        process.stdout.close()


def test_container_command_serves_and_is_healthy(
    container_command: tuple[subprocess.Popen[str], str],
) -> None:
    process, base_url = container_command
    healthcheck = [*resolve(dockerfile_exec("HEALTHCHECK")), "--url", base_url]
    assert subprocess.run(healthcheck, timeout=30, check=False).returncode == 0
    process.send_signal(signal.SIGTERM)  # the Dockerfile's STOPSIGNAL
    assert process.wait(timeout=15) == 0


def test_dockerfile_uses_real_subcommands_and_options() -> None:
    assert dockerfile_exec("CMD") == ["llm-emulator", "serve"]
    assert_valid_command(dockerfile_exec("CMD"))
    assert_valid_command(dockerfile_exec("HEALTHCHECK"))
    env = {k: v for k, v in dockerfile_env().items() if k.startswith(ENV_PREFIX)}
    assert set(env) >= {"LLM_EMULATOR_HOST", "LLM_EMULATOR_PORT"}
    assert_real_options(env)
    exposed = [a for i, a in dockerfile_instructions() if i == "EXPOSE"]
    assert exposed == [env["LLM_EMULATOR_PORT"]]


# -- the snippets ----------------------------------------------------------------------


def test_github_actions_service() -> None:
    workflow = yaml.safe_load(doc_block("github-actions"))
    job = workflow["jobs"]["test"]
    (service,) = job["services"].values()
    assert service["ports"] == ["8080:8080"]
    assert_real_options(emulator_variables(workflow))
    assert set(emulator_variables(service["env"])) >= {"LLM_EMULATOR_ADMIN_TOKEN"}
    options = shlex.split(service["options"])
    health = shlex.split(options[options.index("--health-cmd") + 1])
    assert_valid_command(health)
    token = service["env"]["LLM_EMULATOR_ADMIN_TOKEN"]
    load_step = next(
        step["run"] for step in job["steps"] if "/_emulator/scenarios" in step.get("run", "")
    )
    assert f"Authorization: Bearer {token}" in load_step
    assert job["env"]["ANTHROPIC_BASE_URL"] + "/v1" == job["env"]["OPENAI_BASE_URL"]


def test_docker_compose_service() -> None:
    compose = yaml.safe_load(doc_block("docker-compose"))
    llm = compose["services"]["llm"]
    variables = emulator_variables(compose)
    assert_real_options(variables)
    mounted = {volume.split(":")[1] for volume in llm["volumes"]}
    assert variables["LLM_EMULATOR_FIXTURES"] in mounted
    assert compose["services"]["app"]["depends_on"]["llm"] == {"condition": "service_healthy"}
    assert any(i == "HEALTHCHECK" for i, _ in dockerfile_instructions())


def test_no_docker_commands() -> None:
    block = doc_block("ci-no-docker")
    (install,) = commands(block, "pip")
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    # Not on the package index: the project by its name, from a git URL.
    name, _, url = install[2].partition(" @ ")
    assert install[:2] == ["pip", "install"] and len(install) == 3
    assert name == project["name"] and url.startswith("git+https://")
    emulator_commands = commands(block, "llm-emulator")
    assert [argv[1] for argv in emulator_commands] == ["serve", "healthcheck"]
    for argv in emulator_commands:
        assert_valid_command(argv)


def test_gitlab_service_with_an_alias_and_the_admin_token() -> None:
    job = yaml.safe_load(doc_block("gitlab-ci"))["test"]
    (service,) = job["services"]
    alias, variables = service["alias"], job["variables"]
    assert_real_options(emulator_variables(job))
    assert variables["ANTHROPIC_BASE_URL"] == f"http://{alias}:8080"
    assert variables["OPENAI_BASE_URL"] == variables["ANTHROPIC_BASE_URL"] + "/v1"
    script = "\n".join(job["script"])
    assert f"http://{alias}:8080/healthz" in script
    (load,) = curl_requests(
        script.replace('"@$file"', "@tests/examples/scenarios/greeting.yaml"), variables
    )
    assert load.path == "/_emulator/scenarios"
    # The service as the job's variables start it (on loopback here, where the token is
    # needed all the same): the load line is answered, and without the token it is not.
    config = EmulatorConfig.from_env({**emulator_variables(job), "LLM_EMULATOR_PORT": "0"})
    with (
        EmulatorThread(config) as service_thread,
        httpx.Client(base_url=service_thread.base_url, timeout=30) as http,
    ):
        loaded = http.post(load.path, headers=load.headers, content=load.body)
        assert loaded.status_code == 201, loaded.text
        assert loaded.json() == {"loaded": "greeting", "rules": 1}
        bare = {k: v for k, v in load.headers.items() if k != "authorization"}
        assert http.post(load.path, headers=bare, content=load.body).status_code == 401
