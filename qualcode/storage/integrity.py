"""The checks behind ``qualcode check``, in SQL: SQLite's, FTS5's and qualcode's own.

SQLite's checks run on a connection of their own, opened read-only, because they must
work on a file so damaged that :class:`~qualcode.storage.store.Store` cannot open it.
FTS5's integrity check is an INSERT by its syntax, so it needs a connection that may
write; it runs in a transaction that is rolled back and is skipped (and said so) on a
read-only file. The invariants run through the ORM and so on PostgreSQL too.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from qualcode.core.integrity import IntegrityProblem
from qualcode.storage.engine import OpenMode
from qualcode.storage.schema import (
    CodebookRow,
    CodeRow,
    CoderRow,
    CodingRow,
    DocumentRow,
    MemoRow,
    SegmentRow,
    TurnRow,
)

# The most problems one check lists: a badly damaged file has thousands, and the first
# ones say what is needed.
MAX_LISTED = 200
MEMO_TABLES = {"document": DocumentRow, "code": CodeRow, "coding": CodingRow}


def _connect(path: Path, mode: OpenMode) -> sqlite3.Connection:
    flag = "immutable=1" if mode is OpenMode.IMMUTABLE else "mode=ro"
    return sqlite3.connect(f"file:{quote(str(path))}?{flag}", uri=True)


def sqlite_problems(path: Path, mode: OpenMode) -> list[IntegrityProblem]:
    """``PRAGMA integrity_check`` and ``PRAGMA foreign_key_check`` on the file itself."""
    problems: list[IntegrityProblem] = []
    try:
        connection = _connect(path, mode)
    except sqlite3.Error as exc:
        return [IntegrityProblem("sqlite", str(path), f"cannot be opened ({exc})")]
    try:
        rows = connection.execute(f"PRAGMA integrity_check({MAX_LISTED})").fetchall()
        problems.extend(IntegrityProblem("sqlite", _page_of(row[0]), row[0])
                        for row in rows if row[0] != "ok")
        if problems:
            return problems
        for table, rowid, parent, _ in connection.execute("PRAGMA foreign_key_check").fetchmany(MAX_LISTED):
            problems.append(IntegrityProblem("foreign keys", f"{table} row {rowid}",
                                             f"refers to a row of {parent} that does not exist"))
    except sqlite3.DatabaseError as exc:
        problems.append(IntegrityProblem("sqlite", str(path), f"the file cannot be read ({exc})"))
    finally:
        connection.close()
    return problems


def _page_of(message: str) -> str:
    # SQLite says e.g. "*** in database main ***\nPage 12: btreeInitPage() returns error code 11"
    for word, following in zip(message.split(), message.split()[1:], strict=False):
        if word.lower() == "page":
            return f"page {following.rstrip(':')}"
    return "file"


def search_index_problems(path: Path) -> list[IntegrityProblem]:
    """FTS5's own check of ``search_fts``; compared with its content when none is pending."""
    connection = sqlite3.connect(path, isolation_level=None, timeout=15)
    try:
        if not connection.execute("SELECT 1 FROM sqlite_master WHERE name = 'search_fts'").fetchone():
            return [IntegrityProblem("search index", "search_fts", "the full-text index table is missing")]
        connection.execute("BEGIN")
        pending = connection.execute("SELECT count(*) FROM search_pending").fetchone()[0]
        # rank 1 also compares the index with search_text, which is right only when no
        # document is waiting for its batch to be indexed.
        statement = ("INSERT INTO search_fts(search_fts, rank) VALUES('integrity-check', 1)" if not pending
                     else "INSERT INTO search_fts(search_fts) VALUES('integrity-check')")
        connection.execute(statement)
        return []
    except sqlite3.DatabaseError as exc:
        return [IntegrityProblem("search index", "search_fts", f"FTS5 integrity-check failed ({exc}); "
                                 "rebuild it with: sqlite3 PROJECT \"INSERT INTO search_fts(search_fts) "
                                 "VALUES('rebuild')\"")]
    finally:
        if connection.in_transaction:
            connection.execute("ROLLBACK")
        connection.close()


