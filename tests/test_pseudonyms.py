"""The pseudonym table (SQLite and PostgreSQL), its files, its events, its commands in the
installed script, and the one-pass renderer."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from qualcode.core.pseudonyms import Pseudonym, Renderer
from qualcode.services import pseudonyms as service
from qualcode.services.project import create_project, open_project
from qualcode.storage import migrate
from qualcode.storage.store import Store

FIXTURES = Path(__file__).parent / "fixtures"


def _events(store: Store, kind: str) -> list[dict]:
    with store.unit_of_work() as uow:
        return [e.payload for e in uow.events.list(kind=kind)]


def test_entries_are_stored_changed_and_removed_each_as_an_event(store: Store) -> None:
    entry = service.make_entry("Björkskolan", "skola A", "school", ["Björkskolorna", "Björkskolan"])
    assert entry.forms == ("Björkskolorna",)  # the original is not repeated among its forms
    assert service.add(store, entry, coder="anna") == "added"
    assert service.add(store, entry) == "unchanged"
    changed = service.make_entry("Björkskolan", "skola B", "school")
    assert service.add(store, changed) == "changed"
    assert service.entries(store) == [changed]
    assert _events(store, "pseudonym.added")[0]["entry"]["replacement"] == "skola A"
    (change,) = _events(store, "pseudonym.changed")
    assert change["before"]["replacement"] == "skola A" and change["entry"]["replacement"] == "skola B"
    service.remove(store, "Björkskolan")
    assert service.entries(store) == []
    assert _events(store, "pseudonym.removed")[0]["entry"]["original"] == "Björkskolan"
    with pytest.raises(service.PseudonymError, match="No pseudonym for 'Nowhere'"):
        service.remove(store, "Nowhere")


def test_bad_entries_are_refused_with_what_and_how(store: Store) -> None:
    with pytest.raises(service.PseudonymError, match="Unknown category 'town'"):
        service.make_entry("Lund", "kommun X", "town")
    with pytest.raises(service.PseudonymError, match="no replacement"):
        service.make_entry("Lund", "  ")
    with pytest.raises(service.PseudonymError, match="replaced by itself"):
        service.make_entry("Lund", "lund")
    service.add(store, service.make_entry("Anna", "Rektor 2", "person"))
    with pytest.raises(service.PseudonymError, match="'Annas' belongs to both"):
        service.add(store, service.make_entry("Annas", "Rektor 3", "person"))
    assert [e.original for e in service.entries(store)] == ["Anna"]


@pytest.mark.parametrize("suffix", [".yaml", ".csv"])
def test_files_round_trip_and_a_bad_file_changes_nothing(store: Store, tmp_path: Path, suffix: str) -> None:
    table = [service.make_entry("Björkskolan", "skola A", "school", ["Björkskolorna"]),
             service.make_entry("Anna Berg", "Rektor 2", "person", ["Berg", "Bergs"]),
             service.make_entry("Lunds kommun", "kommun X", "place")]
    for entry in table:
        service.add(store, entry)
    path = tmp_path / f"table{suffix}"
    assert service.export_file(store, path) == 3
    with pytest.raises(Exception, match="already exists"):
        service.export_file(store, path)
    assert service.read_file(path) == sorted(table, key=lambda e: e.original)
    for entry in table:
        service.remove(store, entry.original)
    assert service.import_file(store, path) == {"added": 3, "changed": 0, "unchanged": 0}
    assert sorted(service.entries(store), key=lambda e: e.original) == sorted(table, key=lambda e: e.original)
    bad = tmp_path / f"bad{suffix}"
    if suffix == ".csv":
        bad.write_text("original,replacement,category,forms\nEk,skola C,school,\nAsk,,school,\n", encoding="utf-8")
        match = r"'Ask' has no replacement .*bad\.csv, line 3"
    else:
        bad.write_text("- original: Ek\n  replacement: skola C\n- original: Ask\n  replacement: x\n  colour: red\n",
                       encoding="utf-8")
        match = r"entry 2: unknown field\(s\) colour"
    with pytest.raises(service.PseudonymError, match=match):
        service.import_file(store, bad)
    assert "Ek" not in {e.original for e in service.entries(store)}  # all or nothing


def test_the_renderer_keeps_case_and_the_swedish_genitive() -> None:
    renderer = Renderer([Pseudonym("Björkskolan", "skola A", "school", ("Björkskolorna",)),
                         Pseudonym("Anna", "Rektor 2", "person"),
                         Pseudonym("Anna Berg", "Rektor 2", "person"),
                         Pseudonym("Björk", "kommun X", "place")])
    text = ("Björkskolans rektor Anna Berg sa att BJÖRKSKOLAN och Björkskolorna i Björk, "
            "Björks och Annas, men inte Björkskolanx eller Annalena.")
    assert renderer.render(text) == ("skola A:s rektor Rektor 2 sa att SKOLA A och skola A i kommun X, "
                                     "kommun X:s och Rektor 2:s, men inte Björkskolanx eller Annalena.")
    assert renderer.render("") == "" and Renderer([]).render("Anna") == "Anna"
    spans = renderer.spans("Hej Anna!")
    assert spans == [(4, 8, "Rektor 2")]


def test_one_pattern_for_the_whole_table() -> None:
    """Many entries make one compiled pattern whose result equals replacing each entry alone."""
    entries = [Pseudonym(f"Skola{n}skolan", f"skola {n}", "school") for n in range(300)]
    renderer = Renderer(entries)
    assert isinstance(renderer._pattern, re.Pattern)
    text = " ".join(f"Skola{n}skolans elever och Skola{n}skolan." for n in range(0, 300, 7))
    expected = text
    for entry in entries:
        expected = re.sub(rf"\b{entry.original}s\b", entry.replacement + ":s", expected)
        expected = re.sub(rf"\b{entry.original}\b", entry.replacement, expected)
    assert renderer.render(text) == expected


def test_an_older_project_gets_the_table(tmp_path: Path) -> None:
    path = tmp_path / "old.qualcode"
    shutil.copy(FIXTURES / "first-schema.qualcode", path)
    store = open_project(path)
    try:
        assert migrate.current_revision(store.engine) == migrate.head_revision()
        service.add(store, service.make_entry("Anna", "Rektor 2", "person"))
        assert len(service.entries(store)) == 1
    finally:
        store.close()


def _qualcode(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    script = Path(sys.executable).with_name("qualcode")  # the installed console script
    return subprocess.run([str(script), *args], cwd=cwd, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "COLUMNS": "200"})


def test_pseudonyms_commands_in_the_installed_script(tmp_path: Path) -> None:
    create_project(tmp_path / "p.qualcode").close()
    db = ["--db", str(tmp_path / "p.qualcode")]
    added = _qualcode("pseudonyms", "add", "Björkskolan", "skola A", "--category", "school",
                      "--form", "Björkskolorna", "--json", *db, cwd=tmp_path)
    assert added.returncode == 0, added.stderr
    assert json.loads(added.stdout)["outcome"] == "added"
    listed = json.loads(_qualcode("pseudonyms", "list", "--json", *db, cwd=tmp_path).stdout)
    assert listed == [{"original": "Björkskolan", "replacement": "skola A", "category": "school",
                       "forms": ["Björkskolan", "Björkskolans", "Björkskolorna"]}]
    assert _qualcode("pseudonyms", "export", "t.yaml", *db, cwd=tmp_path).returncode == 0
    again = _qualcode("pseudonyms", "export", "t.yaml", *db, cwd=tmp_path)
    assert again.returncode != 0 and "already exists" in again.stderr and "Traceback" not in again.stderr
    assert _qualcode("pseudonyms", "export", "t.yaml", "--force", *db, cwd=tmp_path).returncode == 0
    bad = _qualcode("pseudonyms", "add", "Lund", "kommun X", "--category", "town", *db, cwd=tmp_path)
    assert bad.returncode != 0 and "Unknown category 'town'" in bad.stderr and "Traceback" not in bad.stderr
    removed = _qualcode("pseudonyms", "remove", "Björkskolan", "--json", *db, cwd=tmp_path)
    assert json.loads(removed.stdout)["removed"]["original"] == "Björkskolan"
    imported = _qualcode("pseudonyms", "import", "t.yaml", "--json", *db, cwd=tmp_path)
    assert json.loads(imported.stdout) == {"added": 1, "changed": 0, "unchanged": 0}


def test_one_scan_over_many_texts_equals_one_call_each() -> None:
    renderer = Renderer([Pseudonym("Anna", "person 1", "person"), Pseudonym("Sjöviks kommun", "kommun X", "place")])
    texts = ["Anna sa det.", "(Anna) «Anna» xAnna Anna_ ANNA", "i Sjöviks\n  kommun och SJÖVIKS KOMMUN",
             "İstanbul och Anna", "", "utan namn", "a\x00Anna", "Anna" + " lång text" * 20]
    assert renderer.render_many(texts) == [renderer.render(t) for t in texts]
    assert renderer.render(texts[1]) == "(person 1) «person 1» xAnna Anna_ PERSON 1"
    assert renderer.render(texts[2]) == "i kommun X och KOMMUN X"  # any white space inside a form
    assert renderer.render(texts[3]) == "İstanbul och person 1"  # lower case changes the length: any-case path
    same = "utan namn här"
    assert renderer.render_many([same])[0] is same  # nothing matched: the same string back
