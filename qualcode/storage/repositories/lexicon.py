"""A project's changes to the word lists: stop words, fillers and lemma overrides."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from qualcode.storage.schema import LexiconEntryRow


@dataclass(frozen=True)
class LexiconEntry:
    language: str
    kind: str  # "stop", "filler" or "lemma"
    word: str
    lemma: str | None
    removed: bool


class LexiconRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def entries(self, language: str | None = None) -> list[LexiconEntry]:
        query = select(LexiconEntryRow).order_by(LexiconEntryRow.language, LexiconEntryRow.kind,
                                                  LexiconEntryRow.word)
        if language is not None:
            query = query.where(LexiconEntryRow.language == language)
        return [LexiconEntry(r.language, r.kind, r.word, r.lemma, r.removed) for r in self.session.scalars(query)]

    def put(self, language: str, kind: str, word: str, *, lemma: str | None = None, removed: bool = False) -> None:
        """Add or replace the entry for this word."""
        row = self.session.scalars(select(LexiconEntryRow).where(
            LexiconEntryRow.language == language, LexiconEntryRow.kind == kind,
            LexiconEntryRow.word == word)).first()
        if row is None:
            self.session.add(LexiconEntryRow(language=language, kind=kind, word=word, lemma=lemma, removed=removed))
        else:
            row.lemma, row.removed = lemma, removed
        self.session.flush()

    def drop(self, language: str, kind: str, word: str) -> bool:
        """Forget the project's entry for this word; whether there was one."""
        result = self.session.execute(delete(LexiconEntryRow).where(
            LexiconEntryRow.language == language, LexiconEntryRow.kind == kind, LexiconEntryRow.word == word))
        return bool(result.rowcount)  # type: ignore[attr-defined]
