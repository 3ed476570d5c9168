"""Coding as a picture: a document's codeline, the code x document overview and the code
co-occurrence network, as data (for the workbench) and as PNG/SVG files.

Each function reads in one unit of work. Whose codings count is the caller's choice
(``coders``; empty pools every coder): the CLI and the workbench resolve the default
through :mod:`qualcode.services.coder_scope`, one coder as in every comparison, and
the figure's caption says whose codings it shows. Co-occurrence is counted by
:func:`qualcode.services.compare.cooccur`, as ``qualcode cooccur`` counts it.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from qualcode.core.codebook import Code
from qualcode.core.pictures import (
    CodeDocumentMatrix,
    Codeline,
    CodelineRow,
    CodeNetwork,
    NetworkNode,
    covered,
)
from qualcode.core.seeds import check_seed
from qualcode.errors import AnalysisError, NotFoundError
from qualcode.exporters import coding_pictures
from qualcode.services import compare
from qualcode.services.codebook import get_codebook, resolve_code
from qualcode.services.corpus import find_document
from qualcode.services.export import Exported, _format
from qualcode.services.files import write_with
from qualcode.services.words import is_interviewer
from qualcode.storage.records import CodingFilter
from qualcode.storage.store import Store, UnitOfWork

MATRIX_MEASURES = ("count", "share")


def coders_caption(coders: Sequence[str], *, per_coder: bool = False) -> str:
    """Whose codings a picture shows, for its caption."""
    if per_coder:
        return "one row per coder" + (f": {', '.join(coders)}" if coders else "")
    return ("coder: " + ", ".join(coders)) if coders else "every coder pooled"


def _book_codes(uow: UnitOfWork, codebook: str | None) -> list[tuple[str, Code, int]]:
    """(slug, code, depth) in tree order: one codebook, or every codebook when none is named."""
    books = [get_codebook(uow, codebook)] if codebook else uow.codebooks.list()
    if not books:
        raise NotFoundError("No codebook in this project.", "Load one with 'qualcode codebook load FILE'.")
    return [(book.slug, code, depth) for book in books
            for code, depth in compare.codes_in_tree_order(uow.codebooks.codes(book.id))]


# ------------------------------------------------------------------ codeline


def codeline(store: Store, document: str | int, *, codebook: str | None = None,
             codes: Sequence[str] = (), coders: Sequence[str] = (), per_coder: bool = False,
             include_empty: bool = False) -> Codeline:
    """One strip per code along the document: where each code's codings lie.

    Without ``codebook`` every codebook's codes are drawn; codes without a coding in the
    document are left out unless ``include_empty``. ``per_coder`` splits each code's
    strip into one per coder.
    """
    with store.unit_of_work() as uow:
        doc = find_document(uow, document)
        listed = _book_codes(uow, codebook)
        if codes:
            wanted = {resolve_code(uow, c, codebook).id for c in codes}
            listed = [item for item in listed if item[1].id in wanted]
        several = len({slug for slug, _, _ in listed}) > 1
        coder_ids = compare._coder_ids(uow, tuple(coders))
        found = uow.codings.list(CodingFilter(code_ids=[c.id for _, c, _ in listed], coder_ids=coder_ids,
                                              document_ids=[doc.id]))
        names = {c.id: c.name for c in uow.coders.list()}
        length = len(uow.documents.text(doc.id))
        speakers = {s.id: s for s in uow.documents.all_speakers() if s.document_id == doc.id}
        turns = tuple((t.start, t.end, t.speaker_label or "",
                       t.speaker_id in speakers and is_interviewer(speakers[t.speaker_id]))
                      for t in uow.documents.turns(doc.id))
    spans: dict[tuple[int, str | None], list[tuple[int, int]]] = {}
    for c in found:
        spans.setdefault((c.code_id, names.get(c.coder_id) if per_coder else None), []).append((c.start, c.end))
    who = sorted({coder for _, coder in spans if coder is not None}) if per_coder else [None]
    rows = []
    for slug, code, _depth in listed:
        key = f"{slug}:{code.key}" if several else code.key
        for coder in who:
            mine = sorted(spans.get((code.id, coder), []))
            if mine or include_empty:
                rows.append(CodelineRow(key, code.label_en, code.colour, coder, tuple(mine)))
    if not rows:
        raise AnalysisError(f"No codings in {doc.name} match this selection.",
                            "Check --code and --coder (or code some passages first).")
    return Codeline(doc.name, doc.id, length, tuple(rows), turns,
                    f"{doc.name}: {coders_caption(coders, per_coder=per_coder)}")


# ------------------------------------------------------------------ code x document


def code_matrix(store: Store, *, codebook: str | None, measure: str = "count", codes: Sequence[str] = (),
                coders: Sequence[str] = (), attributes: dict[str, list[str]] | None = None,
                documents: Sequence[str] = (), level: int | None = None,
                rollup: bool = False) -> CodeDocumentMatrix:
    """Codes by documents: codings per cell, and the share of each document's text
    its code's codings cover (overlaps counted once); ``measure`` picks the shading.

    The columns are every document the filters keep, codings or not: an empty column
    says something too.
    """
    if measure not in MATRIX_MEASURES:
        raise AnalysisError(f"Unknown measure '{measure}'.", f"Use one of: {', '.join(MATRIX_MEASURES)}.")
    query = compare.ComparisonQuery(codebook=codebook, by="document", level=level, rollup=rollup,
                                    codes=tuple(codes), coders=tuple(coders),
                                    attributes=compare.ComparisonQuery.attrs(attributes),
                                    documents=tuple(documents))
    with store.unit_of_work() as uow:
        book = get_codebook(uow, codebook)
        compare.check_attributes(uow, list((attributes or {}).keys()), "--attr")
        rows = compare._rows(uow, book, level=level, rollup=rollup, codes=tuple(codes))
        flt = compare._filter(uow, query, rows)
        found = uow.codings.list(flt)
        colours = {c.key: c.colour for c in uow.codebooks.codes(book.id)}
        wanted = attributes or {}
        docs = [d for d in uow.documents.list()
                if (flt.document_ids is None or d.id in flt.document_ids)
                and (all(d.attributes.get(k) in v for k, v in wanted.items())
                     or any(c.document_id == d.id for c in found))]
        lengths = {d.id: len(uow.documents.text(d.id)) for d in docs}
    if not docs:
        raise AnalysisError("No documents match this selection.", "Loosen --attr or --doc.")
    docs.sort(key=lambda d: compare.natural_key(d.name))
    column = {d.id: j for j, d in enumerate(docs)}
    row_of: dict[int, list[int]] = {}
    for i, r in enumerate(rows):
        for code_id in r.code_ids:
            row_of.setdefault(code_id, []).append(i)
    counts = [[0] * len(docs) for _ in rows]
    spans: list[list[list[tuple[int, int]]]] = [[[] for _ in docs] for _ in rows]
    for c in found:
        j = column.get(c.document_id)
        if j is None:
            continue
        for i in row_of.get(c.code_id, []):
            counts[i][j] += 1
            spans[i][j].append((c.start, c.end))
    shares = tuple(tuple(covered(spans[i][j]) / lengths[d.id] if lengths[d.id] else 0.0
                         for j, d in enumerate(docs)) for i in range(len(rows)))
    return CodeDocumentMatrix(
        codebook=book.slug, row_keys=tuple(r.key for r in rows), row_labels=tuple(r.label for r in rows),
        row_colours=tuple(colours.get(r.key) for r in rows), depths=tuple(r.depth for r in rows),
        documents=tuple(d.name for d in docs), document_ids=tuple(d.id for d in docs),
        counts=tuple(tuple(r) for r in counts), shares=shares, measure=measure,
        caption=f"{book.name}: {'codings' if measure == 'count' else 'share of the text coded'} "
                f"per document; {coders_caption(coders)}")


# ------------------------------------------------------------------ network


def code_network(store: Store, *, codebook: str | None, mode: str = "overlap", window: int | None = None,
                 codes: Sequence[str] = (), coders: Sequence[str] = (),
                 attributes: dict[str, list[str]] | None = None, documents: Sequence[str] = (),
                 level: int | None = None, rollup: bool = False) -> CodeNetwork:
    """Codes as nodes (sized by their codings) and co-occurring pairs as edges (weighted
    by how many coding pairs occur together), from :func:`compare.cooccur`."""
    query = _network_query(codebook, mode, window, codes, coders, attributes, documents, level, rollup)
    found = compare.cooccur(store, query)
    with store.unit_of_work() as uow:
        colours = {c.key: c.colour for c in uow.codebooks.codes(found.codebook.id)}
    nodes = tuple(NetworkNode(r.key, r.label, colours.get(r.key), found.counts[i][i])
                  for i, r in enumerate(found.rows))
    edges = tuple((i, j, found.counts[i][j]) for i in range(len(nodes)) for j in range(i + 1, len(nodes))
                  if found.counts[i][j] > 0)
    sentences = query.sentences  # the default window where none was given
    where = {"overlap": "overlapping codings", "segment": "codings in the same sentence",
             "near": f"codings within {sentences} sentence{'s' if sentences != 1 else ''}"}[mode]
    return CodeNetwork(found.codebook.slug, nodes, edges, mode,
                       f"{found.codebook.name}: {where}; {coders_caption(coders)}")


def network_passages(store: Store, first: str, second: str, *, codebook: str | None, mode: str = "overlap",
                     window: int | None = None, codes: Sequence[str] = (), coders: Sequence[str] = (),
                     attributes: dict[str, list[str]] | None = None, documents: Sequence[str] = (),
                     level: int | None = None, rollup: bool = False) -> tuple[tuple[int, int, int], ...]:
    """The codings behind one edge of :func:`code_network` (the same options), as
    ``(document id, start, end)`` in document and text order, each coding once: the
    passages of :func:`compare.cooccurrence_passages` for that pair of codes."""
    query = _network_query(codebook, mode, window, codes, coders, attributes, documents, level, rollup)
    pairs = compare.cooccurrence_passages(store, query, first, second)
    return tuple(sorted({(p.document_id, p.start, p.end) for pair in pairs for p in pair}))


def _network_query(codebook: str | None, mode: str, window: int | None, codes: Sequence[str],
                   coders: Sequence[str], attributes: dict[str, list[str]] | None, documents: Sequence[str],
                   level: int | None, rollup: bool) -> compare.CooccurrenceQuery:
    return compare.CooccurrenceQuery(
        codebook=codebook, mode=mode, window=window, level=level, rollup=rollup, codes=tuple(codes),
        coders=tuple(coders), attributes=compare.ComparisonQuery.attrs(attributes), documents=tuple(documents))


# ------------------------------------------------------------------ files


def export_codeline(store: Store, path: Path, document: str | int, *, fmt: str | None = None,
                    dpi: int = 200, overwrite: bool = False, **options) -> Exported:  # type: ignore[no-untyped-def]
    """The document's codeline as PNG or SVG; ``options`` as :func:`codeline` takes them."""
    chosen = _format(path, coding_pictures.FORMATS, fmt)
    data = codeline(store, document, **options)
    write_with(path, lambda s: coding_pictures.write_codeline(data, s, fmt=chosen, dpi=dpi), overwrite=overwrite)
    return Exported(path, len(data.rows))


