"""How good suggestions are on this project, and finding passages like a given one.

:func:`evaluate` cross-validates suggestions over the project's own codings, for one or
more embedders side by side; :func:`similar` ranks the project's segments by cosine
similarity to a passage, a segment or a typed text, filtered by attributes.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from qualcode.analysis import evaluate as cv
from qualcode.analysis import suggest as scoring
from qualcode.analysis.embeddings import Embedder, ModelInfo, available_names
from qualcode.core.model import SegmentKind, SegmentText
from qualcode.errors import AnalysisError, QualcodeError
from qualcode.services import embedding_cache as cache
from qualcode.services import files
from qualcode.services.codebook import get_codebook
from qualcode.services.coding import Span, check_one_span
from qualcode.services.corpus import find_document
from qualcode.storage.records import CodingFilter
from qualcode.storage.store import Store


@dataclass(frozen=True)
class EmbedderEvaluation:
    """Held-out figures of one embedder; ``codes`` maps code index to key.

    ``report`` holds every method side by side, the nested "chosen" row and the
    choice made on all codings (what suggestions on this project use).
    """

    embedder: str
    model: ModelInfo | None
    items: int
    folds: int
    codes: tuple[str, ...]
    report: cv.Report | None
    seconds: float
    error: str | None = None

    def method(self, name: str) -> cv.MethodFigures:
        assert self.report is not None
        return self.report.method(name)


def evaluate(store: Store, embedders: Sequence[str | Embedder] | None = None, *, folds: int = 5,
             coder: str | None = None, codebook: str | None = None,
             progress: cache.Progress | None = None, cancel: threading.Event | None = None
             ) -> list[EmbedderEvaluation]:
    """k-fold cross-validation of the suggestions over the project's codings.

    Without embedders, every one available on this installation is measured. An
    embedder that cannot load is reported with its error instead of stopping the rest.
    """
    if folds < 2:
        raise AnalysisError(f"Cross-validation needs at least 2 folds, not {folds}.")
    with store.unit_of_work() as uow:
        book_id = get_codebook(uow, codebook).id if codebook else None
        codes = uow.codebooks.codes(book_id)
        if not codes:
            raise AnalysisError("The project has no active codes to evaluate.",
                                "Load a codebook with 'qualcode codebook load FILE'.")
        coder_ids = None
        if coder:
            found = uow.coders.find(coder)
            if found is None:
                raise AnalysisError(f"No coder '{coder}' in this project.")
            coder_ids = [found.id]
        passages = uow.codings.passages(CodingFilter(code_ids=[c.id for c in codes], coder_ids=coder_ids),
                                        limit=None, context=0)
    index = {c.id: i for i, c in enumerate(codes)}
    spans, texts = cv.coded_spans(passages, index)
    keys = list(spans)
    labels = [frozenset(spans[k]) for k in keys]
    groups = [k[0] for k in keys]
    descriptions = [(i, t) for i, c in enumerate(codes) for _, t in scoring.description_texts(c)]
    results = []
    for choice in (embedders or available_names()):
        started = time.perf_counter()
        name = choice if isinstance(choice, str) else choice.name
        try:
            embedder = cache.resolve(store, choice)
            vectors = cache.vectors(store, embedder, [t for _, t in descriptions] + [texts[k] for k in keys],
                                    progress=progress, cancel=cancel)
        except QualcodeError as error:
            if embedders:
                raise
            results.append(EmbedderEvaluation(name, None, len(keys), folds, (), None, 0.0, error.message))
            continue
        space = scoring.CodeSpace(np.asarray([c.id for c in codes]), vectors[:len(descriptions)],
                                  np.asarray([i for i, _ in descriptions], dtype=np.int64))
        report = cv.cross_validate(vectors[len(descriptions):], labels, groups, space, folds=folds,
                                   cancel=(cancel.is_set if cancel is not None else None))
        results.append(EmbedderEvaluation(name, cache.stored_info(store, embedder), len(keys), report.folds,
                                          tuple(c.key for c in codes), report,
                                          time.perf_counter() - started))
    return results


def write_reliability(results: Sequence[EmbedderEvaluation], path: Path, *, overwrite: bool = False,
                      methods: Sequence[str] = ("chosen", "knn5", "centroid", "zero-shot")) -> Path:
    """A reliability diagram (PNG) of the evaluated embedders' calibrated probabilities."""
    from qualcode.exporters.reliability_figure import write_reliability as draw

    panels = [(r.embedder, [(m, r.method(m).reliability) for m in methods])
              for r in results if r.report is not None]
    return files.write_with(path, lambda s: draw(panels, s), overwrite=overwrite)


