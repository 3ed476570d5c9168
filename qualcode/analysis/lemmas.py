"""Lemmas of the words at hand, without reading a whole lookup table.

spaCy's Swedish lookup table (``spacy-lookups-data``) maps 660,000 forms to lemmas and
takes most of a second to read from its compressed JSON; an import or a search needs
a few thousand of them. The first use on a machine copies each table into an SQLite
file in the user's cache folder, once per version of the table; after that a process
looks up only the words it meets, and keeps what it found.

Where the cache folder cannot be written, the whole table is read as before.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import sqlite3
import tempfile
from collections.abc import Iterable
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path

LEMMA_LANGUAGES = ("sv", "en")
_BATCH = 500  # words per query: well under SQLite's limit on bound parameters


def cache_folder() -> Path:
    """``$QUALCODE_CACHE``, else ``$XDG_CACHE_HOME/qualcode``, else ``~/.cache/qualcode``."""
    if os.environ.get("QUALCODE_CACHE"):
        return Path(os.environ["QUALCODE_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "qualcode"


def lemma_source(language: str) -> Path:
    """The compressed JSON table that ``spacy-lookups-data`` ships for a language."""
    return Path(str(resources.files("spacy_lookups_data") / "data" / f"{language}_lemma_lookup.json.gz"))


@lru_cache(maxsize=4)
def lemma_table(language: str) -> dict[str, str]:
    """The whole table, keyed by surface form (case-sensitive); empty for other languages."""
    if language not in LEMMA_LANGUAGES:
        return {}
    return json.loads(gzip.decompress(lemma_source(language).read_bytes()))


class Lemmas:
    """One language's form-to-lemma table, loaded word by word as words are asked for."""

    def __init__(self, language: str) -> None:
        self.language = language
        self._found: dict[str, str] = {}
        self._missing: set[str] = set()
        self._complete = language not in LEMMA_LANGUAGES  # no table: nothing to find
        self._connection: sqlite3.Connection | None = None
        self._connected_in: int | None = None  # a forked process opens its own

    def lookup(self, words: Iterable[str]) -> dict[str, str]:
        """A table that holds at least these (lower-cased) words' lemmas: use its ``get``."""
        if self._complete:
            return self._found
        # Set differences in C, each as long as the distinct words asked for.
        new = set(words).difference(self._found).difference(self._missing)
        if not new:
            return self._found
        connection = self._open()
        if connection is None:
            return self._found  # the whole table was read instead
        asked = list(new)
        for begin in range(0, len(asked), _BATCH):
            chunk = asked[begin:begin + _BATCH]
            marks = ",".join("?" * len(chunk))
            self._found.update(connection.execute(
                f"SELECT form, lemma FROM lemmas WHERE form IN ({marks})", chunk))  # noqa: S608 - marks only
        self._missing.update(word for word in asked if word not in self._found)
        return self._found

    def _open(self) -> sqlite3.Connection | None:
        if self._connection is not None and self._connected_in == os.getpid():
            return self._connection
        path = _cached_table(self.language)
        if path is None:
            self._found = lemma_table(self.language)
            self._complete = True
            return None
        self._connection = sqlite3.connect(f"{path.as_uri()}?mode=ro&immutable=1", uri=True,
                                           check_same_thread=False)
        self._connected_in = os.getpid()
        return self._connection


@cache
def lemmas(language: str) -> Lemmas:
    """The process's lookups for a language, shared by everything that needs lemmas."""
    return Lemmas(language)


def _cached_table(language: str) -> Path | None:
    """The table's SQLite copy, made now if there is none; ``None`` if none can be made."""
    source = lemma_source(language)
    stamp = hashlib.sha256(f"{source}:{source.stat().st_size}:{source.stat().st_mtime_ns}".encode()).hexdigest()
    folder = cache_folder()
    path = folder / f"lemmas-{language}-{stamp[:16]}.sqlite"
    if path.exists():
        return path
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=path.stem, suffix=".tmp", dir=folder)
        os.close(handle)
        try:
            connection = sqlite3.connect(temporary)
            with connection:
                connection.execute("CREATE TABLE lemmas (form TEXT PRIMARY KEY, lemma TEXT NOT NULL) WITHOUT ROWID")
                connection.executemany("INSERT INTO lemmas VALUES (?, ?)",
                                       sorted(lemma_table(language).items()))
            connection.close()
            os.replace(temporary, path)  # whole or not at all, even with two processes at it
        finally:
            if os.path.exists(temporary):
                os.unlink(temporary)
    except (OSError, sqlite3.Error):
        return None
    return path
