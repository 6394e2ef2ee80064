"""docs/reference/: the commands the reference pages show run as shown."""

from __future__ import annotations

import subprocess
import sys

from tests.examples.docs import REPO, commands, doc_block


def test_catalogue_commands_run_and_the_catalogue_is_current() -> None:
    runs = commands(doc_block("catalogue-commands"), "python")
    assert runs == [
        ["python", "-m", "scripts.catalogue"],
        ["python", "-m", "scripts.catalogue", "--check"],
    ]
    check = subprocess.run(
        [sys.executable, *runs[1][1:]],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert check.returncode == 0, check.stdout + check.stderr
