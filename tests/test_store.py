"""The project store: creating, opening, refusing what is not a project, migrations."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qualcode.errors import StoreError
from qualcode.services import corpus
from qualcode.services.project import create_project, open_project
from qualcode.storage import migrate
from qualcode.storage.engine import locate, make_engine
from qualcode.storage.store import Store

FIXTURES = Path(__file__).with_name("fixtures")


def test_reopen_keeps_name_and_data(target: str, interview_files: tuple[Path, Path]) -> None:
    store = create_project(target, name="Skolstudie")
    corpus.import_paths(store, [interview_files[0]])
    store.close()
    again = open_project(target)
    try:
        assert again.project_name() == "Skolstudie"
        (doc,) = corpus.list_documents(again)
        assert doc.name == "skola2_rektorer" and doc.turn_count == 4
        assert migrate.current_revision(again.engine) == migrate.head_revision()
    finally:
        again.close()


def test_sqlite_is_set_up_on_open(tmp_path: Path) -> None:
    path = tmp_path / "p.qualcode"
    create_project(path).close()
    connection = sqlite3.connect(path)
    try:
        assert connection.execute("PRAGMA application_id").fetchone()[0] == 0x51434F44
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        connection.close()
    store = open_project(path)
    try:
        with store.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 1000
    finally:
        store.close()


def test_missing_file_is_not_created_by_open(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="qualcode init"):
        open_project(tmp_path / "nothing.qualcode")
    assert not (tmp_path / "nothing.qualcode").exists()


def test_other_files_are_refused(tmp_path: Path) -> None:
    text = tmp_path / "notes.qualcode"
    text.write_text("hello", encoding="utf-8")
    with pytest.raises(StoreError, match="not a SQLite"):
        open_project(text)
    other = tmp_path / "other.qualcode"
    connection = sqlite3.connect(other)
    connection.execute("CREATE TABLE things (id INTEGER)")
    connection.commit()
    connection.close()
    with pytest.raises(StoreError, match="not a qualcode project"):
        open_project(other)
    with pytest.raises(StoreError):
        create_project(text)


def test_bad_urls_are_explained() -> None:
    with pytest.raises(StoreError, match="not a valid database URL"):
        locate("postgresql://host:notaport/x")
    with pytest.raises(StoreError, match="Cannot connect to the database at .*127.0.0.1") as refused:
        open_project("postgresql://127.0.0.1:1/nowhere?connect_timeout=2")
    assert "server is running" in (refused.value.hint or "")
    with pytest.raises(StoreError, match="in SQLite or PostgreSQL, not in mysql"):
        locate("mysql://host/x")


def test_first_schema_project_opens_and_is_upgraded(tmp_path: Path) -> None:
    """A project file written by qualcode 0.1 (schema 0001) opens in this version."""
    path = tmp_path / "old.qualcode"
    shutil.copy(FIXTURES / "first-schema.qualcode", path)
    store = open_project(path)
    try:
        assert migrate.current_revision(store.engine) == migrate.head_revision()
        (doc,) = corpus.list_documents(store)
        view = corpus.view_document(store, doc.name)
        assert view.text[view.turns[0].start:view.turns[0].end].startswith("Hur följer ni upp")
        with store.unit_of_work() as uow:
            assert len(uow.codings.list()) == 2 and uow.codebooks.get_by_slug("steering") is not None
        assert store.backup_path is not None and store.backup_path.exists()
    finally:
        store.close()


def test_migrations_run_up_from_the_first_revision(target: str) -> None:
    engine = make_engine(locate(target))
    try:
        migrate.upgrade(engine, "0001")
        assert migrate.current_revision(engine) == "0001"
    finally:
        engine.dispose()
    store = Store.open(target)
    try:
        assert migrate.current_revision(store.engine) == migrate.head_revision()
    finally:
        store.close()


TURN_TEXT = st.text(alphabet=st.sampled_from("abcåäö ABC.!?,\n\t 123"), min_size=1, max_size=120)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(turns=st.lists(st.tuples(st.sampled_from(["Intervjuare", "Rektor", "Lärare 1"]), TURN_TEXT),
                      min_size=1, max_size=6))
def test_stored_offsets_index_the_stored_text(tmp_path_factory: pytest.TempPathFactory,
                                              turns: list[tuple[str, str]]) -> None:
    """Whatever the text, every stored turn and segment is exactly ``text[start:end]``."""
    folder = tmp_path_factory.mktemp("offsets")
    source = folder / "t.txt"
    source.write_text("\n\n".join(f"{label}: {body}" for label, body in turns), encoding="utf-8")
    store = create_project(folder / "p.qualcode")
    try:
        report = corpus.import_paths(store, [source], language="sv")
        if report.failed:  # e.g. nothing but whitespace: refused as empty, which is right
            assert "empty" in report.failed[0].reason
            return
        view = corpus.view_document(store, "t")
        assert view.text == source.read_text(encoding="utf-8").replace("\r\n", "\n").replace("\r", "\n")
        spans = [(t.start, t.end) for t in view.turns] + [(s.start, s.end) for s in view.sentences]
        for start, end in spans:
            assert 0 <= start < end <= len(view.text)
            piece = view.text[start:end]
            assert piece == piece.strip() and piece
        for sentence in view.sentences:
            if sentence.turn_id is not None:
                turn = next(t for t in view.turns if t.id == sentence.turn_id)
                assert turn.start <= sentence.start and sentence.end <= turn.end
    finally:
        store.close()


def test_head_revision_constant_matches_the_scripts() -> None:
    assert migrate.head_revision() == migrate.scripted_head()


def test_bulk_added_codings_return_their_ids_in_order(coded_store: Store) -> None:
    """add_many's ids pair with the rows given, whatever order the spans come in."""
    from datetime import UTC, datetime

    with coded_store.unit_of_work() as uow:
        [document] = uow.documents.list()
        [book] = uow.codebooks.list()
        codes = [c.id for c in uow.codebooks.codes(book.id)]
        coder = uow.coders.get_or_create("Ada").id
        spans = [(start, start + 3 + start % 5, codes[start % len(codes)]) for start in (40, 2, 17, 9, 33, 2)]
        rows = [{"document_id": document.id, "code_id": code, "coder_id": coder, "start": s, "end": e,
                 "origin": "imported"} for s, e, code in spans]
        ids = uow.codings.add_many(rows)
        dated = uow.codings.add_many([{**rows[0], "created_at": datetime(2024, 5, 1, tzinfo=UTC)}])
        assert uow.codings.add_many([]) == []
    assert len(set(ids + dated)) == len(spans) + 1
    with coded_store.unit_of_work() as uow:
        stored = [uow.codings.get(i) for i in ids]
        assert [(c.start, c.end, c.code_id) for c in stored] == spans
        assert uow.codings.get(dated[0]).start == 40
