"""A whole project as REFI-QDA exchange sees it, independent of storage and of XML.

The exporter writes an :class:`ExchangeProject` to a ``.qdpx`` file, the importer reads
one back, and the exchange service moves it into and out of a project store. Objects
refer to each other by name and key, never by database id: documents by name, codes by
``(codebook slug, code key)``, coders by name, a coded passage by its index in
``ExchangeProject.codings``. Offsets are ``[start, end)`` in code points of
``ExchangeDocument.text``, as everywhere in qualcode.

GUIDs are those an imported file gave its objects; they are kept so that a re-export
names the same objects the same way and a co-author's tool recognises its own. An
object qualcode made itself has none (the exporter derives one).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from qualcode.core.codebook import CodebookSpec
from qualcode.core.model import ParsedTurn


@dataclass(frozen=True)
class ExchangeDocument:
    """A text source: its stored text, attributes and speaker structure."""

    name: str
    text: str
    format: str = "txt"
    language: str | None = None
    attributes: dict[str, str] = field(default_factory=dict)
    turns: tuple[ParsedTurn, ...] = ()
    speakers: dict[str, dict[str, str]] = field(default_factory=dict)
    created_at: datetime | None = None
    guid: str | None = None


@dataclass(frozen=True)
class ExchangeCoding:
    """One code applied by one coder to ``[start, end)`` of one document."""

    document: str
    codebook: str
    code: str
    coder: str
    start: int
    end: int
    created_at: datetime | None = None
    weight: int | None = None  # 0-100; REFI-QDA has no place for it (see qualcode.json's "weights")
    guid: str | None = None  # of the <Coding>
    selection_guid: str | None = None  # of its <PlainTextSelection>, shared by its codings


@dataclass(frozen=True)
class ExchangeMemo:
    """A memo (a REFI-QDA note) and what it is written on.

    ``target`` is ``None`` for a project memo, the document name for a document memo,
    ``(slug, key)`` for a code memo and the index of the coding in
    ``ExchangeProject.codings`` for a coding memo.
    """

    target_kind: str  # "project" | "document" | "code" | "coding"
    target: str | tuple[str, str] | int | None
    text: str
    coder: str | None = None
    title: str | None = None
    created_at: datetime | None = None
    guid: str | None = None  # the note's GUID in the file it came from


@dataclass(frozen=True)
class ExchangeProject:
    """Everything one exchange file carries that qualcode can represent."""

    name: str
    coders: tuple[str, ...] = ()
    codebooks: tuple[CodebookSpec, ...] = ()
    documents: tuple[ExchangeDocument, ...] = ()
    codings: tuple[ExchangeCoding, ...] = ()
    memos: tuple[ExchangeMemo, ...] = ()
    created_at: datetime | None = None
    code_guids: dict[tuple[str, str], str] = field(default_factory=dict)  # (slug, key) -> GUID
    coder_guids: dict[str, str] = field(default_factory=dict)  # coder name -> GUID
    counting: str = ""  # how the file's positions were read, for the report


@dataclass(frozen=True)
class ImportNotice:
    """Something of the file that was not imported, or imported with a change.

    ``where`` names the member and element (e.g. ``project.qde: AudioSource 'x'``),
    ``what`` says what happened to it.
    """

    where: str
    what: str
    skipped: bool = True

    def __str__(self) -> str:
        return f"{self.where}: {self.what}"
