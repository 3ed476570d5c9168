"""What the interactive workbench reads: one call per screen refresh.

The TUI asks for a whole document with its codings, or the document list with each
coder's progress, in one unit of work each, so that a refresh is consistent and cheap,
and a second process writing to the same project is seen on the next refresh.
"""

from __future__ import annotations

from dataclasses import dataclass

from qualcode.core.codebook import Code, Codebook
from qualcode.core.model import DocumentSummary, Segment, SegmentKind, Speaker, Turn
from qualcode.services.corpus import find_document
from qualcode.services.samples import hidden_coders_in
from qualcode.storage.records import CodingFilter
from qualcode.storage.store import Store


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
        for name in coders:
            for node in code_tree(store, slug, name)[1]:
                totals[node.code.id] = totals.get(node.code.id, 0) + node.count
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
