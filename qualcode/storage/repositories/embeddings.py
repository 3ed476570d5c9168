"""Cached embedding vectors and suggestion feedback.

A vector is stored once per (model, SHA-256 of the text) as raw float32 bytes. A model
is a (name, version) pair: registering a new version of a name deletes the old
version's vectors, so a changed model never serves stale vectors.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from qualcode.storage.records import Feedback  # noqa: F401 (named by callers from here too)
from qualcode.storage.schema import (
    CodingRow,
    EmbeddingModelRow,
    EmbeddingRow,
    EventRow,
    SuggestionFeedbackRow,
)

CHUNK = 500  # stays below SQLite's limit on bound parameters


@dataclass(frozen=True)
class StoredModel:
    id: int
    name: str
    version: str
    dimension: int
    created_at: datetime
    vectors: int = 0


def _model(row: EmbeddingModelRow, vectors: int = 0) -> StoredModel:
    return StoredModel(row.id, row.name, row.version, row.dimension, row.created_at, vectors)


class EmbeddingRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    # ----------------------------------------------------------------- models

    def model(self, name: str, version: str, dimension: int) -> StoredModel:
        """The stored model of this name and version, registered (and older versions
        of the same name dropped with their vectors) if it is new."""
        row = self.session.scalars(select(EmbeddingModelRow).where(
            EmbeddingModelRow.name == name, EmbeddingModelRow.version == version)).first()
        if row is not None:
            return _model(row)
        stale = list(self.session.scalars(select(EmbeddingModelRow.id).where(EmbeddingModelRow.name == name)))
        if stale:
            self.session.execute(delete(EmbeddingRow).where(EmbeddingRow.model_id.in_(stale)))
            self.session.execute(delete(EmbeddingModelRow).where(EmbeddingModelRow.id.in_(stale)))
        row = EmbeddingModelRow(name=name, version=version, dimension=dimension)
        self.session.add(row)
        self.session.flush()
        return _model(row)

    def find_model(self, name: str, version: str) -> StoredModel | None:
        row = self.session.scalars(select(EmbeddingModelRow).where(
            EmbeddingModelRow.name == name, EmbeddingModelRow.version == version)).first()
        return _model(row) if row else None

    def models(self) -> list[StoredModel]:
        counts = dict(self.session.execute(
            select(EmbeddingRow.model_id, func.count()).group_by(EmbeddingRow.model_id)).all())
        return [_model(r, counts.get(r.id, 0))
                for r in self.session.scalars(select(EmbeddingModelRow).order_by(EmbeddingModelRow.id))]

    # ----------------------------------------------------------------- vectors

    def vectors(self, model_id: int, hashes: Iterable[str]) -> dict[str, bytes]:
        """The stored vectors among ``hashes``, as raw float32 bytes."""
        wanted = list(dict.fromkeys(hashes))
        found: dict[str, bytes] = {}
        for i in range(0, len(wanted), CHUNK):
            rows = self.session.execute(
                select(EmbeddingRow.text_hash, EmbeddingRow.vector).where(
                    EmbeddingRow.model_id == model_id, EmbeddingRow.text_hash.in_(wanted[i:i + CHUNK])))
            found.update((h, bytes(v)) for h, v in rows)
        return found

    def add_vectors(self, model_id: int, items: dict[str, bytes]) -> None:
        rows = [{"model_id": model_id, "text_hash": h, "vector": v} for h, v in items.items()]
        for i in range(0, len(rows), CHUNK):
            self.session.execute(insert(EmbeddingRow), rows[i:i + CHUNK])

    def count(self, model_id: int) -> int:
        return int(self.session.scalar(
            select(func.count()).select_from(EmbeddingRow).where(EmbeddingRow.model_id == model_id)) or 0)

    # ----------------------------------------------------------------- feedback

    def add_feedback(self, document_id: int, start: int, end: int, code_id: int,
                     coder_id: int | None, verdict: str, score: float | None) -> Feedback:
        row = SuggestionFeedbackRow(document_id=document_id, start=start, end=end, code_id=code_id,
                                    coder_id=coder_id, verdict=verdict, score=score)
        self.session.add(row)
        self.session.flush()
        return _feedback(row)

    def feedback(self, *, verdict: str | None = None,
                 document_ids: Sequence[int] | None = None) -> list[Feedback]:
        query = select(SuggestionFeedbackRow)
        if verdict is not None:
            query = query.where(SuggestionFeedbackRow.verdict == verdict)
        if document_ids is not None:
            query = query.where(SuggestionFeedbackRow.document_id.in_(list(document_ids)))
        return [_feedback(r) for r in self.session.scalars(query.order_by(SuggestionFeedbackRow.id))]

    def change_mark(self) -> tuple[int, int, int]:
        """(last event id, codings, feedback): changes whenever codes, codings or verdicts do,
        so a prepared suggester can tell cheaply whether to reload."""
        row = self.session.execute(select(
            select(func.max(EventRow.id)).scalar_subquery(),
            select(func.count()).select_from(CodingRow).scalar_subquery(),
            select(func.count()).select_from(SuggestionFeedbackRow).scalar_subquery())).one()
        return int(row[0] or 0), int(row[1] or 0), int(row[2] or 0)

    def feedback_count(self) -> int:
        return int(self.session.scalar(select(func.count()).select_from(SuggestionFeedbackRow)) or 0)


def _feedback(row: SuggestionFeedbackRow) -> Feedback:
    return Feedback(row.id, row.document_id, row.start, row.end, row.code_id, row.coder_id,
                    row.verdict, row.score, row.at)
