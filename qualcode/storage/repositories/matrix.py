"""Aggregate queries behind comparison matrices: counts per code and group, in SQL.

A group is the value of one attribute (the speaker's where the speaker has it, else the
document's, as :class:`CodingFilter` matches them), or the document, speaker or coder.
Counting happens in the database so a million codings never cross into Python.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import Integer, and_, distinct, func, literal, select, union_all
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.elements import ColumnElement

from qualcode.core.model import SegmentKind
from qualcode.storage.records import BUILT_IN_GROUPS  # noqa: F401 (named by callers from here too)
from qualcode.storage.repositories.codings import CodingFilter, CodingRepository
from qualcode.storage.schema import (
    CodeRow,
    CoderRow,
    CodingRow,
    DocumentAttributeRow,
    DocumentRow,
    SegmentRow,
    SpeakerAttributeRow,
    SpeakerRow,
    TurnRow,
)


@dataclass(frozen=True)
class CellCount:
    """What one (row, group) cell holds; ``row`` is the caller's row id."""

    row: int
    group: str | None
    codings: int
    documents: int
    speakers: int


@dataclass(frozen=True)
class GroupSize:
    """The size of a group, for shares and rates: documents, speakers, sentences."""

    group: str | None
    documents: int
    speakers: int
    sentences: int


def _row_map(pairs: list[tuple[int, int]]):  # type: ignore[no-untyped-def]
    """(code_id, row_id) pairs as a derived table; UNION ALL works on SQLite and PostgreSQL alike."""
    selects = [select(literal(code_id, Integer).label("code_id"), literal(row_id, Integer).label("row_id"))
               for code_id, row_id in pairs]
    return union_all(*selects).subquery("row_map")


