"""The ``name=value,name=value`` form of the --rate-limit and --chaos options."""

from __future__ import annotations


def parse_items(spec: str, what: str) -> list[tuple[str, str]]:
    """(name, value) pairs, stripped, empty items skipped; ``what`` names the option in
    the error, e.g. ``"chaos"``."""
    items: list[tuple[str, str]] = []
    for raw in spec.split(","):
        item = raw.strip()
        if not item:
            continue
        name, sep, value = item.partition("=")
        if not sep:
            raise ValueError(f"{what} item {item!r} must look like name=value")
        items.append((name.strip(), value.strip()))
    return items
