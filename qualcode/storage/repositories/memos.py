"""Memos on the project, documents, codes and codings."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from qualcode.core.model import Memo
from qualcode.storage.schema import MemoRow, utcnow


def _memo(row: MemoRow) -> Memo:
    return Memo(row.id, row.target_kind, row.target_id, row.coder_id, row.text,
                row.created_at, row.updated_at)


class MemoRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, target_kind: str, target_id: int | None, coder_id: int | None, text: str,
            memo_id: int | None = None) -> Memo:
        row = MemoRow(target_kind=target_kind, target_id=target_id, coder_id=coder_id, text=text)
        if memo_id is not None:
            row.id = memo_id
        self.session.add(row)
        self.session.flush()
        return _memo(row)

    def get(self, memo_id: int) -> Memo | None:
        row = self.session.get(MemoRow, memo_id)
        return _memo(row) if row else None

    def update(self, memo_id: int, text: str) -> None:
        row = self.session.get(MemoRow, memo_id)
        assert row is not None
        row.text = text
        row.updated_at = utcnow()

    def delete(self, memo_id: int) -> None:
        row = self.session.get(MemoRow, memo_id)
        if row is not None:
            self.session.delete(row)

    def for_target(self, target_kind: str, target_id: int | None) -> list[Memo]:
        query = select(MemoRow).where(MemoRow.target_kind == target_kind)
        query = query.where(MemoRow.target_id.is_(None) if target_id is None else MemoRow.target_id == target_id)
        return [_memo(r) for r in self.session.scalars(query.order_by(MemoRow.id))]

    def for_targets(self, target_kind: str, target_ids: list[int]) -> list[Memo]:
        if not target_ids:
            return []
        query = select(MemoRow).where(MemoRow.target_kind == target_kind, MemoRow.target_id.in_(target_ids))
        return [_memo(r) for r in self.session.scalars(query.order_by(MemoRow.id))]

    def list(self) -> list[Memo]:
        return [_memo(r) for r in self.session.scalars(select(MemoRow).order_by(MemoRow.id))]