class MatrixRepository:
    def __init__(self, session: Session) -> None:
        self.session = session
        self._codings = CodingRepository(session)

    # ----------------------------------------------------------------- groups

    def attribute_keys(self) -> tuple[set[str], set[str]]:
        """Attribute keys in use: (on documents, on speakers)."""
        docs = set(self.session.scalars(select(DocumentAttributeRow.key).distinct()))
        speakers = set(self.session.scalars(select(SpeakerAttributeRow.key).distinct()))
        return docs, speakers

    def _group_column(self, by: str, query, speaker_id, document_id):  # type: ignore[no-untyped-def]
        """Join what ``by`` needs onto ``query``; return (query, group column)."""
        if by == "document":
            doc = aliased(DocumentRow)
            return query.join(doc, doc.id == document_id), doc.name
        if by == "speaker":
            speaker = aliased(SpeakerRow)
            return query.outerjoin(speaker, speaker.id == speaker_id), speaker.label
        sa = aliased(SpeakerAttributeRow)
        da = aliased(DocumentAttributeRow)
        query = (query.outerjoin(sa, and_(sa.speaker_id == speaker_id, sa.key == by))
                 .outerjoin(da, and_(da.document_id == document_id, da.key == by)))
        return query, func.coalesce(sa.value, da.value)

    # ----------------------------------------------------------------- counts

    def cell_counts(self, flt: CodingFilter, by: str, rows: Mapping[int, list[int]] | None = None,
                    *, distinct_counts: bool = True) -> list[CellCount]:
        """Codings, coded documents and coded speakers per (row, group).

        ``rows`` maps a code id to the row ids it counts for (several when rows roll up
        their descendants); without it each code is its own row. ``distinct_counts``
        false skips the two distinct counts (returned as 0), the cheapest query.
        """
        # Aggregate the codings first (one row per code, document, speaker, coder), then
        # join attributes onto that small result: a million codings become a few thousand.
        inner = self._codings.filtered(
            select(CodingRow.code_id, CodingRow.document_id, CodingRow.speaker_id, CodingRow.coder_id,
                   func.count().label("n")).select_from(CodingRow), flt)
        agg = inner.group_by(CodingRow.code_id, CodingRow.document_id, CodingRow.speaker_id,
                             CodingRow.coder_id).subquery("agg")
        if rows is None:
            row_column: ColumnElement = agg.c.code_id
            query = select(agg.c.code_id).select_from(agg)
        else:
            pairs = [(code_id, row_id) for code_id, row_ids in rows.items() for row_id in row_ids]
            if not pairs:
                return []
            mapping = _row_map(pairs)
            query = select(mapping.c.row_id).select_from(agg).join(mapping, mapping.c.code_id == agg.c.code_id)
            row_column = mapping.c.row_id
        if by == "coder":
            group = CoderRow.name
            query = query.join(CoderRow, CoderRow.id == agg.c.coder_id)
        else:
            query, group = self._group_column(by, query, agg.c.speaker_id, agg.c.document_id)
        measures = [func.sum(agg.c.n)]
        if distinct_counts:
            measures += [func.count(distinct(agg.c.document_id)), func.count(distinct(agg.c.speaker_id))]
        query = query.add_columns(group, *measures).group_by(row_column, group)
        result = []
        for row in self.session.execute(query):
            row_id, group_value, codings = row[0], row[1], row[2]
            docs, speakers = (row[3], row[4]) if distinct_counts else (0, 0)
            result.append(CellCount(int(row_id), group_value, int(codings), int(docs), int(speakers)))
        return result

    def covered_sentences(self, flt: CodingFilter, by: str,
                          rows: Mapping[int, list[int]] | None = None) -> dict[tuple[int, str | None], int]:
        """Distinct sentences touched by codings per (row, group); the group is the coding's."""
        seg = aliased(SegmentRow)
        if rows is None:
            query = select(CodingRow.code_id)
            row_column: ColumnElement = CodingRow.code_id
            query = query.select_from(CodingRow)
        else:
            pairs = [(code_id, row_id) for code_id, row_ids in rows.items() for row_id in row_ids]
            if not pairs:
                return {}
            mapping = _row_map(pairs)
            query = (select(mapping.c.row_id).select_from(CodingRow)
                     .join(mapping, mapping.c.code_id == CodingRow.code_id))
            row_column = mapping.c.row_id
        query = query.join(seg, and_(seg.document_id == CodingRow.document_id,
                                     seg.kind == str(SegmentKind.SENTENCE),
                                     seg.start < CodingRow.end, seg.end > CodingRow.start))
        if by == "coder":
            group = CoderRow.name
            query = query.join(CoderRow, CoderRow.id == CodingRow.coder_id)
        else:
            query, group = self._group_column(by, query, CodingRow.speaker_id, CodingRow.document_id)
        query = query.add_columns(group, func.count(distinct(seg.id)))
        query = self._codings.filtered(query, flt).group_by(row_column, group)
        return {(int(r), g): int(n) for r, g, n in self.session.execute(query)}

    def group_sizes(self, by: str, attributes: Mapping[str, list[str]] | None = None,
                    document_ids: list[int] | None = None) -> list[GroupSize]:
        """Sentences (and documents, speakers) per group over the whole corpus.

        A sentence belongs to the speaker of its turn, so speaker attributes decide its
        group where the speaker has them. Grouping by coder has no corpus-side size.
        """
        seg = aliased(SegmentRow)
        turn = aliased(TurnRow)
        query = (select(func.count(seg.id), func.count(distinct(seg.document_id)),
                        func.count(distinct(turn.speaker_id)))
                 .select_from(seg).outerjoin(turn, turn.id == seg.turn_id)
                 .where(seg.kind == str(SegmentKind.SENTENCE)))
        query, group = self._group_column(by, query, turn.speaker_id, seg.document_id)
        if document_ids is not None:
            query = query.where(seg.document_id.in_(document_ids))
        for key, wanted in (attributes or {}).items():
            sa = aliased(SpeakerAttributeRow)
            da = aliased(DocumentAttributeRow)
            query = (query.outerjoin(sa, and_(sa.speaker_id == turn.speaker_id, sa.key == key))
                     .outerjoin(da, and_(da.document_id == seg.document_id, da.key == key))
                     .where(func.coalesce(sa.value, da.value).in_(list(wanted))))
        query = query.add_columns(group).group_by(group)
        return [GroupSize(g, int(d), int(s), int(n)) for n, d, s, g in self.session.execute(query)]

    def turn_spans(self, document_ids: list[int] | None = None
                   ) -> list[tuple[int, int | None, int, int]]:
        """(document, speaker, start, end) of every turn, for word counts per group."""
        query = select(TurnRow.document_id, TurnRow.speaker_id, TurnRow.start, TurnRow.end)
        if document_ids is not None:
            query = query.where(TurnRow.document_id.in_(document_ids))
        return [tuple(r) for r in self.session.execute(query.order_by(TurnRow.document_id, TurnRow.start))]  # type: ignore[misc]

    def codes_used(self, flt: CodingFilter) -> dict[int, int]:
        """Codings per code under a filter (for choosing rows)."""
        query = self._codings.filtered(
            select(CodingRow.code_id, func.count()).select_from(CodingRow), flt).group_by(CodingRow.code_id)
        return {int(c): int(n) for c, n in self.session.execute(query)}

    def code_codebooks(self) -> dict[int, int]:
        return {int(c): int(b) for c, b in self.session.execute(select(CodeRow.id, CodeRow.codebook_id))}
