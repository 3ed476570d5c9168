"""Saved queries and sets (``saved_queries``, ``sets``, ``set_documents``, ``set_passages``)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import and_, delete, exists, insert, select
from sqlalchemy.orm import Session

from qualcode.core.sets import NamedSet, Passage, SavedQuery
from qualcode.storage.schema import (
    CoderRow,
    DocumentRow,
    SavedQueryRow,
    SetDocumentRow,
    SetPassageRow,
    SetRow,
)


class SavedQueryRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def _query(self, row: SavedQueryRow, coder: str | None) -> SavedQuery:
        args = (row.parameters or {}).get("args") or []
        return SavedQuery(row.id, row.name, row.kind, tuple(str(a) for a in args), coder, row.created_at)

    def _select(self):  # type: ignore[no-untyped-def]
        return (select(SavedQueryRow, CoderRow.name)
                .outerjoin(CoderRow, CoderRow.id == SavedQueryRow.created_by))

    def list(self) -> list[SavedQuery]:
        rows = self.session.execute(self._select().order_by(SavedQueryRow.name)).all()
        return [self._query(row, coder) for row, coder in rows]

    def find(self, name: str) -> SavedQuery | None:
        found = self.session.execute(self._select().where(SavedQueryRow.name == name)).first()
        return self._query(*found) if found else None

    def get(self, query_id: int) -> SavedQuery | None:
        found = self.session.execute(self._select().where(SavedQueryRow.id == query_id)).first()
        return self._query(*found) if found else None

    def add(self, name: str, kind: str, args: Sequence[str], coder_id: int | None, *,
            query_id: int | None = None, created_at: datetime | None = None) -> int:
        row = SavedQueryRow(name=name, kind=kind, parameters={"args": list(args)}, created_by=coder_id)
        if query_id is not None:
            row.id = query_id
        if created_at is not None:
            row.created_at = created_at
        self.session.add(row)
        self.session.flush()
        return row.id

    def delete(self, query_id: int) -> None:
        self.session.execute(delete(SavedQueryRow).where(SavedQueryRow.id == query_id))


class SetRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def _set(self, row: SetRow) -> NamedSet:
        if row.kind == "passages":
            passages = tuple(Passage(d, s, e) for d, s, e in self.session.execute(
                select(SetPassageRow.document_id, SetPassageRow.start, SetPassageRow.end)
                .where(SetPassageRow.set_id == row.id)
                .order_by(SetPassageRow.document_id, SetPassageRow.start, SetPassageRow.end)))
            documents = tuple(sorted({p.document_id for p in passages}))
        else:
            passages = ()
            documents = tuple(self.session.scalars(
                select(SetDocumentRow.document_id).where(SetDocumentRow.set_id == row.id)
                .order_by(SetDocumentRow.document_id)))
        return NamedSet(row.id, row.name, row.kind, row.description or "", documents, passages)

    def list(self) -> list[NamedSet]:
        return [self._set(r) for r in self.session.scalars(select(SetRow).order_by(SetRow.name))]

    def find(self, name: str) -> NamedSet | None:
        row = self.session.scalars(select(SetRow).where(SetRow.name == name)).first()
        return self._set(row) if row else None

    def get(self, set_id: int) -> NamedSet | None:
        row = self.session.get(SetRow, set_id)
        return self._set(row) if row else None

    def create(self, name: str, kind: str, description: str = "", *, set_id: int | None = None) -> int:
        row = SetRow(name=name, kind=kind, description=description)
        if set_id is not None:
            row.id = set_id
        self.session.add(row)
        self.session.flush()
        return row.id

    def delete(self, set_id: int) -> None:
        self.session.execute(delete(SetRow).where(SetRow.id == set_id))

    def document_names(self, document_ids: Iterable[int]) -> dict[int, str]:
        """Names of these documents (those that still exist), by id."""
        wanted = sorted(set(document_ids))
        if not wanted:
            return {}
        return dict(self.session.execute(
            select(DocumentRow.id, DocumentRow.name).where(DocumentRow.id.in_(wanted))).all())  # type: ignore[arg-type]

    def add_documents(self, set_id: int, document_ids: Iterable[int]) -> list[int]:
        """Add the documents not in the set yet (and still in the project); those added."""
        wanted = sorted(set(document_ids))
        if not wanted:
            return []
        present = set(self.session.scalars(select(SetDocumentRow.document_id).where(
            SetDocumentRow.set_id == set_id, SetDocumentRow.document_id.in_(wanted))))
        existing = set(self.session.scalars(select(DocumentRow.id).where(DocumentRow.id.in_(wanted))))
        new = [d for d in wanted if d not in present and d in existing]
        if new:
            self.session.execute(insert(SetDocumentRow), [{"set_id": set_id, "document_id": d} for d in new])
        return new

    def remove_documents(self, set_id: int, document_ids: Iterable[int]) -> list[int]:
        wanted = sorted(set(document_ids))
        present = list(self.session.scalars(select(SetDocumentRow.document_id).where(
            SetDocumentRow.set_id == set_id, SetDocumentRow.document_id.in_(wanted)).order_by(
            SetDocumentRow.document_id))) if wanted else []
        if present:
            self.session.execute(delete(SetDocumentRow).where(
                SetDocumentRow.set_id == set_id, SetDocumentRow.document_id.in_(present)))
        return present

    def passages_in(self, set_ids: Sequence[int], document_id: int) -> list[tuple[int, int]]:
        """``(start, end)`` of a document's passages in these passage sets, in reading
        order: where a concordance line or a collocation window may reach."""
        query = (select(SetPassageRow.start, SetPassageRow.end).distinct()
                 .where(SetPassageRow.set_id.in_(list(set_ids)), SetPassageRow.document_id == document_id)
                 .order_by(SetPassageRow.start, SetPassageRow.end))
        return [(start, end) for start, end in self.session.execute(query)]

    def add_passages(self, set_id: int, passages: Iterable[Passage]) -> list[Passage]:
        """Add the passages not in the set yet (whose documents still exist); those added."""
        wanted = sorted(set(passages), key=lambda p: (p.document_id, p.start, p.end))
        if not wanted:
            return []
        have = {Passage(d, s, e) for d, s, e in self.session.execute(
            select(SetPassageRow.document_id, SetPassageRow.start, SetPassageRow.end)
            .where(SetPassageRow.set_id == set_id))}
        documents = {p.document_id for p in wanted}
        existing = set(self.session.scalars(select(DocumentRow.id).where(DocumentRow.id.in_(documents))))
        new = [p for p in wanted if p not in have and p.document_id in existing]
        if new:
            self.session.execute(insert(SetPassageRow), [
                {"set_id": set_id, "document_id": p.document_id, "start": p.start, "end": p.end} for p in new])
        return new

    def remove_passages(self, set_id: int, passages: Iterable[Passage]) -> list[Passage]:
        removed = []
        for p in sorted(set(passages), key=lambda p: (p.document_id, p.start, p.end)):
            result = self.session.execute(delete(SetPassageRow).where(
                SetPassageRow.set_id == set_id, SetPassageRow.document_id == p.document_id,
                SetPassageRow.start == p.start, SetPassageRow.end == p.end))
            if result.rowcount:  # type: ignore[attr-defined]
                removed.append(p)
        return removed


def overlaps_set_passages(set_ids: Sequence[int], document_id, start, end):  # type: ignore[no-untyped-def]
    """A WHERE clause: the span ``[start, end)`` of ``document_id`` (columns of the outer
    query) overlaps a passage of one of these passage sets."""
    return exists().where(and_(
        SetPassageRow.set_id.in_(list(set_ids)), SetPassageRow.document_id == document_id,
        SetPassageRow.start < end, start < SetPassageRow.end))


def inside_set_passages(set_ids: Sequence[int], document_id, start, end):  # type: ignore[no-untyped-def]
    """A WHERE clause: the span ``[start, end)`` of ``document_id`` lies wholly inside a
    passage of one of these passage sets (how the word analyses keep to passages)."""
    return exists().where(and_(
        SetPassageRow.set_id.in_(list(set_ids)), SetPassageRow.document_id == document_id,
        SetPassageRow.start <= start, SetPassageRow.end >= end))
