"""The one YAML loader of qualcode: safe, bounded, and with line numbers in every error.

Front matter, codebooks, speaker maps and anchored codings are written by hand or by
other tools and may be hostile. PyYAML's ``SafeLoader`` already refuses Python tags,
but three things it allows are refused or changed here:

- **Aliases.** Anchors and aliases are shared when loaded, but the values they build
  are not shared when qualcode walks them: nine aliases of nine aliases are a billion
  strings. At most :data:`MAX_ALIASES` aliases are accepted, the value with every alias
  expanded may hold at most :data:`MAX_EXPANDED_NODES` nodes, and an alias inside the
  value it names (a value that contains itself) is refused.
- **Depth.** Nesting deeper than :data:`MAX_DEPTH` is refused before Python's
  recursion limit is reached.
- **Dates.** A value such as ``2025-03-14`` stays the text written: qualcode stores
  attributes and versions as text anyway, and an impossible date (``2025-13-45``) is
  then just text, never a ``ValueError``.

Every refusal is a :class:`yaml.MarkedYAMLError`, so the callers' error handling (which
reports ``file:line``) applies unchanged; :func:`problem_line` reads the line of any
YAML error.
"""

from __future__ import annotations

from typing import Any

import yaml
from yaml.composer import ComposerError
from yaml.constructor import ConstructorError
from yaml.events import AliasEvent
from yaml.nodes import MappingNode, Node, SequenceNode

MAX_ALIASES = 100
MAX_EXPANDED_NODES = 100_000
MAX_DEPTH = 64

_TIMESTAMP = "tag:yaml.org,2002:timestamp"


class LimitError(ComposerError):
    """YAML that goes past one of this module's limits."""


class SafeTextLoader(yaml.SafeLoader):
    """``SafeLoader`` with bounded aliases and depth, and dates kept as text."""

    # Without the timestamp resolver a date-like plain scalar resolves to a string.
    yaml_implicit_resolvers = {
        first: [(tag, pattern) for tag, pattern in resolvers if tag != _TIMESTAMP]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }

    def __init__(self, stream: Any) -> None:
        super().__init__(stream)
        self._aliases = 0
        self._depth = 0
        self._sizes: dict[int, int] = {}

    def compose_node(self, parent: Node | None, index: Any) -> Node:  # type: ignore[override]
        if self.check_event(AliasEvent):
            mark = self.peek_event().start_mark
            self._aliases += 1
            if self._aliases > MAX_ALIASES:
                raise LimitError(None, None, f"more than {MAX_ALIASES} aliases (*name); "
                                 "write the values out instead", mark)
            node = super().compose_node(parent, index)
            if id(node) not in self._sizes:
                raise LimitError(None, None, "an alias refers to the value that contains it", mark)
            return node
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise LimitError(None, None, f"nested more than {MAX_DEPTH} levels deep",
                             self.peek_event().start_mark)
        try:
            node = super().compose_node(parent, index)
        finally:
            self._depth -= 1
        size = 1 + sum(self._sizes.get(id(child), 1) for child in _children(node))
        if size > MAX_EXPANDED_NODES:
            raise LimitError(None, None, f"with its aliases expanded this value holds more than "
                             f"{MAX_EXPANDED_NODES:,} items", node.start_mark)
        self._sizes[id(node)] = size
        return node

    def construct_object(self, node: Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep)
        except (ValueError, TypeError, OverflowError) as exc:  # e.g. !!int with a non-number
            raise ConstructorError(None, None, f"cannot read this value ({exc})", node.start_mark) from exc

    def construct_yaml_timestamp_as_text(self, node: Node) -> str:
        return str(self.construct_scalar(node))  # type: ignore[arg-type]


SafeTextLoader.add_constructor(_TIMESTAMP, SafeTextLoader.construct_yaml_timestamp_as_text)


def _children(node: Node) -> list[Node]:
    if isinstance(node, SequenceNode):
        return list(node.value)
    if isinstance(node, MappingNode):
        return [part for pair in node.value for part in pair]
    return []


def load(text: str, loader: type[SafeTextLoader] = SafeTextLoader) -> Any:
    """Load one YAML document with the bounded loader (or a subclass of it).

    Raises only :class:`yaml.YAMLError` subclasses for bad input.
    """
    instance = loader(text)  # the reader checks characters here: may raise ReaderError
    try:
        return instance.get_single_data()
    finally:
        instance.dispose()


def problem_line(error: yaml.YAMLError, text: str, *, first_line: int = 1) -> int:
    """The 1-based line of ``text`` where a YAML error was found (``first_line`` if unknown).

    ``first_line`` is the line of the file on which ``text`` starts (front matter starts
    on line 2).
    """
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    if mark is not None:
        return int(mark.line) + first_line
    position = getattr(error, "position", None)  # a ReaderError: a bad character
    if isinstance(position, int) and position >= 0:
        return text[:position].count("\n") + first_line
    return first_line


def problem_text(error: yaml.YAMLError) -> str:
    """What is wrong, without PyYAML's multi-line 'in "<unicode string>"' context."""
    if isinstance(error, yaml.reader.ReaderError):
        code = error.character if isinstance(error.character, int) else ord(str(error.character)[:1] or " ")
        return f"control character U+{code:04X} is not allowed"
    parts = [str(p) for p in (getattr(error, "context", None), getattr(error, "problem", None)) if p]
    return " ".join(parts) or str(error).splitlines()[0]
