"""How deeply a request body may nest: a bound with the API's 400, not a RecursionError.

Arrays and objects inside each other, counted from the body itself (depth 1). Past
:data:`MAX_DEPTH`, jsonschema's recursive descent and messages, orjson's encoder (255
levels) and the JSON instance generator would fail with an exception; real request bodies,
tool schemas included, stay far below it.
"""

from __future__ import annotations

MAX_DEPTH = 64


def nests_too_deeply(raw: bytes, value: object) -> bool:
    """Whether ``value`` (parsed from ``raw``) nests more than :data:`MAX_DEPTH` levels."""
    # Every level opens a bracket, so few brackets in the bytes settle it without a walk.
    if raw.count(b"[") + raw.count(b"{") <= MAX_DEPTH:
        return False
    stack: list[tuple[dict[str, object] | list[object], int]] = []
    if isinstance(value, (dict, list)):
        stack.append((value, 1))
    while stack:
        node, depth = stack.pop()
        children = node.values() if isinstance(node, dict) else node
        for child in children:
            if isinstance(child, (dict, list)):
                if depth >= MAX_DEPTH:
                    return True
                if child:
                    stack.append((child, depth + 1))
    return False


def depth_message() -> str:
    return f"The request body nests more than {MAX_DEPTH} levels of arrays and objects."
