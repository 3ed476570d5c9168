"""Finding, creating and opening projects; the coder of this user."""

from __future__ import annotations

import os
from pathlib import Path

from qualcode.errors import QualcodeError, StoreError
from qualcode.services.lemmas import Progress, ensure_search_index
from qualcode.storage.store import Store

PROJECT_SUFFIX = ".qualcode"
ENV_VAR = "QUALCODE_DB"


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
    text = str(target)
    if "://" not in text:
        path = Path(text)
        if path.suffix != PROJECT_SUFFIX and not path.exists():
            path = path.with_name(path.name + PROJECT_SUFFIX) if path.suffix == "" else path
        if path.exists() and path.stat().st_size > 0:
            raise StoreError(f"{path} already exists.", "Open it with --db, or choose another name.")
        text = str(path)
    store = Store.open(text, create=True, name=name)
    ensure_search_index(store)  # records which lemmatizer its index is made with
    return store


def open_project(target: str | Path, *, progress: Progress | None = None) -> Store:
    """Open a project; one made before the current lemmatizer has its search index
    rebuilt first (``progress`` reports per document)."""
    store = Store.open(target)
    try:
        ensure_search_index(store, progress)
    except BaseException:
        store.close()
        raise
    return store


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