# --------------------------------------------------------------------- find similar


@dataclass(frozen=True)
class SimilarPassage(SegmentText):
    """A passage and how close its meaning is to the one asked about (cosine similarity)."""

    similarity: float


def similar(store: Store, document: str | int | None = None, *, segment_id: int | None = None,
            start: int | None = None, end: int | None = None, text: str | None = None,
            top: int = 10, attributes: dict[str, list[str]] | None = None,
            kind: SegmentKind = SegmentKind.SENTENCE, embedder: str | Embedder | None = None,
            progress: cache.Progress | None = None, cancel: threading.Event | None = None
            ) -> list[SimilarPassage]:
    """The project's segments most like a passage, best first (the passage itself left out)."""
    if top < 1:
        raise AnalysisError(f"--top must be at least 1, not {top}.")
    query_text, origin = _query(store, document, segment_id, start, end, text)
    rows: list[tuple[int, int, str, int, int, str, str | None, dict[str, str]]] = []
    with store.unit_of_work() as uow:
        doc_attrs = uow.documents.all_attributes()
        names = {d.id: d.name for d in uow.documents.list()}
        speakers = {s.id: s for s in uow.documents.all_speakers()}
        for doc_id, name in names.items():
            body = uow.documents.text(doc_id)
            turn_speaker = {t.id: t.speaker_id for t in uow.documents.turns(doc_id)}
            for s in uow.documents.segments(doc_id, kind):
                speaker = speakers.get(turn_speaker.get(s.turn_id)) if s.turn_id else None  # type: ignore[arg-type]
                merged = dict(doc_attrs.get(doc_id, {}))
                if speaker is not None:
                    merged.update(speaker.attributes)
                if attributes and not all(merged.get(k) in v for k, v in attributes.items()):
                    continue
                if origin and origin[0] == doc_id and s.start < origin[2] and origin[1] < s.end:
                    continue
                rows.append((s.id, doc_id, name, s.start, s.end, body[s.start:s.end],
                             speaker.label if speaker else None, merged))
    if not rows:
        return []
    chosen = cache.resolve(store, embedder)
    matrix = cache.vectors(store, chosen, [r[5] for r in rows], progress=progress, cancel=cancel)
    query = cache.vectors(store, chosen, [query_text])[0]
    sims = matrix @ query
    order = scoring.top_k(sims, top)
    return [SimilarPassage(*rows[i], similarity=round(float(sims[i]), 4)) for i in order]


def _query(store: Store, document: str | int | None, segment_id: int | None, start: int | None,
           end: int | None, text: str | None) -> tuple[str, tuple[int, int, int] | None]:
    if text is not None:
        if document is not None or segment_id is not None or start is not None or end is not None:
            raise AnalysisError("--text is compared on its own; a document or span beside it would be ignored.",
                                "Leave out either --text or the document and its span.")
        if not text.strip():
            raise AnalysisError("The text to compare with is empty.")
        return text, None
    check_one_span(Span(start, end, segment_id))
    with store.unit_of_work() as uow:
        if segment_id is not None and document is None:
            segment = uow.documents.segment(segment_id)
            if segment is None:
                raise AnalysisError(f"No segment {segment_id} in this project.",
                                    "Find segment ids with 'qualcode show DOC --sentences'.")
            document = segment.document_id
        if document is None:
            raise AnalysisError("Nothing to compare with.", "Name a document and a span, a segment, or --text.")
        doc = find_document(uow, document)
        body = uow.documents.text(doc.id)
        if segment_id is not None:
            segment = uow.documents.segment(segment_id)
            if segment is None or segment.document_id != doc.id:
                raise AnalysisError(f"Segment {segment_id} is not in {doc.name}.")
            start, end = segment.start, segment.end
        if start is None or end is None or not 0 <= start < end <= len(body):
            raise AnalysisError(f"Give a span inside {doc.name} (0 to {len(body)}): --start and --end, "
                                "or --segment.")
        if not body[start:end].strip():
            raise AnalysisError(f"Span [{start}, {end}) of {doc.name} holds only white space.")
        return body[start:end], (doc.id, start, end)
