"""Coders and per-project settings."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from qualcode.core.model import Coder
from qualcode.storage.schema import CoderRow, SettingRow, utcnow


class CoderRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get_or_create(self, name: str) -> Coder:
        """The coder of that name, created if new; safe when several processes race.

        ``INSERT ... ON CONFLICT DO NOTHING`` then ``SELECT``: a process that loses the
        race to create the name reads the winner's row instead of failing on the
        unique constraint (PostgreSQL commits the winner's row before the loser's
        insert returns; SQLite writers are serialised anyway).
        """
        found = self.find(name)
        if found is not None:
            return found
        dialect = self.session.get_bind().dialect.name
        if dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert
        self.session.execute(insert(CoderRow).values(name=name, created_at=utcnow())
                             .on_conflict_do_nothing(index_elements=["name"]))
        row = self.session.scalars(select(CoderRow).where(CoderRow.name == name)).one()
        return Coder(row.id, row.name)

    def find(self, name: str) -> Coder | None:
        """The coder of that name; a name merged into another coder stands for that coder."""
        row = self.session.scalars(select(CoderRow).where(CoderRow.name == name)).first()
        if row is not None and row.merged_into is not None:
            row = self.session.get(CoderRow, row.merged_into)
        return Coder(row.id, row.name) if row else None

    def get(self, coder_id: int) -> Coder | None:
        row = self.session.get(CoderRow, coder_id)
        return Coder(row.id, row.name) if row else None

    def list(self) -> list[Coder]:
        """Coders not merged into another, by name."""
        return [Coder(r.id, r.name) for r in self.session.scalars(
            select(CoderRow).where(CoderRow.merged_into.is_(None)).order_by(CoderRow.name))]


class SettingsRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, key: str, default: str | None = None) -> str | None:
        row = self.session.get(SettingRow, key)
        return row.value if row else default

    def set(self, key: str, value: str) -> None:
        row = self.session.get(SettingRow, key)
        if row is None:
            self.session.add(SettingRow(key=key, value=value))
        else:
            row.value = value
