"""Backups and copies between SQLite and PostgreSQL: every row, its id and its references kept."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from qualcode.errors import StoreError
from qualcode.services import coders, coding, corpus, retrieval, transfer
from qualcode.services.coding import Span
from qualcode.services.project import create_project, open_project
from qualcode.storage import transfer as storage_transfer
from qualcode.storage.store import Store
from tests.conftest import SMALL_BOOK

REPO = Path(__file__).resolve().parents[1]
DOC = "skola2_rektorer"


def _span(store: Store, phrase: str) -> Span:
    text = corpus.view_document(store, DOC).text
    start = text.index(phrase)
    return Span(start, start + len(phrase))


def _work(store: Store) -> int:
    """Codings, a memo, a weight, a deleted coding (its id must stay used) and a merged coder."""
    first = coding.apply_code(store, DOC, "voice", "anna", _span(store, "Lärarna ser sällan underlagen."))
    coding.set_weight(store, first.id, 60, "anna")
    coding.add_memo(store, "coding", first.id, "Hörs lärarna?", "anna")
    coding.apply_code(store, DOC, "dialogue", "a.svensson", _span(store, "Vi har en kvalitetsdialog"))
    gone = coding.apply_code(store, DOC, "followup", "bo", _span(store, "Det stämmer inte riktigt."))
    coding.remove_coding(store, gone.id, "bo")
    coders.merge_coders(store, "a.svensson", "anna")
    return gone.id


def _digests(target: str) -> dict[str, tuple[int, str]]:
    store = open_project(target)
    try:
        return storage_transfer.digests(store.engine)
    finally:
        store.close()


def _built(coded_store: Store) -> tuple[str, int]:
    gone = _work(coded_store)
    where = coded_store.location.display()
    coded_store.close()
    return where, gone


def _sqlite_project(folder: Path, interview_files: tuple[Path, Path]) -> Store:
    from qualcode.services import codebook

    doc, speakers = interview_files
    store = create_project(folder / "source.qualcode")
    corpus.import_paths(store, [doc], speaker_map=speakers)
    codebook.load_spec(store, SMALL_BOOK)
    return store


@pytest.mark.postgres
def test_sqlite_to_postgresql_and_back_keeps_every_row_and_id(tmp_path: Path, pg_url: str,
                                                                 interview_files: tuple[Path, Path]) -> None:
    source, gone = _built(_sqlite_project(tmp_path, interview_files))
    original = _digests(source)
    there = transfer.copy_project(source, pg_url)
    assert there.verified and there.rows["codings"] == 2 and there.rows["memos"] == 1
    assert _digests(pg_url) == original
    back = tmp_path / "back.qualcode"
    transfer.copy_project(pg_url, str(back))
    assert _digests(str(back)) == original
    # A PostgreSQL project's backup is such a copy too.
    assert transfer.backup_project(pg_url, tmp_path / "server.qualcode").rows == there.rows
    assert _digests(str(tmp_path / "server.qualcode")) == original
    for target in (pg_url, str(back)):
        store = open_project(target)
        try:
            # The full-text index answers in the copy, and no id is handed out twice.
            assert retrieval.search(store, "kvalitetsdialog").total >= 1
            again = coding.apply_code(store, DOC, "followup", "a.svensson", _span(store, "Då går vi igenom"))
            assert again.id > gone
            assert [c.name for c in coders.list_coders(store)] == ["anna", "bo"]
        finally:
            store.close()


def test_a_copy_refuses_an_existing_target_without_force_and_keeps_a_bak(coded_store: Store,
                                                                         tmp_path: Path) -> None:
    source, _ = _built(coded_store)
    target = tmp_path / "existing.qualcode"
    other = create_project(target, name="someone else's")
    other.close()
    held = _digests(str(target))
    with pytest.raises(StoreError, match="already holds") as refused:
        transfer.copy_project(source, str(target))
    assert "--force" in (refused.value.hint or "") and _digests(str(target)) == held
    report = transfer.copy_project(source, str(target), force=True)
    assert report.kept == str(target) + ".bak" and _digests(report.kept) == held
    assert _digests(str(target)) == _digests(source)


def test_a_postgresql_target_is_kept_as_a_qualcode_file_before_it_is_replaced(
        tmp_path: Path, pg_url: str, interview_files: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    doc, speakers = interview_files
    first = create_project(tmp_path / "first.qualcode")
    corpus.import_paths(first, [doc], speaker_map=speakers)
    first.close()
    occupied = create_project(pg_url, name="on the server")
    from qualcode.services import codebook

    codebook.load_spec(occupied, SMALL_BOOK)
    occupied.close()
    server = _digests(pg_url)
    with pytest.raises(StoreError, match="already holds"):
        transfer.copy_project(str(tmp_path / "first.qualcode"), pg_url)
    report = transfer.copy_project(str(tmp_path / "first.qualcode"), pg_url, force=True)
    assert report.kept is not None and _digests(report.kept) == server
    assert _digests(pg_url) == _digests(str(tmp_path / "first.qualcode"))


def test_backup_is_the_project_and_needs_force_to_replace(coded_store: Store, tmp_path: Path) -> None:
    source, _ = _built(coded_store)
    dest = tmp_path / "backups" / "monday.qualcode"
    dest.parent.mkdir()
    report = transfer.backup_project(source, dest)
    assert report.verified and report.rows["codings"] == 2
    assert _digests(str(dest)) == _digests(source)
    if "://" not in source:
        db = sqlite3.connect(dest)
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        db.close()
    with pytest.raises(StoreError, match="already holds"):
        transfer.backup_project(source, dest)
    again = transfer.backup_project(source, dest, force=True)
    assert again.kept == str(dest) + ".bak" and Path(again.kept).exists()


def _qualcode(*argv: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    script = Path(sys.executable).with_name("qualcode")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
    return subprocess.run([str(script), *argv], capture_output=True, text=True, env=env, cwd=cwd)


def test_the_console_script_backs_up_and_copies(coded_store: Store, tmp_path: Path) -> None:
    source, _ = _built(coded_store)
    backed = _qualcode("backup", source, str(tmp_path / "b.qualcode"), "--json", cwd=tmp_path)
    assert backed.returncode == 0, backed.stderr
    assert json.loads(backed.stdout)["rows"]["codings"] == 2
    copied = _qualcode("copy", source, str(tmp_path / "b.qualcode"), cwd=tmp_path)
    assert copied.returncode == StoreError.exit_code
    assert "already holds" in copied.stderr and "Traceback" not in copied.stderr
    forced = _qualcode("copy", source, str(tmp_path / "b.qualcode"), "--force", cwd=tmp_path)
    assert forced.returncode == 0, forced.stderr
    assert "verified" in forced.stdout and (tmp_path / "b.qualcode.bak").exists()


def test_a_backup_into_a_missing_folder_is_refused_with_the_reason(coded_store: Store, tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="does not exist"):
        transfer.backup_project(coded_store.location.display(), tmp_path / "nowhere" / "b.qualcode")
    with pytest.raises(StoreError, match="is a folder"):
        transfer.backup_project(coded_store.location.display(), tmp_path)
    assert not (tmp_path / "nowhere").exists()
