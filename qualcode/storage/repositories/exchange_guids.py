"""GUIDs of objects imported from REFI-QDA files (table ``exchange_guids``): documents,
codes, coders, codings and memos (the notes they came as).

A GUID is written once, when its object is imported; an object that already has one
keeps it (importing a co-author's file again into the same project changes nothing).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from qualcode.storage.schema import ExchangeGuidRow

_COLUMNS = {"document": "document_id", "code": "code_id", "coder": "coder_id", "coding": "coding_id",
            "memo": "memo_id"}


@dataclass
class ExchangeGuids:
    """Every kept GUID, by the id of its object."""

    documents: dict[int, str] = field(default_factory=dict)
    codes: dict[int, str] = field(default_factory=dict)
    coders: dict[int, str] = field(default_factory=dict)
    codings: dict[int, tuple[str, str | None]] = field(default_factory=dict)  # (coding, selection)
    memos: dict[int, str] = field(default_factory=dict)  # the notes they came as


class ExchangeGuidRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def all(self) -> ExchangeGuids:
        found = ExchangeGuids()
        for row in self.session.scalars(select(ExchangeGuidRow)):
            if row.document_id is not None:
                found.documents[row.document_id] = row.guid
            elif row.code_id is not None:
                found.codes[row.code_id] = row.guid
            elif row.coder_id is not None:
                found.coders[row.coder_id] = row.guid
            elif row.coding_id is not None:
                found.codings[row.coding_id] = (row.guid, row.selection_guid)
            elif row.memo_id is not None:
                found.memos[row.memo_id] = row.guid
        return found

    def keep(self, kind: str, guids: dict[int, str]) -> int:
        """Store ``{object id: GUID}`` for objects of ``kind`` that have none yet."""
        column = getattr(ExchangeGuidRow, _COLUMNS[kind])
        taken = set(self.session.scalars(select(column).where(column.is_not(None))))
        rows = [{_COLUMNS[kind]: target, "guid": guid} for target, guid in guids.items() if target not in taken]
        if rows:
            self.session.execute(insert(ExchangeGuidRow.__table__), rows)
        return len(rows)

    def keep_codings(self, guids: dict[int, tuple[str | None, str | None]]) -> int:
        """Store each coding's own and selection GUID (a missing own GUID takes the selection's)."""
        rows = [{"coding_id": target, "guid": own or selection, "selection_guid": selection}
                for target, (own, selection) in guids.items() if own or selection]
        if rows:
            self.session.execute(insert(ExchangeGuidRow.__table__), rows)
        return len(rows)
