"""``qualcode check``: is this project intact, and if not, what exactly is wrong where.

The file checks come first and work on a file too damaged to open as a project; the
invariants need the project open and run only when the file itself is sound (reading
damaged pages through the ORM would only repeat SQLite's verdict as a crash). Nothing
is changed: the project is opened read-only and never upgraded.
"""

from __future__ import annotations

from qualcode.core.integrity import IntegrityProblem, IntegrityReport
from qualcode.errors import StoreError
from qualcode.storage import integrity
from qualcode.storage.engine import check_sqlite_file, locate, sqlite_open_mode
from qualcode.storage.store import Store


def check_project(target: str) -> IntegrityReport:
    location = locate(target)
    checks: list[str] = []
    skipped: list[str] = []
    problems: list[IntegrityProblem] = []
    if location.path is not None:
        check_sqlite_file(location.path, must_exist=True)
        if location.path.stat().st_size == 0:
            raise StoreError(f"{location.path} is empty: it holds no project.",
                             "Create one with 'qualcode init', or restore the file from a backup.")
        mode = sqlite_open_mode(location.path)
        checks.append("sqlite")  # pages and indexes, then foreign keys
        problems.extend(integrity.sqlite_problems(location.path, mode))
        if any(p.check == "sqlite" for p in problems):
            skipped.append("search index: the file itself is damaged")
            skipped.append("invariants: the file itself is damaged")
            return IntegrityReport(location.display(), tuple(checks), tuple(skipped), tuple(problems))
        if mode.writable:
            checks.append("search index")
            problems.extend(integrity.search_index_problems(location.path))
        else:
            skipped.append("search index: FTS5 checks only through a connection that may write, "
                           "and this file is read-only for you")
    store = Store.open(target, read_only=True)
    try:
        with store.unit_of_work() as uow:
            checks.append("invariants")
            problems.extend(integrity.invariant_problems(uow.session))
    finally:
        store.close()
    return IntegrityReport(location.display(), tuple(checks), tuple(skipped), tuple(problems))
