"""Lemmas of the words at hand, without reading a whole lookup table.

spaCy's Swedish lookup table (``spacy-lookups-data``) maps 660,000 forms to lemmas and
takes most of a second to read from its compressed JSON, simplemma's Swedish
dictionary 960,000 and several seconds; an import or a search needs a few thousand of
them. The first use on a machine copies each table into an SQLite
file in the user's cache folder, once per version of the table; after that a process
looks up only the words it meets, and keeps what it found. The copy holds the table
and nothing of any project.

Where the cache folder cannot be written, the whole table is read as before.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

_BATCH = 500  # words per query: well under SQLite's limit on bound parameters


def cache_folder() -> Path:
    """``$QUALCODE_CACHE``, else ``$XDG_CACHE_HOME/qualcode``, else ``~/.cache/qualcode``."""
    if os.environ.get("QUALCODE_CACHE"):
        return Path(os.environ["QUALCODE_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "qualcode"


class LemmaCache:
    """One form-to-lemma table, loaded word by word as words are asked for.

    ``source`` is the table's file (``None`` when the language has none) and
    ``whole_table`` reads all of it, for the first copy and where no copy can be made.
    ``name`` names the copy (default: the file's name up to its first dot) and
    ``version`` changes whenever ``whole_table`` gives other content for the same file.
    """

    def __init__(self, source: Path | None, whole_table: Callable[[], dict[str, str]], *,
                 name: str | None = None, version: str = "") -> None:
        self._source = source
        self._name = name
        self._version = version
        self._whole_table = whole_table
        self._found: dict[str, str] = {}
        self._missing: set[str] = set()
        self._complete = source is None  # no table: nothing to find
        self._connection: sqlite3.Connection | None = None
        self._connected_in: int | None = None  # a forked process opens its own

    def lookup(self, words: Iterable[str]) -> dict[str, str]:
        """A table that holds at least these (lower-cased) words' lemmas: use its ``get``."""
        if self._complete:
            return self._found
        # Set differences in C, each as long as the distinct words asked for.
        asked = list(set(words).difference(self._found).difference(self._missing))
        if not asked:
            return self._found
        try:
            connection = self._open()
            for begin in range(0, len(asked), _BATCH):
                chunk = asked[begin:begin + _BATCH]
                marks = ",".join("?" * len(chunk))
                self._found.update(connection.execute(
                    f"SELECT form, lemma FROM lemmas WHERE form IN ({marks})", chunk))  # noqa: S608 - marks only
        except (OSError, sqlite3.Error):
            self._read_whole_table()  # no copy could be made or read
            return self._found
        self._missing.update(word for word in asked if word not in self._found)
        return self._found

    def _open(self) -> sqlite3.Connection:
        if self._connection is not None and self._connected_in == os.getpid():
            return self._connection
        assert self._source is not None
        path = _cached_copy(self._source, self._whole_table, self._name, self._version)
        self._connection = sqlite3.connect(f"{path.as_uri()}?mode=ro&immutable=1", uri=True,
                                           check_same_thread=False)
        self._connected_in = os.getpid()
        return self._connection

    def _read_whole_table(self) -> None:
        self._found = self._whole_table()
        self._complete = True


def _cached_copy(source: Path, whole_table: Callable[[], dict[str, str]], name: str | None = None,
                 version: str = "") -> Path:
    """The table's SQLite copy, made now if there is none (OSError if none can be made)."""
    identity = f"{source}:{source.stat().st_size}:{source.stat().st_mtime_ns}:{version}"
    stamp = hashlib.sha256(identity.encode()).hexdigest()
    folder = cache_folder()
    name = name or source.name.split(".")[0]  # sv_lemma_lookup
    path = folder / f"{name}-{stamp[:16]}.sqlite"
    if path.exists():
        return path
    folder.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=path.stem, suffix=".tmp", dir=folder)
    os.close(handle)
    try:
        connection = sqlite3.connect(temporary)
        with connection:
            connection.execute("CREATE TABLE lemmas (form TEXT PRIMARY KEY, lemma TEXT NOT NULL) WITHOUT ROWID")
            connection.executemany("INSERT INTO lemmas VALUES (?, ?)", sorted(whole_table().items()))
        connection.close()
        os.replace(temporary, path)  # whole or not at all, even with two processes at it
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
    return path
