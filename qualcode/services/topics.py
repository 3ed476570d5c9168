"""Topic models of a project: fit and store runs, read them back, and set them beside
the speakers' attributes and the codebook.

Each public function is one user action. A topics screen calls :func:`list_runs`, then
:func:`run_topics` for a run and :func:`topic_passages` for a chosen topic; the actor and
codebook views are :func:`topics_by` and :func:`topics_vs_codes`. Fitting computes the
vectors the embedding cache lacks first, with progress (as ``qualcode embed`` would), and
keeps them; a run never silently mixes embedders. Topics never code anything: a topic linked
to a code (:func:`make_candidate`) only offers its passages as suggestions.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from qualcode.analysis import topics as fitting
from qualcode.analysis.embeddings import Embedder, FusionEmbedder, text_hash
from qualcode.core.defaults import BLIND_SPOT
from qualcode.core.model import SegmentKind, SegmentText
from qualcode.errors import AnalysisError, NotFoundError
from qualcode.services import embedding_cache
from qualcode.services.codebook import get_codebook, resolve_code
from qualcode.services.compare import check_alpha, natural_key
from qualcode.services.corpus import check_attribute_filter
from qualcode.services.lemmas import project_lexicon, topic_tokenizer
from qualcode.storage.records import Assignment, CodingFilter, NewTopic, Topic, TopicRun
from qualcode.storage.store import Store

Progress = Callable[[int, int, str], None]
UNITS = ("sentence", "turn")
MISSING = "(none)"


SegmentRecord = SegmentText  # the same record under the name this module's callers know


@dataclass(frozen=True)
class RunView:
    run: TopicRun
    topics: tuple[Topic, ...]


@dataclass(frozen=True)
class TopicPassage(SegmentText):
    """A passage of a topic, with how surely it belongs there; ``representative`` marks
    the passages the fit chose to show the topic."""

    topic_number: int
    probability: float | None
    representative: bool = False


@dataclass(frozen=True)
class TopicMatrix:
    """Segments per topic (rows) and group (columns), with the comparison statistics."""

    run_id: int
    by: str
    topics: tuple[Topic, ...]
    columns: tuple[str, ...]
    values: tuple[tuple[int, ...], ...]
    stats: Any = None  # qualcode.analysis.compare.MatrixStats, when the test could run
    stats_note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "run": self.run_id, "by": self.by, "columns": list(self.columns),
            "rows": [{"topic": t.number, "name": t.name(), "values": list(v)}
                     for t, v in zip(self.topics, self.values, strict=True)],
            "statistics": None, "statistics_note": self.stats_note}
        if self.stats is not None:
            s = self.stats
            out["statistics"] = {
                "chi2": s.chi2, "dof": s.dof, "p_value": s.p_value, "cramers_v": s.cramers_v, "n": s.n,
                "adjusted_residuals": [[None if x != x else round(x, 4) for x in row] for row in s.residuals],
                "warnings": list(s.warnings)}
        return out


@dataclass(frozen=True)
class CodeShare:
    code_id: int
    code_key: str
    code_label: str
    passages: int
    share: float


@dataclass(frozen=True)
class TopicCoding:
    """How much of one topic the codebook already covers."""

    topic: Topic
    size: int
    coded: int
    codes: tuple[CodeShare, ...]  # most shared first

    @property
    def uncoded_share(self) -> float:
        return 1.0 - self.coded / self.size if self.size else 0.0


@dataclass(frozen=True)
class CodebookView:
    run_id: int
    codebook: str
    topics: tuple[TopicCoding, ...]
    threshold: float = BLIND_SPOT

    @property
    def blind_spots(self) -> tuple[TopicCoding, ...]:
        return tuple(t for t in self.topics
                     if t.topic.number != -1 and t.uncoded_share > self.threshold)


@dataclass(frozen=True)
class RunComparison:
    """How two runs' topics overlap: shared segments per topic pair, and the agreement."""

    first: RunView
    second: RunView
    overlap: tuple[tuple[int, ...], ...]  # first's topics x second's topics
    shared_segments: int
    adjusted_rand: float
    identical: bool


