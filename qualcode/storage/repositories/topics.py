"""Stored topic-model runs: their settings, topics and each segment's topic.

A run keeps what is needed to redo it (parameters, library versions, seed, embedding
model) and what it found. Topic number -1 holds the outliers, as BERTopic numbers them.
Deleting a run deletes its topics and assignments with it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import Session

from qualcode.storage.records import Assignment, NewTopic, Topic, TopicRun  # noqa: F401 (named by callers from here too)
from qualcode.storage.schema import (
    DocumentRow,
    SegmentRow,
    TopicAssignmentRow,
    TopicRow,
    TopicRunRow,
)

CHUNK = 500


def _run(row: TopicRunRow, segments: int = 0) -> TopicRun:
    return TopicRun(row.id, row.label, row.unit, dict(row.parameters or {}), dict(row.versions or {}),
                    row.seed, row.model_id, row.topic_count, row.created_at, segments)


def _topic(row: TopicRow) -> Topic:
    return Topic(row.id, row.run_id, row.number, row.label, row.size,
                 tuple((str(t), float(w)) for t, w in (row.terms or [])),
                 tuple(int(s) for s in (row.representatives or [])), row.candidate_code_id)


class TopicRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    # ----------------------------------------------------------------- runs

    def add_run(self, *, unit: str, parameters: dict, versions: dict, seed: int,
                model_id: int | None, label: str | None = None) -> TopicRun:
        row = TopicRunRow(unit=unit, parameters=parameters, versions=versions, seed=seed,
                          model_id=model_id, label=label, topic_count=0)
        self.session.add(row)
        self.session.flush()
        return _run(row)

    def add_topics(self, run_id: int, topics: Iterable[NewTopic]) -> None:
        rows = [{"run_id": run_id, "number": t.number, "size": t.size,
                 "terms": [[w, s] for w, s in t.terms], "representatives": list(t.representatives)}
                for t in topics]
        if rows:
            self.session.execute(insert(TopicRow), rows)
        count = sum(1 for r in rows if r["number"] != -1)
        self.session.execute(update(TopicRunRow).where(TopicRunRow.id == run_id).values(topic_count=count))

    def add_assignments(self, run_id: int, items: Iterable[tuple[int, int, float | None]]) -> None:
        """(segment id, topic number, probability) for every segment of the run."""
        rows = [{"run_id": run_id, "segment_id": s, "topic_number": t, "probability": p}
                for s, t, p in items]
        for i in range(0, len(rows), CHUNK):
            self.session.execute(insert(TopicAssignmentRow), rows[i:i + CHUNK])

    def run(self, run_id: int) -> TopicRun | None:
        row = self.session.get(TopicRunRow, run_id)
        if row is None:
            return None
        return _run(row, self.segment_count(run_id))

    def runs(self) -> list[TopicRun]:
        counts = dict(self.session.execute(
            select(TopicAssignmentRow.run_id, func.count()).group_by(TopicAssignmentRow.run_id)).all())
        return [_run(r, counts.get(r.id, 0))
                for r in self.session.scalars(select(TopicRunRow).order_by(TopicRunRow.id))]

    def segment_count(self, run_id: int) -> int:
        return int(self.session.scalar(select(func.count()).select_from(TopicAssignmentRow)
                                       .where(TopicAssignmentRow.run_id == run_id)) or 0)

    def set_run_label(self, run_id: int, label: str | None) -> None:
        self.session.execute(update(TopicRunRow).where(TopicRunRow.id == run_id).values(label=label))

    def delete_run(self, run_id: int) -> None:
        # Explicit deletes: SQLite enforces ON DELETE CASCADE only with foreign keys on,
        # and the order keeps every backend happy.
        self.session.execute(delete(TopicAssignmentRow).where(TopicAssignmentRow.run_id == run_id))
        self.session.execute(delete(TopicRow).where(TopicRow.run_id == run_id))
        self.session.execute(delete(TopicRunRow).where(TopicRunRow.id == run_id))

    # ----------------------------------------------------------------- topics

    def topics(self, run_id: int) -> list[Topic]:
        return [_topic(r) for r in self.session.scalars(
            select(TopicRow).where(TopicRow.run_id == run_id).order_by(TopicRow.number))]

    def topic(self, run_id: int, number: int) -> Topic | None:
        row = self.session.scalars(select(TopicRow).where(
            TopicRow.run_id == run_id, TopicRow.number == number)).first()
        return _topic(row) if row else None

    def set_topic_label(self, run_id: int, number: int, label: str | None) -> None:
        self.session.execute(update(TopicRow).where(TopicRow.run_id == run_id, TopicRow.number == number)
                             .values(label=label))

    def set_candidate_code(self, run_id: int, number: int, code_id: int | None) -> None:
        self.session.execute(update(TopicRow).where(TopicRow.run_id == run_id, TopicRow.number == number)
                             .values(candidate_code_id=code_id))

    def candidates(self, code_id: int | None = None) -> list[Topic]:
        """Topics that stand for a candidate code (of one code, or of any)."""
        query = select(TopicRow).where(TopicRow.candidate_code_id.is_not(None))
        if code_id is not None:
            query = query.where(TopicRow.candidate_code_id == code_id)
        return [_topic(r) for r in self.session.scalars(query.order_by(TopicRow.run_id, TopicRow.number))]

    # ----------------------------------------------------------------- assignments

    def assignments(self, run_id: int, number: int | None = None, *,
                    document_ids: Sequence[int] | None = None) -> list[Assignment]:
        """The run's segments (of one topic), in reading order."""
        query = (select(TopicAssignmentRow.segment_id, TopicAssignmentRow.topic_number,
                        TopicAssignmentRow.probability, SegmentRow.document_id, SegmentRow.start,
                        SegmentRow.end, SegmentRow.turn_id)
                 .join(SegmentRow, SegmentRow.id == TopicAssignmentRow.segment_id)
                 .where(TopicAssignmentRow.run_id == run_id))
        if number is not None:
            query = query.where(TopicAssignmentRow.topic_number == number)
        if document_ids is not None:
            query = query.where(SegmentRow.document_id.in_(list(document_ids)))
        query = query.order_by(SegmentRow.document_id, SegmentRow.start, SegmentRow.id)
        return [Assignment(*r) for r in self.session.execute(query)]

    def passages_text(self, items: Sequence[Assignment]) -> list[str]:
        """The text of each assignment's segment, in the order given."""
        ids = sorted({a.document_id for a in items})
        texts: dict[int, str] = {}
        for i in range(0, len(ids), CHUNK):
            texts.update(self.session.execute(select(DocumentRow.id, DocumentRow.text)
                                              .where(DocumentRow.id.in_(ids[i:i + CHUNK]))).all())
        return [texts[a.document_id][a.start:a.end] for a in items]