def invariant_problems(session: Session) -> list[IntegrityProblem]:
    """qualcode's own rules, which the schema alone does not enforce."""
    return list(_limited(_invariants(session)))


def _limited(found: Iterator[IntegrityProblem]) -> Iterator[IntegrityProblem]:
    counts: dict[str, int] = {}
    for problem in found:
        counts[problem.check] = counts.get(problem.check, 0) + 1
        if counts[problem.check] <= MAX_LISTED:
            yield problem


def _invariants(session: Session) -> Iterator[IntegrityProblem]:
    length = func.length(DocumentRow.text)
    for row, kind in ((CodingRow, "coding"), (SegmentRow, "segment"), (TurnRow, "turn")):
        spans = (select(row.id, row.document_id, row.start, row.end, length, DocumentRow.name)
                 .join(DocumentRow, DocumentRow.id == row.document_id)
                 .where((row.start < 0) | (row.end > length) | (row.start > row.end))
                 .order_by(row.id).limit(MAX_LISTED))
        for item_id, _, start, end, size, name in session.execute(spans):
            yield IntegrityProblem("offsets", f"{kind} {item_id}",
                                   f"span [{start}, {end}) is not inside document '{name}' "
                                   f"(0 to {size} characters)")
        orphans = (select(row.id, row.document_id).outerjoin(DocumentRow, DocumentRow.id == row.document_id)
                   .where(DocumentRow.id.is_(None)).order_by(row.id).limit(MAX_LISTED))
        for item_id, document_id in session.execute(orphans):
            yield IntegrityProblem("references", f"{kind} {item_id}", f"its document {document_id} does not exist")
    for target, column, what in ((CodeRow, CodingRow.code_id, "code"), (CoderRow, CodingRow.coder_id, "coder")):
        missing = (select(CodingRow.id, column).outerjoin(target, target.id == column)
                   .where(target.id.is_(None)).order_by(CodingRow.id).limit(MAX_LISTED))
        for coding_id, target_id in session.execute(missing):
            yield IntegrityProblem("references", f"coding {coding_id}", f"its {what} {target_id} does not exist")
    parent = aliased(CodeRow)
    missing_parent = (select(CodeRow.id, CodeRow.key, CodeRow.parent_id)
                      .outerjoin(parent, parent.id == CodeRow.parent_id)
                      .where(CodeRow.parent_id.is_not(None), parent.id.is_(None)).limit(MAX_LISTED))
    for code_id, key, parent_id in session.execute(missing_parent):
        yield IntegrityProblem("references", f"code {code_id} ('{key}')", f"its parent {parent_id} does not exist")
    missing_book = (select(CodeRow.id, CodeRow.key, CodeRow.codebook_id)
                    .outerjoin(CodebookRow, CodebookRow.id == CodeRow.codebook_id)
                    .where(CodebookRow.id.is_(None)).limit(MAX_LISTED))
    for code_id, key, book_id in session.execute(missing_book):
        yield IntegrityProblem("references", f"code {code_id} ('{key}')", f"its codebook {book_id} does not exist")
    # The foreign keys keep these in step while SQLite enforces them; a file written with
    # foreign keys off (or damaged) can still break them, so they are checked here too.
    for kind, table in MEMO_TABLES.items():
        column = getattr(MemoRow, f"{kind}_id")
        missing_target = (select(MemoRow.id, column)
                          .outerjoin(table, table.id == column)
                          .where(MemoRow.target_kind == kind, table.id.is_(None))
                          .order_by(MemoRow.id).limit(MAX_LISTED))
        for memo_id, target_id in session.execute(missing_target):
            yield IntegrityProblem("references", f"memo {memo_id}",
                                   f"it is about {kind} {target_id}, which does not exist")
    odd_kind = (select(MemoRow.id, MemoRow.target_kind)
                .where(MemoRow.target_kind.not_in([*MEMO_TABLES, "project"])).limit(MAX_LISTED))
    for memo_id, kind in session.execute(odd_kind):
        yield IntegrityProblem("references", f"memo {memo_id}", f"its target kind '{kind}' is not one qualcode knows")