# ------------------------------------------------------------------ helpers


def segment_kind_of(unit: str) -> SegmentKind:
    if unit not in UNITS:
        raise AnalysisError(f"Unknown unit '{unit}' for topics.", "Use sentence or turn.")
    return SegmentKind(unit)


def _matches(attributes: dict[str, str], wanted: dict[str, list[str]]) -> bool:
    return all(attributes.get(k) in values for k, values in wanted.items())


def segment_records(uow, kind: SegmentKind, *, attributes: dict[str, list[str]] | None = None,  # type: ignore[no-untyped-def]
                    exclude: dict[str, list[str]] | None = None) -> list[SegmentRecord]:
    """The segments of ``kind`` in reading order, attributed like codings are: the
    speaker's attribute where the speaker has one, else the document's."""
    speakers = {s.id: s for s in uow.documents.all_speakers()}
    doc_attrs = uow.documents.all_attributes()
    names = {d.id: d.name for d in uow.documents.list()}
    turn_speaker: dict[int, int | None] = {}
    records: list[SegmentRecord] = []
    current, body = None, ""
    for seg in uow.documents.segments(None, kind):
        if seg.document_id != current:
            current, body = seg.document_id, uow.documents.text(seg.document_id)
            turn_speaker.update({t.id: t.speaker_id for t in uow.documents.turns(seg.document_id)})
        speaker = speakers.get(turn_speaker.get(seg.turn_id)) if seg.turn_id is not None else None
        attrs = dict(doc_attrs.get(seg.document_id, {}))
        if speaker is not None:
            attrs.update(speaker.attributes)
        if attributes and not _matches(attrs, attributes):
            continue
        if exclude and any(attrs.get(k) in v for k, v in exclude.items()):
            continue
        text = body[seg.start:seg.end]
        if not text.strip():
            continue
        records.append(SegmentRecord(seg.id, seg.document_id, names.get(seg.document_id, ""),
                                     seg.start, seg.end, text, speaker.label if speaker else None, attrs))
    return records


def cached_vectors(store: Store, embedder: Embedder, texts: Sequence[str], unit: str = "sentence"
                   ) -> tuple[np.ndarray, int | None]:
    """The cached rows for ``texts`` (and the stored model's id), never computing any."""
    if isinstance(embedder, FusionEmbedder):
        first, _ = cached_vectors(store, embedder.parts[0], texts, unit)
        second, _ = cached_vectors(store, embedder.parts[1], texts, unit)
        return embedder.combine(first, second), None
    hashes = [text_hash(t) for t in texts]
    with store.unit_of_work() as uow:
        model = uow.embeddings.find_model(*embedder.identity())
        found = uow.embeddings.vectors(model.id, hashes) if model else {}
    missing = len({h for h in hashes if h not in found})
    if model is None or missing:
        kind = "" if unit == "sentence" else f" --kind {unit}"
        total = len(set(hashes))
        raise AnalysisError(
            f"No cached embeddings with '{embedder.name}' for {missing or total} of the {total} "
            f"{unit} texts; topics are fitted on cached vectors only.",
            f"Compute them once with 'qualcode embed --embedder {embedder.name}{kind}', then fit again.")
    matrix = np.frombuffer(b"".join(found[h] for h in hashes), dtype=np.float32)
    return matrix.reshape(len(hashes), model.dimension), model.id


def data_digest(records: Sequence[SegmentRecord]) -> str:
    digest = hashlib.sha256()
    for r in records:
        digest.update(f"{r.segment_id}:{text_hash(r.text)}\n".encode())
    return digest.hexdigest()[:16]


def run_or_fail(uow, run_id: int) -> TopicRun:  # type: ignore[no-untyped-def]
    run = uow.topics.run(run_id)
    if run is None:
        known = ", ".join(str(r.id) for r in uow.topics.runs()) or "none yet"
        raise NotFoundError(f"No topic run {run_id} in this project (runs: {known}).",
                            "See the runs with 'qualcode topics list'.")
    return run


