"""Full-text search over sentences, one interface for both backends.

Each sentence is indexed as its lower-cased words plus their lemmas and its
compounds' heads, marked (``search_text.terms``, see ``analysis/lemmas.py``). SQLite answers through FTS5, PostgreSQL through a GIN index
on ``to_tsvector('simple', terms)``; both do prefix matching, so the same query finds
the same sentences on either backend.

Rows reach ``search_text`` only through :func:`add_document_terms`. On SQLite the
FTS5 index takes them later, a batch of documents at a time (:func:`index_pending`):
filling it in each document's own transaction cost an import more than all its other
writes. Until then the document is listed in ``search_pending``; every search first
indexes what is listed, so an import that stopped half-way leaves nothing unfindable.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, Integer, column, func, select, text
from sqlalchemy.orm import Session

from qualcode.core.model import HEAD_MARK
from qualcode.storage.repositories.sets import overlaps_set_passages
from qualcode.storage.schema import SearchTextRow, SegmentRow


def add_document_terms(connection: Connection, document_id: int, rows: Sequence[tuple[int, str]]) -> None:
    """Store the ``(segment id, terms)`` of a new document's sentences.

    Rows go in with the driver's own ``executemany``: an import writes one per
    sentence, and building a statement per row in SQLAlchemy would cost more than the
    database's work. On SQLite the document is listed for :func:`index_pending`.
    """
    if not rows:
        return
    mark = "?" if connection.dialect.paramstyle == "qmark" else "%s"
    connection.exec_driver_sql(
        f"INSERT INTO search_text (segment_id, document_id, terms) VALUES ({mark}, {mark}, {mark})",
        [(segment_id, document_id, terms) for segment_id, terms in rows])
    if connection.dialect.name == "sqlite":
        # A new document may take the id of a deleted one that was still listed.
        connection.exec_driver_sql("INSERT OR IGNORE INTO search_pending (document_id) VALUES (?)", (document_id,))


def replace_document_terms(connection: Connection, document_id: int, rows: Sequence[tuple[int, str]]) -> None:
    """A document's sentences' terms anew (a re-index with another lemmatizer).

    The old rows go first: on SQLite the delete trigger takes them out of the FTS5
    index (unless the document was still pending, when the index never had them),
    and the new ones are listed for :func:`index_pending` like an import's.
    """
    mark = "?" if connection.dialect.paramstyle == "qmark" else "%s"
    connection.exec_driver_sql(f"DELETE FROM search_text WHERE document_id = {mark}", (document_id,))
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("DELETE FROM search_pending WHERE document_id = ?", (document_id,))
    add_document_terms(connection, document_id, rows)


def index_pending(connection: Connection) -> int:
    """Put the listed documents' sentences into the FTS5 index; returns how many documents.

    A no-op on PostgreSQL, whose GIN index is kept by the database itself.
    """
    if connection.dialect.name != "sqlite":
        return 0
    pending = connection.exec_driver_sql("SELECT count(*) FROM search_pending").scalar_one()
    if pending:
        connection.exec_driver_sql(
            "INSERT INTO search_fts (rowid, terms) SELECT segment_id, terms FROM search_text "
            "WHERE document_id IN (SELECT document_id FROM search_pending)")
        connection.exec_driver_sql("DELETE FROM search_pending")
    return int(pending)


def _prefix(term: str, mark: str) -> str:
    """Prefix matching, except for a term that begins the compound-head mark ("0",
    "00"): as a prefix it would match every compound's head."""
    return "" if HEAD_MARK.startswith(term) else mark


class SearchRepository:
    def __init__(self, session: Session, dialect: str, read_only: bool = False) -> None:
        self.session = session
        self.dialect = dialect
        self.read_only = read_only

    def replace_document_terms(self, document_id: int, rows: Sequence[tuple[int, str]]) -> None:
        """:func:`replace_document_terms` in this unit of work."""
        replace_document_terms(self.session.connection(), document_id, rows)

    def index_pending(self) -> int:
        """:func:`index_pending` in this unit of work; nothing on a read-only project, whose
        pending documents (left by an interrupted import) are then not found."""
        if self.read_only:
            return 0
        return index_pending(self.session.connection())

    def _match(self, groups: Sequence[Sequence[str]]):  # type: ignore[no-untyped-def]
        """A WHERE clause: every group must match, any term of a group may."""
        if self.dialect == "sqlite":
            expression = " AND ".join(
                "(" + " OR ".join(f'"{term}"' + _prefix(term, "*") for term in group) + ")" for group in groups)
            ids = text("SELECT rowid FROM search_fts WHERE search_fts MATCH :q").bindparams(q=expression)
            return SearchTextRow.segment_id.in_(ids.columns(column("rowid", Integer)))
        expression = " & ".join(
            "(" + " | ".join(f"'{term}'" + _prefix(term, ":*") for term in group) + ")" for group in groups)
        return func.to_tsvector("simple", SearchTextRow.terms).op("@@")(
            func.to_tsquery("simple", expression))

    def find(self, groups: Sequence[Sequence[str]], *, document_ids: Sequence[int] | None = None,
             limit: int | None = 100, offset: int = 0,
             passage_set_ids: Sequence[int] | None = None) -> list[tuple[int, int, int, int]]:
        """(segment id, document id, start, end) of matching sentences in reading order."""
        self.index_pending()
        query = (
            select(SegmentRow.id, SegmentRow.document_id, SegmentRow.start, SegmentRow.end)
            .join(SearchTextRow, SearchTextRow.segment_id == SegmentRow.id)
            .where(self._match(groups))
            .order_by(SegmentRow.document_id, SegmentRow.start)
        )
        if document_ids is not None:
            query = query.where(SegmentRow.document_id.in_(list(document_ids)))
        if passage_set_ids is not None:
            query = query.where(overlaps_set_passages(passage_set_ids, SegmentRow.document_id,
                                                      SegmentRow.start, SegmentRow.end))
        if limit is not None:
            query = query.limit(limit).offset(offset)
        return [tuple(r) for r in self.session.execute(query)]  # type: ignore[misc]

    def count(self, groups: Sequence[Sequence[str]], *, document_ids: Sequence[int] | None = None,
              passage_set_ids: Sequence[int] | None = None) -> int:
        self.index_pending()
        query = select(func.count()).select_from(SearchTextRow).where(self._match(groups))
        if document_ids is not None:
            query = query.where(SearchTextRow.document_id.in_(list(document_ids)))
        if passage_set_ids is not None:
            query = query.join(SegmentRow, SegmentRow.id == SearchTextRow.segment_id).where(
                overlaps_set_passages(passage_set_ids, SegmentRow.document_id, SegmentRow.start, SegmentRow.end))
        return int(self.session.scalar(query) or 0)
