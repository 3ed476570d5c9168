"""Backups and moves of a whole project: ``qualcode backup`` and ``qualcode copy``.

A SQLite backup uses SQLite's online backup API (safe while others write the file); a
PostgreSQL project is backed up as a .qualcode copy. A copy runs between any two
stores, SQLite or PostgreSQL, and is verified table by table (row counts and a SHA-256
of the rows) before it is reported done. A target that already holds something is
replaced only with ``force``, and then kept first as a ``.bak``.
"""

from __future__ import annotations

import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from qualcode.errors import StoreError
from qualcode.storage import engine as engines
from qualcode.storage import transfer
from qualcode.storage.store import Store


@dataclass(frozen=True)
class TransferReport:
    """What a backup or copy wrote: rows per table (all checked), and the kept old target."""

    source: str
    target: str
    rows: dict[str, int]
    verified: bool
    kept: str | None = None

    @property
    def total(self) -> int:
        return sum(self.rows.values())


def _refuse_existing(where: str, force: bool) -> None:
    if not force:
        raise StoreError(f"{where} already holds a project or file; nothing was written.",
                         "Pass --force to replace it (a .bak copy of it is kept first), or choose another target.")


def _keep_file(path: Path) -> Path:
    """Copy an existing target to PATH.bak (SQLite's backup API, so its WAL comes along;
    an older .bak is replaced), then remove it and its WAL files."""
    kept = path.with_name(path.name + ".bak")
    try:
        engines.backup_sqlite(path, kept)
    except sqlite3.DatabaseError:  # not a SQLite file: keep its bytes as they are
        shutil.copy2(path, kept)
    for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        leftover.unlink(missing_ok=True)
    return kept


def _prepare_target(target: str, force: bool) -> tuple[engines.Location, str | None]:
    """The target's location, emptied (kept as a .bak first where it held something)."""
    location = engines.locate(target)
    if location.path is not None:
        if location.path.exists() and location.path.stat().st_size > 0:
            _refuse_existing(str(location.path), force)
            return location, str(_keep_file(location.path))
        return location, None
    engine = engines.make_engine(location)
    try:
        occupied = engines.has_tables(engine)
    finally:
        engine.dispose()
    if not occupied:
        return location, None
    _refuse_existing(location.display(), force)
    database = transfer.database_name(location.url)
    kept = Path.cwd() / f"{database}.bak.qualcode"
    _copy_into_new(target, str(kept), force_file=True)
    _empty_database(location)
    return location, str(kept)


def _empty_database(location: engines.Location) -> None:
    engine = engines.make_engine(location)
    try:
        transfer.drop_schema(engine)
    finally:
        engine.dispose()


def _copy_into_new(source: str, target: str, *, force_file: bool = False) -> dict[str, int]:
    if force_file:
        Path(target).unlink(missing_ok=True)
    with _opened(source) as source_store:
        target_store = Store.open(target, create=True)
        try:
            expected = transfer.copy_rows(source_store.engine, target_store.engine)
            found = transfer.digests(target_store.engine)
        finally:
            target_store.close()
    wrong = sorted(name for name, figures in expected.items() if found.get(name) != figures)
    if wrong:
        raise StoreError(f"The copy at {target} does not match its source in: {', '.join(wrong)}.",
                         "Do not use the copy; report this as a bug with the project's 'qualcode check' output.")
    return {name: count for name, (count, _) in expected.items()}


class _opened:
    def __init__(self, target: str) -> None:
        self.target = target

    def __enter__(self) -> Store:
        self.store = Store.open(self.target)
        return self.store

    def __exit__(self, *exc: object) -> None:
        self.store.close()


def copy_project(source: str, target: str, *, force: bool = False) -> TransferReport:
    """Copy every table of ``source`` to ``target`` (SQLite or PostgreSQL), ids kept, verified."""
    source_location = engines.locate(source)
    target_location = engines.locate(target)
    if source_location.display() == target_location.display():
        raise StoreError("The source and the target are the same project.", "Name another target.")
    with _opened(source):  # refused here, before the target is touched, if it is no project
        pass
    _, kept = _prepare_target(target, force)
    rows = _copy_into_new(source, target)
    return TransferReport(source_location.display(), target_location.display(), rows, True, kept)


def backup_project(source: str, destination: str | Path, *, force: bool = False) -> TransferReport:
    """A .qualcode copy of the project at ``destination``, checked against the project."""
    dest = Path(destination)
    if "://" in str(destination):
        raise StoreError("A backup is written to a .qualcode file.",
                         "To copy a project into a database, use 'qualcode copy SOURCE URL'.")
    if dest.is_dir():
        raise StoreError(f"{dest} is a folder.", f"Name the file to write, e.g. {dest / 'backup.qualcode'}.")
    if not dest.parent.is_dir():
        raise StoreError(f"The folder {dest.parent} does not exist; nothing was written.",
                         "Create it first, or name a file in an existing folder.")
    location = engines.locate(source)
    if location.path is None:
        return copy_project(source, str(dest), force=force)
    with _opened(source) as store:
        if store.location.path is not None and dest.resolve() == store.location.path.resolve():
            raise StoreError("The backup would replace the project itself.", "Choose another file.")
        kept = None
        if dest.exists() and dest.stat().st_size > 0:
            _refuse_existing(str(dest), force)
            kept = str(_keep_file(dest))
        engines.backup_sqlite(location.path, dest)
    expected = _file_digests(location.path)
    found = _file_digests(dest)
    if expected != found:  # someone wrote between the backup and the check: check once more
        wrong = sorted(n for n in expected if expected[n] != found.get(n))
        raise StoreError(f"The backup at {dest} differs from the project in: {', '.join(wrong)} "
                         "(was the project changed while it was backed up?).", "Run the backup again.")
    return TransferReport(str(location.path), str(dest), {n: c for n, (c, _) in found.items()}, True, kept)


def _file_digests(path: Path) -> dict[str, tuple[int, str]]:
    engine = engines.make_engine(engines.locate(path), engines.OpenMode.READ_ONLY)
    try:
        return transfer.digests(engine)
    finally:
        engine.dispose()