def _topic_or_fail(uow, run_id: int, number: int) -> Topic:  # type: ignore[no-untyped-def]
    topic = uow.topics.topic(run_id, number)
    if topic is None:
        numbers = ", ".join(str(t.number) for t in uow.topics.topics(run_id))
        raise NotFoundError(f"Run {run_id} has no topic {number} (topics: {numbers}).",
                            f"See them with 'qualcode topics show {run_id}'.")
    return topic


# ------------------------------------------------------------------ fitting


@dataclass(frozen=True)
class Prepared:
    """Everything a fit reads from the project: segments, vectors and embedder identity."""

    unit: str
    records: tuple[SegmentRecord, ...]
    vectors: np.ndarray
    embedder: str
    model_id: int | None
    identity: tuple[str, str]


def prepare(store: Store, *, unit: str = "sentence", embedder: str | Embedder | None = None,
            attributes: dict[str, list[str]] | None = None,
            exclude: dict[str, list[str]] | None = None, embed_missing: bool = True,
            progress: Progress | None = None, cancel: threading.Event | None = None) -> Prepared:
    """Segments and their vectors, ready for :func:`fit_topics` (or a benchmark).

    Vectors missing from the cache are computed first (``embed_missing``), batch by batch
    with ``progress``, and kept: a fresh project fits at once instead of failing with an
    instruction to run ``qualcode embed``.
    """
    kind = segment_kind_of(unit)
    with store.unit_of_work() as uow:
        check_attribute_filter(uow, attributes)
        check_attribute_filter(uow, exclude, option="--exclude")
        records = segment_records(uow, kind, attributes=attributes, exclude=exclude)
    if not records:
        raise AnalysisError(f"The project has no {unit} segments to fit topics on"
                            + (" with these filters." if attributes or exclude else "."),
                            "Import documents with 'qualcode import', or loosen --attr/--exclude.")
    chosen = embedding_cache.resolve(store, embedder)
    texts = [r.text for r in records]
    if embed_missing:
        def embedding(done: int, total: int, name: str) -> None:
            if progress is not None:
                progress(done, total, f"embedding with {name}")

        embedding_cache.vectors(store, chosen, texts, progress=embedding, cancel=cancel)
    matrix, model_id = cached_vectors(store, chosen, texts, unit)
    return Prepared(unit, tuple(records), matrix, chosen.name, model_id, chosen.identity())


def fit_topics(store: Store, settings: fitting.TopicSettings, *, unit: str = "sentence",
               embedder: str | Embedder | None = None, label: str | None = None,
               attributes: dict[str, list[str]] | None = None,
               exclude: dict[str, list[str]] | None = None,
               progress: Progress | None = None, cancel: threading.Event | None = None) -> RunView:
    """Fit a topic model on the project's segments and store the run."""
    try:
        fitting.check_settings(settings)
    except fitting.TopicFitError as exc:
        raise AnalysisError(str(exc), "See 'qualcode topics fit --help' for the choices.") from exc
    data = prepare(store, unit=unit, embedder=embedder, attributes=attributes, exclude=exclude,
                   progress=progress, cancel=cancel)
    try:
        texts = [r.text for r in data.records]
        result = fitting.fit(texts, data.vectors, settings, progress=progress, cancel=cancel,
                             tokenizer=topic_tokenizer(project_lexicon(store), settings.language, texts))
    except fitting.TopicFitError as exc:
        raise AnalysisError(f"{exc} ({len(data.records)} {unit} segments in the project"
                            + (" after filtering" if attributes or exclude else "") + ")",
                            "Lower --min-size or --topics, use --unit sentence, or import more text.") from exc
    return _store_fit(store, data, result, label, attributes, exclude)


