"""Code suggestions for passages: ranking, accepting, rejecting, and the next one to look at.

A :class:`Suggester` holds what suggesting needs in memory (codes, their description
vectors, the coded passages used as exemplars, rejected suggestions) and refreshes it
when codings, feedback or codes change; a screen keeps one and calls it per passage,
a command makes one per run. Vectors come from the project's embedding cache, so an
unchanged project is suggested for without a single model call.

Accepting goes through :func:`qualcode.services.coding.apply_code` (origin
``suggestion-accepted``), so the event log and undo cover it; both verdicts are kept in
``suggestion_feedback``, and rejected ones damp the same code on similar passages.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace

import numpy as np

from qualcode.analysis import active, calibration, learners
from qualcode.analysis import evaluate as cv
from qualcode.analysis import suggest as scoring
from qualcode.analysis.embeddings import Embedder, text_hash
from qualcode.core.codebook import Code
from qualcode.core.defaults import CONFIDENT
from qualcode.core.model import CodedPassage, Coding, CodingOrigin, Segment, SegmentKind, Speaker
from qualcode.errors import AnalysisError, CodingError
from qualcode.services import coding as coding_service
from qualcode.services import embedding_cache as cache
from qualcode.services.codebook import get_codebook, resolve_code
from qualcode.services.coding import Span
from qualcode.services.corpus import find_document
from qualcode.storage.records import CodingFilter, Feedback
from qualcode.storage.store import Store

CHOOSE_FROM = 20  # coded spans (in 2+ documents) from which a model is chosen and calibrated
CHOICE_FOLDS = 3  # as the nested evaluation's inner folds: the choice it measures
RECHOOSE_AFTER = 0.1  # share of coded spans added or removed since the last choice that re-chooses
INTERVIEWER_ROLES = frozenset({"interviewer", "intervjuare", "intervieware"})


def check_score(score: float | None, option: str) -> None:
    """A suggestion's score is a share in [0, 1]: a threshold past it (or NaN) finds nothing,
    and a verdict stored with one would skew the calibration that reads it back."""
    if score is not None and not 0.0 <= score <= 1.0:  # NaN fails both comparisons
        raise AnalysisError(f"{option} {score} is not a score between 0 and 1.", f"Write e.g. {option} 0.7.")


def is_interviewer(speaker: Speaker | None) -> bool:
    """An interviewer's turn: role interviewer (or intervjuare), or the speaker map's
    ``interviewer: true`` flag. Such turns are rarely coded, so they are not suggested for."""
    if speaker is None:
        return False
    flag = str(speaker.attributes.get("interviewer", "")).strip().lower()
    return (speaker.role or "").strip().lower() in INTERVIEWER_ROLES or flag in {"true", "yes", "1"}


@dataclass(frozen=True)
class Reason:
    """Why a code was suggested: the description or coded passage it resembles most."""

    kind: str  # "label" | "definition" | "inclusion" | "example" | "coded passage"
    text: str
    similarity: float
    coding_id: int | None = None
    document_name: str | None = None


@dataclass(frozen=True)
class CodeSuggestion:
    """One suggested code. ``score`` is the calibrated probability that the code applies
    when ``calibrated`` (too few codings: the uncalibrated blend score)."""

    code_id: int
    code_key: str
    code_label: str
    score: float
    zero_shot: float
    learned: float
    reason: Reason
    calibrated: bool = False
    method: str = "blend"


@dataclass(frozen=True)
class PassageSuggestions:
    """Ranked codes for one passage; ``coded`` lists codes already on an overlapping span."""

    document_id: int
    document_name: str
    segment_id: int | None
    start: int
    end: int
    text: str
    suggestions: tuple[CodeSuggestion, ...]
    coded: tuple[int, ...] = ()


@dataclass(frozen=True)
class _Exemplar:
    text: str
    code_index: int
    coding_id: int
    document_name: str


class Suggester:
    """Suggestion state for one project and embedder, refreshed as codings arrive."""

    def __init__(self, store: Store, embedder: str | Embedder | None = None, *,
                 codebook: str | None = None, coder: str | None = None,
                 progress: cache.Progress | None = None, cancel: threading.Event | None = None,
                 settings: scoring.Settings = scoring.Settings(), method: str | None = None,
                 include_interviewer: bool = False) -> None:
        self.store = store
        self.embedder = cache.resolve(store, embedder)
        self.codebook = codebook
        self.coder = coder
        self.progress = progress
        self.cancel = cancel
        self.settings = settings
        self.forced_method = method
        self.include_interviewer = include_interviewer
        self.choice: cv.Choice | None = None
        self._chosen_at: tuple[int, tuple[int, ...]] | None = None  # (spans, code ids) at the choice
        self._interviewer: dict[int, set[int]] = {}
        self._memo: dict[str, np.ndarray] = {}
        self._signature: tuple | None = None  # type: ignore[type-arg]
        self._mark: tuple[int, int, int] | None = None
        self._documents: dict[str | int, tuple[int, str, str]] = {}
        self._codings: dict[int, list[Coding]] = {}
        self._passages: dict[int, CodedPassage] = {}  # coded passages by coding id, kept between reloads
        self._shapes: dict[int, tuple[int, int, int, int]] = {}  # what each was loaded as
        self._hashes: dict[int, tuple[tuple[int, int], str]] = {}
        self.refresh()

    # ----------------------------------------------------------------- state

    def _vectors(self, texts: list[str]) -> np.ndarray:
        return cache.vectors(self.store, self.embedder, texts, progress=self.progress, cancel=self.cancel)

    def _known_vectors(self, texts: list[str]) -> np.ndarray:
        """Vectors of descriptions and exemplars, kept in memory between reloads: after one
        new coding only its own text is looked up in the cache."""
        missing = sorted({t for t in texts if t not in self._memo})
        if missing:
            self._memo.update(zip(missing, self._vectors(missing), strict=True))
        if not texts:
            return self._vectors([])
        return np.vstack([self._memo[t] for t in texts])

    def _current(self, uow) -> tuple:  # type: ignore[no-untyped-def, type-arg]
        book_id = get_codebook(uow, self.codebook).id if self.codebook else None
        codes = uow.codebooks.codes(book_id)
        coder_ids = None
        if self.coder:
            found = uow.coders.find(self.coder)
            coder_ids = [found.id] if found else [-1]
        flt = CodingFilter(code_ids=[c.id for c in codes], coder_ids=coder_ids)
        # Keyed on which codings exist and where, not on how many: a recode (one removed,
        # another added) keeps the count but changes the exemplars.
        shapes = uow.codings.shapes(flt)
        signature = (tuple((c.id, tuple(scoring.description_texts(c))) for c in codes),
                     shapes, uow.embeddings.feedback_count())
        return codes, shapes, signature

    def _hash(self, passage: CodedPassage) -> str:
        """The text hash of a coded passage, computed once per coding (its text never changes)."""
        found = self._hashes.get(passage.coding_id)
        if found is None or found[0] != (passage.start, passage.end):
            found = self._hashes[passage.coding_id] = ((passage.start, passage.end), text_hash(passage.text))
        return found[1]

    def _coded_passages(self, uow, shapes: dict[int, tuple[int, int, int, int]]) -> list[CodedPassage]:  # type: ignore[no-untyped-def]
        """The coded passages for ``shapes``, loading only the codings added or changed since
        the last reload: after one new coding in the workbench, one passage is read, not every
        coded passage of the project with its text."""
        for gone in [i for i in self._passages if i not in shapes]:
            del self._passages[gone]
        changed = [i for i, shape in shapes.items() if self._shapes.get(i) != shape or i not in self._passages]
        for first in range(0, len(changed), 500):
            for p in uow.codings.passages(CodingFilter(coding_ids=changed[first:first + 500]),
                                          limit=None, context=0):
                self._passages[p.coding_id] = p
        self._shapes = shapes
        names = uow.documents.names()
        kept = sorted(self._passages.values(), key=lambda p: (p.document_id, p.start, p.coding_id))
        return [p if names.get(p.document_id, p.document_name) == p.document_name
                else replace(p, document_name=names[p.document_id]) for p in kept]

    def refresh(self) -> bool:
        """Reload codes, exemplars and feedback if any changed; say whether they did."""
        with self.store.unit_of_work() as uow:
            mark = uow.embeddings.change_mark()
            if mark == self._mark:
                return False
            self._codings.clear()
            self._documents.clear()
            codes, shapes, signature = self._current(uow)
            if signature == self._signature:
                self._mark = mark
                return False
            if not codes:
                raise AnalysisError("The project has no active codes to suggest.",
                                    "Load a codebook with 'qualcode codebook load FILE'.")
            passages = self._coded_passages(uow, shapes)
            feedback = uow.embeddings.feedback(verdict="rejected")
            rejected_texts = [uow.documents.text(f.document_id)[f.start:f.end] for f in feedback]
        self.codes: list[Code] = codes
        index = {c.id: i for i, c in enumerate(codes)}
        descriptions = [(i, kind, text) for i, c in enumerate(codes)
                        for kind, text in scoring.description_texts(c)]
        seen: set[tuple[str, int]] = set()
        exemplars = []
        for p in passages:
            key = (self._hash(p), index[p.code_id])
            if p.text.strip() and key not in seen:
                seen.add(key)
                exemplars.append(_Exemplar(p.text, index[p.code_id], p.coding_id, p.document_name))
        kept = [(f, t) for f, t in zip(feedback, rejected_texts, strict=True) if f.code_id in index]
        vectors = self._known_vectors([t for _, _, t in descriptions] + [e.text for e in exemplars]
                                      + [t for _, t in kept])
        m, n = len(descriptions), len(exemplars)
        self.descriptions = descriptions
        self.exemplars = exemplars
        self.space = scoring.CodeSpace(np.asarray([c.id for c in codes]), vectors[:m],
                                       np.asarray([i for i, _, _ in descriptions], dtype=np.int64))
        self.examples = scoring.Examples(vectors[m:m + n], np.asarray(
            [e.code_index for e in exemplars], dtype=np.int64))
        self.rejected = scoring.Examples(vectors[m + n:], np.asarray(
            [index[f.code_id] for f, _ in kept], dtype=np.int64))
        self.rejected_spans = {(f.document_id, f.start, f.end, f.code_id) for f, _ in kept}
        self._fit_model(passages, index)
        self._signature = signature
        self._mark = mark
        return True

    def _fit_model(self, passages: list, index: dict[int, int]) -> None:  # type: ignore[type-arg]
        """Choose the model and its calibrator on the coded spans (when enough have changed
        since the last choice), then refit the model on every exemplar: the refit is cheap,
        the choice a cross-validation."""
        spans, texts = cv.coded_spans(passages, index)
        code_ids = tuple(int(c) for c in self.space.code_ids)
        enough = len(spans) >= CHOOSE_FROM and len({k[0] for k in spans}) >= 2
        if self.forced_method is None and enough:
            stale = (self._chosen_at is None or self._chosen_at[1] != code_ids
                     or abs(len(spans) - self._chosen_at[0]) > RECHOOSE_AFTER * self._chosen_at[0])
            if stale:
                keys = list(spans)
                self.choice = cv.choose(self._known_vectors([texts[k] for k in keys]),
                                        [frozenset(spans[k]) for k in keys], [k[0] for k in keys],
                                        self.space, folds=CHOICE_FOLDS)
                self._chosen_at = (len(spans), code_ids)
        elif not enough:
            self.choice, self._chosen_at = None, None
        self.method = self.forced_method or (self.choice.method if self.choice else "blend")
        self.calibrator: calibration.Calibrator | None = (
            self.choice.calibrator if self.choice is not None and self.forced_method is None else None)
        self.model = learners.fit(self.method, self.space, self.examples)

    def _document(self, uow, reference: str | int) -> tuple[int, str, str]:  # type: ignore[no-untyped-def]
        """(id, name, text) of a document, remembered: texts never change once imported."""
        if reference not in self._documents and isinstance(reference, int):
            found = uow.documents.get(reference)  # by id: one row, not every document's summary
            if found is not None:
                self._documents[reference] = (found.id, found.name, found.text)
        if reference not in self._documents:
            summary = find_document(uow, reference)
            self._documents[reference] = (summary.id, summary.name, uow.documents.text(summary.id))
        return self._documents[reference]

    def _document_codings(self, uow, doc_id: int) -> list[Coding]:  # type: ignore[no-untyped-def]
        """Codings of a document, remembered until the next change (see :meth:`refresh`)."""
        if doc_id not in self._codings:
            self._codings[doc_id] = uow.codings.for_document(doc_id)
        return self._codings[doc_id]

    # ----------------------------------------------------------------- suggesting

    def _rank(self, doc_id: int, doc_name: str, text: str, spans: list[tuple[int | None, int, int]],
              codings: list[Coding], top: int) -> list[PassageSuggestions]:
        if top < 1:
            raise AnalysisError(f"--top must be at least 1, not {top}.")
        if not spans:
            return []
        queries = self._vectors([text[s:e] for _, s, e in spans])
        result = scoring.score(queries, self.space, self.examples, self.rejected, self.settings)
        if self.method == "blend" and self.calibrator is None:
            shown = result.combined
        else:
            raw = self.model(queries)
            shown = self.calibrator(raw) if self.calibrator is not None else raw
            shown = shown * scoring.rejection_factor(queries, self.rejected, self.space.size,
                                                     self.settings.reject_from)
            # equal probabilities (isotonic steps) keep the model's order
            shown = shown + 1e-9 * (raw - raw.min(axis=1, keepdims=True)) / (np.ptp(raw, axis=1, keepdims=True) + 1e-12)
        out = []
        for row, (segment_id, start, end) in enumerate(spans):
            coded = tuple(sorted({c.code_id for c in codings if c.start < end and start < c.end}))
            ranked = []
            for c in scoring.top_k(shown[row], len(self.codes)):
                code = self.codes[c]
                if code.id in coded or (doc_id, start, end, code.id) in self.rejected_spans:
                    continue
                if shown[row, c] <= 0:
                    break
                ranked.append(self._suggestion(result, queries[row], row, int(c), float(shown[row, c])))
                if len(ranked) >= top:
                    break
            out.append(PassageSuggestions(doc_id, doc_name, segment_id, start, end, text[start:end],
                                          tuple(ranked), coded))
        return out

    def _suggestion(self, result: scoring.Scores, query: np.ndarray, row: int, c: int,
                    shown: float) -> CodeSuggestion:
        code = self.codes[c]
        weight = float(result.weights[c])
        example = int(result.best_example[row, c])
        learned_leads = self.method not in ("blend", "zero-shot") or \
            weight * result.learned[row, c] >= (1 - weight) * result.zero_shot[row, c]
        if example >= 0 and learned_leads:
            e = self.exemplars[example]
            similarity = round(float(self.examples.vectors[example] @ query), 4)
            reason = Reason("coded passage", e.text, similarity, e.coding_id, e.document_name)
        else:
            d = int(result.best_description[row, c])
            _, kind, text = self.descriptions[d]
            reason = Reason(kind, text, round(float(result.zero_shot_raw[row, c]), 4))
        return CodeSuggestion(code.id, code.key, code.label_en, round(min(1.0, shown), 4),
                              round(float(result.zero_shot[row, c]), 4),
                              round(float(result.learned[row, c]), 4), reason,
                              self.calibrator is not None, self.method)

    def for_span(self, document: str | int, start: int, end: int, *, top: int = 5) -> PassageSuggestions:
        """Suggestions for a selection ``[start, end)`` of a document."""
        self.refresh()
        with self.store.unit_of_work() as uow:
            doc_id, name, text = self._document(uow, document)
            if not 0 <= start < end <= len(text):
                raise CodingError(f"Span [{start}, {end}) is not inside {name} (0 to {len(text)}).",
                                  "Offsets are [start, end) in characters of the stored text.")
            if not text[start:end].strip():
                raise CodingError(f"Span [{start}, {end}) of {name} holds only white space.")
            codings = self._document_codings(uow, doc_id)
        return self._rank(doc_id, name, text, [(None, start, end)], codings, top)[0]

    def for_document(self, document: str | int, *, segment_id: int | None = None,
                     kind: SegmentKind = SegmentKind.SENTENCE, top: int = 5,
                     uncoded_only: bool = False) -> list[PassageSuggestions]:
        """Suggestions for every segment of a document (or one segment of it)."""
        self.refresh()
        with self.store.unit_of_work() as uow:
            doc_id, name, text = self._document(uow, document)
            segments = self._segments(uow, doc_id, kind, segment_id)
            codings = self._document_codings(uow, doc_id)
            interviewer = set() if self.include_interviewer or segment_id is not None else \
                self._interviewer_turns(uow, doc_id)
        spans = [(s.id, s.start, s.end) for s in segments
                 if text[s.start:s.end].strip() and s.turn_id not in interviewer]
        if uncoded_only:
            spans = [sp for sp in spans if not any(c.start < sp[2] and sp[1] < c.end for c in codings)]
        return self._rank(doc_id, name, text, spans, codings, top)

    def _interviewer_turns(self, uow, doc_id: int) -> set[int]:  # type: ignore[no-untyped-def]
        """Ids of the document's turns spoken by an interviewer (remembered: turns never change)."""
        if doc_id not in self._interviewer:
            speakers = {s.id: s for s in uow.documents.speakers(doc_id)}
            self._interviewer[doc_id] = {t.id for t in uow.documents.turns(doc_id)
                                         if t.speaker_id is not None and is_interviewer(speakers.get(t.speaker_id))}
        return self._interviewer[doc_id]

    def _segments(self, uow, doc_id: int, kind: SegmentKind, segment_id: int | None) -> list[Segment]:  # type: ignore[no-untyped-def]
        if segment_id is None:
            return uow.documents.segments(doc_id, kind)
        segment = uow.documents.segment(segment_id)
        if segment is None or segment.document_id != doc_id:
            raise CodingError(f"Segment {segment_id} is not in this document.",
                              "Find segment ids with 'qualcode show DOC --sentences'.")
        return [segment]

    def next_confident(self, document: str | int | None = None, *, after: int = -1,
                       kind: SegmentKind = SegmentKind.SENTENCE, min_score: float = CONFIDENT,
                       top: int = 5) -> PassageSuggestions | None:
        """The first uncoded segment after offset ``after`` whose best suggestion reaches
        ``min_score``; without a document, searches documents in name order."""
        check_score(min_score, "--min-score")
        self.refresh()
        with self.store.unit_of_work() as uow:
            names = [find_document(uow, document).name] if document is not None else \
                [d.name for d in uow.documents.list()]
        for i, name in enumerate(names):
            for found in self.for_document(name, kind=kind, top=top, uncoded_only=True):
                if (i > 0 or found.start > after) and found.suggestions \
                        and found.suggestions[0].score >= min_score:
                    return found
        return None


    def next_uncertain(self, document: str | int | None = None, *,
                       kind: SegmentKind = SegmentKind.SENTENCE, top: int = 5,
                       pool: int = active.POOL) -> PassageSuggestions | None:
        """The uncoded segment whose coding would teach the model most (see :mod:`.active`):
        the least sure among those most like what is coded; in one document or all."""
        self.refresh()
        with self.store.unit_of_work() as uow:
            names = [find_document(uow, document).name] if document is not None else \
                [d.name for d in uow.documents.list()]
        found = [p for name in names for p in self.for_document(name, kind=kind, top=top, uncoded_only=True)]
        if not found:
            return None
        queries = self._vectors([p.text for p in found])
        pick = active.least_sure(queries, self.examples.vectors, self.model(queries), pool=pool)
        return found[int(pick[0])]


