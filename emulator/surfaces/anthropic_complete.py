"""POST /v1/complete: the legacy Text Completions API and its prompt rules."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from aiohttp import web

from emulator.accounting.usage import PromptUsage
from emulator.core import ids
from emulator.core.catalogue import Catalogue
from emulator.core.errors import ApiError, anthropic_error_body, invalid_request
from emulator.core.neutral import Message, NeutralRequest, PromptBlock
from emulator.core.outcome import FinishedChoice
from emulator.core.tokenizer import count_tokens
from emulator.http.headers import ANTHROPIC
from emulator.http.sse import Frame, StreamEvent
from emulator.pipeline.keys import EXCHANGE, REQUEST_ID, RUNTIME
from emulator.pipeline.respond import answer
from emulator.render import complete as render
from emulator.render.templates import BodyTemplates, Slot, StreamTemplates, is_kept
from emulator.surfaces.anthropic_parse import content_key
from emulator.surfaces.auth import anthropic_caller_key, anthropic_version
from emulator.surfaces.read_request import read_request
from emulator.util import jsonvalue
from emulator.util.jsonvalue import JSONObject
from emulator.validation.schemas import anthropic_message

HUMAN = "\n\nHuman:"
ASSISTANT = "\n\nAssistant:"


# Made per answer: not frozen, whose __init__ costs several times more.
@dataclass(slots=True)
class CompleteRenderer:
    model: str
    completion_id: str
    log_id: str
    version: str
    request_id: str

    def json_body(self, choices: list[FinishedChoice], prompt: PromptUsage) -> bytes:
        model, choice, version = self.model, choices[0], self.version
        if not is_kept(choices):
            return jsonvalue.dumps(
                render.completion_body(model, choice, self.completion_id, self.log_id, version)
            )

        def build(slots: Sequence[Slot]) -> JSONObject:
            return render.completion_body(model, choice, str(slots[0]), str(slots[1]), version)

        slots = (self.completion_id, self.log_id)
        return _BODIES.render(choices, (model, version), slots, build)

    def frames(self, choices: list[FinishedChoice], prompt: PromptUsage) -> Iterable[Frame]:
        model, choice, version = self.model, choices[0], self.version

        def build(slots: Sequence[Slot]) -> Iterator[StreamEvent]:
            return render.completion_events(model, choice, str(slots[0]), str(slots[1]), version)

        slots = (self.completion_id, self.log_id)
        return _STREAMS.frames(choices, (model, version), slots, build)

    def error_event(self, error: ApiError, events_before: int = 0) -> StreamEvent:
        name = None if self.version == render.OLD_VERSION else "error"
        return StreamEvent(name, anthropic_error_body(error, self.request_id))


_BODIES = BodyTemplates()
_STREAMS = StreamTemplates()


def sanitize_prompt(prompt: str) -> str:
    if prompt.startswith("Human:"):
        prompt = "\n\n" + prompt
    return prompt.rstrip(" ")


def parse_turns(prompt: str) -> tuple[str, list[Message]]:
    """Split a sanitized prompt into (system text, turns), or raise the API's 400."""
    first_human = prompt.find(HUMAN)
    first_assistant = prompt.find(ASSISTANT)
    if first_human < 0 or (0 <= first_assistant < first_human):
        raise invalid_request(
            f'prompt must start with "{HUMAN}" turn after an optional system prompt'
        )
    last_human = prompt.rfind(HUMAN)
    last_assistant = prompt.rfind(ASSISTANT)
    if last_assistant < last_human:
        raise invalid_request(f'prompt must end with "{ASSISTANT}" turn')
    system = prompt[:first_human]
    turns: list[Message] = []
    rest = prompt[first_human:]
    while rest:
        role: str = "user" if rest.startswith(HUMAN) else "assistant"
        rest = rest[len(HUMAN if role == "user" else ASSISTANT) :]
        cuts = [at for at in (rest.find(HUMAN), rest.find(ASSISTANT)) if at >= 0]
        end = min(cuts) if cuts else len(rest)
        turns.append(Message("user" if role == "user" else "assistant", rest[:end].strip()))
        rest = rest[end:]
    return system.strip(), turns


def parse_complete_body(body: JSONObject, catalogue: Catalogue) -> NeutralRequest:
    """The request ``body`` asks for, for no caller in particular (see ``for_caller``)."""
    model = body["model"]
    info = catalogue.lookup(model)
    if info is None and not catalogue.accept_any:
        raise ApiError(404, f"model: {model}")
    if info is not None and not info.legacy_completions:
        raise invalid_request(
            f'"{model}" is not supported on this API. Please use the Messages API instead.'
        )
    max_tokens = body["max_tokens_to_sample"]
    if max_tokens < 1:
        raise invalid_request("max_tokens_to_sample: Input should be greater than or equal to 1")
    for name in ("temperature", "top_p"):
        value = body.get(name)
        if value is not None and not 0 <= value <= 1:
            raise invalid_request(f"{name}: Input should be between 0 and 1")
    prompt = sanitize_prompt(body["prompt"])
    system, turns = parse_turns(prompt)
    tokens = count_tokens(prompt)
    if info is not None and tokens > info.context_window:
        raise invalid_request(
            f"prompt is too long: {tokens} tokens > {info.context_window} maximum"
        )
    prefill = turns[-1].text if turns and turns[-1].role == "assistant" else ""
    return NeutralRequest(
        api="complete",
        model=model,
        model_info=info,
        messages=tuple(turns),
        max_tokens=max_tokens,
        content_key=content_key(body),
        system=system,
        stop_sequences=(*tuple(body.get("stop_sequences") or ()), HUMAN),
        stream=bool(body.get("stream", False)),
        prefill=prefill,
        metadata=body.get("metadata") or {},
        blocks=(PromptBlock("prompt", prompt, tokens),),
        prompt_tokens=tokens,
        body=body,
    )


async def create_completion(http: web.Request) -> web.StreamResponse:
    rt = http.app[RUNTIME]
    caller = rt.known_callers.let_in(
        "anthropic", http[EXCHANGE].headers, http.headers, anthropic_caller_key, rt.config
    )
    version = anthropic_version(http.headers)  # checked already: only read

    def parse(body: JSONObject) -> NeutralRequest:
        violation = rt.schemas.validate("anthropic_complete_request", body)
        if violation is not None:
            raise invalid_request(anthropic_message(violation))
        return parse_complete_body(body, rt.catalogue)

    request = await read_request(
        http, kind="anthropic_complete_request", family="anthropic", parse=parse
    )
    request_id = http[REQUEST_ID]
    renderer = CompleteRenderer(
        request.model, ids.completion_id(), ids.log_id(), version, request_id
    )
    return await answer(http, request, caller, renderer, ANTHROPIC)