def _store_fit(store: Store, data: Prepared, result: fitting.TopicFit, label: str | None,
               attributes: dict[str, list[str]] | None,
               exclude: dict[str, list[str]] | None) -> RunView:
    ids = [r.segment_id for r in data.records]
    parameters = {**result.settings.as_dict(), "unit": data.unit, "embedder": data.embedder,
                  "embedding_model": list(data.identity), "segments": len(ids),
                  "data_digest": data_digest(data.records), "attributes": attributes or {},
                  "exclude": exclude or {}}
    with store.unit_of_work() as uow:
        run = uow.topics.add_run(unit=data.unit, parameters=parameters, versions=result.versions,
                                 seed=result.settings.seed, model_id=data.model_id, label=label)
        uow.topics.add_topics(run.id, [
            NewTopic(t.number, t.size, t.terms, [ids[i] for i in t.representatives])
            for t in result.topics])
        uow.topics.add_assignments(run.id, zip(ids, result.assignments, result.probabilities, strict=True))
        uow.flush()
        return RunView(run_or_fail(uow, run.id), tuple(uow.topics.topics(run.id)))


# ------------------------------------------------------------------ reading runs


def list_runs(store: Store) -> list[TopicRun]:
    with store.unit_of_work() as uow:
        return uow.topics.runs()


def run_topics(store: Store, run_id: int) -> RunView:
    """A run and its topics (number -1, the outliers, first when there are any)."""
    with store.unit_of_work() as uow:
        return RunView(run_or_fail(uow, run_id), tuple(uow.topics.topics(run_id)))


def topic_passages(store: Store, run_id: int, number: int, *, limit: int | None = 50,
                   offset: int = 0, representatives_first: bool = True) -> list[TopicPassage]:
    """The passages of one topic: its representative passages first, then the others in
    reading order."""
    with store.unit_of_work() as uow:
        run_or_fail(uow, run_id)
        topic = _topic_or_fail(uow, run_id, number)
        items = uow.topics.assignments(run_id, number)
        if representatives_first:
            rank = {s: i for i, s in enumerate(topic.representatives)}
            items.sort(key=lambda a: (rank.get(a.segment_id, len(rank)),))
        end = None if limit is None else offset + limit
        items = items[offset:end]
        return passages_of(uow, items, set(topic.representatives))


def passages_of(uow, items: list[Assignment], representative: set[int]) -> list[TopicPassage]:  # type: ignore[no-untyped-def]
    texts = uow.topics.passages_text(items)
    names = {d.id: d.name for d in uow.documents.list()}
    speakers = {s.id: s for s in uow.documents.all_speakers()}
    doc_attrs = uow.documents.all_attributes()
    turns: dict[int, int | None] = {}
    for doc_id in {a.document_id for a in items}:
        turns.update({t.id: t.speaker_id for t in uow.documents.turns(doc_id)})
    out = []
    for a, text in zip(items, texts, strict=True):
        speaker = speakers.get(turns.get(a.turn_id)) if a.turn_id is not None else None
        attrs = dict(doc_attrs.get(a.document_id, {}))
        if speaker is not None:
            attrs.update(speaker.attributes)
        out.append(TopicPassage(a.segment_id, a.document_id, names.get(a.document_id, ""), a.start, a.end, text,
                                speaker.label if speaker else None, attrs, topic_number=a.topic_number,
                                probability=a.probability, representative=a.segment_id in representative))
    return out


# ------------------------------------------------------------------ managing runs


def label_run(store: Store, run_id: int, label: str | None, *, topic: int | None = None) -> RunView:
    """Name a run, or (with ``topic``) one of its topics; an empty label clears it."""
    with store.unit_of_work() as uow:
        run_or_fail(uow, run_id)
        clean = (label or "").strip() or None
        if topic is None:
            uow.topics.set_run_label(run_id, clean)
        else:
            _topic_or_fail(uow, run_id, topic)
            uow.topics.set_topic_label(run_id, topic, clean)
        uow.flush()
        return RunView(run_or_fail(uow, run_id), tuple(uow.topics.topics(run_id)))


def delete_run(store: Store, run_id: int) -> TopicRun:
    with store.unit_of_work() as uow:
        run = run_or_fail(uow, run_id)
        uow.topics.delete_run(run_id)
        return run


