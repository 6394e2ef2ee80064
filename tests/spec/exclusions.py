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
    "tests/integration/test_scripted_over_http.py::test_force_malformed_after_n_events": (
        "forces a `malformed` fault: a stream event that is not JSON, on purpose"
    ),
    "tests/integration/test_scripted_over_http.py::test_force_empty[False]": (
        "forces an `empty` fault: a 200 with no body, as a broken upstream sends"
    ),
    "tests/integration/test_scenarios.py::TestFaults::test_malformed_frame_breaks_the_sdk": (
        "scripts a `malformed` fault: a stream event that is not JSON, to see the SDK fail"
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
}

# ---------------------------------------------------------------------------------------
# schemas/ against the documents (tests/spec/test_schemas_drift.py)

# Keys are (document, finding) as tests.spec.drift.Finding.listing prints it: ``kind path: what``;
# a path's ``[]`` is an array's items and ``{tag}`` a tagged union's member. The Anthropic
# entries hold for both anthropic_messages_request and anthropic_count_tokens_request, which
# share their definitions (schemas/anthropic_common.json).


def _each(api: Api, listings: list[str], reason: str) -> dict[tuple[Api, str], str]:
    return {(api, listing): reason for listing in listings}


_NOT_EMULATED_ITEMS = (
    "Responses input items of built-in tools the emulator does not run (computer use, shell, "
    "apply_patch, MCP, code interpreter, file/web search, image generation, tool search, "
    "programs, compaction): a conversation replaying them is answered 400 unknown tag "
    "rather than with a reply that pretends to have run the tool"
)

# The document allows it; schemas/ refuses it (or requires it), on purpose.
SPEC_FEATURES_NOT_IN_SCHEMAS: dict[tuple[Api, str], str] = {
    **_each(
        "openai",
        [
            f'tag input[]: type="{tag}"'
            for tag in (
                "additional_tools",
                "apply_patch_call",
                "apply_patch_call_output",
                "code_interpreter_call",
                "compaction",
                "compaction_trigger",
                "computer_call",
                "computer_call_output",
                "file_search_call",
                "image_generation_call",
                "local_shell_call",
                "local_shell_call_output",
                "mcp_approval_request",
                "mcp_approval_response",
                "mcp_call",
                "mcp_list_tools",
                "program",
                "program_output",
                "shell_call",
                "shell_call_output",
                "tool_search_call",
                "tool_search_output",
                "web_search_call",
            )
        ],
        _NOT_EMULATED_ITEMS,
    ),
    ("openai", "required model"): "CreateResponse leaves model out when a stored `prompt` "
    "names one; the emulator has no stored prompts, so it needs the model to answer",
    ("openai", "tag input[]: type=null"): "an item_reference with a null type "
    "(ItemReferenceParam): the emulator tells a reference from a message by its type "
    "'item_reference'; the SDKs send the type",
    ("openai", "type input[].call_id: null"): "FunctionCallOutputItemParam lets call_id be "
    "null; the emulator pairs a function_call_output with its call by call_id, as the real "
    "API's 'No tool call found' rule does, so a null one is refused",
    ("openai", "type input[].name: null"): "FunctionCallOutputItemParam's optional name: "
    "schemas/ checks one merged item shape, whose name (of a function_call) is a string",
    ("openai", "type tool_choice.name: null"): "ToolChoiceMCP's name may be null: MCP tools "
    "are not emulated (see the input items above)",
}

_ANTHROPIC_BETA = (
    "a beta feature newer than the document (refreshed 2026-05-06) that anthropic SDK 2.17's "
    "beta types send (client.beta.messages); reference/anthropic-messages.md §3 lists the "
    "beta body fields to accept"
)
_ANTHROPIC_NEWER_TOOLS = (
    "a tool version the document (2026-05-06) lacks: older computer-use betas or newer "
    "versions in anthropic SDK 2.17's beta types and reference/anthropic-messages.md §5"
)
_CHAT_ROUND_TRIP = (
    "sent back by the openai SDK when an answer's message is appended as the next turn "
    "(issue 20 point 3, tests/integration/test_openai_round_trip.py); the real API takes it"
)
_RESPONSES_LOOSE_CONTENT = (
    "schemas/ checks a Responses item's content parts by type only (its description: the "
    "SDK sends output items back as input), so a part's fields are checked in code or not"
)

