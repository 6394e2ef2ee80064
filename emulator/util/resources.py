"""Where the shipped data folders (schemas/, fixtures/) are.

In a wheel they are copied into ``emulator/_data/``; in a source checkout or
an editable install they are the repository's top-level folders.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path


def package_dir() -> Path:
    """The ``emulator`` package's folder, wherever in it this module sits."""
    spec = importlib.util.find_spec("emulator")
    assert spec is not None and spec.submodule_search_locations is not None
    return Path(next(iter(spec.submodule_search_locations))).resolve()


def data_dir(name: str) -> Path:
    package = package_dir()
    for candidate in (package / "_data" / name, package.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"the {name}/ folder is missing from the llm-emulator installation")
