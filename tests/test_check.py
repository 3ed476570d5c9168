"""``qualcode check``, damaged project files, and projects this user may only read."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from qualcode.errors import StoreError
from qualcode.services import coding, corpus, retrieval
from qualcode.services.integrity import check_project
from qualcode.storage.engine import OpenMode, sqlite_open_mode
from qualcode.storage.store import Store
from tests.conftest import INTERVIEW
from tests.privileges import as_unprivileged, public_folder

REPO = Path(__file__).resolve().parents[1]
SCRIPT = Path(sys.executable).with_name("qualcode")
needs_script = pytest.mark.skipif(not SCRIPT.exists(), reason="the qualcode console script is not installed")


def qualcode(*argv: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "PYTHONPATH": str(REPO), "COLUMNS": "200"}
    return subprocess.run([str(SCRIPT), *argv], cwd=cwd, env=environment, capture_output=True,
                          text=True, timeout=300)


def code_something(store: Store) -> int:
    applied = coding.apply_code(store, "skola2_rektorer", "dialogue", "anna", coding.Span(10, 40))
    coding.add_memo(store, "coding", applied.id, "A memo on the coding.", "anna")
    return applied.id


def test_a_sound_project_passes_every_check(coded_store: Store) -> None:
    code_something(coded_store)
    report = check_project(coded_store.location.url if not coded_store.location.is_sqlite
                           else str(coded_store.location.path))
    assert report.ok, report.problems
    expected = ("sqlite", "search index", "invariants") if coded_store.location.is_sqlite else ("invariants",)
    assert report.checks == expected


def test_broken_invariants_are_each_listed_with_where(coded_store: Store) -> None:
    coding_id = code_something(coded_store)
    with coded_store.engine.begin() as connection:
        connection.execute(text('UPDATE codings SET "end" = 100000 WHERE id = :id'), {"id": coding_id})
        connection.execute(text('UPDATE turns SET "end" = "end" + 100000 WHERE "index" = 0'))
    if coded_store.location.is_sqlite:  # memos hold foreign keys: only a raw write can break one
        raw = sqlite3.connect(coded_store.location.path)  # foreign keys are off by default
        raw.execute("UPDATE memos SET coding_id = 99999 WHERE target_kind = 'coding'")
        raw.commit()
        raw.close()
    target = str(coded_store.location.path) if coded_store.location.is_sqlite else coded_store.location.url
    report = check_project(target)
    lines = [p.line() for p in report.problems]
    length = len(corpus.view_document(coded_store, "skola2_rektorer").text)
    assert f"offsets: coding {coding_id}: span [10, 100000) is not inside document 'skola2_rektorer' " \
           f"(0 to {length} characters)" in lines
    assert any(line.startswith("offsets: turn ") and "is not inside document" in line for line in lines)
    if coded_store.location.is_sqlite:
        assert any(line.startswith("references: memo ") and "coding 99999, which does not exist" in line
                   for line in lines)
    assert not report.ok


def test_a_coding_whose_code_is_gone_is_found(coded_store: Store) -> None:
    if not coded_store.location.is_sqlite:
        pytest.skip("PostgreSQL enforces the foreign key even for this test")
    coding_id = code_something(coded_store)
    connection = sqlite3.connect(coded_store.location.path)  # foreign keys are off by default
    connection.execute("UPDATE codings SET code_id = 4242 WHERE id = ?", (coding_id,))
    connection.commit()
    connection.close()
    report = check_project(str(coded_store.location.path))
    lines = [p.line() for p in report.problems]
    assert f"references: coding {coding_id}: its code 4242 does not exist" in lines
    assert any(line.startswith("foreign keys: codings row") for line in lines)


@pytest.fixture
def project_file(tmp_path: Path) -> Path:
    """A SQLite project with one interview, closed (so no -wal file holds its pages)."""
    from qualcode.services.project import create_project

    path = tmp_path / "study.qualcode"
    (tmp_path / "skola.md").write_text(INTERVIEW, encoding="utf-8")
    store = create_project(path)
    corpus.import_paths(store, [tmp_path / "skola.md"])
    store.close()
    return path


def truncate(path: Path) -> None:
    with path.open("r+b") as handle:
        handle.truncate(path.stat().st_size // 2)


def test_a_truncated_file_is_reported_as_damaged_not_as_a_traceback(project_file: Path) -> None:
    truncate(project_file)
    with pytest.raises(StoreError) as caught:
        Store.open(project_file)
    assert "is damaged" in caught.value.message and "no .bak copy" in caught.value.message
    assert f"qualcode check {project_file}" in (caught.value.hint or "")
    shutil.copy(project_file, project_file.with_name(project_file.name + ".bak"))
    with pytest.raises(StoreError, match=r"A copy made before the last schema upgrade is at .*study\.qualcode\.bak"):
        Store.open(project_file)
    report = check_project(str(project_file))
    assert not report.ok and report.problems[0].check == "sqlite"
    assert report.skipped == ("search index: the file itself is damaged", "invariants: the file itself is damaged")


def test_corrupted_pages_are_found_by_check(project_file: Path) -> None:
    page = sqlite3.connect(project_file).execute("PRAGMA page_size").fetchone()[0]
    pages = project_file.stat().st_size // page
    with project_file.open("r+b") as handle:  # scribble over the second half, page headers included
        for number in range(pages // 2, pages):
            handle.seek(number * page)
            handle.write(bytes([0xA5]) * 64)
    report = check_project(str(project_file))
    assert not report.ok
    assert all(p.check in ("sqlite", "foreign keys") for p in report.problems)


@needs_script
def test_the_real_script_on_a_damaged_file(project_file: Path) -> None:
    healthy = qualcode("check", str(project_file), "--json", cwd=project_file.parent)
    assert healthy.returncode == 0, healthy.stderr
    assert json.loads(healthy.stdout)["ok"] is True
    truncate(project_file)
    for argv in (["docs"], ["search", "kvalitetsdialog"]):
        done = qualcode(*argv, "--db", str(project_file), cwd=project_file.parent)
        assert done.returncode == 5
        assert "Traceback" not in done.stderr
        assert "is damaged" in done.stderr and "qualcode check" in done.stderr
    checked = qualcode("check", str(project_file), cwd=project_file.parent)
    assert checked.returncode == 11
    assert "sqlite:" in checked.stdout and "problem(s) found" in checked.stdout


# ----------------------------------------------------------------- read-only projects


def test_the_open_mode_follows_what_this_user_may_write(project_file: Path) -> None:
    with public_folder() as folder:
        moved = folder / project_file.name
        shutil.move(project_file, moved)
        found = []
        for file_mode, folder_mode in ((0o666, 0o777), (0o444, 0o777), (0o666, 0o555), (0o444, 0o555)):
            moved.chmod(file_mode)
            folder.chmod(folder_mode)
            found.append(as_unprivileged(lambda: sqlite_open_mode(moved)))  # noqa: B023
        folder.chmod(0o755)
    assert found == [OpenMode.READ_WRITE, OpenMode.READ_ONLY, OpenMode.IMMUTABLE, OpenMode.IMMUTABLE]


@pytest.mark.parametrize("lock_folder", [False, True], ids=["read-only file", "read-only folder"])
def test_a_read_only_project_can_be_read_and_refuses_writes_clearly(project_file: Path, lock_folder: bool) -> None:
    def use() -> tuple[list[str], list[str], str, str]:
        store = Store.open(moved)
        try:
            names = [d.name for d in corpus.list_documents(store)]
            hits = [d.name for d in corpus.list_documents(store, attributes={"school": ["skola 2"]})]
            assert retrieval.search(store, "kvalitetsdialog").total == 1
            report = corpus.import_paths(store, [source], force=True)
            refused = report.failed[0].reason
            try:
                coding.add_memo(store, "project", None, "Ett memo.", "anna")
                memo = "written"
            except StoreError as exc:
                memo = exc.message
        finally:
            store.close()
        return names, hits, refused, memo

    with public_folder() as folder:
        moved = folder / project_file.name
        shutil.move(project_file, moved)
        source = folder / "skola.md"
        source.write_text(INTERVIEW, encoding="utf-8")
        os.chmod(moved, 0o444)
        if lock_folder:
            folder.chmod(0o555)
        before = moved.read_bytes()
        names, hits, refused, memo = as_unprivileged(use)
        assert moved.read_bytes() == before
    assert names == hits == ["skola"]
    assert "is read-only for you: this command would change it, so nothing was changed" in refused
    assert "is read-only for you" in memo
