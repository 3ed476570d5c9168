"""Reading an up-to-date SQLite project with the standard library alone.

A command that only reads (``docs``, ``retrieve``) and the workbench's first screen wait
for the database toolkit and the table mapping before the first row, about as long as
the interpreter and the command line together. For a SQLite project whose schema is
current and whose search index the current lemmatizer made, those reads go through
``sqlite3`` directly. Anything else (a server URL, a project that needs an upgrade or a
re-index) gets ``None`` from :func:`open_reader`, and the caller takes the full path,
which upgrades, re-indexes and explains.

The file checks are the store's own (:mod:`qualcode.storage.locations`), so a path that
is not a project is refused in the same words on both paths. Setting ``QUALCODE_LITE=0``
turns the light path off, which the tests use to compare the two.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from qualcode.errors import StoreError
from qualcode.storage import locations
from qualcode.storage.migrate import HEAD_REVISION

SCHEMA_REVISION = HEAD_REVISION  # the migrations' module names it without importing SQLAlchemy
# The settings row that names the lemmatizer the search index was made by.
INDEX_SETTING = "search.lemmatizer"


@dataclass
class LiteReader:
    """A read-only connection to a current SQLite project."""

    path: Path
    connection: sqlite3.Connection

    def setting(self, key: str) -> str | None:
        row = self.connection.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def close(self) -> None:
        self.connection.close()

    def __enter__(self) -> LiteReader:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


def enabled() -> bool:
    return os.environ.get("QUALCODE_LITE", "1") != "0"


def open_reader(target: str | Path, *, index_version: str) -> LiteReader | None:
    """A reader for ``target``, or ``None`` where the full store must open it.

    ``index_version`` is the current lemmatizer's: a search index made by another one
    is rebuilt on the full path first.

    Raises the store's :class:`StoreError` for a path that holds no project, so the
    user reads the same refusal whichever path the command took.
    """
    if not enabled() or "://" in str(target):
        return None
    location = locations.locate(target)
    assert location.path is not None
    path = location.path
    locations.check_sqlite_file(path, must_exist=True)
    if path.stat().st_size == 0:
        return None  # the store explains an empty file
    try:
        connection = locations.connect_read_only(path, locations.sqlite_open_mode(path))
    except sqlite3.Error:
        return None
    reader = LiteReader(path, connection)
    try:
        connection.execute(f"PRAGMA busy_timeout = {locations.BUSY_TIMEOUT_MS}")
        connection.execute("PRAGMA query_only = 1")
        revision = connection.execute("SELECT version_num FROM alembic_version").fetchone()
        current = (revision is not None and revision[0] == SCHEMA_REVISION
                   and reader.setting(INDEX_SETTING) == index_version)
    except sqlite3.Error:
        current = False  # no such table, a damaged file, a lock: the store says which
    if not current:
        reader.close()
        return None
    return reader


def refuse(exc: sqlite3.Error, path: Path) -> StoreError:
    """What a failed light read means, in the words the store would use."""
    return StoreError(f"Cannot read the project at {path}: {exc}",
                      "If another program holds the project, try again in a moment.")
