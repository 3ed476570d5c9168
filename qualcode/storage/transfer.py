"""Copying a whole project between stores (SQLite and PostgreSQL, either way), verified.

Every table of the schema is copied row for row with its ids, so every reference (a
memo's coding, an event's coder) holds in the copy. Ids are never reused, so the copy
also carries each table's high-water mark: SQLite's ``sqlite_sequence`` or PostgreSQL's
sequence, whichever is higher than the largest id copied. A copy is checked by row
counts and by a SHA-256 over each table's rows in id order, read back from both sides.
SQLite's full-text index is not a table of the schema: it is rebuilt from the copied
search rows.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Table, delete, func, insert, select, text, update
from sqlalchemy.engine import Connection, Engine

from qualcode.storage.repositories.search import index_pending
from qualcode.storage.schema import Base, DocumentRow, SearchPendingRow

_BATCH = 2000
Progress = Callable[[int, int, str], None]


def tables() -> list[Table]:
    """The schema's tables, each after the tables it refers to."""
    return list(Base.metadata.sorted_tables)


def _self_references(table: Table) -> list[str]:
    return [fk.parent.name for fk in table.foreign_keys if fk.column.table is table]


def _order(table: Table) -> list[Any]:
    return list(table.primary_key.columns)


def _canonical(value: Any) -> Any:
    if isinstance(value, datetime):
        aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
        return aware.astimezone(UTC).isoformat()
    if isinstance(value, bytes | memoryview):
        return bytes(value).hex()
    if isinstance(value, float):
        return repr(value)
    return value


def _for_target(value: Any, dialect: str) -> Any:
    """A datetime as the target stores it: UTC, naive on SQLite (which keeps no zone)."""
    if isinstance(value, datetime):
        aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
        aware = aware.astimezone(UTC)
        return aware.replace(tzinfo=None) if dialect == "sqlite" else aware
    return value


def _rows(connection: Connection, table: Table) -> Iterator[dict[str, Any]]:
    result = connection.execution_options(stream_results=True, yield_per=_BATCH).execute(
        select(table).order_by(*_order(table)))
    for row in result.mappings():
        yield dict(row)


# Bookkeeping of SQLite's search index, emptied by indexing: not compared.
UNCOMPARED = frozenset({"search_pending"})


class _Digest:
    """Row count and SHA-256 of a table's rows in primary-key order, the same on either database."""

    def __init__(self, table: Table) -> None:
        self.names = [c.name for c in table.columns]
        self.hash = hashlib.sha256()
        self.count = 0

    def add(self, row: dict[str, Any]) -> None:
        self.hash.update(json.dumps([_canonical(row[n]) for n in self.names], ensure_ascii=False,
                                    sort_keys=True, default=str).encode("utf-8"))
        self.hash.update(b"\n")
        self.count += 1

    def result(self) -> tuple[int, str]:
        return self.count, self.hash.hexdigest()


def table_digest(connection: Connection, table: Table) -> tuple[int, str]:
    digest = _Digest(table)
    for row in _rows(connection, table):
        digest.add(row)
    return digest.result()


def digests(engine: Engine) -> dict[str, tuple[int, str]]:
    """Each compared table's rows and hash, read in one transaction."""
    with _reading(engine) as connection:
        return {t.name: table_digest(connection, t) for t in tables() if t.name not in UNCOMPARED}


def _reading(engine: Engine) -> Connection:
    """A connection whose reads all see one snapshot (PostgreSQL needs REPEATABLE READ for it)."""
    connection = engine.connect()
    if engine.dialect.name == "postgresql":
        connection = connection.execution_options(isolation_level="REPEATABLE READ")
    return connection


def high_water_marks(connection: Connection) -> dict[str, int]:
    """Per table keyed by ``id``: the largest id ever handed out (deleted rows included)."""
    marks: dict[str, int] = {}
    dialect = connection.dialect.name
    if dialect == "sqlite":
        marks.update({name: int(seq) for name, seq in connection.exec_driver_sql(
            "SELECT name, seq FROM sqlite_sequence")})
    for table in tables():
        if [c.name for c in table.primary_key.columns] != ["id"]:
            continue
        if dialect == "postgresql":
            row = connection.execute(text(
                "SELECT pg_get_serial_sequence(:t, 'id')"), {"t": table.name}).scalar()
            if row:
                last, called = connection.execute(text(f"SELECT last_value, is_called FROM {row}")).one()
                if called:
                    marks[table.name] = max(marks.get(table.name, 0), int(last))
        largest = connection.execute(select(func.max(table.c.id))).scalar()
        if largest is not None:
            marks[table.name] = max(marks.get(table.name, 0), int(largest))
    return marks


def _set_high_water_marks(connection: Connection, marks: dict[str, int]) -> None:
    if connection.dialect.name == "sqlite":
        for name, seq in marks.items():
            connection.exec_driver_sql("DELETE FROM sqlite_sequence WHERE name = ?", (name,))
            connection.exec_driver_sql("INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)", (name, seq))
        return
    for name, seq in marks.items():
        if seq < 1:  # nothing handed out yet: the sequence starts at 1 as it is
            continue
        sequence = connection.execute(text("SELECT pg_get_serial_sequence(:t, 'id')"), {"t": name}).scalar()
        if sequence:
            connection.execute(text("SELECT setval(:s, :v, true)"), {"s": sequence, "v": seq})


def copy_rows(source: Engine, target: Engine, progress: Progress | None = None) -> dict[str, tuple[int, str]]:
    """Replace the target's rows by the source's, table by table, in one target transaction.

    The target must hold the schema at the same revision. Self-references (a code's
    parent, a coder merged into another) are written in a second pass, so the order of
    ids within a table does not matter. Returns the source's digests (see :func:`digests`),
    taken from the very rows copied, in the snapshot they were read in.
    """
    dialect = target.dialect.name
    copied: dict[str, tuple[int, str]] = {}
    ordered = tables()
    with _reading(source) as reading, target.begin() as writing:
        for table in reversed(ordered):
            writing.execute(delete(table))
        for number, table in enumerate(ordered, 1):
            later = _self_references(table)
            pending: list[dict[str, Any]] = []
            fixes: list[dict[str, Any]] = []
            digest = _Digest(table)

            for row in _rows(reading, table):
                digest.add(row)
                values = {k: _for_target(v, dialect) for k, v in row.items()}
                if later and any(values[c] is not None for c in later):
                    fixes.append({"key": values["id"], **{c: values[c] for c in later}})
                    values.update({c: None for c in later})
                pending.append(values)
                if len(pending) >= _BATCH:
                    writing.execute(insert(table), pending)
                    pending.clear()
            if pending:
                writing.execute(insert(table), pending)
            for fix in fixes:
                writing.execute(update(table).where(table.c.id == fix["key"])
                                .values({c: fix[c] for c in later}))
            if table.name not in UNCOMPARED:
                copied[table.name] = digest.result()
            if progress is not None:
                progress(number, len(ordered), table.name)
        _set_high_water_marks(writing, high_water_marks(reading))
        if dialect == "sqlite":
            writing.execute(delete(SearchPendingRow))
            writing.execute(insert(SearchPendingRow).from_select(["document_id"], select(DocumentRow.id)))
            index_pending(writing)
    return copied


def database_name(url: str) -> str:
    """The database a server URL names (for naming its backup file)."""
    from sqlalchemy.engine import make_url

    return make_url(url).database or "database"


def drop_schema(engine: Engine) -> None:
    """Remove a project's tables from a database, so that a copy can take their place."""
    with engine.begin() as connection:
        Base.metadata.drop_all(connection)
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
