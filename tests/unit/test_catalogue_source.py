"""The committed catalogue is what ``python -m scripts.catalogue`` makes from the
sourced table and the pinned SDKs."""

from __future__ import annotations

from typing import Any

import pytest

from scripts.catalogue import (
    CATALOGUE,
    CatalogueSourceError,
    SdkModels,
    build_catalogue,
    generated_text,
    load_sources,
    main,
)


def test_committed_catalogue_is_generated() -> None:
    assert CATALOGUE.read_text(encoding="utf-8") == generated_text(), (
        "fixtures/models.json differs from what the table and the installed SDKs make: "
        "run python -m scripts.catalogue"
    )


def test_check_mode_agrees() -> None:
    assert main(["--check"]) == 0


def test_every_row_names_a_source() -> None:
    rows: list[dict[str, Any]] = load_sources()["model"]
    assert [r["id"] for r in rows if not str(r.get("source", "")).strip()] == []


def test_dated_sdk_ids_become_aliases_of_their_row() -> None:
    sdk = SdkModels(anthropic=(), openai=("gpt-4o", "gpt-4o-2099-01-02"))
    catalogue = build_catalogue(load_sources(), sdk)
    gpt_4o = next(m for m in catalogue["models"] if m["id"] == "gpt-4o")
    assert "gpt-4o-2099-01-02" in gpt_4o["aliases"]


def test_an_sdk_id_without_a_row_is_named() -> None:
    sdk = SdkModels(anthropic=("claude-new-9",), openai=("gpt-new-9", "gpt-4o"))
    with pytest.raises(CatalogueSourceError) as raised:
        build_catalogue(load_sources(), sdk)
    assert "claude-new-9 (anthropic)" in str(raised.value)
    assert "gpt-new-9 (openai)" in str(raised.value)
    assert "gpt-4o (" not in str(raised.value)


def test_output_is_stable() -> None:
    assert generated_text() == generated_text()