def export_code_matrix(store: Store, path: Path, *, fmt: str | None = None, dpi: int = 200,
                       overwrite: bool = False, **options) -> Exported:  # type: ignore[no-untyped-def]
    """The code x document overview as PNG or SVG; ``options`` as :func:`code_matrix` takes them."""
    chosen = _format(path, coding_pictures.FORMATS, fmt)
    data = code_matrix(store, **options)
    write_with(path, lambda s: coding_pictures.write_code_matrix(data, s, fmt=chosen, dpi=dpi),
               overwrite=overwrite)
    return Exported(path, len(data.row_keys))


def export_network(store: Store, path: Path, *, fmt: str | None = None, dpi: int = 200, seed: int = 7,
                   min_pairs: int = 1, overwrite: bool = False, **options) -> Exported:  # type: ignore[no-untyped-def]
    """The co-occurrence network as PNG or SVG; ``options`` as :func:`code_network` takes them."""
    check_seed(seed)
    chosen = _format(path, coding_pictures.FORMATS, fmt)
    data = code_network(store, **options)
    write_with(path, lambda s: coding_pictures.write_network(data, s, fmt=chosen, dpi=dpi, seed=seed,
                                                             min_pairs=min_pairs), overwrite=overwrite)
    return Exported(path, len(data.nodes))
