"""Whether another process changed the project since the workbench last looked.

The workbench asks :meth:`ChangeWatch.changed` on a timer (one PRAGMA on SQLite, one
indexed MAX on PostgreSQL) and offers to reload when it says so. Its own writes move
the counter too: after each of them it calls :meth:`ChangeWatch.seen`, so only other
writers' commits count.
"""

from __future__ import annotations

import threading

from qualcode.storage.changes import DataVersion
from qualcode.storage.store import Store


class ChangeWatch:
    """Tells, once per change, that the project was committed to by someone else.

    Safe to ask from a worker thread while the UI thread calls :meth:`seen`.
    """

    def __init__(self, store: Store) -> None:
        self._lock = threading.Lock()
        self._version = DataVersion(store.engine, store.location.path)
        self._seen = self._version.current()

    def changed(self) -> bool:
        """True once for each batch of commits made since the last look."""
        with self._lock:
            now = self._version.current()
            moved = now != self._seen
            self._seen = now
            return moved

    def seen(self) -> None:
        """Take what is committed now as known (call it after this program's own write)."""
        with self._lock:
            self._seen = self._version.current()

    def close(self) -> None:
        with self._lock:
            self._version.close()


def watch_changes(store: Store) -> ChangeWatch:
    return ChangeWatch(store)
