"""Building the demo project from the shipped corpus and codebooks."""

from __future__ import annotations

import json
import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import qualcode
from qualcode.errors import QualcodeError
from qualcode.services import anchored, codebook, corpus
from qualcode.services.project import create_project
from qualcode.storage.store import Store

DEMO_FILE = "sbs-demo.qualcode"
# What the build wrote, row counts per table: a rebuild compares it with what is there now.
_BUILT_KEY = "demo.built"
SHIPPED_CODEBOOKS = ("loose-coupling", "organisational-routines", "quality-steering")


@dataclass
class DemoReport:
    path: Path
    import_report: corpus.ImportReport
    codebooks: list[str]
    codings: int
    memos: int


def data_root() -> Path:
    """The folder holding ``corpora/`` and ``codebooks/`` (the source checkout)."""
    root = Path(qualcode.__file__).resolve().parents[1]
    if not (root / "corpora").is_dir():
        raise QualcodeError("The demo corpus is not installed next to qualcode.",
                            "Run qualcode from a checkout of its repository (pip install -e .).")
    return root


def build_demo(target: Path, *, progress: corpus.Progress | None = None) -> tuple[Store, DemoReport]:
    root = data_root()
    corpus_dir = root / "corpora" / "sbs-demo"
    store = create_project(target, name="SBS demo")
    try:
        report = corpus.import_paths(store, sorted(corpus_dir.glob("*.md")),
                                     speaker_map=corpus_dir / "speakers.yaml", progress=progress)
        if report.failed:
            problems = "; ".join(f"{p.path}: {p.reason}" for p in report.failed)
            raise QualcodeError(f"The demo corpus did not import cleanly: {problems}")
        for slug in SHIPPED_CODEBOOKS:
            codebook.load_file(store, root / "codebooks" / f"{slug}.yaml")
        coded = anchored.apply_anchored_folder(store, corpus_dir / "codings")
        with store.unit_of_work() as uow:
            uow.settings.set(_BUILT_KEY, json.dumps(uow.content_counts(), sort_keys=True))
    except BaseException:
        store.close()
        raise
    return store, DemoReport(store.location.path or target, report, list(SHIPPED_CODEBOOKS),
                             coded.applied, coded.memos)


def work_beyond_build(target: Path) -> str | None:
    """What the file at ``target`` holds that the demo build did not write; None if nothing.

    Anything that cannot be read as an untouched demo build counts as work: another
    file, a damaged project, one built by an older version, one with codings, memos,
    adjudications or topic runs added since.
    """
    from qualcode.services.project import open_project

    try:
        store = open_project(target)
    except QualcodeError as exc:
        return f"it is not a demo project this version can read ({exc.message})"
    try:
        with store.unit_of_work() as uow:
            built = uow.settings.get(_BUILT_KEY)
            now = uow.content_counts()
    finally:
        store.close()
    if built is None:
        return "it was not made by 'qualcode demo', or by a version that kept no record of the build"
    before = json.loads(built)
    changed = sorted(k for k in set(before) | set(now) if before.get(k) != now.get(k))
    if not changed:
        return None
    if changed == ["last_event"]:
        return "changes were made since it was built"
    return "changes since it was built: " + ", ".join(
        f"{k} {before.get(k, 0)} -> {now.get(k, 0)}" for k in changed if k != "last_event")


def set_aside(target: Path) -> Path:
    """Copy ``target`` to a free ``.bak`` name beside it (same file mode), then remove it."""
    from qualcode.storage.engine import backup_sqlite, check_sqlite_file

    backup = target.with_name(target.name + ".bak")
    number = 1
    while backup.exists():
        number += 1
        backup = target.with_name(f"{target.name}.{number}.bak")
    try:
        check_sqlite_file(target, must_exist=True)
        backup_sqlite(target, backup)
    except (QualcodeError, OSError, sqlite3.Error):
        shutil.copy2(target, backup)  # not a readable project: keep its bytes as they are
    for suffix in ("", "-wal", "-shm"):
        Path(str(target) + suffix).unlink(missing_ok=True)
    return backup