# --------------------------------------------------------------------- verdicts


def accept(store: Store, document: str | int, code: str, coder: str, span: Span, *,
           score: float | None = None, codebook: str | None = None) -> Coding:
    """Code the span as suggested (undoable like any coding) and record the verdict, at once."""
    check_score(score, "--score")
    with store.unit_of_work() as uow:
        made = coding_service.apply_in(uow, document, code, coder, span,
                                       origin=CodingOrigin.SUGGESTION_ACCEPTED, codebook=codebook)
        uow.embeddings.add_feedback(made.document_id, made.start, made.end, made.code_id,
                                    made.coder_id, "accepted", score)
    return made


def reject(store: Store, document: str | int, code: str, coder: str, span: Span, *,
           score: float | None = None, codebook: str | None = None) -> Feedback:
    """Record that ``code`` does not fit the span; it is not suggested there again."""
    check_score(score, "--score")
    with store.unit_of_work() as uow:
        doc = find_document(uow, document)
        target = resolve_code(uow, code, codebook)
        start, end = coding_service.resolve_span(uow, doc.id, len(uow.documents.text(doc.id)), span)
        coder_id = coding_service.coder_id_for(uow, coder)
        verdict = uow.embeddings.add_feedback(doc.id, start, end, target.id, coder_id, "rejected", score)
        uow.events.append("suggestion.rejected", {"feedback_id": verdict.id, "document_id": doc.id,
                                                  "code_id": target.id, "start": start, "end": end},
                          coder_id)
        return verdict


def feedback(store: Store) -> list[Feedback]:
    with store.unit_of_work() as uow:
        return uow.embeddings.feedback()