def compare_runs(store: Store, first: int, second: int) -> RunComparison:
    """Topic-by-topic overlap of two runs on the segments they share, and the adjusted
    Rand index of their partitions (1: the same topics; about 0: unrelated)."""
    from sklearn.metrics import adjusted_rand_score

    with store.unit_of_work() as uow:
        views = [RunView(run_or_fail(uow, r), tuple(uow.topics.topics(r))) for r in (first, second)]
        maps = [{a.segment_id: a.topic_number for a in uow.topics.assignments(r)} for r in (first, second)]
    shared = sorted(set(maps[0]) & set(maps[1]))
    rows = {t.number: i for i, t in enumerate(views[0].topics)}
    cols = {t.number: j for j, t in enumerate(views[1].topics)}
    table = np.zeros((len(rows), len(cols)), dtype=int)
    for s in shared:
        table[rows[maps[0][s]], cols[maps[1][s]]] += 1
    a = [maps[0][s] for s in shared]
    b = [maps[1][s] for s in shared]
    ari = float(adjusted_rand_score(a, b)) if shared else 0.0
    same_terms = [(t.number, t.terms) for t in views[0].topics] == [(t.number, t.terms) for t in views[1].topics]
    identical = bool(shared) and a == b and same_terms and len(shared) == len(maps[0]) == len(maps[1])
    return RunComparison(views[0], views[1], tuple(tuple(int(x) for x in r) for r in table),
                         len(shared), ari, identical)


# ------------------------------------------------------------------ topics across actors


def topics_by(store: Store, run_id: int, by: str, *, include_outliers: bool = False,
              include_missing: bool = False, alpha: float = 0.05) -> TopicMatrix:
    """Segments per topic and attribute value (or document, or speaker), with the
    chi-square test and adjusted residuals of the comparison matrices."""
    from qualcode.analysis import compare as stats

    check_alpha(alpha)
    with store.unit_of_work() as uow:
        run = run_or_fail(uow, run_id)
        topics = [t for t in uow.topics.topics(run_id) if include_outliers or t.number != -1]
        keys = uow.matrix.attribute_keys()
        if by not in ("document", "speaker") and by not in keys[0] | keys[1]:
            known = ", ".join(sorted(keys[0] | keys[1] | {"document", "speaker"}))
            raise NotFoundError(f"No attribute '{by}' in this project (known: {known}).",
                                "Choose an attribute key with --by, e.g. --by level.")
        items = uow.topics.assignments(run_id)
        passages = passages_of(uow, items, set())
    del run
    rows = {t.number: i for i, t in enumerate(topics)}
    counts: dict[str, list[int]] = {}
    for p in passages:
        if p.topic_number not in rows:
            continue
        if by == "document":
            group = p.document_name
        elif by == "speaker":
            group = p.speaker or MISSING
        else:
            group = p.attributes.get(by, MISSING)
        if group == MISSING and not include_missing:
            continue
        counts.setdefault(group, [0] * len(rows))[rows[p.topic_number]] += 1
    columns = tuple(sorted(counts, key=natural_key))
    values = tuple(tuple(counts[c][i] for c in columns) for i in range(len(rows)))
    result, note = None, None
    try:
        result = stats.chi_square(np.array(values, dtype=float).reshape(len(rows), len(columns)), alpha=alpha)
    except ValueError as exc:
        note = f"No chi-square test: {exc}."
    return TopicMatrix(run_id, by, tuple(topics), columns, values, result, note)


# ------------------------------------------------------------------ topics and the codebook


