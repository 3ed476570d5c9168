"""Ids are never reused, memos follow their target, and undo never crosses coders.

Storage tests run on SQLite and PostgreSQL (the ``coded_store`` fixture); the
upgrade tests start from a project written by the first schema and from one at 0007.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from qualcode.errors import CodingError, QualcodeError
from qualcode.services import coding
from qualcode.services.coding import Span
from qualcode.services.project import open_project
from qualcode.storage import migrate
from qualcode.storage.engine import locate, make_engine
from qualcode.storage.store import Store

FIXTURES = Path(__file__).with_name("fixtures")
REPO = Path(__file__).resolve().parents[1]
DOC = "skola2_rektorer"


def _apply(store: Store, coder: str, start: int, end: int, code: str = "followup") -> int:
    return coding.apply_code(store, DOC, code, coder, Span(start, end)).id


# ------------------------------------------------------------------ ids and memos


def test_a_removed_codings_id_is_not_given_to_the_next(coded_store: Store) -> None:
    first = _apply(coded_store, "anna", 0, 10)
    memo = coding.add_memo(coded_store, "coding", first, "Why this passage matters.", "anna")
    coding.remove_coding(coded_store, first, "anna")
    second = _apply(coded_store, "anna", 20, 30, "voice")
    assert second != first and second > first
    assert coding.memos_for(coded_store, "coding", second) == []
    # The memo went with its coding: nothing names a coding that does not exist.
    assert memo.id not in {m.id for m in coding.all_memos(coded_store)}


@pytest.mark.parametrize("kind", ["document", "code", "coding"])
def test_a_memo_cannot_point_at_a_missing_row(coded_store: Store, kind: str) -> None:
    with pytest.raises(QualcodeError), coded_store.unit_of_work() as uow:
        uow.memos.add(kind, 999_999, None, "nowhere")
    with pytest.raises(QualcodeError), coded_store.unit_of_work() as uow:
        uow.memos.add(kind, None, None, "on nothing")  # the CHECK: the kind's key must be set


def test_undo_of_a_removal_restores_the_coding_with_its_memos(coded_store: Store) -> None:
    made = _apply(coded_store, "anna", 0, 10)
    coding.add_memo(coded_store, "coding", made, "first thought", "anna")
    coding.add_memo(coded_store, "coding", made, "bo's reading", "bo")
    coding.remove_coding(coded_store, made, "anna")
    assert coding.memos_for(coded_store, "coding", made) == []
    assert "restored with 2 memo(s)" in coding.undo(coded_store, "anna")
    assert [m.text for m in coding.memos_for(coded_store, "coding", made)] == ["first thought", "bo's reading"]


def test_ids_stay_unused_on_every_table_after_deleting_the_last_row(coded_store: Store) -> None:
    """The largest id, deleted, is not handed out again: codings, memos and codes."""
    made = _apply(coded_store, "anna", 0, 10)
    memo = coding.add_memo(coded_store, "document", 1, "a memo", "anna").id
    coding.delete_memo(coded_store, memo, "anna")
    coding.remove_coding(coded_store, made, "anna")
    assert _apply(coded_store, "anna", 0, 10) > made
    assert coding.add_memo(coded_store, "document", 1, "again", "anna").id > memo
    new = coding.split_code(coded_store, "voice", "voice.new", "anna", label="New", coding_ids=[]).id
    coding.undo(coded_store, "anna")  # deletes the split-off code, the table's largest id
    again = coding.split_code(coded_store, "voice", "voice.new", "anna", label="New", coding_ids=[]).id
    assert again > new


def test_every_table_keyed_by_id_has_autoincrement(tmp_path: Path) -> None:
    path = tmp_path / "p.qualcode"
    Store.open(path, create=True).close()
    connection = sqlite3.connect(path)
    try:
        rows = connection.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table' "
                                  "AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'search_fts%'").fetchall()
        keyed = [(name, sql) for name, sql in rows
                 if [r[1] for r in connection.execute(f'PRAGMA table_info("{name}")') if r[5]] == ["id"]]
    finally:
        connection.close()
    assert len(keyed) >= 15
    assert [name for name, sql in keyed if "AUTOINCREMENT" not in sql] == []


def _cli(*args: str, cwd: Path, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO), "COLUMNS": "200"}
    result = subprocess.run([str(Path(sys.executable).with_name("qualcode")), *args], cwd=cwd, env=env,
                            capture_output=True, text=True, timeout=300)
    assert "Traceback" not in result.stderr, result.stderr
    if check:
        assert result.returncode == 0, result.stdout + result.stderr
    return result


def test_memo_stays_off_a_new_coding_in_the_cli_and_the_qdpx(coded_store: Store, tmp_path: Path) -> None:
    """The reported case, through the installed script: memo list and the .qdpx export."""
    if coded_store.location.path is None:
        pytest.skip("the command line test runs on the SQLite project")
    db = str(coded_store.location.path)
    coded_store.close()
    made = json.loads(_cli("code", "apply", DOC, "followup", "--start", "0", "--end", "10",
                           "--coder", "anna", "--db", db, "--json", cwd=tmp_path).stdout)["id"]
    _cli("memo", "add", "coding", str(made), "-t", "Memo on the first passage", "--coder", "anna",
         "--db", db, cwd=tmp_path)
    _cli("code", "remove", str(made), "--coder", "anna", "--db", db, cwd=tmp_path)
    other = json.loads(_cli("code", "apply", DOC, "voice", "--start", "40", "--end", "60",
                            "--coder", "anna", "--db", db, "--json", cwd=tmp_path).stdout)["id"]
    assert other != made
    memos = json.loads(_cli("memo", "list", "--db", db, "--json", cwd=tmp_path).stdout)
    assert [m for m in memos if m["target_kind"] == "coding"] == []
    export = tmp_path / "out.qdpx"
    _cli("export", "qdpx", str(export), "--db", db, cwd=tmp_path)
    with zipfile.ZipFile(export) as archive:
        project_xml = archive.read("project.qde").decode("utf-8")
    assert "Memo on the first passage" not in project_xml
    # Undo brings the coding back, with its memo, under its own id.
    _cli("code", "undo", "--coder", "anna", "--db", db, cwd=tmp_path)  # removes the second coding
    _cli("code", "undo", "--coder", "anna", "--db", db, cwd=tmp_path)  # restores the first
    memos = json.loads(_cli("memo", "list", "--db", db, "--json", cwd=tmp_path).stdout)
    assert [(m["target_kind"], m["target_id"]) for m in memos if m["target_kind"] == "coding"] == [
        ("coding", made)]


# ----------------------------------------------------------------------- upgrades


def test_first_schema_project_gets_autoincrement_and_keeps_its_rows(tmp_path: Path) -> None:
    path = tmp_path / "old.qualcode"
    shutil.copy(FIXTURES / "first-schema.qualcode", path)
    before = sqlite3.connect(path)
    counts = {t: before.execute(f"SELECT count(*), max(id) FROM {t}").fetchone()
              for t in ("documents", "turns", "segments", "codings", "codes", "memos", "events")}
    before.close()
    store = open_project(path)
    try:
        with store.unit_of_work() as uow:
            memos = uow.memos.list()
        coding_ids = {c.id for c in coding.list_codings(store)}
    finally:
        store.close()
    after = sqlite3.connect(path)
    try:
        for table, figures in counts.items():
            assert after.execute(f"SELECT count(*), max(id) FROM {table}").fetchone() == figures, table
            assert "AUTOINCREMENT" in after.execute(
                "SELECT sql FROM sqlite_master WHERE name = ?", (table,)).fetchone()[0]
        assert after.execute("PRAGMA foreign_key_check").fetchall() == []
        assert after.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    finally:
        after.close()
    assert len(memos) == counts["memos"][0] and coding_ids


def _project_at_0007_with_a_reused_id(tmp_path: Path) -> Path:
    """A 0007 project where the last coding (with a memo) was deleted and its id reused."""
    path = tmp_path / "at7.qualcode"
    engine = make_engine(locate(path))
    try:
        migrate.upgrade(engine, "0007")
    finally:
        engine.dispose()
    db = sqlite3.connect(path)
    with db:
        db.execute("INSERT INTO project (name, created_at, created_with) VALUES ('p', '2026-01-01', 't')")
        db.execute("INSERT INTO documents (name, text, sha256, format, language, encoding, word_count, "
                   "imported_at) VALUES ('d', 'Some text here.', 'x', 'txt', 'en', 'utf-8', 3, '2026-01-01')")
        db.execute("INSERT INTO coders (name, created_at) VALUES ('anna', '2026-01-01')")
        db.execute("INSERT INTO codebooks (slug, name, version, languages, description, loaded_at) "
                   "VALUES ('b', 'B', '1', 'en', '', '2026-01-01')")
        db.execute("INSERT INTO codes (codebook_id, key, position, label_en, definition, inclusion, "
                   "exclusion, examples, active) VALUES (1, 'k', 0, 'K', '', '', '', '[]', 1)")
        coding_row = ("INSERT INTO codings (id, document_id, code_id, coder_id, start, \"end\", origin, "
                      "created_at) VALUES (?, 1, 1, 1, ?, ?, 'manual', ?)")
        db.execute(coding_row, (1, 0, 4, "2026-01-01 10:00:00"))
        db.execute(coding_row, (2, 5, 9, "2026-01-01 10:00:01"))
        db.execute("INSERT INTO memos (target_kind, target_id, coder_id, text, created_at, updated_at) "
                   "VALUES ('coding', 1, 1, 'on coding 1', '2026-01-01 10:00:02', '2026-01-01 10:00:02')")
        db.execute("INSERT INTO memos (target_kind, target_id, coder_id, text, created_at, updated_at) "
                   "VALUES ('coding', 2, 1, 'on the first coding 2', '2026-01-01 10:00:03', "
                   "'2026-01-01 10:00:03')")
        db.execute("INSERT INTO memos (target_kind, target_id, coder_id, text, created_at, updated_at) "
                   "VALUES ('code', 77, 1, 'on a deleted code', '2026-01-01 10:00:03', '2026-01-01 10:00:03')")
        # Coding 2 removed, and a later coding took its id; coding 3 was logged, then deleted.
        db.execute("DELETE FROM codings WHERE id = 2")
        db.execute(coding_row, (2, 10, 14, "2026-01-01 11:00:00"))
        db.execute("INSERT INTO events (at, coder_id, kind, payload) VALUES "
                   "('2026-01-01', 1, 'coding.removed', '{\"coding_id\": 3}')")
    db.close()
    return path


def test_upgrade_from_0007_keeps_memos_and_moves_misattached_ones_to_the_project(tmp_path: Path) -> None:
    path = _project_at_0007_with_a_reused_id(tmp_path)
    store = open_project(path)
    try:
        memos = {m.text.split("] ")[-1]: m for m in coding.all_memos(store)}
        assert (memos["on coding 1"].target_kind, memos["on coding 1"].target_id) == ("coding", 1)
        moved = memos["on the first coding 2"]
        assert moved.target_kind == "project" and "coding 2" in moved.text
        assert memos["on a deleted code"].target_kind == "project" and "code 77" in memos["on a deleted code"].text
        # The counter continues past every id the log names: 3 was handed out once.
        assert _apply_raw(store) == 4
    finally:
        store.close()
    assert store.backup_path is not None and store.backup_path.exists()


def _apply_raw(store: Store) -> int:
    return coding.apply_code(store, "d", "k", "anna", Span(0, 4)).id


def test_an_upgrade_that_fails_leaves_the_old_schema(tmp_path: Path) -> None:
    path = _project_at_0007_with_a_reused_id(tmp_path)
    db = sqlite3.connect(path)
    with db:  # a coding of a coder that does not exist: 0008's foreign key check refuses it
        db.execute("PRAGMA foreign_keys = OFF")
        db.execute("UPDATE codings SET coder_id = 99 WHERE id = 1")
    db.close()
    with pytest.raises(QualcodeError, match="Upgrading the project schema failed"):
        open_project(path)
    db = sqlite3.connect(path)
    try:
        assert db.execute("SELECT version_num FROM alembic_version").fetchone() == ("0007",)
        assert db.execute("SELECT count(*) FROM memos WHERE target_id IS NOT NULL").fetchone() == (3,)
    finally:
        db.close()


# --------------------------------------------------------------------------- undo


def test_undo_never_removes_another_coders_coding_even_if_the_id_were_reused(coded_store: Store) -> None:
    mine = _apply(coded_store, "anna", 0, 10)
    with coded_store.unit_of_work() as uow:  # what id reuse did before: cara's coding under anna's id
        uow.codings.delete(mine)
        cara = uow.coders.get_or_create("cara").id
        uow.codings.add(1, uow.codebooks.find_codes("voice")[0].id, cara, 30, 40, coding_id=mine)
    with pytest.raises(CodingError, match="no longer the coding you applied"):
        coding.undo(coded_store, "anna")
    assert [c.coder_id for c in coding.list_codings(coded_store)] == [cara]


def test_undo_of_a_memo_edit_refuses_over_another_coders_edit(coded_store: Store) -> None:
    memo = coding.add_memo(coded_store, "document", 1, "first", "anna").id
    coding.edit_memo(coded_store, memo, "anna's second", "anna")
    coding.edit_memo(coded_store, memo, "bo's reading", "bo")
    with pytest.raises(CodingError, match="bo changed it since") as refused:
        coding.undo(coded_store, "anna")
    assert "next undo goes to your change before it" in str(refused.value)
    assert coding.memos_for(coded_store, "document", 1)[0].text == "bo's reading"
    # Not stuck: the next undo reaches anna's first change, and is refused for the same reason.
    with pytest.raises(CodingError, match="memo .* written"):
        coding.undo(coded_store, "anna")
    assert coding.memos_for(coded_store, "document", 1)[0].text == "bo's reading"
    with pytest.raises(CodingError, match="Nothing to undo"):
        coding.undo(coded_store, "anna")
    # bo's own undo still works, and restores anna's text.
    assert coding.undo(coded_store, "bo") == f"memo {memo} text restored"
    assert coding.memos_for(coded_store, "document", 1)[0].text == "anna's second"


def test_undo_of_a_memo_edit_after_another_coder_deleted_it(coded_store: Store) -> None:
    made = _apply(coded_store, "anna", 0, 10)
    memo = coding.add_memo(coded_store, "document", 1, "first", "anna").id
    coding.edit_memo(coded_store, memo, "second", "anna")
    coding.delete_memo(coded_store, memo, "bo")
    with pytest.raises(CodingError, match="bo changed it since"):
        coding.undo(coded_store, "anna")
    with pytest.raises(CodingError):
        coding.undo(coded_store, "anna")  # the memo's creation: refused as well
    # The coder's earlier change is still in reach.
    assert coding.undo(coded_store, "anna") == f"coding {made} removed again"
    assert coding.undo(coded_store, "bo") == f"memo {memo} restored"
    assert coding.memos_for(coded_store, "document", 1)[0].text == "second"


def test_undo_of_a_coding_refuses_when_another_coder_wrote_a_memo_on_it(coded_store: Store) -> None:
    made = _apply(coded_store, "anna", 0, 10)
    coding.add_memo(coded_store, "coding", made, "bo's memo", "bo")
    with pytest.raises(CodingError, match="bo changed it since"):
        coding.undo(coded_store, "anna")
    assert [m.text for m in coding.memos_for(coded_store, "coding", made)] == ["bo's memo"]


def test_undo_of_a_rename_refuses_after_another_rename(coded_store: Store) -> None:
    coding.rename_code(coded_store, "voice", "anna", label_en="Voice A")
    coding.rename_code(coded_store, "voice", "bo", label_en="Voice B")
    with pytest.raises(CodingError, match="bo changed it since"):
        coding.undo(coded_store, "anna")
    with coded_store.unit_of_work() as uow:
        assert uow.codebooks.find_codes("voice")[0].label_en == "Voice B"


def test_undo_is_refused_when_the_object_changed_without_a_logged_event(coded_store: Store) -> None:
    memo = coding.add_memo(coded_store, "document", 1, "first", "anna").id
    coding.edit_memo(coded_store, memo, "second", "anna")
    with coded_store.unit_of_work() as uow:
        uow.memos.update(memo, "changed behind the log")
    with pytest.raises(CodingError, match="edited since"):
        coding.undo(coded_store, "anna")
    assert coding.memos_for(coded_store, "document", 1)[0].text == "changed behind the log"


def test_undo_refusal_through_the_cli_has_no_traceback(coded_store: Store, tmp_path: Path) -> None:
    if coded_store.location.path is None:
        pytest.skip("the command line test runs on the SQLite project")
    memo = coding.add_memo(coded_store, "document", 1, "first", "anna").id
    coding.edit_memo(coded_store, memo, "second", "anna")
    coding.delete_memo(coded_store, memo, "bo")
    db = str(coded_store.location.path)
    coded_store.close()
    result = _cli("code", "undo", "--coder", "anna", "--db", db, cwd=tmp_path, check=False)
    assert result.returncode != 0 and "Cannot undo your change" in result.stdout + result.stderr
