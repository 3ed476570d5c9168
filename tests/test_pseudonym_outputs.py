"""Pseudonymised output on the demo corpus: quotes in every format, retrieve and search,
the project setting; every output scanned for every form of every table entry."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from qualcode.services import export, retrieval
from qualcode.services import pseudonyms as service
from qualcode.services.project import open_project
from qualcode.storage.store import Store

TABLE = [("Björkskolan", "skola A", "school"), ("Ekdalsskolan", "skola B", "school"),
         ("Hamnskolan", "skola C", "school"), ("Lindgymnasiet", "skola D", "school"),
         ("Sjöviks kommun", "kommun X", "place"), ("Sjövik", "kommun X", "place")]


def _forms() -> list[str]:
    return [form for original, replacement, category in TABLE
            for form in service.make_entry(original, replacement, category).all_forms()]


def leaks(text: str) -> list[str]:
    """Every form of the table still in ``text`` (any case, as a whole word)."""
    return [form for form in _forms() if re.search(rf"(?<!\w){re.escape(form)}(?!\w)", text, re.IGNORECASE)]


def _docx_text(path: Path) -> str:
    from docx import Document

    document = Document(str(path))
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


def _xlsx_text(path: Path) -> str:
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True)
    return "\n".join(str(value) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True)
                     for value in row if value is not None)


def _text(path: Path) -> str:
    if path.suffix == ".docx":
        return _docx_text(path)
    if path.suffix == ".xlsx":
        return _xlsx_text(path)
    return path.read_text(encoding="utf-8")


@pytest.fixture
def demo(demo_file: Path, tmp_path: Path) -> Store:
    path = tmp_path / "demo.qualcode"
    shutil.copy(demo_file, path)
    store = open_project(path)
    for original, replacement, category in TABLE:
        service.add(store, service.make_entry(original, replacement, category))
    yield store
    store.close()


def test_the_demo_corpus_has_the_names_the_table_covers(demo: Store, tmp_path: Path) -> None:
    """Without pseudonyms the export carries the names: the scan below can fail."""
    path = tmp_path / "plain.json"
    export.export_quotes(demo, path, codebook="loose-coupling")
    assert {"Björkskolan", "Sjöviks kommun"} <= set(leaks(path.read_text(encoding="utf-8")))


@pytest.mark.parametrize("suffix", [".csv", ".json", ".md", ".xlsx", ".docx"])
def test_pseudonymised_quotes_carry_no_original_name(demo: Store, tmp_path: Path, suffix: str) -> None:
    plain, masked = tmp_path / f"plain{suffix}", tmp_path / f"masked{suffix}"
    before = service.entries(demo)
    a = export.export_quotes(demo, plain, codebook="loose-coupling", pseudonymise=False)
    b = export.export_quotes(demo, masked, codebook="loose-coupling", pseudonymise=True)
    assert a.items == b.items
    assert leaks(_text(masked)) == []
    assert "skola A" in _text(masked) and leaks(_text(plain))
    assert service.entries(demo) == before


def test_the_stored_text_never_changes(demo: Store, tmp_path: Path) -> None:
    found = retrieval.passages(demo, codes=None, limit=None, context=0, with_total=False).passages
    export.export_quotes(demo, tmp_path / "q.json", codebook="loose-coupling", pseudonymise=True)
    again = retrieval.passages(demo, codes=None, limit=None, context=0, with_total=False).passages
    assert [p.text for p in found] == [p.text for p in again]
    assert any(leaks(p.text) for p in again)


def test_an_empty_table_refuses_pseudonymised_output(demo_file: Path, tmp_path: Path) -> None:
    path = tmp_path / "demo.qualcode"
    shutil.copy(demo_file, path)
    store = open_project(path)
    try:
        with pytest.raises(service.PseudonymError, match="table is empty"):
            export.export_quotes(store, tmp_path / "q.csv", codebook="loose-coupling", pseudonymise=True)
        assert not (tmp_path / "q.csv").exists()
    finally:
        store.close()


def _qualcode(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    script = Path(sys.executable).with_name("qualcode")  # the installed console script
    return subprocess.run([str(script), *args], cwd=cwd, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "COLUMNS": "200"})


def test_retrieve_search_and_export_in_the_installed_script(demo: Store, tmp_path: Path) -> None:
    demo.close()
    db = ["--db", str(tmp_path / "demo.qualcode")]
    outputs = {}
    for name, args in {"retrieve": ["retrieve", "loose-coupling:lc.decoupling", "--page-size", "500"],
                       "retrieve-json": ["retrieve", "loose-coupling:lc.decoupling", "--page-size", "500", "--json"],
                       "search": ["search", "Björkskolan"],
                       "search-json": ["search", "Sjöviks kommun", "--json"]}.items():
        plain = _qualcode(*args, *db, cwd=tmp_path)
        masked = _qualcode(*args, "--pseudonymise", *db, cwd=tmp_path)
        assert plain.returncode == 0 and masked.returncode == 0, plain.stderr + masked.stderr
        outputs[name] = (plain.stdout, masked.stdout)
    for name, (_plain, masked) in outputs.items():
        assert leaks(masked) == [], name
    assert leaks(outputs["search"][0]) and leaks(outputs["search-json"][0])
    assert "skola A" in outputs["search"][1]
    # the project setting turns it on; --no-pseudonymise turns it off for one command
    assert _qualcode("pseudonyms", "default", "on", *db, cwd=tmp_path).returncode == 0
    assert leaks(_qualcode("search", "Björkskolan", *db, cwd=tmp_path).stdout) == []
    assert leaks(_qualcode("search", "Björkskolan", "--no-pseudonymise", *db, cwd=tmp_path).stdout)
    done = _qualcode("export", "quotes", "q.md", "--codebook", "loose-coupling", *db, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert leaks((tmp_path / "q.md").read_text(encoding="utf-8")) == []
