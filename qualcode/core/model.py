"""Domain objects shared by every layer.

All objects are small frozen dataclasses. Offsets are always ``[start, end)`` in
code points of the stored document text, so ``document.text[start:end]`` is the
span, for every turn, segment and coding.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class SegmentKind(StrEnum):
    SENTENCE = "sentence"
    TURN = "turn"
    PARAGRAPH = "paragraph"


class CodingOrigin(StrEnum):
    MANUAL = "manual"
    SUGGESTION_ACCEPTED = "suggestion-accepted"
    IMPORTED = "imported"
    ADJUDICATED = "adjudicated"


# ---------------------------------------------------------------- importer output


@dataclass(frozen=True, slots=True)
class ParsedTurn:
    """A speaker turn found by an importer, before it is stored.

    With slots: a transcript has tens of thousands of turns, and without a ``__dict__``
    each costs a third of the memory.
    """

    speaker: str | None
    start: int
    end: int
    start_time: float | None = None
    end_time: float | None = None


@dataclass(frozen=True)
class ParsedDocument:
    """What an importer returns: exact text plus structure found in it."""

    name: str
    text: str
    format: str
    turns: tuple[ParsedTurn, ...] = ()
    attributes: dict[str, str] = field(default_factory=dict)
    language: str | None = None
    source_path: str | None = None
    encoding: str = "utf-8"


# ---------------------------------------------------------------- stored objects


@dataclass(frozen=True)
class Speaker:
    id: int
    document_id: int
    label: str
    attributes: dict[str, str] = field(default_factory=dict)

    @property
    def role(self) -> str | None:
        return self.attributes.get("role")

    @property
    def level(self) -> str | None:
        return self.attributes.get("level")


@dataclass(frozen=True)
class Turn:
    id: int
    document_id: int
    index: int
    start: int
    end: int
    speaker_id: int | None = None
    speaker_label: str | None = None
    start_time: float | None = None
    end_time: float | None = None


@dataclass(frozen=True)
class Segment:
    id: int
    document_id: int
    kind: SegmentKind
    index: int
    start: int
    end: int
    turn_id: int | None = None


@dataclass(frozen=True)
class DocumentSummary:
    """A document without its text: what lists and tables need."""

    id: int
    name: str
    format: str
    language: str
    sha256: str
    imported_at: datetime
    word_count: int
    attributes: dict[str, str] = field(default_factory=dict)
    turn_count: int = 0
    sentence_count: int = 0
    speaker_count: int = 0


@dataclass(frozen=True)
class Document:
    id: int
    name: str
    text: str
    format: str
    language: str
    sha256: str
    imported_at: datetime
    attributes: dict[str, str] = field(default_factory=dict)
    source_path: str | None = None
    encoding: str = "utf-8"


@dataclass(frozen=True)
class Coder:
    id: int
    name: str


@dataclass(frozen=True)
class Coding:
    id: int
    document_id: int
    code_id: int
    coder_id: int
    start: int
    end: int
    origin: CodingOrigin
    created_at: datetime
    weight: int | None = None  # 0-100, as MAXQDA's weight score; None: not weighted


@dataclass(frozen=True)
class CodedPassage:
    """A coding with what a reader needs: its text, context and attribution."""

    coding_id: int
    document_id: int
    document_name: str
    code_id: int
    code_key: str
    code_label: str
    coder: str
    start: int
    end: int
    text: str
    origin: str
    speaker: str | None = None
    attributes: dict[str, str] = field(default_factory=dict)
    before: str = ""
    after: str = ""
    weight: int | None = None


# What a memo can be written on; Memo.target_kind is one of these.
MEMO_TARGETS = ("project", "document", "code", "coding")


@dataclass(frozen=True)
class Memo:
    id: int
    target_kind: str  # "project" | "document" | "code" | "coding"
    target_id: int | None
    coder_id: int | None
    text: str
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class Event:
    """One entry of the append-only change log."""

    id: int
    at: datetime
    coder_id: int | None
    kind: str
    payload: dict
    undone: bool = False


@dataclass(frozen=True)
class SegmentText:
    """A segment with its text, document and speaker: a search hit, a passage in a topic."""

    segment_id: int
    document_id: int
    document_name: str
    start: int
    end: int
    text: str
    speaker: str | None
    attributes: dict[str, str]


# Marks a compound's head among a sentence's search terms: "00hdialog" stands for the
# head "dialog" of "kvalitetsdialogerna". Digits keep it one token for SQLite's FTS5
# and PostgreSQL alike, and no word of a text is indexed with it, so only a search
# that asks for heads finds it (analysis/lemmas.py writes it, storage reads it).
HEAD_MARK = "00h"
