"""Codebooks as domain objects: a named, versioned tree of codes.

A :class:`CodebookSpec` is what a codebook file (YAML or REFI-QDA ``.qdc``) says;
a :class:`Code` is a code as stored in a project. Both are independent of storage.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

COLOUR_PATTERN = re.compile(r"^#[0-9A-Fa-f]{6}$")
# How many levels a tree of codes may have (a top-level code is on level 1). Real codebooks
# use three or four; the bound keeps every walk of the tree far from Python's recursion
# limit, whatever a codebook file or an exchange file says.
MAX_CODE_DEPTH = 50


@dataclass(frozen=True)
class CodeSpec:
    """One code as written in a codebook file."""

    key: str
    label_en: str
    label_sv: str | None = None
    parent: str | None = None
    definition: str = ""
    inclusion: str = ""
    exclusion: str = ""
    examples: tuple[str, ...] = ()
    colour: str | None = None
    shortcut: str | None = None

    def label(self, language: str = "en") -> str:
        if language == "sv" and self.label_sv:
            return self.label_sv
        return self.label_en


@dataclass(frozen=True)
class CodebookSpec:
    """A whole codebook file: metadata plus codes in file order."""

    slug: str
    name: str
    version: str = "1"
    languages: tuple[str, ...] = ("en",)
    description: str = ""
    codes: tuple[CodeSpec, ...] = ()

    def code(self, key: str) -> CodeSpec:
        for code in self.codes:
            if code.key == key:
                return code
        raise KeyError(key)

    def children(self, key: str | None) -> list[CodeSpec]:
        return [c for c in self.codes if c.parent == key]

    def walk(self) -> Iterator[tuple[int, CodeSpec]]:
        """Codes depth-first in file order, with their depth (roots are 0)."""

        def visit(parent: str | None, depth: int) -> Iterator[tuple[int, CodeSpec]]:
            for child in self.children(parent):
                yield depth, child
                yield from visit(child.key, depth + 1)

        yield from visit(None, 0)


@dataclass(frozen=True)
class Codebook:
    """A codebook as stored in a project."""

    id: int
    slug: str
    name: str
    version: str
    languages: tuple[str, ...]
    description: str


@dataclass(frozen=True)
class Code:
    """A code as stored in a project. ``key`` is stable across codebook versions."""

    id: int
    codebook_id: int
    key: str
    label_en: str
    label_sv: str | None
    parent_id: int | None
    definition: str
    inclusion: str = ""
    exclusion: str = ""
    examples: tuple[str, ...] = field(default_factory=tuple)
    colour: str | None = None
    shortcut: str | None = None
    active: bool = True

    def label(self, language: str = "en") -> str:
        if language == "sv" and self.label_sv:
            return self.label_sv
        return self.label_en