def topics_vs_codes(store: Store, run_id: int, *, codebook: str | Sequence[str] | None = None,
                    coders: Sequence[str] = (), threshold: float = BLIND_SPOT) -> CodebookView:
    """For each topic, the share of its passages that carry each code (any overlap counts),
    and which topics are mostly uncoded.

    Coverage counts the codes of every codebook unless ``codebook`` names one or more:
    a passage coded with a routines code is not a blind spot of the coupling codebook's
    topics. The view's ``codebook`` says which were counted.
    """
    if not 0 <= threshold <= 1:  # a share: above 1 (or nan) no topic could ever be a blind spot
        raise AnalysisError(f"--threshold {threshold} is not a share between 0 and 1.",
                            f"Write e.g. --threshold {BLIND_SPOT}.")
    with store.unit_of_work() as uow:
        run_or_fail(uow, run_id)
        if codebook is None:
            books = list(uow.codebooks.list())
            if not books:
                get_codebook(uow, None)  # raises the "no codebook loaded" error
        else:
            books = [get_codebook(uow, slug) for slug in ([codebook] if isinstance(codebook, str) else codebook)]
        codes = {c.id: c for book in books for c in uow.codebooks.codes(book.id, include_inactive=True)}
        coder_ids = None
        if coders:
            coder_ids = []
            for name in coders:
                found = uow.coders.find(name)
                if found is None:
                    raise NotFoundError(f"No coder '{name}' in this project.", "Check the spelling of --coder.")
                coder_ids.append(found.id)
        codings = uow.codings.list(CodingFilter(code_ids=list(codes), coder_ids=coder_ids), limit=None)
        topics = uow.topics.topics(run_id)
        items = uow.topics.assignments(run_id)
    by_doc: dict[int, list[tuple[int, int, int]]] = {}
    for c in codings:
        by_doc.setdefault(c.document_id, []).append((c.start, c.end, c.code_id))
    per_topic: dict[int, dict[int, int]] = {t.number: {} for t in topics}
    coded: dict[int, int] = {t.number: 0 for t in topics}
    for a in items:
        found = {code for s, e, code in by_doc.get(a.document_id, ()) if s < a.end and a.start < e}
        if found:
            coded[a.topic_number] = coded.get(a.topic_number, 0) + 1
        for code in found:
            per_topic.setdefault(a.topic_number, {})[code] = per_topic[a.topic_number].get(code, 0) + 1
    view = []
    for t in topics:
        shares = sorted(((n, cid) for cid, n in per_topic.get(t.number, {}).items()),
                        key=lambda x: (-x[0], codes[x[1]].key))
        view.append(TopicCoding(t, t.size, coded.get(t.number, 0), tuple(
            CodeShare(cid, codes[cid].key, codes[cid].label_en, n, n / t.size if t.size else 0.0)
            for n, cid in shares)))
    slugs = ", ".join(b.slug for b in books)
    counted = f"all codebooks ({slugs})" if codebook is None and len(books) > 1 else slugs
    return CodebookView(run_id, counted, tuple(view), threshold)


def make_candidate(store: Store, run_id: int, number: int, code: str | None, *,
                   codebook: str | None = None) -> Topic:
    """Link a topic to a code as a candidate for it (``None`` unlinks). Nothing is coded:
    the topic's passages become suggestions for the code (see :func:`candidate_suggestions`)."""
    with store.unit_of_work() as uow:
        run_or_fail(uow, run_id)
        _topic_or_fail(uow, run_id, number)
        if number == -1:
            raise AnalysisError("The outliers (topic -1) share no theme and cannot stand for a code.",
                                "Choose a numbered topic.")
        code_id = resolve_code(uow, code, codebook).id if code else None
        uow.topics.set_candidate_code(run_id, number, code_id)
        uow.flush()
        return _topic_or_fail(uow, run_id, number)


def candidate_suggestions(store: Store, code: str, *, codebook: str | None = None,
                          limit: int | None = 100) -> list[TopicPassage]:
    """Passages of the topics linked to ``code`` that do not carry it yet, most probable
    first: suggestions for a coder to accept or reject, never codings."""
    with store.unit_of_work() as uow:
        target = resolve_code(uow, code, codebook)
        items: list[Assignment] = []
        for topic in uow.topics.candidates(target.id):
            items.extend(uow.topics.assignments(topic.run_id, topic.number))
        spans: dict[int, list[tuple[int, int]]] = {}
        for c in uow.codings.list(CodingFilter(code_ids=[target.id]), limit=None):
            spans.setdefault(c.document_id, []).append((c.start, c.end))
        seen: set[int] = set()
        fresh = []
        for a in items:
            if a.segment_id in seen or any(s < a.end and a.start < e for s, e in spans.get(a.document_id, ())):
                continue
            seen.add(a.segment_id)
            fresh.append(a)
        fresh.sort(key=lambda a: (-(a.probability if a.probability is not None else 0.0),
                                  a.document_id, a.start))
        return passages_of(uow, fresh[:limit] if limit is not None else fresh, set())
