"""Saved queries: --save NAME on each kind of command, and query list|show|run|export|remove."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from qualcode.cli.app import main
from qualcode.services import queries, sets
from qualcode.storage.store import Store

from . import sets_support
from .sets_support import db_of

schools = sets_support.schools  # the fixture

# One command of each kind a query can be saved from, with options of every shape
# (a positional argument, repeatable options, a value, an on/off flag pair).
COMMANDS = {
    "retrieve": ["retrieve", "dialogue", "--attr", "role=rektor", "--page-size", "2", "--context", "20"],
    "search": ["search", "siffrorna", "--limit", "2", "--heads"],
    "kwic": ["kwic", "under*", "--sort", "right", "--no-interviewer"],
    "words": ["words", "--form", "--limit", "10", "--include-interviewer"],
    "keyness": ["keyness", "--by", "school", "--a", "skola 2", "--b", "skola 3", "--min-freq", "1"],
    "compare": ["compare", "--codebook", "steering", "--by", "school", "--measure", "documents"],
}


@pytest.fixture
def cli(schools: Store, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """Run ``qualcode ARGS --db PROJECT`` in this process: (exit code, stdout, stderr)."""
    monkeypatch.setenv("QUALCODE_CODER", "anna")
    db = db_of(schools)

    def run(*args: str) -> tuple[int, str, str]:
        capsys.readouterr()
        code = main([*args, "--db", db])
        out, err = capsys.readouterr()
        return code, out, err

    return run


@pytest.mark.parametrize("kind", list(COMMANDS))
def test_a_saved_query_runs_to_the_same_rows(cli, kind: str) -> None:  # type: ignore[no-untyped-def]
    code, first, err = cli(*COMMANDS[kind], "--json", "--save", f"q {kind}")
    assert code == 0, err
    code, again, err = cli("query", "run", f"q {kind}", "--json")
    assert code == 0, err
    assert json.loads(again) == json.loads(first)
    code, shown, _ = cli("query", "show", f"q {kind}", "--json")
    saved = json.loads(shown)
    assert saved["kind"] == kind and saved["created_by"] == "anna"
    # The saved arguments are the command's own (in the parser's order), nothing of the output's.
    typed = COMMANDS[kind][1:]
    assert sorted(saved["args"]) == sorted(typed) and "--json" not in saved["args"]


def test_the_saved_arguments_read_like_the_command(cli) -> None:  # type: ignore[no-untyped-def]
    assert cli(*COMMANDS["retrieve"], "--save", "rektorer", "--quiet")[0] == 0
    code, listed, _ = cli("query", "list")
    assert code == 0
    assert "qualcode retrieve dialogue --attr role=rektor --page-size 2 --context 20" in listed


def test_run_takes_further_arguments_and_a_later_option_wins(cli) -> None:  # type: ignore[no-untyped-def]
    assert cli("retrieve", "dialogue", "--page-size", "2", "--save", "paged", "--quiet")[0] == 0
    page_two = json.loads(cli("query", "run", "paged", "--json", "--page", "2")[1])
    direct = json.loads(cli("retrieve", "dialogue", "--page-size", "2", "--page", "2", "--json")[1])
    assert page_two == direct and page_two["page"] == 2


def test_a_query_with_a_set_follows_the_set(cli, schools: Store) -> None:  # type: ignore[no-untyped-def]
    sets.create(schools, "pair", "documents", documents=["skola2_rektorer"], coder="anna")
    assert cli("retrieve", "dialogue", "--set", "pair", "--save", "in pair", "--quiet")[0] == 0
    before = json.loads(cli("query", "run", "in pair", "--json")[1])["total"]
    sets.change(schools, "pair", add_documents=["skola3_rektorer"], coder="anna")
    after = json.loads(cli("query", "run", "in pair", "--json")[1])["total"]
    assert before == 3 and after == 6


def test_name_clashes_and_unknown_names_are_clear(cli) -> None:  # type: ignore[no-untyped-def]
    assert cli("search", "siffrorna", "--save", "once")[0] == 0
    code, out, err = cli("search", "höst", "--save", "once")
    assert code != 0 and out == ""  # refused before the search ran
    assert "A saved query named 'once' exists already (qualcode search siffrorna)" in err
    assert "qualcode query remove once --force" in err
    code, _, err = cli("query", "run", "nosuch")
    assert code != 0 and "No saved query 'nosuch' in this project (saved: once)" in err
    assert "Traceback" not in err
    code, _, err = cli("search", "höst", "--save", "  ")
    assert code != 0 and "needs a name" in err


def test_remove_needs_force_and_undo_brings_the_query_back(cli) -> None:  # type: ignore[no-untyped-def]
    assert cli("words", "--limit", "5", "--save", "top words", "--json")[0] == 0
    code, _, err = cli("query", "remove", "top words")
    assert code != 0 and "needs --force" in err
    assert cli("query", "remove", "top words", "--force")[0] == 0
    assert json.loads(cli("query", "list", "--json")[1]) == []
    code, out, err = cli("code", "undo", "--coder", "anna")
    assert code == 0, err
    (back,) = json.loads(cli("query", "list", "--json")[1])
    assert back["name"] == "top words" and back["args"] == ["--limit", "5"] and back["created_by"] == "anna"
    assert cli("code", "undo", "--coder", "anna")[0] == 0  # and the save itself
    assert json.loads(cli("query", "list", "--json")[1]) == []


def test_export_writes_the_rows_and_never_over_a_file(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert cli("retrieve", "dialogue", "--page-size", "2", "--save", "all", "--quiet")[0] == 0
    table = tmp_path / "all.csv"
    code, out, err = cli("query", "export", "all", str(table))
    assert code == 0, err
    rows = list(csv.DictReader(table.open(encoding="utf-8")))  # every page, not the saved one
    direct = json.loads(cli("retrieve", "dialogue", "--page-size", "100", "--json")[1])
    assert [(r["document_name"], int(r["start"]), r["text"]) for r in rows] == [
        (p["document_name"], p["start"], p["text"]) for p in direct["passages"]]
    code, _, err = cli("query", "export", "all", str(table))
    assert code != 0 and "already exists" in err and "--force" in err
    whole = tmp_path / "all.json"
    assert cli("query", "export", "all", str(whole))[0] == 0
    data = json.loads(whole.read_text(encoding="utf-8"))
    assert data["query"]["command"].startswith("qualcode retrieve dialogue") and len(direct["passages"]) == 9
    assert data["result"]["passages"] == direct["passages"]
    matrix = tmp_path / "matrix.csv"
    assert cli(*COMMANDS["compare"], "--save", "m", "--quiet")[0] == 0
    assert cli("query", "export", "m", str(matrix))[0] == 0
    header = next(csv.reader(matrix.open(encoding="utf-8")))
    assert header[:2] == ["code", "label"] and set(header[2:]) == {"skola 2", "skola 3", "skola 4"}
    code, _, err = cli("query", "export", "all", str(tmp_path / "all.txt"))
    assert code != 0 and ".csv or .json" in err


def test_a_set_made_from_a_saved_query(cli, schools: Store) -> None:  # type: ignore[no-untyped-def]
    assert cli("search", "siffrorna", "--limit", "1", "--save", "numbers")[0] == 0
    code, out, err = cli("set", "create", "numbers", "--from-query", "numbers", "--json")
    assert code == 0, err
    made = json.loads(out)
    assert made["kind"] == "passages" and made["size"] == 3  # every hit, not the first page
    found = json.loads(cli("retrieve", "dialogue", "--set", "numbers", "--json")[1])
    assert {p["text"] for p in found["passages"]} == {"Arbetslagen får siffrorna i oktober."}
    assert found["total"] == 3
    code, out, err = cli("set", "create", "their documents", "--from-query", "numbers", "--kind", "documents",
                         "--json")
    assert code == 0 and json.loads(out)["size"] == 3
    assert cli("words", "--save", "w", "--json")[0] == 0
    code, _, err = cli("set", "create", "bad", "--from-query", "w")
    assert code != 0 and "finds words, not passages" in err
    code, out, err = cli("words", "--set", "numbers", "--form", "--json")
    assert code == 0, err
    assert {w["word"] for w in json.loads(out)["words"]} <= {"arbetslagen", "får", "siffrorna", "oktober"}
    code, _, err = cli("compare", "--by", "school", "--set", "numbers")
    assert code != 0 and "holds passages; compare filters whole documents" in err


def test_queries_are_kept_in_the_project(schools: Store) -> None:
    saved = queries.save(schools, "direct", "search", ["siffrorna"], coder="bo")
    assert queries.get(schools, "direct") == saved and saved.command_line() == "qualcode search siffrorna"
    with pytest.raises(Exception, match="cannot be saved"):
        queries.save(schools, "other", "topics", [])


def _qualcode(*args: str) -> subprocess.CompletedProcess[str]:
    script = Path(sys.executable).with_name("qualcode")  # the installed console script
    return subprocess.run([str(script), *args], capture_output=True, text=True, timeout=300,
                          env={**os.environ, "COLUMNS": "200", "QUALCODE_CODER": "anna"})


def test_the_console_script_saves_runs_and_filters_by_set(schools: Store) -> None:
    db = ["--db", db_of(schools)]
    saved = _qualcode("retrieve", "dialogue", "--attr", "role=rektor", "--json", "--save", "script", *db)
    assert saved.returncode == 0, saved.stderr
    again = _qualcode("query", "run", "script", "--json", *db)
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout) == json.loads(saved.stdout)
    assert _qualcode("set", "create", "one", "--doc", "skola3_rektorer", *db).returncode == 0
    by_set = _qualcode("retrieve", "dialogue", "--set", "one", "--json", *db)
    by_doc = _qualcode("retrieve", "dialogue", "--doc", "skola3_rektorer", "--json", *db)
    assert by_set.returncode == 0, by_set.stderr
    assert json.loads(by_set.stdout) == json.loads(by_doc.stdout) and json.loads(by_set.stdout)["total"] == 3
    missing = _qualcode("query", "show", "nosuch", *db)
    assert missing.returncode != 0 and "No saved query 'nosuch'" in missing.stderr
    assert "Traceback" not in missing.stderr
