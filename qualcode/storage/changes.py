"""Noticing that someone else changed a project: a cheap question, asked often.

SQLite answers with ``PRAGMA data_version``, which moves on a connection whenever
another connection (another process, or another connection of this one) commits to the
file; the watcher keeps one read-only connection of its own for it. PostgreSQL has no
such counter; every change there logs an event, so the newest event id serves.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING

from qualcode.errors import StoreError
from qualcode.storage import locations

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine


def _unreachable(exc: Exception) -> StoreError:
    return StoreError(f"Cannot ask the project whether it changed: {exc}",
                      "Check that the project file or its server is still reachable.")


class DataVersion:
    """A number that changes when the project's content has been committed anew."""

    def __init__(self, engine: Engine, path: Path | None) -> None:
        self.engine = engine
        self._sqlite = (locations.connect_read_only(path, locations.OpenMode.READ_ONLY)
                        if path is not None else None)

    def current(self) -> int:
        """The number now; StoreError when the file or server cannot be asked."""
        if self._sqlite is not None:
            try:
                return int(self._sqlite.execute("PRAGMA data_version").fetchone()[0])
            except sqlite3.Error as exc:
                raise _unreachable(exc) from exc
        from sqlalchemy import func, select
        from sqlalchemy.exc import DBAPIError

        from qualcode.storage.schema import EventRow

        try:
            with self.engine.connect() as connection:
                return int(connection.execute(select(func.coalesce(func.max(EventRow.id), 0))).scalar_one())
        except DBAPIError as exc:
            raise _unreachable(exc) from exc

    def close(self) -> None:
        if self._sqlite is not None:
            self._sqlite.close()
            self._sqlite = None
