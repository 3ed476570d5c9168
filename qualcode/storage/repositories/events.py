"""The append-only event log: every change, who made it, and what undoes it."""

from __future__ import annotations

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from qualcode.core.model import Event
from qualcode.storage.schema import EventRow, utcnow


def _event(row: EventRow) -> Event:
    return Event(row.id, row.at, row.coder_id, row.kind, dict(row.payload or {}), row.undone_by is not None)


class EventRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def append(self, kind: str, payload: dict, coder_id: int | None = None) -> Event:
        """Log a change; rows the session holds are written first, as before any change is told.

        A Core insert rather than an ORM object: every import, coding and memo logs one,
        and the unit of work's bookkeeping for a row never read back cost more than
        the insert.
        """
        self.session.flush()
        at = utcnow()
        table = EventRow.__table__
        event_id = self.session.connection().execute(
            insert(table).returning(table.c.id),
            {"at": at, "kind": kind, "payload": payload, "coder_id": coder_id}).scalar_one()
        return Event(event_id, at, coder_id, kind, dict(payload), False)

    def last_undoable(self, coder_id: int, kinds: frozenset[str]) -> Event | None:
        row = self.session.scalars(
            select(EventRow)
            .where(EventRow.coder_id == coder_id, EventRow.undone_by.is_(None),
                   EventRow.undo_refused_by.is_(None), EventRow.kind.in_(kinds))
            .order_by(EventRow.id.desc())
            .limit(1)
        ).first()
        return _event(row) if row else None

    def later_in_effect(self, event_id: int, kinds: frozenset[str]) -> list[Event]:
        """Changes of these kinds logged after ``event_id`` and not undone, oldest first."""
        rows = self.session.scalars(
            select(EventRow)
            .where(EventRow.id > event_id, EventRow.undone_by.is_(None), EventRow.kind.in_(kinds))
            .order_by(EventRow.id))
        return [_event(r) for r in rows]

    def mark_undone(self, event_id: int, undo_event_id: int) -> None:
        self.session.execute(update(EventRow).where(EventRow.id == event_id)
                             .values(undone_by=undo_event_id))

    def mark_undo_refused(self, event_id: int, refusal_event_id: int) -> None:
        self.session.execute(update(EventRow).where(EventRow.id == event_id)
                             .values(undo_refused_by=refusal_event_id))

    def list(self, *, coder_id: int | None = None, kind: str | None = None, limit: int | None = None) -> list[Event]:
        query = select(EventRow)
        if coder_id is not None:
            query = query.where(EventRow.coder_id == coder_id)
        if kind is not None:
            query = query.where(EventRow.kind == kind)
        query = query.order_by(EventRow.id.desc())
        if limit:
            query = query.limit(limit)
        return [_event(r) for r in self.session.scalars(query)]
