"""``llm-emulator record-drift``: send the recorded requests to the upstream again and
report where the answers' shape (``shape``) is no longer the recorded one.

The request sent is the one a rule keeps for review, ``match.fingerprint.request``:
the match keys' values, scrubbed, with the ids the API made up replaced by
placeholders (``id-1``...). The credentials come from ``ANTHROPIC_API_KEY`` and
``OPENAI_API_KEY``, never from the cassette (which holds none).
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

import aiohttp

from emulator.core.paths import Family, family_for
from emulator.record import proxy, shape
from emulator.scenario.bounded_yaml import load_yaml
from emulator.scenario.loader import ScenarioError, load_file, scenario_files
from emulator.scenario.recorded import RecordedAnswer, RecordedEvent, decode_data
from emulator.util import jsonvalue
from emulator.util.jsonvalue import JSONObject, JSONValue

ENDPOINT_PATHS = {
    "messages": "/v1/messages",
    "count_tokens": "/v1/messages/count_tokens",
    "complete": "/v1/complete",
    "chat": "/v1/chat/completions",
    "responses": "/v1/responses",
    "input_tokens": "/v1/responses/input_tokens",
    "embeddings": "/v1/embeddings",
}
KEY_VARIABLES: dict[Family, str] = {"anthropic": "ANTHROPIC_API_KEY", "openai": "OPENAI_API_KEY"}
ANTHROPIC_VERSION = "2023-06-01"
EXIT_SAME, EXIT_DRIFT, EXIT_ERROR = 0, 1, 2


class DriftError(Exception):
    """The check could not run: a bad folder, a missing key, an unreachable upstream."""


@dataclass(frozen=True, slots=True)
class Recording:
    """One recorded rule: where it is, what was asked, what was answered (in order)."""

    file: str
    rule: str
    endpoint: str
    request: JSONObject
    answers: tuple[RecordedAnswer, ...]

    @property
    def family(self) -> Family:
        return family_for(ENDPOINT_PATHS[self.endpoint], {})


@dataclass(frozen=True, slots=True)
class Upstreams:
    bases: Mapping[str, str]
    keys: Mapping[Family, str]
    extra_headers: Mapping[str, str] = field(default_factory=dict)

    def headers(self, family: Family) -> dict[str, str]:
        key = self.keys.get(family)
        if not key:
            raise DriftError(f"set {KEY_VARIABLES[family]}: the {family} API needs a key")
        if family == "anthropic":
            found = {"x-api-key": key, "anthropic-version": ANTHROPIC_VERSION}
        else:
            found = {"authorization": f"Bearer {key}"}
        return {**found, **self.extra_headers}


def _raw_rules(path: Path) -> list[JSONValue]:
    text = path.read_text(encoding="utf-8")
    raw = jsonvalue.loads(text) if path.suffix == ".json" else load_yaml(text)
    rules = raw.get("rules") if isinstance(raw, dict) else None
    return rules if isinstance(rules, list) else []


def recordings(folder: Path) -> list[Recording]:
    """The recorded rules of the scenario files below ``folder`` (checked first)."""
    found = []
    try:
        files = scenario_files(folder)
        for path in files:
            load_file(path)
    except ScenarioError as err:
        raise DriftError(str(err)) from err
    for path in files:
        for rule in _raw_rules(path):
            if not isinstance(rule, dict):
                continue
            match = rule.get("match")
            printed = match.get("fingerprint") if isinstance(match, dict) else None
            if not isinstance(printed, dict):
                continue
            request = printed.get("request")
            replies = rule.get("replies")
            if not isinstance(request, dict) or not isinstance(replies, list):
                raise DriftError(f"{path}: rule {rule.get('name')!r} keeps no request to send")
            answers = tuple(
                RecordedAnswer.from_json(reply["recorded"])
                for reply in replies
                if isinstance(reply, dict) and isinstance(reply.get("recorded"), dict)
            )
            endpoint = str(printed.get("endpoint"))
            if endpoint not in ENDPOINT_PATHS:
                raise DriftError(
                    f"{path}: rule {rule.get('name')!r}: unknown endpoint {endpoint!r}"
                )
            found.append(Recording(str(path), str(rule.get("name")), endpoint, request, answers))
    return found


async def _ask(
    session: aiohttp.ClientSession, url: str, body: JSONObject, headers: Mapping[str, str]
) -> RecordedAnswer:
    try:
        async with session.post(url, data=jsonvalue.dumps(body), headers=headers) as response:
            if response.content_type == "text/event-stream":
                events = [
                    RecordedEvent(name, decode_data(data))
                    async for _, name, data in proxy.sse_events(response.content)
                    if data is not None
                ]
                return RecordedAnswer(response.status, events=tuple(events))
            payload = await response.text(errors="replace")
    except (aiohttp.ClientError, TimeoutError) as err:
        raise DriftError(f"{url}: the upstream did not answer ({type(err).__name__})") from err
    return RecordedAnswer(response.status, body=decode_data(payload))


@dataclass(frozen=True, slots=True)
class Finding:
    recording: Recording
    reply: int
    changes: tuple[str, ...]


async def check(found: Sequence[Recording], upstreams: Upstreams) -> list[Finding]:
    """Each recording's request sent once per recorded answer, each answer's shape
    compared with the one recorded at its place."""
    findings = []
    async with aiohttp.ClientSession(timeout=proxy.UPSTREAM_TIMEOUT) as session:
        for recording in found:
            base = upstreams.bases.get(recording.family)
            if base is None:
                raise DriftError(f"no upstream is set for the {recording.family} API")
            url = base + ENDPOINT_PATHS[recording.endpoint]
            headers = {"content-type": "application/json", **upstreams.headers(recording.family)}
            for number, recorded in enumerate(recording.answers, 1):
                now = await _ask(session, url, recording.request, headers)
                changes = shape.differences(shape.shape_of(recorded), shape.shape_of(now))
                findings.append(Finding(recording, number, tuple(changes)))
    return findings


def report(findings: Sequence[Finding], out: TextIO) -> int:
    """A line per answer, the changes under each that drifted, then a summary."""
    drifted = 0
    for finding in findings:
        where = f"{finding.recording.file}: {finding.recording.rule} (answer {finding.reply})"
        if not finding.changes:
            print(f"same   {where}", file=out)
            continue
        drifted += 1
        print(f"drift  {where}", file=out)
        for line in finding.changes:
            print(f"         {line}", file=out)
    print(f"{len(findings)} answer(s) checked, {drifted} changed shape", file=out)
    return EXIT_DRIFT if drifted else EXIT_SAME


def run(
    folder: Path,
    bases: Mapping[str, str],
    environ: Mapping[str, str],
    extra_headers: Mapping[str, str],
    out: TextIO | None = None,
) -> int:
    keys = {family: environ.get(variable, "") for family, variable in KEY_VARIABLES.items()}
    try:
        found = recordings(folder)
        findings = asyncio.run(check(found, Upstreams(bases, keys, extra_headers)))
    except DriftError as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_ERROR
    return report(findings, out or sys.stdout)
