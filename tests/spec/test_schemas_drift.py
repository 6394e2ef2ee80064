"""``schemas/`` and the official OpenAPI documents do not drift apart.

The request schemas of ``schemas/`` are written by hand, not derived from the documents: they
carry the conventions the real APIs' error wording is made from (a tagged union as
``if``/``then`` on its tag, so that a bad member is reported at its tag as pydantic reports it;
a few deliberately loose shapes the SDKs' round trips need), which a generated schema would
lose. What keeps them current is this check: every difference the walk of
:mod:`tests.spec.drift` finds between a file and the document's schema for the same body is
either fixed or listed, with its reason, in :mod:`tests.spec.exclusions`
(:data:`~tests.spec.exclusions.SPEC_FEATURES_NOT_IN_SCHEMAS` when the document allows more,
:data:`~tests.spec.exclusions.REAL_API_EXTENSIONS` when ``schemas/`` does); a listed difference
that no longer exists fails too, so the lists do not rot.
"""

from __future__ import annotations

import copy
import functools
from typing import Any

import pytest

from tests.spec import documents, drift
from tests.spec.documents import Api
from tests.spec.exclusions import REAL_API_EXTENSIONS, SPEC_FEATURES_NOT_IN_SCHEMAS

# (file of schemas/, document, the document's component for the same body)
PAIRS: list[tuple[str, Api, str]] = [
    ("anthropic_messages_request", "anthropic", "CreateMessageParams"),
    ("anthropic_count_tokens_request", "anthropic", "CountMessageTokensParams"),
    ("anthropic_complete_request", "anthropic", "CompletionRequest"),
    ("openai_chat_request", "openai", "CreateChatCompletionRequest"),
    ("openai_responses_request", "openai", "CreateResponse"),
    ("openai_embeddings_request", "openai", "CreateEmbeddingRequest"),
]
SIDES = {
    "spec": "the document allows it and schemas/ refuses it (the spec moved ahead, or "
    "schemas/ fell behind): allow it in schemas/, or list it in "
    "exclusions.SPEC_FEATURES_NOT_IN_SCHEMAS with the reason",
    "schemas": "schemas/ allows it and the document does not (schemas/ moved, or the spec "
    "dropped it): refuse it in schemas/, or list it in exclusions.REAL_API_EXTENSIONS "
    "with the real-API source",
}

REQUIRED_SIDES = {
    "spec": "schemas/ requires it and the document lets it be left out (the spec relaxed "
    "it, or schemas/ is too strict): relax schemas/, or list it in "
    "exclusions.SPEC_FEATURES_NOT_IN_SCHEMAS with the reason",
    "schemas": "the document requires it and schemas/ lets it be left out (the spec "
    "tightened it, or schemas/ is too loose): require it in schemas/, or list it in "
    "exclusions.REAL_API_EXTENSIONS with the real-API source",
}


@functools.cache
def schema_files() -> dict[str, dict[str, Any]]:
    return drift.load_schemas(documents.REPO_ROOT / "schemas")


def findings(
    stem: str, api: Api, component: str, files: dict[str, Any] | None = None
) -> list[drift.Finding]:
    files = files if files is not None else schema_files()
    walk = drift.Walk(
        ours=drift.schemas_resolver(files),
        spec=drift.spec_resolver(documents.published(api)),
        relax_defaulted_required=api == "anthropic",
    )
    walk.compare([files[stem]], [documents.published(api)[component]])
    return walk.findings


def listed(api: Api, finding: drift.Finding) -> bool:
    allowed = SPEC_FEATURES_NOT_IN_SCHEMAS if finding.side == "spec" else REAL_API_EXTENSIONS
    return (api, finding.listing) in allowed


@pytest.mark.parametrize(("stem", "api", "component"), PAIRS, ids=[pair[0] for pair in PAIRS])
def test_schemas_and_the_spec_agree_or_the_difference_is_listed(
    stem: str, api: Api, component: str
) -> None:
    unlisted = [found for found in findings(stem, api, component) if not listed(api, found)]
    assert not unlisted, "\n".join(
        f"schemas/{stem}.json vs {api} {component}: {found.kind} {found.key}: "
        f"{REQUIRED_SIDES[found.side] if found.kind == 'required' else SIDES[found.side]}"
        for found in unlisted
    )


def test_every_listed_difference_still_exists() -> None:
    found = {
        (api, finding.side, finding.listing)
        for stem, api, component in PAIRS
        for finding in findings(stem, api, component)
    }
    stale = [
        f"{side} list: ({api!r}, {listing!r})"
        for side, entries in (
            ("spec", SPEC_FEATURES_NOT_IN_SCHEMAS),
            ("schemas", REAL_API_EXTENSIONS),
        )
        for api, listing in entries
        if (api, side, listing) not in found
    ]
    assert not stale, "listed in tests/spec/exclusions.py, no longer a difference: " + ", ".join(
        stale
    )


def test_the_walk_names_each_kind_of_drift() -> None:
    # A copy of schemas/ moved five ways against the Anthropic document: the walk names each.
    files = copy.deepcopy(schema_files())
    request = files["anthropic_messages_request"]
    del request["properties"]["stop_sequences"]  # the document allows what schemas/ does not
    request["properties"]["made_up"] = {"type": "string"}  # and the other way round
    request["required"].remove("max_tokens")
    common = files["anthropic_common"]["$defs"]
    common["service_tier"] = {"enum": ["auto"]}
    choice = common["tool_choice"]
    choice["properties"]["type"]["enum"].remove("none")
    choice["allOf"] = [
        entry
        for entry in choice["allOf"]
        if entry["if"]["properties"]["type"].get("const") != "none"
    ]
    moved = {
        (found.side, found.kind, found.key)
        for found in findings(
            "anthropic_messages_request", "anthropic", "CreateMessageParams", files
        )
    } - {
        (found.side, found.kind, found.key)
        for found in findings("anthropic_messages_request", "anthropic", "CreateMessageParams")
    }
    assert moved == {
        ("spec", "property", "stop_sequences"),
        ("schemas", "property", "made_up"),
        ("schemas", "required", "max_tokens"),
        ("spec", "value", 'service_tier: "standard_only"'),
        ("spec", "tag", 'tool_choice: type="none"'),
    }