# schemas/ allows it; the document does not: the real API does (source in each reason).
REAL_API_EXTENSIONS: dict[tuple[Api, str], str] = {
    **_each(
        "anthropic",
        [
            f"property {name}"
            for name in (
                "billing_policy",
                "compaction",
                "context_management",
                "diagnostics",
                "fallback_credit_token",
                "fallbacks",
                "mcp_servers",
                "thread",
            )
        ]
        + [
            f'tag messages[].content[]: type="{tag}"'
            for tag in (
                "advisor_tool_result",
                "compaction",
                "fallback",
                "mcp_tool_listing",
                "mcp_tool_result",
                "mcp_tool_use",
                "tool_addition",
                "tool_removal",
            )
        ]
        + [
            "property messages[].content[]{image}: transformations",
            "property messages[].content[]{tool_result}.content[]{image}: transformations",
            "property messages[].content[]{document}.source{content}.content[]{image}: "
            "transformations",
            "property messages[].content[]{tool_use}: toolset_name",
            "property messages[].content[]{tool_result}: toolset_name",
        ],
        _ANTHROPIC_BETA,
    ),
    **_each(
        "anthropic",
        [
            'tag messages[].content[]{tool_result}.content[]: type="browser_state"',
            'tag thinking: type="between_tools"',
        ],
        "newer than the document (2026-05-06): anthropic SDK 2.17's request types have it "
        "(BrowserStateBlockParam, ThinkingConfigBetweenToolsParam)",
    ),
    ("anthropic", "property speed"): "reference/anthropic-messages.md §3: `speed` "
    '"standard"|"fast", newer than the document (beta fast-mode-2026-02-01 on some models)',
    **_each(
        "anthropic",
        [
            'tag messages[].content[]{document}.source: type="file"',
            "tag messages[].content[]{document}.source{content}.content[]{image}.source: "
            'type="file"',
        ],
        "a Files API source {type: 'file', file_id}: reference/anthropic-messages.md §4.1 "
        "lists it among the source variants (beta files-api-2025-04-14)",
    ),
    **_each(
        "anthropic",
        [
            "property messages[].content[]{document}.source{content}.content[]{text}"
            f".citations[]{{{kind}}}: file_id"
            for kind in ("char_location", "content_block_location", "page_location")
        ],
        "a response's document citations carry file_id, and a response's content sent back "
        "as it is must be accepted (issue 20 point 3)",
    ),
    **_each(
        "anthropic",
        [
            f'tag tools[]: type="{tag}"'
            for tag in (
                "advisor_20260301",
                "bash_20241022",
                "browser_toolset_20260801",
                "code_execution_20260521",
                "computer_20241022",
                "computer_20250124",
                "computer_20251124",
                "computer_toolset_20260801",
                "mcp_toolset",
                "text_editor_20241022",
                "web_fetch_20260318",
                "web_search_20260318",
            )
        ],
        _ANTHROPIC_NEWER_TOOLS,
    ),
    **_each(
        "openai",
        [
            "property messages[]{assistant}: annotations",
            "property messages[]{assistant}: parsed",
            "property messages[]{assistant}.audio: data",
            "property messages[]{assistant}.audio: expires_at",
            "property messages[]{assistant}.audio: transcript",
            "property messages[]{assistant}.tool_calls[]{function}: index",
            "property messages[]{assistant}.tool_calls[]{function}.function: parsed_arguments",
        ],
        _CHAT_ROUND_TRIP,
    ),
    ("openai", "property functions[]: strict"): "the openai SDK's FunctionDefinition (which "
    "the deprecated `functions` parameter takes) has `strict`; the document's "
    "ChatCompletionFunctions does not",
    **_each(
        "openai",
        [
            f"property messages[]{{{role}}}.content[]{{{part}}}.prompt_cache_breakpoint: ttl"
            for role, part in (
                ("assistant", "text"),
                ("user", "file"),
                ("user", "image_url"),
                ("user", "input_audio"),
            )
        ],
        "reference/openai-chat-completions.md says the newest spec allows "
        'prompt_cache_breakpoint {"mode": "explicit", "ttl"?: "30m"|"12h"} on parts; this '
        "document has mode only (a breakpoint inherits prompt_cache_options.ttl): kept "
        "accepted, since refusing what the reference documents would break its users",
    ),
    **_each(
        "openai",
        [
            'tag input[].content[]: type="input_audio"',
            'tag input[].content[]: type="summary_text"',
            'tag input[].content[]: type="text"',
            "required input[].content[]{input_image}: detail",
            "required input[].content[]{input_text}: text",
            "required input[].content[]{output_text}: annotations",
            "required input[].content[]{output_text}: logprobs",
            "required input[].content[]{output_text}: text",
            "required input[].content[]{reasoning_text}: text",
            "required input[].content[]{refusal}: refusal",
        ],
        _RESPONSES_LOOSE_CONTENT,
    ),
}
