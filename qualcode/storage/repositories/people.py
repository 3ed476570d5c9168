"""Coders and per-project settings."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from qualcode.core.model import Coder
from qualcode.storage.schema import CoderRow, SettingRow


class CoderRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get_or_create(self, name: str) -> Coder:
        row = self.session.scalars(select(CoderRow).where(CoderRow.name == name)).first()
        if row is None:
            row = CoderRow(name=name)
            self.session.add(row)
            self.session.flush()
        return Coder(row.id, row.name)

    def find(self, name: str) -> Coder | None:
        row = self.session.scalars(select(CoderRow).where(CoderRow.name == name)).first()
        return Coder(row.id, row.name) if row else None

    def get(self, coder_id: int) -> Coder | None:
        row = self.session.get(CoderRow, coder_id)
        return Coder(row.id, row.name) if row else None

    def list(self) -> list[Coder]:
        return [Coder(r.id, r.name) for r in self.session.scalars(select(CoderRow).order_by(CoderRow.name))]


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
