"""Which embedder a project uses, and its vectors, computed once and kept in the project.

Vectors are looked up by (model name, model version, SHA-256 of the text); only the
missing ones are embedded, in batches, each batch committed on its own so a cancelled
or interrupted run keeps what it computed. A model whose version changed is registered
anew and its old vectors are dropped (see the embeddings repository).
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from qualcode.analysis.embeddings import (
    Embedder,
    FusionEmbedder,
    ModelInfo,
    default_name,
    make_embedder,
    text_hash,
)
from qualcode.analysis.suggest import description_texts
from qualcode.core.model import SegmentKind
from qualcode.errors import AnalysisError
from qualcode.storage.records import CodingFilter
from qualcode.storage.store import Store

Progress = Callable[[int, int, str], None]
SETTING = "suggestions.embedder"
BATCH = 256


@dataclass(frozen=True)
class EmbedReport:
    """What ``qualcode embed`` did: which model, how many texts, how many were new."""

    embedder: str
    model: ModelInfo | None
    texts: int
    computed: int
    reused: int


def project_language(store: Store) -> str:
    """The language most of the project's documents are in ('en' when there are none)."""
    with store.unit_of_work() as uow:
        languages = Counter(d.language for d in uow.documents.list())
    return languages.most_common(1)[0][0] if languages else "en"


def segment_texts(store: Store, kind: SegmentKind = SegmentKind.SENTENCE) -> list[str]:
    """Texts of every segment of ``kind``, in reading order: what a TF-IDF space is fitted on."""
    with store.unit_of_work() as uow:
        texts: list[str] = []
        current, body = None, ""
        for segment in uow.documents.segments(None, kind):
            if segment.document_id != current:
                current, body = segment.document_id, uow.documents.text(segment.document_id)
            texts.append(body[segment.start:segment.end])
        return texts


def fit_texts(store: Store) -> list[str]:
    """What a TF-IDF space is fitted on: every sentence and every code's description texts,
    so a word that only the codebook uses (a label, a term in a definition) has a weight."""
    with store.unit_of_work() as uow:
        codes = uow.codebooks.codes(None)
    return segment_texts(store) + [t for c in codes for _, t in description_texts(c)]


def chosen_name(store: Store, name: str | None = None) -> str:
    """--embedder, else the one recorded for the project, else the default for its language."""
    if name:
        return name
    with store.unit_of_work() as uow:
        recorded = uow.settings.get(SETTING)
    return recorded or default_name(project_language(store))


def resolve(store: Store, embedder: str | Embedder | None = None) -> Embedder:
    """An embedder object from a name (or the project's choice); objects pass through."""
    if embedder is not None and not isinstance(embedder, str):
        return embedder
    return make_embedder(chosen_name(store, embedder), lambda: fit_texts(store))


def remember(store: Store, name: str) -> None:
    with store.unit_of_work() as uow:
        uow.settings.set(SETTING, name)


def vectors(store: Store, embedder: Embedder, texts: Sequence[str], *,
            progress: Progress | None = None, cancel: threading.Event | None = None,
            counts: list[int] | None = None) -> np.ndarray:
    """One unit-length row per text, from the cache where possible.

    ``counts``, when given, receives [computed, reused] for the texts asked for.
    """
    if isinstance(embedder, FusionEmbedder):
        first = vectors(store, embedder.parts[0], texts, progress=progress, cancel=cancel, counts=counts)
        second = vectors(store, embedder.parts[1], texts, progress=progress, cancel=cancel)
        return embedder.combine(first, second)
    hashes = [text_hash(t) for t in texts]
    name, version = embedder.identity()
    with store.unit_of_work() as uow:
        model = uow.embeddings.find_model(name, version)
        found = uow.embeddings.vectors(model.id, hashes) if model else {}
    missing: dict[str, str] = {}
    for h, t in zip(hashes, texts, strict=True):
        if h not in found and h not in missing:
            missing[h] = t
    if counts is not None:
        counts[:] = [len(missing), len(set(hashes)) - len(missing)]
    if missing:
        info = embedder.info()
        if (info.name, info.version) != (name, version):
            raise AnalysisError(f"Embedder '{embedder.name}' names itself inconsistently.")
        with store.unit_of_work() as uow:
            model = uow.embeddings.model(info.name, info.version, info.dimension)
        todo = list(missing.items())
        for i in range(0, len(todo), BATCH):
            if cancel is not None and cancel.is_set():
                raise AnalysisError(f"Embedding cancelled after {i} of {len(todo)} texts; "
                                    "what was computed is kept.")
            batch = todo[i:i + BATCH]
            rows = embedder.embed([t for _, t in batch]).astype(np.float32, copy=False)
            if rows.shape != (len(batch), info.dimension):
                raise AnalysisError(f"Embedder '{embedder.name}' returned vectors of shape {rows.shape}, "
                                    f"expected ({len(batch)}, {info.dimension}).")
            new = {h: rows[j].tobytes() for j, (h, _) in enumerate(batch)}
            with store.unit_of_work() as uow:
                uow.embeddings.add_vectors(model.id, new)
            found.update(new)
            if progress is not None:
                progress(min(i + BATCH, len(todo)), len(todo), embedder.name)
    if model is None:  # nothing asked for and nothing stored
        return np.zeros((0, 0), dtype=np.float32)
    if not hashes:
        return np.zeros((0, model.dimension), dtype=np.float32)
    return np.frombuffer(b"".join(found[h] for h in hashes), dtype=np.float32).reshape(
        len(hashes), model.dimension)


def embed_project(store: Store, embedder: str | Embedder | None = None, *,
                  kinds: Sequence[SegmentKind] = (SegmentKind.SENTENCE,),
                  progress: Progress | None = None, cancel: threading.Event | None = None
                  ) -> EmbedReport:
    """Embed every segment of the given kinds (and every code description) once.

    Naming an embedder records it as the project's choice, once it has embedded (or found
    cached) every text: a model that fails to load must not become the project's, or every
    later suggestion and search by meaning fails on it too.
    """
    chosen = resolve(store, embedder)
    texts: list[str] = []
    for kind in kinds:
        texts.extend(segment_texts(store, kind))
    if not texts:
        raise AnalysisError("The project has no text to embed.", "Import documents first with 'qualcode import'.")
    with store.unit_of_work() as uow:
        texts.extend(t for code in uow.codebooks.codes() for _, t in description_texts(code))
        texts.extend(p.text for p in uow.codings.passages(CodingFilter(), limit=None, context=0))
        for f in uow.embeddings.feedback():
            texts.append(uow.documents.text(f.document_id)[f.start:f.end])
    counts = [0, 0]
    vectors(store, chosen, texts, progress=progress, cancel=cancel, counts=counts)
    if isinstance(embedder, str):
        remember(store, embedder)
    return EmbedReport(chosen.name, stored_info(store, chosen), len(set(texts)), counts[0], counts[1])


def stored_info(store: Store, embedder: Embedder) -> ModelInfo | None:
    """The model record of an embedder's cached vectors, without loading the model."""
    if isinstance(embedder, FusionEmbedder):
        parts = [stored_info(store, p) for p in embedder.parts]
        if parts[0] is None or parts[1] is None:
            return None
        name, version = embedder.identity()
        return ModelInfo(name, version, parts[0].dimension + parts[1].dimension)
    with store.unit_of_work() as uow:
        found = uow.embeddings.find_model(*embedder.identity())
    return ModelInfo(found.name, found.version, found.dimension) if found else None


def stored_models(store: Store) -> list:  # type: ignore[type-arg]
    with store.unit_of_work() as uow:
        return uow.embeddings.models()
