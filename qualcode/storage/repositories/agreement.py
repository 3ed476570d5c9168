"""Double-coding samples, and the rows an agreement run reads, fetched set-based.

The ``*_rows`` methods return integer arrays straight from one Core query each (no ORM
objects, no query per document): agreement over a large project reads hundreds of
thousands of sentences and codings, and building objects per row was most of its time.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from itertools import chain

import numpy as np
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from qualcode.core.agreement import SampleInfo
from qualcode.storage.schema import (
    CoderRow,
    CodingRow,
    DocumentRow,
    SampleCoderRow,
    SampleItemRow,
    SampleRow,
    SegmentRow,
    TurnRow,
)

# Above this many ids an IN list is left out and the caller's arrays are filtered instead
# (SQLite's parameter limit, and a long IN list is slower than reading a few more rows).
_IN_LIMIT = 500


class AgreementRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add_sample(self, name: str, unit: str, seed: int, stratify_by: str | None,
                   created_by: int | None, coder_ids: Sequence[int],
                   items: Sequence[tuple[int, int | None]]) -> SampleInfo:
        row = SampleRow(name=name, unit=unit, seed=seed, stratify_by=stratify_by, created_by=created_by)
        self.session.add(row)
        self.session.flush()
        self.session.add_all([SampleCoderRow(sample_id=row.id, coder_id=c) for c in dict.fromkeys(coder_ids)])
        self.session.add_all([SampleItemRow(sample_id=row.id, document_id=d, segment_id=s) for d, s in items])
        self.session.flush()
        info = self._info(row)
        assert info is not None
        return info

    def _info(self, row: SampleRow | None) -> SampleInfo | None:
        if row is None:
            return None
        coders = self.session.execute(
            select(CoderRow.name, SampleCoderRow.done_at)
            .join(SampleCoderRow, SampleCoderRow.coder_id == CoderRow.id)
            .where(SampleCoderRow.sample_id == row.id).order_by(CoderRow.name)).all()
        items = self.session.execute(
            select(SampleItemRow.document_id, SampleItemRow.segment_id)
            .where(SampleItemRow.sample_id == row.id).order_by(SampleItemRow.id)).all()
        documents = tuple(dict.fromkeys(d for d, _ in items))
        segments = tuple(s for _, s in items if s is not None)
        return SampleInfo(row.id, row.name, row.unit, row.seed, row.stratify_by, row.created_at,
                          tuple(n for n, _ in coders), tuple(n for n, done in coders if done is not None),
                          documents, segments)

    def get(self, name: str) -> SampleInfo | None:
        return self._info(self.session.scalars(select(SampleRow).where(SampleRow.name == name)).first())

    def get_by_id(self, sample_id: int) -> SampleInfo | None:
        return self._info(self.session.get(SampleRow, sample_id))

    def list(self) -> list[SampleInfo]:
        rows = self.session.scalars(select(SampleRow).order_by(SampleRow.created_at, SampleRow.id)).all()
        return [info for info in (self._info(r) for r in rows) if info is not None]

    def set_done(self, sample_id: int, coder_id: int, done: bool = True) -> bool:
        """Mark (or unmark) a coder done; False when the coder is not in the sample."""
        result = self.session.execute(
            update(SampleCoderRow)
            .where(SampleCoderRow.sample_id == sample_id, SampleCoderRow.coder_id == coder_id)
            .values(done_at=datetime.now(UTC) if done else None))
        return bool(result.rowcount)

    def delete(self, sample_id: int) -> None:
        self.session.execute(delete(SampleRow).where(SampleRow.id == sample_id))

    def open_samples_for(self, coder_id: int) -> list[tuple[int, set[int], set[int]]]:
        """Samples the coder has not marked done: (sample id, document ids, other coder ids)."""
        mine = self.session.scalars(
            select(SampleCoderRow.sample_id)
            .where(SampleCoderRow.coder_id == coder_id, SampleCoderRow.done_at.is_(None))).all()
        result = []
        for sample_id in mine:
            docs = set(self.session.scalars(
                select(SampleItemRow.document_id).where(SampleItemRow.sample_id == sample_id)).all())
            others = set(self.session.scalars(
                select(SampleCoderRow.coder_id)
                .where(SampleCoderRow.sample_id == sample_id, SampleCoderRow.coder_id != coder_id)).all())
            result.append((sample_id, docs, others))
        return result

    # ------------------------------------------------------------ agreement rows

    def document_lengths(self, document_ids: Sequence[int]) -> dict[int, int]:
        """Length of each document's text in code points (SQL length() counts characters)."""
        query = select(DocumentRow.id, func.length(DocumentRow.text))
        if len(document_ids) <= _IN_LIMIT:
            query = query.where(DocumentRow.id.in_(document_ids))
        wanted = set(document_ids)
        return {i: int(n or 0) for i, n in self.session.execute(query) if i in wanted}

    def unit_rows(self, document_ids: Sequence[int], kind: str,
                  segment_ids: Sequence[int] | None = None) -> np.ndarray:
        """(document id, start, end) rows (n x 3) of every sentence (``kind`` "sentence") or
        turn ("turn") of the documents, or only of ``segment_ids`` (a segment sample)."""
        by_segment = kind != "turn" and segment_ids is not None
        if kind == "turn":
            query = select(TurnRow.document_id, TurnRow.start, TurnRow.end)
            column = TurnRow.document_id
        else:
            query = select(SegmentRow.document_id, SegmentRow.start, SegmentRow.end).where(
                SegmentRow.kind == kind)
            column = SegmentRow.document_id
            if by_segment:
                query = query.add_columns(SegmentRow.id)
                if len(segment_ids or ()) <= _IN_LIMIT:
                    query = query.where(SegmentRow.id.in_(segment_ids or ()))
        if len(document_ids) <= _IN_LIMIT:
            query = query.where(column.in_(document_ids))
        rows = _array(self._raw(query), 4 if by_segment else 3)
        keep = np.isin(rows[:, 0], np.asarray(document_ids, dtype=np.int64))
        if by_segment:
            keep &= np.isin(rows[:, 3], np.asarray(segment_ids, dtype=np.int64))
        return rows[keep, :3]

    def coding_rows(self, coder_ids: Sequence[int], document_ids: Sequence[int] | None = None,
                    code_ids: Sequence[int] | None = None) -> np.ndarray:
        """(document, code, coder, start, end, weight) rows (n x 6) of the coders' codings,
        of the codes in the documents (None: every code, every document); weight -1 where
        a coding has none."""
        query = select(CodingRow.document_id, CodingRow.code_id, CodingRow.coder_id, CodingRow.start,
                       CodingRow.end, func.coalesce(CodingRow.weight, -1)
                       # "+ 0" keeps the planner off the coder index: the coders compared
                       # usually made most of the codings, and one scan of the table beats a
                       # look-up of every row through the index (1.2 s against 3.4 s for 1M)
                       ).where((CodingRow.coder_id + 0).in_(coder_ids))
        if code_ids is not None and len(code_ids) <= _IN_LIMIT:
            query = query.where(CodingRow.code_id.in_(code_ids))
        if document_ids is not None and len(document_ids) <= _IN_LIMIT:
            query = query.where(CodingRow.document_id.in_(document_ids))
        rows = _array(self._raw(query), 6)
        keep = np.ones(len(rows), dtype=bool)
        if document_ids is not None:
            keep &= np.isin(rows[:, 0], np.asarray(document_ids, dtype=np.int64))
        if code_ids is not None:
            keep &= np.isin(rows[:, 1], np.asarray(code_ids, dtype=np.int64))
        return rows if keep.all() else rows[keep]

    def coders_with_codings(self) -> set[int]:
        """Ids of the coders who made at least one coding (read from the coder index alone)."""
        return set(self.session.scalars(select(CodingRow.coder_id).distinct()))

    def _raw(self, query) -> list[tuple]:  # type: ignore[no-untyped-def]
        """Rows as the driver returns them (plain tuples): wrapping a million rows in
        SQLAlchemy Row objects costs as much as reading them."""
        result = self.session.connection().execute(query)
        try:
            return result.cursor.fetchall() if result.cursor is not None else []
        finally:
            result.close()


def _array(result: Iterable[Sequence[int]], width: int) -> np.ndarray:
    """Integer rows straight into one array, without a Python tuple per row."""
    flat = np.fromiter(chain.from_iterable(result), dtype=np.int64)
    return flat.reshape(-1, width)
