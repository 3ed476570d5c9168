"""Full-text search over sentences, one interface for both backends.

Each sentence is indexed as its lower-cased words plus their lemmas
(``search_text.terms``). SQLite answers through FTS5, PostgreSQL through a GIN index
on ``to_tsvector('simple', terms)``; both do prefix matching, so the same query finds
the same sentences on either backend.

Rows reach ``search_text`` only through :func:`add_document_terms`, which on SQLite
also fills the FTS5 index, in one statement per document. The index used to be filled
by a trigger per row, which cost more than all other writes of an import together.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, Integer, column, func, select, text
from sqlalchemy.orm import Session

from qualcode.storage.schema import SearchTextRow, SegmentRow


def add_document_terms(connection: Connection, document_id: int, rows: Sequence[tuple[int, str]]) -> None:
    """Store the ``(segment id, terms)`` of a new document's sentences and index them.

    Rows go in with the driver's own ``executemany`` (an import writes one per
    sentence, and building a statement per row in SQLAlchemy would cost more than the
    database's work); on SQLite the FTS5 index then takes the document's rows in one
    statement. Deletes still reach that index through the ``search_text_ad`` trigger.
    """
    if not rows:
        return
    mark = "?" if connection.dialect.paramstyle == "qmark" else "%s"
    connection.exec_driver_sql(
        f"INSERT INTO search_text (segment_id, document_id, terms) VALUES ({mark}, {mark}, {mark})",
        [(segment_id, document_id, terms) for segment_id, terms in rows])
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql(
            "INSERT INTO search_fts (rowid, terms) SELECT segment_id, terms FROM search_text WHERE document_id = ?",
            (document_id,))


class SearchRepository:
    def __init__(self, session: Session, dialect: str) -> None:
        self.session = session
        self.dialect = dialect

    def _match(self, groups: Sequence[Sequence[str]]):  # type: ignore[no-untyped-def]
        """A WHERE clause: every group must match, any term of a group may."""
        if self.dialect == "sqlite":
            expression = " AND ".join(
                "(" + " OR ".join(f'"{term}"*' for term in group) + ")" for group in groups)
            ids = text("SELECT rowid FROM search_fts WHERE search_fts MATCH :q").bindparams(q=expression)
            return SearchTextRow.segment_id.in_(ids.columns(column("rowid", Integer)))
        expression = " & ".join(
            "(" + " | ".join(f"'{term}':*" for term in group) + ")" for group in groups)
        return func.to_tsvector("simple", SearchTextRow.terms).op("@@")(
            func.to_tsquery("simple", expression))

    def find(self, groups: Sequence[Sequence[str]], *, document_ids: Sequence[int] | None = None,
             limit: int | None = 100, offset: int = 0) -> list[tuple[int, int, int, int]]:
        """(segment id, document id, start, end) of matching sentences in reading order."""
        query = (
            select(SegmentRow.id, SegmentRow.document_id, SegmentRow.start, SegmentRow.end)
            .join(SearchTextRow, SearchTextRow.segment_id == SegmentRow.id)
            .where(self._match(groups))
            .order_by(SegmentRow.document_id, SegmentRow.start)
        )
        if document_ids is not None:
            query = query.where(SegmentRow.document_id.in_(list(document_ids)))
        if limit is not None:
            query = query.limit(limit).offset(offset)
        return [tuple(r) for r in self.session.execute(query)]  # type: ignore[misc]

    def count(self, groups: Sequence[Sequence[str]], *, document_ids: Sequence[int] | None = None) -> int:
        query = select(func.count()).select_from(SearchTextRow).where(self._match(groups))
        if document_ids is not None:
            query = query.where(SearchTextRow.document_id.in_(list(document_ids)))
        return int(self.session.scalar(query) or 0)
