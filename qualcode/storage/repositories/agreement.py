"""Double-coding samples: the documents or segments a set of coders code independently."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from qualcode.core.agreement import SampleInfo
from qualcode.storage.schema import CoderRow, SampleCoderRow, SampleItemRow, SampleRow


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
