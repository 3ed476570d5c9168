"""Memos on the project, documents, codes and codings.

The domain speaks of a memo's ``(target_kind, target_id)``; the table holds one
foreign key per kind of target (see ``MemoRow``), so a memo cannot name a row that
does not exist and is deleted together with its target.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import InstrumentedAttribute, Session

from qualcode.core.model import Memo
from qualcode.errors import CodingError
from qualcode.storage.schema import MemoRow, utcnow

_COLUMNS: dict[str, str] = {"document": "document_id", "code": "code_id", "coding": "coding_id"}


def _target_id(row: MemoRow) -> int | None:
    column = _COLUMNS.get(row.target_kind)
    return getattr(row, column) if column else None


def _memo(row: MemoRow) -> Memo:
    return Memo(row.id, row.target_kind, _target_id(row), row.coder_id, row.text,
                row.created_at, row.updated_at)


def _column(target_kind: str) -> InstrumentedAttribute:
    if target_kind not in _COLUMNS:
        raise CodingError(f"Memos attach to project, {', '.join(_COLUMNS)}; not '{target_kind}'.")
    return getattr(MemoRow, _COLUMNS[target_kind])


class MemoRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, target_kind: str, target_id: int | None, coder_id: int | None, text: str,
            memo_id: int | None = None, created_at: datetime | None = None) -> Memo:
        row = MemoRow(target_kind=target_kind, coder_id=coder_id, text=text)
        if created_at is not None:
            row.created_at = created_at
        if target_kind != "project":
            setattr(row, _column(target_kind).key, target_id)
        if memo_id is not None:
            row.id = memo_id
        self.session.add(row)
        self.session.flush()
        return _memo(row)

    def get(self, memo_id: int) -> Memo | None:
        row = self.session.get(MemoRow, memo_id)
        return _memo(row) if row else None

    def update(self, memo_id: int, text: str, *, expected: str | None = None) -> bool:
        """Set a memo's text; with ``expected``, only if its text is still that. True if set."""
        row = self.session.get(MemoRow, memo_id, with_for_update=expected is not None)
        if row is None or (expected is not None and row.text != expected):
            return False
        row.text = text
        row.updated_at = utcnow()
        return True

    def delete(self, memo_id: int) -> None:
        row = self.session.get(MemoRow, memo_id)
        if row is not None:
            self.session.delete(row)

    def for_target(self, target_kind: str, target_id: int | None) -> list[Memo]:
        if target_kind == "project":
            query = select(MemoRow).where(MemoRow.target_kind == "project")
        else:
            query = select(MemoRow).where(_column(target_kind) == target_id)
        return [_memo(r) for r in self.session.scalars(query.order_by(MemoRow.id))]

    def for_targets(self, target_kind: str, target_ids: list[int]) -> list[Memo]:
        if not target_ids:
            return []
        query = select(MemoRow).where(_column(target_kind).in_(target_ids))
        return [_memo(r) for r in self.session.scalars(query.order_by(MemoRow.id))]

    def list(self) -> list[Memo]:
        return [_memo(r) for r in self.session.scalars(select(MemoRow).order_by(MemoRow.id))]
