"""Refusals that leave files as they were, copies as private as their project, and long
paragraphs segmented in pieces with the same sentences."""

from __future__ import annotations

import shutil
import stat
from pathlib import Path

import pytest

from qualcode.errors import StoreError
from qualcode.importers import segmenter
from qualcode.services.project import open_project
from qualcode.storage.store import Store

FIXTURES = Path(__file__).with_name("fixtures")


@pytest.mark.parametrize("read_only", [False, True])
def test_an_empty_file_is_refused_without_writing_a_header(tmp_path: Path, read_only: bool) -> None:
    path = tmp_path / "empty.qualcode"
    path.touch()
    with pytest.raises(StoreError, match=r"is empty \(0 bytes\)"):
        Store.open(path, read_only=read_only)
    assert path.read_bytes() == b""
    assert not path.with_name("empty.qualcode-wal").exists()


def test_the_upgrade_copy_keeps_the_project_mode(tmp_path: Path) -> None:
    path = tmp_path / "old.qualcode"
    shutil.copy(FIXTURES / "first-schema.qualcode", path)
    path.chmod(0o600)
    store = open_project(path)
    store.close()
    assert store.backup_path is not None
    assert stat.S_IMODE(store.backup_path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_check_refuses_to_upgrade_an_old_project(tmp_path: Path) -> None:
    path = tmp_path / "old.qualcode"
    shutil.copy(FIXTURES / "first-schema.qualcode", path)
    before = path.read_bytes()
    with pytest.raises(StoreError, match="needs a schema upgrade"):
        Store.open(path, read_only=True)
    assert path.read_bytes() == before


def test_a_paragraph_of_megabytes_gets_the_same_sentences_in_pieces(monkeypatch: pytest.MonkeyPatch) -> None:
    text = "Rektor: Vi har en dialog. Den är bra! Eller? Ja, \u201dvisst.\u201d Nej… men " * 3000
    cut = segmenter.Segmenter("sv")
    whole = cut.units(text)
    monkeypatch.setattr(segmenter, "PIECE_CHARS", 1000)
    assert len(list(segmenter._pieces(text, 0, len(text), None))) > 100
    assert cut.units(text) == whole
