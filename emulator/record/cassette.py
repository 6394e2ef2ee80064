"""A cassette: the scenario file a recording session writes.

Written after every recorded exchange, whole and atomically (a temporary file
renamed over it), as JSON with sorted keys, two-space indents and a final
newline, rules in the order first recorded: a re-recording changes only the
lines of what changed, so cassettes diff well in review.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from emulator.scenario.fingerprint import Fingerprint
from emulator.util import jsonvalue
from emulator.util.jsonvalue import JSONObject, JSONValue

_NAME_HEX = 12


def rule_name(found: Fingerprint) -> str:
    digest = hashlib.sha256(jsonvalue.canonical([found.endpoint, list(found.digests)]))
    return f"{found.endpoint}-{digest.hexdigest()[:_NAME_HEX]}"


def dumps(value: JSONValue) -> str:
    import json  # noqa: PLC0415  # orjson has no indent width but 2, and sorts differently

    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


class Cassette:
    def __init__(self, path: Path, name: str) -> None:
        self.path = path
        self.name = name
        self._rules: dict[str, JSONObject] = {}
        # Rules recorded in this session: a second recording of one adds a reply.
        self._recorded_now: set[str] = set()
        if path.exists():
            raw = jsonvalue.loads(path.read_bytes())
            rules = raw.get("rules") if isinstance(raw, dict) else None
            for rule in rules if isinstance(rules, list) else []:
                if isinstance(rule, dict):
                    self._rules[str(rule.get("name"))] = rule
        self.was_new = not self._rules

    def add(self, found: Fingerprint, fingerprint_json: JSONObject, reply: JSONObject) -> str:
        """Record ``reply`` for the request ``found``; returns the rule's name. A rule
        recorded earlier in this session gets another reply (served in order); one from
        an earlier session has its replies replaced."""
        name = rule_name(found)
        rule = self._rules.get(name)
        if rule is not None and name in self._recorded_now:
            replies = rule["replies"]
            assert isinstance(replies, list)
            replies.append(reply)
        else:
            self._rules[name] = {
                "name": name,
                "match": {"fingerprint": fingerprint_json},
                "replies": [reply],
            }
        self._recorded_now.add(name)
        return name

    def to_json(self) -> JSONObject:
        return {
            "name": self.name,
            "description": "Recorded by llm-emulator (README: Record and replay).",
            "rules": list(self._rules.values()),
        }

    def write(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        text = dumps(self.to_json())
        fd, temporary = tempfile.mkstemp(dir=self.path.parent, prefix=f".{self.path.name}.")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                out.write(text)
            os.replace(temporary, self.path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
