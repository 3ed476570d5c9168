"""Codings: writing them, and reading them back as passages with attribution."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Select,
    and_,
    case,
    cast,
    delete,
    func,
    insert,
    literal,
    select,
    update,
)
from sqlalchemy import text as sql_text
from sqlalchemy.orm import Session, aliased

from qualcode.core.model import CodedPassage, Coding, CodingOrigin
from qualcode.storage.records import CodingFilter, coded_passages  # noqa: F401 (named by callers from here too)
from qualcode.storage.schema import (
    CodeRow,
    CoderRow,
    CodingRow,
    DocumentAttributeRow,
    DocumentRow,
    SpeakerAttributeRow,
    SpeakerRow,
    TurnRow,
)
from qualcode.storage.store import VACUUM_AFTER_COMMIT

# Rows from which one bulk insert refreshes PostgreSQL's statistics of the codings table.
ANALYZE_AFTER = 10_000


def _coding(row: CodingRow) -> Coding:
    return Coding(row.id, row.document_id, row.code_id, row.coder_id, row.start, row.end,
                  CodingOrigin(row.origin), row.created_at, row.weight)


class CodingRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    # ----------------------------------------------------------------- writing

    def speaker_at(self, document_id: int, offset: int) -> int | None:
        return self.session.scalar(
            select(TurnRow.speaker_id)
            .where(TurnRow.document_id == document_id, TurnRow.start <= offset)
            .order_by(TurnRow.start.desc())
            .limit(1)
        )

    def add(self, document_id: int, code_id: int, coder_id: int, start: int, end: int,
            origin: CodingOrigin = CodingOrigin.MANUAL, coding_id: int | None = None,
            created_at: datetime | None = None, weight: int | None = None) -> Coding:
        row = CodingRow(document_id=document_id, code_id=code_id, coder_id=coder_id, start=start,
                        end=end, origin=str(origin), speaker_id=self.speaker_at(document_id, start),
                        weight=weight)
        if coding_id is not None:
            row.id = coding_id
        if created_at is not None:
            row.created_at = created_at
        self.session.add(row)
        self.session.flush()
        return _coding(row)

    def add_many(self, rows: list[dict]) -> list[int]:
        """Bulk insert; each dict has document_id, code_id, coder_id, start, end, origin.

        Returns the new ids in the order of ``rows``, so callers can attach GUIDs, memos
        or events without matching rows afterwards. On PostgreSQL SQLAlchemy sends batched
        ``INSERT ... RETURNING`` statements and pairs the ids with the parameter sets
        itself. On SQLite it would fall back to one statement per row for that, so the
        batches go unsorted (``RETURNING`` needs SQLite 3.35) and the ids are sorted
        instead: within the write transaction each new row of an ``INTEGER PRIMARY KEY``
        table gets the largest id plus one, and ``VALUES`` rows are inserted in order.
        """
        if not rows:
            return []
        prepared = self.with_speakers(rows)
        table = CodingRow.__table__
        if self.session.get_bind().dialect.name == "sqlite":
            return sorted(self.session.execute(insert(table).returning(table.c.id), prepared).scalars())
        returning = insert(table).returning(table.c.id, sort_by_parameter_order=True)
        ids = list(self.session.execute(returning, prepared).scalars())
        if len(prepared) >= ANALYZE_AFTER:
            # A bulk load (a .qdpx import, the demo): PostgreSQL plans counts over the new
            # rows well only once it has statistics for them (see Store.refresh_statistics).
            self.session.execute(sql_text("ANALYZE codings"))
            # Once committed, a VACUUM marks the new pages all-visible, so that a count
            # reads the index alone (an index-only scan: 0.2 ms against 1.4 ms for 2,000
            # codings of one code). The store runs it after the commit (VACUUM cannot run
            # inside a transaction).
            self.session.info.setdefault(VACUUM_AFTER_COMMIT, set()).add("codings")
        return ids

    def with_speakers(self, rows: list[dict]) -> list[dict]:
        """The rows, each with the speaker of the turn its coding starts in."""
        from bisect import bisect_right

        documents = sorted({r["document_id"] for r in rows})
        turns_by_doc: dict[int, list[tuple[int, int | None]]] = {doc_id: [] for doc_id in documents}
        for first in range(0, len(documents), 500):  # one query per 500 documents, not one each
            for doc_id, start, speaker_id in self.session.execute(
                    select(TurnRow.document_id, TurnRow.start, TurnRow.speaker_id)
                    .where(TurnRow.document_id.in_(documents[first:first + 500]))
                    .order_by(TurnRow.document_id, TurnRow.start)):
                turns_by_doc[doc_id].append((start, speaker_id))
        starts_by_doc = {doc_id: [t[0] for t in turns] for doc_id, turns in turns_by_doc.items()}
        prepared = []
        for r in rows:
            turns = turns_by_doc[r["document_id"]]
            i = bisect_right(starts_by_doc[r["document_id"]], r["start"]) - 1
            prepared.append({**r, "speaker_id": turns[i][1] if i >= 0 else None})
        return prepared

    def get(self, coding_id: int) -> Coding | None:
        row = self.session.get(CodingRow, coding_id)
        return _coding(row) if row else None

    def delete(self, coding_id: int) -> None:
        self.session.execute(delete(CodingRow).where(CodingRow.id == coding_id))

    def set_weight(self, coding_id: int, weight: int | None) -> None:
        self.session.execute(update(CodingRow).where(CodingRow.id == coding_id).values(weight=weight))

    def move_code(self, from_code_id: int, to_code_id: int) -> int:
        result = self.session.execute(
            update(CodingRow).where(CodingRow.code_id == from_code_id).values(code_id=to_code_id))
        return int(result.rowcount or 0)

    def set_code(self, coding_ids: Sequence[int], code_id: int) -> None:
        if coding_ids:
            self.session.execute(update(CodingRow).where(CodingRow.id.in_(list(coding_ids)))
                                 .values(code_id=code_id))

    # ----------------------------------------------------------------- reading

    def filtered(self, query: Select, flt: CodingFilter) -> Select:
        if flt.code_ids is not None:
            query = query.where(CodingRow.code_id.in_(list(flt.code_ids)))
        if flt.coder_ids is not None:
            query = query.where(CodingRow.coder_id.in_(list(flt.coder_ids)))
        if flt.document_ids is not None:
            query = query.where(CodingRow.document_id.in_(list(flt.document_ids)))
        if flt.origins is not None:
            query = query.where(CodingRow.origin.in_(list(flt.origins)))
        if flt.coding_ids is not None:
            query = query.where(CodingRow.id.in_(list(flt.coding_ids)))
        if flt.passage_set_ids is not None:
            from qualcode.storage.repositories.sets import overlaps_set_passages

            query = query.where(overlaps_set_passages(flt.passage_set_ids, CodingRow.document_id,
                                                      CodingRow.start, CodingRow.end))
        for key, values in flt.attributes.items():
            sa = aliased(SpeakerAttributeRow)
            da = aliased(DocumentAttributeRow)
            query = (
                query.outerjoin(sa, and_(sa.speaker_id == CodingRow.speaker_id, sa.key == key))
                .outerjoin(da, and_(da.document_id == CodingRow.document_id, da.key == key))
                .where(func.coalesce(sa.value, da.value).in_(list(values)))
            )
        return query

    def list(self, flt: CodingFilter = CodingFilter(), *, limit: int | None = None,
             offset: int = 0) -> list[Coding]:
        # Plain columns, not ORM objects: an export lists every coding of the project,
        # and building (and tracking) an object per row costs more than the query.
        columns = (CodingRow.id, CodingRow.document_id, CodingRow.code_id, CodingRow.coder_id,
                   CodingRow.start, CodingRow.end, CodingRow.origin, CodingRow.created_at, CodingRow.weight)
        query = self.filtered(select(*columns), flt).order_by(
            CodingRow.document_id, CodingRow.start, CodingRow.id)
        if limit is not None:
            query = query.limit(limit).offset(offset)
        return [Coding(i, document, code, coder, start, end, CodingOrigin(origin), created, weight)
                for i, document, code, coder, start, end, origin, created, weight in self.session.execute(query)]

    def for_document(self, document_id: int, coder_ids: Sequence[int] | None = None) -> list[Coding]:
        return self.list(CodingFilter(document_ids=[document_id], coder_ids=coder_ids))

    def fingerprint(self, flt: CodingFilter = CodingFilter()) -> tuple[int, ...]:
        """Aggregates that change whenever a matching coding is added, removed or moved to
        another code or span (a recode keeps the count): cheap to compare, one query."""
        def big(column):  # type: ignore[no-untyped-def]  # no int4 overflow on PostgreSQL
            return cast(column, BigInteger)

        span = (big(CodingRow.code_id) * 1_000_003 + big(CodingRow.coder_id) * 104_729
                + big(CodingRow.start) * 7_919 + big(CodingRow.end))
        row = self.session.execute(self.filtered(select(
            func.count(CodingRow.id), func.coalesce(func.sum(big(CodingRow.id)), 0),
            func.coalesce(func.max(CodingRow.id), 0), func.coalesce(func.sum(span), 0),
            func.coalesce(func.sum(span * (big(CodingRow.id) % 997 + 1)), 0)), flt)).one()
        return tuple(int(v) for v in row)

    def shapes(self, flt: CodingFilter = CodingFilter()) -> dict[int, tuple[int, int, int, int]]:
        """Each matching coding's (code, document, start, end) by id: what a cache of coded
        passages must compare to know exactly which codings were added, removed, moved to
        another code or span since it was filled, without loading any text."""
        query = self.filtered(select(CodingRow.id, CodingRow.code_id, CodingRow.document_id,
                                     CodingRow.start, CodingRow.end), flt)
        rows = self.session.connection().execute(query)  # Core: no ORM row processing per coding
        return {i: (code, document, start, end) for i, code, document, start, end in rows}

    def count(self, flt: CodingFilter = CodingFilter()) -> int:
        # count(*), not count(id): PostgreSQL can then answer from ix_codings_matrix alone.
        return int(self.session.scalar(self.filtered(select(func.count()).select_from(CodingRow), flt)) or 0)

    def passages(self, flt: CodingFilter, *, limit: int | None = 50, offset: int = 0,
                 context: int = 0) -> list[CodedPassage]:
        """Codings with their text, a little context either side, and attribution."""
        length = CodingRow.end - CodingRow.start
        columns = [
            CodingRow.id, CodingRow.document_id, DocumentRow.name, CodingRow.code_id, CodeRow.key,
            CodeRow.label_en, CoderRow.name, CodingRow.start, CodingRow.end, CodingRow.origin,
            SpeakerRow.label, CodingRow.speaker_id, CodingRow.weight,
            func.substr(DocumentRow.text, CodingRow.start + 1, length),
        ]
        if context:
            before_start = case((CodingRow.start > context, CodingRow.start - context), else_=0)
            columns += [
                func.substr(DocumentRow.text, before_start + 1, CodingRow.start - before_start),
                func.substr(DocumentRow.text, CodingRow.end + 1, context),
            ]
        else:
            columns += [literal(""), literal("")]
        query = (
            select(*columns)
            .join(DocumentRow, DocumentRow.id == CodingRow.document_id)
            .join(CodeRow, CodeRow.id == CodingRow.code_id)
            .join(CoderRow, CoderRow.id == CodingRow.coder_id)
            .outerjoin(SpeakerRow, SpeakerRow.id == CodingRow.speaker_id)
        )
        query = self.filtered(query, flt).order_by(CodingRow.document_id, CodingRow.start, CodingRow.id)
        if limit is not None:
            query = query.limit(limit).offset(offset)
        rows = self.session.execute(query).all()
        doc_attrs = self._attributes_for({r[1] for r in rows}, {r[11] for r in rows if r[11]})
        return coded_passages(rows, *doc_attrs)

    def _attributes_for(self, document_ids: set[int], speaker_ids: set[int]
                        ) -> tuple[dict[int, dict[str, str]], dict[int, dict[str, str]]]:
        docs: dict[int, dict[str, str]] = {}
        speakers: dict[int, dict[str, str]] = {}
        if document_ids:
            for doc_id, key, value in self.session.execute(
                select(DocumentAttributeRow.document_id, DocumentAttributeRow.key, DocumentAttributeRow.value)
                .where(DocumentAttributeRow.document_id.in_(document_ids))):
                docs.setdefault(doc_id, {})[key] = value
        if speaker_ids:
            for sp_id, key, value in self.session.execute(
                select(SpeakerAttributeRow.speaker_id, SpeakerAttributeRow.key, SpeakerAttributeRow.value)
                .where(SpeakerAttributeRow.speaker_id.in_(speaker_ids))):
                speakers.setdefault(sp_id, {})[key] = value
        return docs, speakers

    def coder_progress(self) -> dict[tuple[int, int], int]:
        """Number of codings per (document, coder)."""
        rows = self.session.execute(
            select(CodingRow.document_id, CodingRow.coder_id, func.count()).group_by(
                CodingRow.document_id, CodingRow.coder_id))
        return {(d, c): n for d, c, n in rows}
