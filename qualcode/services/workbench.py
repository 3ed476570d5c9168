"""What the interactive workbench reads: one call per screen refresh.

The TUI asks for a whole document with its codings, or the document list with each
coder's progress, in one unit of work each, so that a refresh is consistent and cheap,
and a second process writing to the same project is seen on the next refresh.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from qualcode.core.codebook import Code, Codebook
from qualcode.core.model import DocumentSummary, Segment, SegmentKind, Speaker, Turn
from qualcode.errors import QualcodeError
from qualcode.services.corpus import find_document
from qualcode.services.samples import hidden_coders_in
from qualcode.storage.records import CodingFilter
from qualcode.storage.store import Store

if TYPE_CHECKING:
    from qualcode.storage.lite_first_screen import FirstScreenReads


@dataclass(frozen=True)
class DocumentProgress:
    document: DocumentSummary
    codings_by_coder: dict[str, int]


@dataclass(frozen=True)
class ShownCoding:
    """A coding as the reader draws it: span, code and who made it."""

    id: int
    start: int
    end: int
    code_id: int
    code_key: str
    code_label: str
    colour: str
    coder: str


@dataclass(frozen=True)
class OpenDocument:
    summary: DocumentSummary
    text: str
    turns: list[Turn]
    speakers: dict[int, Speaker]
    sentences: list[Segment]
    paragraphs: list[Segment]
    codings: list[ShownCoding]


@dataclass(frozen=True)
class CodebookView:
    codebook: Codebook
    codes: list[tuple[Code, int, int]]  # code, depth, number of codings


FALLBACK_COLOUR = "#888888"


def documents_with_progress(store: Store, attributes: dict[str, list[str]] | None = None,
                            sets: list[str] | None = None) -> list[DocumentProgress]:
    """Every document with each coder's codings; ``attributes`` and ``sets`` (any of
    them, see :func:`qualcode.services.sets.scope`) narrow the list."""
    in_sets = None
    if sets:
        from qualcode.services.sets import scope

        in_sets = set(scope(store, sets, passages=True).documents or ())
    with store.unit_of_work() as uow:
        documents = uow.documents.list()
        coders = {c.id: c.name for c in uow.coders.list()}
        progress = uow.codings.coder_progress()
    if attributes:
        documents = [d for d in documents
                     if all(d.attributes.get(k) in values for k, values in attributes.items())]
    if in_sets is not None:
        documents = [d for d in documents if d.name in in_sets]
    result = []
    for d in documents:
        counts = {coders[c]: n for (doc, c), n in progress.items() if doc == d.id}
        result.append(DocumentProgress(d, dict(sorted(counts.items()))))
    return result


def open_document(store: Store, reference: str | int, coders: list[str] | None = None,
                  viewer: str | None = None) -> OpenDocument:
    """A document with everything the reader shows; ``coders`` limits whose codings.

    ``viewer`` is the coder looking: on a double-coding sample they have not marked done,
    the other sample coders' codings stay hidden from them, so their coding is independent.
    """
    with store.unit_of_work() as uow:
        summary = find_document(uow, reference)
        segments = uow.documents.segments(summary.id, kind=None)
        return OpenDocument(
            summary=summary,
            text=uow.documents.text(summary.id),
            turns=uow.documents.turns(summary.id),
            speakers={s.id: s for s in uow.documents.speakers(summary.id)},
            sentences=[s for s in segments if s.kind == SegmentKind.SENTENCE],
            paragraphs=[s for s in segments if s.kind == SegmentKind.PARAGRAPH],
            codings=_shown_codings(uow, summary.id, coders, viewer),
        )


def document_codings(store: Store, document_id: int, coders: list[str] | None = None,
                     viewer: str | None = None) -> list[ShownCoding]:
    """Only the codings of a document: what changes when someone codes."""
    with store.unit_of_work() as uow:
        return _shown_codings(uow, document_id, coders, viewer)


def _shown_codings(uow, document_id: int, coders: list[str] | None,  # type: ignore[no-untyped-def]
                   viewer: str | None = None) -> list[ShownCoding]:
    hidden = hidden_coders_in(uow, viewer, document_id) if viewer else set()
    codes = {c.id: c for c in uow.codebooks.codes(include_inactive=True)}
    names = {c.id: c.name for c in uow.coders.list()}
    wanted = {i for i, n in names.items() if n in coders} if coders is not None else None
    shown = []
    for c in uow.codings.for_document(document_id):
        if (wanted is not None and c.coder_id not in wanted) or c.coder_id in hidden:
            continue
        code = codes[c.code_id]
        shown.append(ShownCoding(c.id, c.start, c.end, c.code_id, code.key, code.label_en,
                                 code.colour or FALLBACK_COLOUR, names.get(c.coder_id, "?")))
    return shown


def codebook_view(store: Store, slug: str, coders: str | list[str] | None = None,
                  viewer: str | None = None) -> CodebookView:
    """One codebook's active codes with coding counts: every coder's, or the named ones'.

    The counts follow the same choice of coders as the tints in the reader, so that a
    code tree never shows zeros beside passages tinted with someone else's codings;
    with ``viewer``, they also leave out what the reader hides from that coder (the
    other coders' codings on a double-coding sample not yet marked done).
    """
    from qualcode.services.codebook import code_tree

    if coders is None or isinstance(coders, str):
        book, nodes = code_tree(store, slug, coders)
        totals = {n.code.id: n.count for n in nodes}
    else:
        totals = {}
        book, nodes = code_tree(store, slug, None)
        with store.unit_of_work() as uow:
            for name in coders:
                found = uow.coders.find(name)
                if found is None:
                    continue
                for code_id, count in uow.codebooks.coding_counts(book.id, found.id).items():
                    totals[code_id] = totals.get(code_id, 0) + count
    if viewer:
        for code_id, count in _hidden_counts(store, viewer, [coders] if isinstance(coders, str) else coders).items():
            if code_id in totals:
                totals[code_id] -= count
    return CodebookView(book, [(n.code, n.depth, totals.get(n.code.id, 0)) for n in nodes])


def _hidden_counts(store: Store, viewer: str, coders: list[str] | None) -> dict[int, int]:
    """Codings per code that the reader hides from ``viewer`` (see ``_shown_codings``),
    among those of ``coders`` (None: every coder)."""
    with store.unit_of_work() as uow:
        found = uow.coders.find(viewer)
        if found is None:
            return {}
        pairs = {(document, other) for _sample, documents, others in uow.agreement.open_samples_for(found.id)
                 for document in documents for other in others}
        if coders is not None:
            wanted = {c.id for c in uow.coders.list() if c.name in coders}
            pairs = {(d, c) for d, c in pairs if c in wanted}
        if not pairs:
            return {}
        codings = uow.codings.list(CodingFilter(coder_ids=sorted({c for _d, c in pairs}),
                                                document_ids=sorted({d for d, _c in pairs})))
    counts: dict[int, int] = {}
    for coding in codings:
        if (coding.document_id, coding.coder_id) in pairs:
            counts[coding.code_id] = counts.get(coding.code_id, 0) + 1
    return counts


def codebooks_with_counts(store: Store, coders: str | list[str] | None = None,
                          viewer: str | None = None) -> list[CodebookView]:
    """Every codebook's active codes depth-first, with coding counts (see codebook_view)."""
    with store.unit_of_work() as uow:
        slugs = [b.slug for b in uow.codebooks.list()]
    return [codebook_view(store, slug, coders, viewer) for slug in slugs]


@dataclass(frozen=True)
class CoderCount:
    """A coder of the project and how much they have coded."""

    name: str
    codings: int
    documents: int


def coders_with_counts(store: Store) -> list[CoderCount]:
    """Every coder of the project, with codings and documents coded, by name.

    Coders with no coding yet are listed too: "where did my codings go" starts here.
    """
    with store.unit_of_work() as uow:
        names = {c.id: c.name for c in uow.coders.list()}
        progress = uow.codings.coder_progress()
    codings: dict[int, int] = {}
    documents: dict[int, int] = {}
    for (_document, coder_id), count in progress.items():
        codings[coder_id] = codings.get(coder_id, 0) + count
        documents[coder_id] = documents.get(coder_id, 0) + (1 if count else 0)
    return sorted((CoderCount(name, codings.get(i, 0), documents.get(i, 0)) for i, name in names.items()),
                  key=lambda c: c.name.lower())


# ------------------------------------------------------------- the first screen


@dataclass(frozen=True)
class FirstView:
    """What a new main screen shows first, read ahead by the opening worker (off the UI thread)."""

    coder: str
    books: list[CodebookView]
    documents: list[DocumentProgress]
    document: OpenDocument | None


def first_view(store: Store | FirstScreenReads, coder: str) -> FirstView:
    """The code trees, the document list and the first document as a new main screen shows
    them: every coder's codings as ``coder`` may see them, no document filter.

    ``store`` may be the light reads of :mod:`qualcode.storage.lite_first_screen`, which
    answer the same calls with the same records.
    """
    books = codebooks_with_counts(store, None, viewer=coder)  # type: ignore[arg-type]
    documents = documents_with_progress(store, {})  # type: ignore[arg-type]
    document = (open_document(store, documents[0].document.id, None, viewer=coder)  # type: ignore[arg-type]
                if documents else None)
    return FirstView(coder, books, documents, document)


@dataclass
class FirstScreen:
    """What opening a project for the workbench gives: the first screen, and the store
    already open (the full path) or to open next (the light path: ``store`` is None)."""

    target: str | Path
    coder: str | None  # given or remembered; None: the workbench asks
    view: FirstView | None  # None: the main screen reads for itself
    store: Store | None = None
    reads: FirstScreenReads | None = None  # the light path's, kept until the store is open
    version: int = 0  # the project's version as read (see FirstScreenReads.version)

    def open_store(self) -> Store:
        """The full store (the database toolkit, the upgrade checks), opened after the
        first screen was drawn from the light read."""
        if self.store is None:
            from qualcode.services.project import open_project

            self.store = open_project(self.target)
        return self.store

    def changed_since_read(self) -> bool:
        """Whether anyone committed to the project after the light read (asked once the
        store watches for changes; True when it cannot be asked). Closes the light read."""
        if self.reads is None:
            return False
        try:
            return self.reads.version() != self.version
        except QualcodeError:
            return True
        finally:
            self.reads.close()
            self.reads = None

    def close(self) -> None:
        if self.reads is not None:
            self.reads.close()
            self.reads = None
        if self.store is not None:
            self.store.close()
            self.store = None


def open_first_screen(target: str | Path, coder: str | None) -> FirstScreen:
    """Read what the workbench shows first, through the standard library when it can.

    A current SQLite project is read without the store (see
    :mod:`qualcode.storage.lite_first_screen`) when the coder is known (``coder``, or the
    one this user last worked as); the caller opens the store with
    :meth:`FirstScreen.open_store` once the screen is drawn. Anything else (a server, a
    project needing an upgrade or a re-index, no coder yet) opens the store first, as the
    workbench always did, and reads through it.
    """
    from qualcode.services.project import open_project, remembered_coder

    light = _read_light(target, coder)
    if light is not None:
        return light
    store = open_project(target)
    try:
        name = coder or remembered_coder(store)
        view = None
        if name:
            try:
                view = first_view(store, name)
            except QualcodeError:
                view = None  # the screen reads it again and reports the failure itself
    except BaseException:
        store.close()
        raise
    return FirstScreen(target, name, view, store=store)


def _read_light(target: str | Path, coder: str | None) -> FirstScreen | None:
    from qualcode.analysis.lemma_version import LEMMATIZER_VERSION
    from qualcode.services.project import remembered_coder
    from qualcode.storage import lite
    from qualcode.storage.lite_first_screen import FirstScreenReads

    reader = lite.open_reader(target, index_version=LEMMATIZER_VERSION)
    if reader is None:
        return None
    reads = FirstScreenReads(reader)
    try:
        with reads.snapshot():
            version = reads.version()
            name = coder or remembered_coder(reads)  # type: ignore[arg-type]
            view = first_view(reads, name) if name else None
    except QualcodeError:
        view = None  # the store reads it again, and explains what failed
    except BaseException:
        reads.close()
        raise
    if view is None:
        reads.close()
        return None
    return FirstScreen(target, name, view, reads=reads, version=version)
