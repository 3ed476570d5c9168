"""Running words of documents (``word_tokens``): writing them once, counting them in SQL.

Counts are grouped by form, document and speaker in the database, so a word list
over a million words reads a few hundred thousand grouped rows, not the text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, case, distinct, exists, false, func, or_, select, true
from sqlalchemy.orm import Session, aliased

from qualcode.storage.records import WordFilter  # noqa: F401 (named by callers from here too)
from qualcode.storage.repositories.sets import inside_set_passages
from qualcode.storage.schema import (
    CodingRow,
    DocumentRow,
    SetPassageRow,
    WordIndexedRow,
    WordTokenRow,
)

T = WordTokenRow


@dataclass(frozen=True)
class TokenHit:
    id: int
    document_id: int
    speaker_id: int | None
    start: int
    end: int
    form: str


class WordRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def documents(self) -> list[tuple[int, str, str]]:
        """``(id, name, language)`` of every document: what counting needs, without the
        texts and per-document counts that a document list loads."""
        query = select(DocumentRow.id, DocumentRow.name, DocumentRow.language).order_by(DocumentRow.name)
        return [(doc_id, name, language) for doc_id, name, language in self.session.execute(query)]

    def unindexed(self) -> list[int]:
        """Documents whose words are not stored yet."""
        query = (select(DocumentRow.id).where(~exists().where(WordIndexedRow.document_id == DocumentRow.id))
                 .order_by(DocumentRow.id))
        return list(self.session.scalars(query))

    def add(self, document_id: int, rows: Sequence[tuple[int | None, int, int, str]]) -> None:
        """Store a document's words as ``(speaker id, start, end, form)``, with the
        driver's ``executemany`` (one row per running word)."""
        connection = self.session.connection()
        mark = "?" if connection.dialect.paramstyle == "qmark" else "%s"
        if rows:
            connection.exec_driver_sql(
                f'INSERT INTO word_tokens (document_id, speaker_id, start, "end", form) '
                f"VALUES ({mark}, {mark}, {mark}, {mark}, {mark})",
                [(document_id, *row) for row in rows])
        connection.exec_driver_sql(f"INSERT INTO word_indexed (document_id) VALUES ({mark})", (document_id,))

    def _where(self, flt: WordFilter) -> ColumnElement[bool]:
        conditions: list[ColumnElement[bool]] = []
        if flt.document_ids is not None:
            conditions.append(T.document_id.in_(list(flt.document_ids)) if flt.document_ids else false())
        if flt.speaker_ids is not None:
            spoken = T.speaker_id.in_(list(flt.speaker_ids)) if flt.speaker_ids else false()
            conditions.append(or_(spoken, T.speaker_id.is_(None)) if flt.unspoken else spoken)
        elif not flt.unspoken:
            conditions.append(T.speaker_id.is_not(None))
        if flt.code_ids is not None:
            inside = [CodingRow.document_id == T.document_id, CodingRow.start <= T.start, CodingRow.end >= T.end,
                      CodingRow.code_id.in_(list(flt.code_ids))]
            if flt.coder_ids is not None:
                inside.append(CodingRow.coder_id.in_(list(flt.coder_ids)))
            conditions.append(exists().where(*inside))
        if flt.passage_set_ids is not None:
            conditions.append(inside_set_passages(flt.passage_set_ids, T.document_id, T.start, T.end)
                              if flt.passage_set_ids else false())
        return and_(true(), *conditions)

    def grouped_counts(self, flt: WordFilter) -> list[tuple[str, int, int | None, int]]:
        """``(form, document id, speaker id, count)`` for every word the filter lets through."""
        query = (select(T.form, T.document_id, T.speaker_id, func.count())
                 .where(self._where(flt)).group_by(T.form, T.document_id, T.speaker_id))
        return [(form, doc, speaker, int(n)) for form, doc, speaker, n in self.session.execute(query)]

    def form_counts_in(self, filters: Sequence[WordFilter], document_ids: Sequence[int] | None = None
                       ) -> list[tuple[str, int, int, int, int]]:
        """``(form, group, count, documents, speakers)``: per form, for each filter (its
        index in ``filters``) the words it lets through (among ``document_ids`` when
        given). One query per filter: on SQLite two scans of the form index cost less
        than one with conditional counts per filter (0.05 s against 0.14 s over
        100,000 words)."""
        return [(form, index, n, docs, speakers) for index, flt in enumerate(filters)
                for form, n, docs, speakers in self.form_counts(flt, document_ids)]

    def form_counts(self, flt: WordFilter, document_ids: Sequence[int] | None = None
                    ) -> list[tuple[str, int, int, int]]:
        """``(form, count, documents, speakers)`` per form under the filter (and among
        ``document_ids`` when given): one row per distinct form, counted in SQL."""
        query = (select(T.form, func.count(), func.count(distinct(T.document_id)), func.count(distinct(T.speaker_id)))
                 .where(self._where(flt)).group_by(T.form))
        if document_ids is not None:
            query = query.where(T.document_id.in_(list(document_ids)))
        return [(form, int(n), int(d), int(sp)) for form, n, d, sp in self.session.execute(query)]

    def form_spread(self, forms: Sequence[str], flt: WordFilter, document_ids: Sequence[int] | None = None
                    ) -> list[tuple[str, int, int | None]]:
        """The distinct ``(form, document id, speaker id)`` of some forms under the filter."""
        rows: list[tuple[str, int, int | None]] = []
        forms = list(forms)
        for at in range(0, len(forms), 500):
            query = (select(T.form, T.document_id, T.speaker_id).distinct()
                     .where(T.form.in_(forms[at:at + 500]), self._where(flt)))
            if document_ids is not None:
                query = query.where(T.document_id.in_(list(document_ids)))
            rows.extend((form, doc, speaker) for form, doc, speaker in self.session.execute(query))
        return rows

    def shared(self, a: WordFilter, b: WordFilter) -> list[tuple[int, int]]:
        """``(document id, running words)`` of the words both filters let through, per
        document in id order: what two groups that should be apart have in common.

        One query over the running words, kept to the documents where the two can
        meet: none when the filters keep to documents that do not meet, or when both
        keep to passages and no passage of one overlaps a passage of the other (a word
        wholly inside two passages lies where they overlap), read from the passages."""
        meeting: set[int] | None = None
        if a.document_ids is not None and b.document_ids is not None:
            meeting = set(a.document_ids).intersection(b.document_ids)
        if a.passage_set_ids and b.passage_set_ids:
            overlapping = self._overlapping_passages(a.passage_set_ids, b.passage_set_ids)
            meeting = overlapping if meeting is None else meeting & overlapping
        if meeting is not None and not meeting:
            return []
        query = (select(T.document_id, func.count()).where(self._where(a), self._where(b))
                 .group_by(T.document_id).order_by(T.document_id))
        if meeting is not None:
            query = query.where(T.document_id.in_(sorted(meeting)))
        return [(doc, int(n)) for doc, n in self.session.execute(query)]

    def _overlapping_passages(self, a_sets: Sequence[int], b_sets: Sequence[int]) -> set[int]:
        """Documents where a passage of the sets ``a_sets`` and one of ``b_sets`` overlap
        (share at least one code point; passages that only touch do not)."""
        mine, theirs = aliased(SetPassageRow), aliased(SetPassageRow)
        query = (select(mine.document_id).distinct()
                 .join(theirs, and_(theirs.document_id == mine.document_id,
                                    mine.start < theirs.end, theirs.start < mine.end))
                 .where(mine.set_id.in_(list(a_sets)), theirs.set_id.in_(list(b_sets))))
        return set(self.session.scalars(query))

    def total(self, flt: WordFilter) -> int:
        return int(self.session.scalar(select(func.count()).select_from(T).where(self._where(flt))) or 0)

    def forms(self, flt: WordFilter | None = None) -> list[str]:
        """Every distinct form (under the filter)."""
        query = select(T.form).distinct()
        if flt is not None:
            query = query.where(self._where(flt))
        return list(self.session.scalars(query))

    def forms_like(self, pattern: str) -> list[str]:
        """Distinct forms matching a SQL LIKE pattern (``\\`` escapes)."""
        return list(self.session.scalars(select(T.form).distinct().where(T.form.like(pattern, escape="\\"))))

    def hits(self, forms: Sequence[str], flt: WordFilter, *, limit: int | None = None,
             offset: int = 0) -> list[TokenHit]:
        """The running words with one of ``forms``, in reading order (a page of them)."""
        if not forms:
            return []
        query = (select(T.id, T.document_id, T.speaker_id, T.start, T.end, T.form)
                 .where(T.form.in_(list(forms)), self._where(flt)).order_by(T.document_id, T.start)
                 .limit(limit).offset(offset))
        return [TokenHit(*row) for row in self.session.execute(query)]

    def count_hits(self, forms: Sequence[str], flt: WordFilter) -> int:
        if not forms:
            return 0
        query = select(func.count()).select_from(T).where(T.form.in_(list(forms)), self._where(flt))
        return int(self.session.scalar(query) or 0)

    def tokens_between(self, document_id: int, start: int, end: int) -> list[tuple[int, int, str]]:
        """``(start, end, form)`` of a document's words inside ``[start, end)``."""
        query = (select(T.start, T.end, T.form)
                 .where(T.document_id == document_id, T.start >= start, T.end <= end).order_by(T.start))
        return [tuple(row) for row in self.session.execute(query)]  # type: ignore[misc]

    def documents_with(self, forms: Sequence[str], flt: WordFilter) -> list[int]:
        """Documents where one of ``forms`` occurs under the filter."""
        if not forms:
            return []
        query = (select(T.document_id).distinct().where(T.form.in_(list(forms)), self._where(flt))
                 .order_by(T.document_id))
        return list(self.session.scalars(query))

    def sequence(self, document_id: int, flt: WordFilter) -> list[tuple[int | None, str, bool, int, int]]:
        """``(speaker id, form, counted, start, end)`` of every word of a document in
        reading order; ``counted`` tells whether the filter lets the word through."""
        query = (select(T.speaker_id, T.form, case((self._where(flt), 1), else_=0), T.start, T.end)
                 .where(T.document_id == document_id).order_by(T.start))
        return [(speaker, form, bool(counted), start, end)
                for speaker, form, counted, start, end in self.session.execute(query)]
