"""Where a project lives and how this user may open it, without loading SQLAlchemy.

Every command that opens a project first finds it (a file path or a server URL), judges
whether this user may write it, and refuses files that are not qualcode projects; the
light read path and the workbench's first screen do all of that before, or instead of,
importing the database toolkit (a third of a command's start-up), so these checks live
apart from the engine that :mod:`qualcode.storage.engine` builds.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import stat
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from urllib.parse import quote

from qualcode.errors import StoreError

APPLICATION_ID = 0x51434F44  # "QCOD"
# The databases a project may live in: the schema, its migrations and the tests know no other.
SUPPORTED_BACKENDS = ("sqlite", "postgresql")


@dataclass(frozen=True)
class Location:
    """Where a project lives: a SQLite file path or a server URL."""

    url: str
    path: Path | None = None

    @property
    def is_sqlite(self) -> bool:
        return self.path is not None

    def display(self) -> str:
        if self.path is not None:
            return str(self.path)
        from sqlalchemy.engine import make_url

        return make_url(self.url).render_as_string(hide_password=True)


def locate(target: str | Path) -> Location:
    """Interpret a ``--db`` value: a database URL or a project file path."""
    text = str(target)
    if "://" in text:
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError

        try:
            url = make_url(text)
        except (ArgumentError, ValueError) as exc:
            raise StoreError(f"'{text}' is not a valid database URL.",
                             "Use e.g. postgresql+psycopg://user@host:5432/dbname") from exc
        if url.get_backend_name() not in SUPPORTED_BACKENDS:
            raise StoreError(f"{url.render_as_string(hide_password=True)}: qualcode keeps projects in SQLite "
                             f"or PostgreSQL, not in {url.get_backend_name()}.",
                             "Give a .qualcode file or a postgresql://USER@HOST/DATABASE URL.")
        if url.drivername == "postgresql":
            url = url.set(drivername="postgresql+psycopg")
        if url.drivername.startswith("sqlite"):
            database = url.database or ""
            return Location(url.render_as_string(hide_password=False), Path(database).resolve())
        return Location(url.render_as_string(hide_password=False))
    path = Path(text).expanduser().resolve()
    return Location(f"sqlite:///{path}", path)


class OpenMode(Enum):
    """How a SQLite project file is opened.

    ``READ_WRITE`` is the normal case. A file or folder this user may not write is
    opened ``READ_ONLY`` (SQLite ``mode=ro``): every command that only reads works, and a
    write is refused by SQLite and reported as such. A WAL project in a folder this user
    may not write has no way to create its ``-shm`` index, so it is opened ``IMMUTABLE``
    (SQLite ``immutable=1``): read without locks, which is safe because nobody who
    lacks write permission on the folder can be writing it through this user's account.
    """

    READ_WRITE = "rw"
    READ_ONLY = "ro"
    IMMUTABLE = "immutable"

    @property
    def writable(self) -> bool:
        return self is OpenMode.READ_WRITE


# How long a connection waits for another's lock before SQLite reports it as locked.
BUSY_TIMEOUT_MS = 15_000


def connect_read_only(path: Path, mode: OpenMode) -> sqlite3.Connection:
    """A connection to ``path`` that cannot write: ``immutable=1`` where ``mode`` is
    :attr:`OpenMode.IMMUTABLE`, else ``mode=ro``."""
    flag = "immutable=1" if mode is OpenMode.IMMUTABLE else "mode=ro"
    return sqlite3.connect(f"file:{quote(str(path))}?{flag}", uri=True, check_same_thread=False)


def sqlite_open_mode(path: Path) -> OpenMode:
    """The mode a project file can be opened in by this user, judged by access(2)."""
    if not path.exists():
        return OpenMode.READ_WRITE  # being created: the folder's check comes later
    folder_writable = os.access(path.parent, os.W_OK | os.X_OK)
    if os.access(path, os.W_OK) and folder_writable:
        return OpenMode.READ_WRITE
    if folder_writable:
        return OpenMode.READ_ONLY
    shm = path.with_name(path.name + "-shm")
    if shm.exists() and os.access(shm, os.R_OK | os.W_OK):
        return OpenMode.READ_ONLY
    return OpenMode.IMMUTABLE


def check_sqlite_file(path: Path, *, must_exist: bool) -> None:
    """Refuse files that are not qualcode projects before SQLite touches them."""
    if not path.exists():
        if must_exist:
            raise StoreError(f"No project at {path}.",
                             "Create one with 'qualcode init PATH' or check the path.")
        if not path.parent.exists():
            raise StoreError(f"Cannot create {path}: folder {path.parent} does not exist.")
        return
    if path.is_dir():
        raise StoreError(f"{path} is a folder, not a project file.")
    if path.stat().st_size == 0:
        return
    with path.open("rb") as handle:
        header = handle.read(100)
    if not header.startswith(b"SQLite format 3\x00"):
        raise StoreError(f"{path} is not a qualcode project (not a SQLite database).",
                         "Pass the .qualcode file made by 'qualcode init'.")
    app_id = int.from_bytes(header[68:72], "big")
    if app_id not in (0, APPLICATION_ID):
        raise StoreError(f"{path} is a SQLite database of another application.",
                         "Pass the .qualcode file made by 'qualcode init'.")


def backup_sqlite(path: Path, target: Path | None = None) -> Path:
    """Copy a project to ``<file>.bak`` (or ``target``) with SQLite's online backup (WAL-safe).

    The copy gets the project's file mode: a private project keeps a private backup.
    """
    target = target or path.with_name(path.name + ".bak")
    mode = stat.S_IMODE(path.stat().st_mode)
    target.unlink(missing_ok=True)
    os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode))
    os.chmod(target, mode)  # the umask may have narrowed it
    source = sqlite3.connect(path)
    try:
        destination = sqlite3.connect(target)
        try:
            source.backup(destination)
        finally:
            destination.close()
    finally:
        source.close()
    return target


def copy_file(source: Path, target: Path) -> None:
    shutil.copy2(source, target)
