"""The light read path opens only what it can read as the store would, and says so otherwise."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from qualcode.analysis.lemma_version import LEMMATIZER_VERSION
from qualcode.errors import StoreError
from qualcode.services.project import create_project
from qualcode.storage import lite, migrate


def test_revision_kept_in_step_with_the_migrations() -> None:
    assert lite.SCHEMA_REVISION == migrate.HEAD_REVISION


@pytest.fixture
def project(tmp_path: Path) -> Path:
    path = tmp_path / "p.qualcode"
    create_project(path).close()
    return path


def test_opens_a_current_project_read_only(project: Path) -> None:
    reader = lite.open_reader(project, index_version=LEMMATIZER_VERSION)
    assert reader is not None
    with reader:
        assert reader.setting(lite.INDEX_SETTING) is not None
        with pytest.raises(sqlite3.OperationalError):
            reader.connection.execute("DELETE FROM settings")


def test_leaves_to_the_store_what_it_cannot_read_as_current(project: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    assert lite.open_reader("postgresql://nobody@127.0.0.1:1/none", index_version=LEMMATIZER_VERSION) is None
    monkeypatch.setenv("QUALCODE_LITE", "0")
    assert lite.open_reader(project, index_version=LEMMATIZER_VERSION) is None
    monkeypatch.delenv("QUALCODE_LITE")
    with sqlite3.connect(project) as connection:
        connection.execute("UPDATE alembic_version SET version_num = '0018'")
    assert lite.open_reader(project, index_version=LEMMATIZER_VERSION) is None
    with sqlite3.connect(project) as connection:
        connection.execute("UPDATE alembic_version SET version_num = ?", (lite.SCHEMA_REVISION,))
        connection.execute("UPDATE settings SET value = 'old' WHERE key = ?", (lite.INDEX_SETTING,))
    assert lite.open_reader(project, index_version=LEMMATIZER_VERSION) is None


def test_refuses_what_is_not_a_project_in_the_store_s_words(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="No project at"):
        lite.open_reader(tmp_path / "missing.qualcode", index_version=LEMMATIZER_VERSION)
    other = tmp_path / "notes.qualcode"
    other.write_text("not a database", encoding="utf-8")
    with pytest.raises(StoreError, match="not a qualcode project"):
        lite.open_reader(other, index_version=LEMMATIZER_VERSION)
