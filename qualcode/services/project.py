"""Finding, creating and opening projects; the coder of this user."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar, cast

from qualcode.errors import QualcodeError, StoreError

if TYPE_CHECKING:
    # Imported by the functions that open a project: finding one (resolve_target) must
    # not pay for SQLAlchemy, so the command tree can name these functions for free.
    from qualcode.services.lemmas import Progress
    from qualcode.storage.store import Store

PROJECT_SUFFIX = ".qualcode"
ENV_VAR = "QUALCODE_DB"
T = TypeVar("T")


def resolve_target(db: str | None, *, cwd: Path | None = None) -> str:
    """``--db``, else ``$QUALCODE_DB``, else the single ``*.qualcode`` file here."""
    if db:
        return db
    env = os.environ.get(ENV_VAR)
    if env:
        return env
    here = cwd or Path.cwd()
    candidates = sorted(here.glob(f"*{PROJECT_SUFFIX}"))
    if len(candidates) == 1:
        return str(candidates[0])
    if not candidates:
        raise StoreError(
            f"No project given and no {PROJECT_SUFFIX} file in {here}.",
            f"Pass --db PATH_OR_URL, set {ENV_VAR}, or create one with 'qualcode init'.",
        )
    names = ", ".join(c.name for c in candidates)
    raise StoreError(f"Several projects in {here}: {names}.", "Choose one with --db PATH.")


def create_project(target: str | Path, *, name: str | None = None) -> Store:
    """A new, empty project at ``target`` (a file, ``.qualcode`` added if it has no suffix,
    or a database URL); refused where a project or other file already is."""
    text = str(target)
    if not text.strip():  # Path("") is the folder here: it would be "already exists"
        raise StoreError("The project needs a name; an empty one was given.",
                         "Name the file, e.g. qualcode init study.qualcode.")
    if "://" not in text:
        path = Path(text)
        if path.is_dir():
            raise StoreError(f"{path} is a folder; the project needs a file name.",
                             f"Name a file inside it, e.g. qualcode init {path / 'study.qualcode'}.")
        if path.suffix != PROJECT_SUFFIX and not path.exists():
            path = path.with_name(path.name + PROJECT_SUFFIX) if path.suffix == "" else path
        if path.exists() and path.stat().st_size > 0:
            raise StoreError(f"{path} already exists.", "Open it with --db, or choose another name.")
        text = str(path)
    from qualcode.services.search_index import ensure_search_index
    from qualcode.storage.store import Store

    store = Store.open(text, create=True, name=name)
    ensure_search_index(store)  # records which lemmatizer its index is made with
    return store


_PARTIAL = ".partial-"


def build_new_project(target: Path, build: Callable[[Store], T], *, name: str | None = None
                      ) -> tuple[Store, T]:
    """Create a project at ``target`` by ``build``-ing it in a file beside it, then renaming.

    A crash or kill mid-way leaves no project at ``target`` (so a rerun is not refused)
    and only a hidden ``.<name>.partial-<pid>`` file, which the next build removes once
    its process is gone. A failure removes the partial file at once.
    """
    target = Path(target)
    if target.exists():
        raise StoreError(f"{target} already exists.", "Open it with --db, or choose another name.")
    from qualcode.storage.store import Store

    _remove_stale_partials(target)
    partial = target.with_name(f".{target.name}{_PARTIAL}{os.getpid()}")
    from qualcode.services.search_index import ensure_search_index

    store = Store.open(partial, create=True, name=name or target.stem)
    try:
        ensure_search_index(store)  # records which lemmatizer its index is made with
        result = build(store)
    except BaseException:
        store.close()
        _remove_sqlite_files(partial)
        raise
    store.close()  # the last connection's close folds the WAL into the file
    try:
        _place(partial, target)
    except BaseException:
        _remove_sqlite_files(partial)
        raise
    return Store.open(target), result


def _place(partial: Path, target: Path) -> None:
    """Move the finished file to ``target``, never over a file that appeared meanwhile."""
    try:
        os.link(partial, target)
    except FileExistsError as exc:
        raise StoreError(f"{target} appeared while the project was being built; it was left alone.",
                         "Remove or rename it and run the command again.") from exc
    except OSError:  # no hard links on this file system
        if target.exists():
            raise StoreError(f"{target} appeared while the project was being built; it was left alone.",
                             "Remove or rename it and run the command again.") from None
        os.replace(partial, target)
        return
    partial.unlink()


def _remove_sqlite_files(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def _remove_stale_partials(target: Path) -> None:
    for leftover in target.parent.glob(f".{target.name}{_PARTIAL}*"):
        pid_text = leftover.name.rsplit(_PARTIAL, 1)[-1].split("-", 1)[0]
        if pid_text.isdigit() and not _alive(int(pid_text)):
            leftover.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # e.g. another user's process: it exists
        return True
    return True


def open_project(target: str | Path, *, progress: Progress | None = None) -> Store:
    """Open a project; one made before the current lemmatizer has its search index
    rebuilt first (``progress`` reports per document)."""
    from qualcode.services.search_index import ensure_search_index
    from qualcode.storage.store import Store

    store = Store.open(target)
    try:
        ensure_search_index(store, progress)
    except BaseException:
        store.close()
        raise
    return store


def read_project(target: str | Path, read: Callable[[Store], T], *, progress: Progress | None = None) -> T:
    """``read(store)`` for a command that only reads, its store closed afterwards.

    A current SQLite project is read with the standard library alone
    (:mod:`qualcode.storage.lite_reads`): no SQLAlchemy and no table mapping to load
    before the first row. Anything that path does not read (a server URL, a project
    to upgrade or re-index, a repository or filter it lacks, an error of SQLite itself)
    is read again from the start on the full store, so the answer, and any error, is
    the full store's.
    """
    from qualcode.analysis.lemma_version import LEMMATIZER_VERSION
    from qualcode.storage import lite

    reader = lite.open_reader(target, index_version=LEMMATIZER_VERSION)
    if reader is not None:
        from qualcode.storage.lite_reads import LiteStore, NeedsFullStore

        with LiteStore(reader) as light:
            try:
                return read(cast("Store", light))
            except NeedsFullStore:
                pass
    store = open_project(target, progress=progress)
    try:
        return read(store)
    finally:
        store.close()


def coder_setting_key() -> str:
    return "tui.coder"


def remembered_coder(store: Store) -> str | None:
    """The coder name stored for this project by this user's last session."""
    with store.unit_of_work() as uow:
        return uow.settings.get(f"{coder_setting_key()}.{_user()}")


def remember_coder(store: Store, name: str) -> None:
    name = name.strip()
    if not name:
        raise QualcodeError("A coder name cannot be empty.", "Type the name you code under.")
    with store.unit_of_work() as uow:
        uow.coders.get_or_create(name)
        uow.settings.set(f"{coder_setting_key()}.{_user()}", name)


def _user() -> str:
    return os.environ.get("USER") or os.environ.get("USERNAME") or "user"
