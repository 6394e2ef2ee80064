"""YAML for scenario files and the control API, with bounds a hostile document can't pass.

PyYAML's safe loader still expands aliases (a 364-byte "billion laughs" document
names 10^9 strings through nested aliases), composes nesting by recursion (a few
thousand ``[`` raise RecursionError) and reads ``.inf`` and ``.nan``. This loader
refuses, each with a YAML error that says where:

- aliases that would add more than ``MAX_ALIAS_NODES`` nodes to the document, had
  they been copied out (a shared reply or two is a few dozen), and an alias inside
  the node its anchor names (a document that contains itself);
- nesting deeper than ``MAX_DEPTH`` levels;
- numbers that are not finite.
"""

from __future__ import annotations

import math
from typing import Any

import yaml
from yaml.composer import ComposerError
from yaml.constructor import ConstructorError
from yaml.error import Mark
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.scanner import ScannerError

MAX_DEPTH = 64
MAX_ALIAS_NODES = 10_000


class BoundedSafeLoader(yaml.SafeLoader):
    def __init__(self, stream: str | bytes) -> None:
        super().__init__(stream)
        self._depth = 0
        self._alias_nodes = 0
        self._open_anchors: set[str] = set()
        self._sizes: dict[int, int] = {}

    def fetch_flow_collection_start(self, TokenClass: type[yaml.Token]) -> None:
        # Checked while scanning: the scanner looks ahead over every open bracket for
        # each token, so thousands of them cost seconds before composing begins.
        if self.flow_level >= MAX_DEPTH:
            raise ScannerError(
                None, None, f"nesting deeper than {MAX_DEPTH} levels", self.get_mark()
            )
        super().fetch_flow_collection_start(TokenClass)

    def compose_node(self, parent: Node | None, index: int) -> Node | None:
        event = self.peek_event()  # type: ignore[no-untyped-call]  # untyped in the stubs
        if isinstance(event, yaml.AliasEvent):
            self._count_alias(event)
            return super().compose_node(parent, index)
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise _refused(f"nesting deeper than {MAX_DEPTH} levels", event)
        anchor = getattr(event, "anchor", None)
        if anchor is not None:
            self._open_anchors.add(anchor)
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1
            if anchor is not None:
                self._open_anchors.discard(anchor)

    def _count_alias(self, event: yaml.AliasEvent) -> None:
        anchor = event.anchor
        if anchor in self._open_anchors:
            raise _refused(f"alias *{anchor} inside its own anchor", event)
        node = self.anchors.get(anchor)
        if node is None:
            return  # PyYAML's own "undefined alias" error follows
        self._alias_nodes += self._expanded_size(node)
        if self._alias_nodes > MAX_ALIAS_NODES:
            raise _refused(f"aliases expand to more than {MAX_ALIAS_NODES} nodes", event)

    def _expanded_size(self, node: Node) -> int:
        """How many nodes ``node`` stands for with every alias in it copied out
        (depth is bounded, so the recursion is)."""
        known = self._sizes.get(id(node))
        if known is not None:
            return known
        size = 1
        if isinstance(node, SequenceNode):
            size += sum(self._expanded_size(item) for item in node.value)
        elif isinstance(node, MappingNode):
            size += sum(self._expanded_size(k) + self._expanded_size(v) for k, v in node.value)
        self._sizes[id(node)] = size
        return size

    def construct_finite_float(self, node: ScalarNode) -> float:
        value = self.construct_yaml_float(node)
        if not math.isfinite(value):
            raise ConstructorError(None, None, f"{value} is not a finite number", node.start_mark)
        return value


BoundedSafeLoader.add_constructor(
    "tag:yaml.org,2002:float", BoundedSafeLoader.construct_finite_float
)


def _refused(problem: str, event: yaml.Event) -> ComposerError:
    mark = event.start_mark
    return ComposerError(None, None, problem, mark if isinstance(mark, Mark) else None)


def load_yaml(text: str | bytes) -> Any:
    """The one YAML document in ``text``; yaml.YAMLError for bad YAML or a bound passed."""
    loader = BoundedSafeLoader(text)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()
