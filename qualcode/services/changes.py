"""Whether another process changed the project since the workbench last looked.

The workbench asks :meth:`ChangeWatch.changed` on a timer (one PRAGMA on SQLite, one
indexed MAX on PostgreSQL) and offers to reload when it says so. Its own writes move
the counter too: the watch hears of each commit made through the store it watches (any
screen, any worker) and takes it as seen, so only other writers' commits count.
"""

from __future__ import annotations

import threading

from qualcode.errors import QualcodeError
from qualcode.storage.changes import DataVersion
from qualcode.storage.store import Store


class ChangeWatch:
    """Tells, once per change, that the project was committed to by someone else.

    Safe to ask from a worker thread while the UI thread calls :meth:`seen`.
    """

    def __init__(self, store: Store) -> None:
        self._lock = threading.Lock()
        self._store = store
        self._version: DataVersion | None = DataVersion(store.engine, store.location.path)
        self._seen = self._version.current()
        store.after_commit.append(self._own_commit)

    def _own_commit(self) -> None:
        try:
            self.seen()
        except QualcodeError:
            return  # the next look reports the failure; the write itself is done

    def changed(self) -> bool:
        """True once for each batch of commits made since the last look."""
        with self._lock:
            if self._version is None:
                return False
            now = self._version.current()
            moved = now != self._seen
            self._seen = now
            return moved

    def seen(self) -> None:
        """Take what is committed now as known (call it after this program's own write)."""
        with self._lock:
            if self._version is not None:
                self._seen = self._version.current()

    def close(self) -> None:
        if self._own_commit in self._store.after_commit:
            self._store.after_commit.remove(self._own_commit)
        with self._lock:
            if self._version is not None:
                self._version.close()
                self._version = None


def watch_changes(store: Store) -> ChangeWatch:
    return ChangeWatch(store)
