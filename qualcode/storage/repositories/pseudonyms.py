"""The rows of a project's pseudonym table, as :class:`qualcode.core.pseudonyms.Pseudonym`."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from qualcode.core.pseudonyms import Pseudonym
from qualcode.storage.schema import PseudonymRow


def _entry(row: PseudonymRow) -> Pseudonym:
    return Pseudonym(row.original, row.replacement, row.category, tuple(row.forms or ()))


class PseudonymRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def entries(self) -> list[Pseudonym]:
        return [_entry(r) for r in self.session.scalars(select(PseudonymRow).order_by(PseudonymRow.original))]

    def get(self, original: str) -> Pseudonym | None:
        row = self.session.scalars(select(PseudonymRow).where(PseudonymRow.original == original)).first()
        return _entry(row) if row else None

    def put(self, entry: Pseudonym) -> None:
        """Add the entry, or replace the one for the same original."""
        row = self.session.scalars(select(PseudonymRow).where(PseudonymRow.original == entry.original)).first()
        if row is None:
            self.session.add(PseudonymRow(original=entry.original, replacement=entry.replacement,
                                          category=entry.category, forms=list(entry.forms)))
        else:
            row.replacement, row.category, row.forms = entry.replacement, entry.category, list(entry.forms)
        self.session.flush()

    def drop(self, original: str) -> bool:
        result = self.session.execute(delete(PseudonymRow).where(PseudonymRow.original == original))
        return bool(result.rowcount)  # type: ignore[attr-defined]
