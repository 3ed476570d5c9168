"""A project of three school interviews with the same passages coded, for set and query tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from qualcode.services import corpus
from qualcode.services.coding import Span, apply_code
from qualcode.storage.store import Store

from .conftest import INTERVIEW

PHRASES = ("Vi har en kvalitetsdialog med förvaltningen varje höst.", "Lärarna ser sällan underlagen.",
           "Arbetslagen får siffrorna i oktober.")


def code(store: Store, document: str, phrase: str, code: str = "dialogue", coder: str = "anna") -> tuple[int, int]:
    text = corpus.view_document(store, document).text
    start = text.index(phrase)
    apply_code(store, document, code, coder, Span(start, start + len(phrase)))
    return start, start + len(phrase)


@pytest.fixture
def schools(coded_store: Store, interview_files: tuple[Path, Path], tmp_path: Path) -> Store:
    """Three interviews (skola 2, 3, 4), each with the same three passages coded."""
    _, speakers = interview_files
    paths = []
    for n in (3, 4):
        path = tmp_path / f"skola{n}_rektorer.md"
        path.write_text(INTERVIEW.replace("skola 2", f"skola {n}"), encoding="utf-8")
        paths.append(path)
    report = corpus.import_paths(coded_store, paths, speaker_map=speakers)
    assert not report.failed, report.failed
    for name in ("skola2_rektorer", "skola3_rektorer", "skola4_rektorer"):
        for phrase in PHRASES:
            code(coded_store, name, phrase)
    return coded_store


def db_of(store: Store) -> str:
    """What --db names the store by."""
    return str(store.location.path) if store.location.path is not None else store.location.url
