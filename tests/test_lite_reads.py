"""``docs`` and ``retrieve`` answer the same through the light read path as through the store.

Each case runs the installed console script twice in fresh processes: as a user runs it,
and with ``QUALCODE_LITE=0`` (the full store). Output, error messages and exit codes
must be identical. The first run reports its imports, which says which path it took:
without SQLAlchemy where the light path reads, with it where it must fall back (a saved
set, a server, a project to re-index), so a case cannot pass by having both runs take
the same path.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from qualcode.core.codebook import CodebookSpec, CodeSpec
from qualcode.services import codebook, coders, pseudonyms, sets
from qualcode.services.project import create_project, open_project

REPO = Path(__file__).resolve().parents[1]
IMPORT_LINE = re.compile(r"^import time:\s+\d+ \|\s+\d+ \|\s*(\S+)\s*$")
LIGHT, FULL = "light", "full"


def script() -> list[str]:
    beside = Path(sys.executable).with_name("qualcode")
    return [str(beside)] if beside.exists() else [sys.executable, "-m", "qualcode"]


def run(argv: list[str], *, lite: bool, cwd: Path | None = None) -> tuple[subprocess.CompletedProcess[str], set[str]]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]),
           "COLUMNS": "100", "QUALCODE_LITE": "1" if lite else "0"}
    env.pop("QUALCODE_DB", None)
    env.pop("QUALCODE_CODER", None)
    if lite:
        env["PYTHONPROFILEIMPORTTIME"] = "1"
    done = subprocess.run([*script(), *argv], capture_output=True, text=True, env=env, cwd=cwd)
    names: set[str] = set()
    kept = []
    for line in done.stderr.splitlines(keepends=True):
        if (m := IMPORT_LINE.match(line.rstrip("\n"))) is not None:
            names.add(m.group(1))
        elif not line.startswith("import time:"):
            kept.append(line)
    return subprocess.CompletedProcess(done.args, done.returncode, done.stdout, "".join(kept)), names


def same_on_both_paths(argv: list[str], expected_path: str, *, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    light, names = run(argv, lite=True, cwd=cwd)
    full, _ = run(argv, lite=False, cwd=cwd)
    assert (light.returncode, light.stdout, light.stderr) == (full.returncode, full.stdout, full.stderr), argv
    took = FULL if "sqlalchemy" in names else LIGHT
    assert took == expected_path, (argv, light.stderr[-1000:])
    return light


@pytest.fixture(scope="module")
def demo(demo_file: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("lite-demo") / "demo.qualcode"
    shutil.copy(demo_file, path)
    return path


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Speaker attributes over document attributes, weights, a merged coder, a code key in
    two codebooks, a retired code, a pseudonym table switched on by default and a saved set."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("synthetic", REPO / "tests" / "bench" / "synthetic.py")
    assert spec and spec.loader
    module = sys.modules.setdefault("synthetic", importlib.util.module_from_spec(spec))
    spec.loader.exec_module(module)
    path = tmp_path_factory.mktemp("lite-synthetic") / "synthetic.qualcode"
    store = create_project(path)
    try:
        module.build(store, module.Shape(
            6, 5, 40, 300, seed=7, document_attribute=lambda d: {"school": f"s{d % 3}", "role": "teacher"},
            speaker_attributes={"Rektor": {"role": "principal"}}))
        codebook.load_spec(store, CodebookSpec("other", "Other", codes=(
            CodeSpec("c01", "Another code one", definition="Same key, other book."),
            CodeSpec("solo", "Only here", definition="A code no one used."))))
        codebook.load_spec(store, CodebookSpec("other", "Other", version="2", codes=(  # retires solo
            CodeSpec("c01", "Another code one", definition="Same key, other book."),)))
        with store.unit_of_work() as uow:
            cecilia = uow.coders.get_or_create("cecilia").id
            first = uow.codings.list()[:6]
            for coding in first[:3]:
                uow.codings.set_weight(coding.id, 40 + coding.id % 50)
            for coding in first[3:]:
                uow.codings.add(coding.document_id, coding.code_id, cecilia, coding.start, coding.end + 7)
        coders.merge_coders(store, "cecilia", "bo")
        pseudonyms.add(store, pseudonyms.make_entry("Rektor", "Ledare", "other"))
        pseudonyms.set_default(store, True)
        sets.create(store, "two", "documents", documents=["doc0001", "doc0003"])
    finally:
        store.close()
    return path


DEMO_RETRIEVE = [
    ["lc.bypassed"],
    ["loose-coupling:lc.bypassed", "--json"],
    ["lc.bypassed", "--coder", "anna", "--coder", "bo"],
    ["lc.bypassed", "--attr", "role=rektor", "--attr", "school=skola 1", "--attr", "school=skola 2"],
    ["lc.bypassed", "--attr", "level=school", "--json", "--page-size", "3"],
    ["lc.bypassed", "--doc", "09", "--doc", "13_larare_skola1"],
    ["lc.tight", "--page", "2", "--page-size", "3", "--context", "0"],
    ["lc.tight", "--page", "99"],
    ["lc.loose", "--context", "200", "--cite", "({speaker}, {level})", "--quiet"],
    ["Loose coupling", "--page-size", "2", "--json"],
    ["lc.loose", "--no-pseudonymise", "--coder", "consensus"],
]
DEMO_ERRORS = [
    ["no.such.code"],
    ["nobook:lc.loose"],
    ["lc.loose", "--coder", "nobody"],
    ["lc.loose", "--doc", "0"],
    ["lc.loose", "--doc", "zz"],
    ["lc.loose", "--attr", "role"],
    ["lc.loose", "--pseudonymise"],
]


@pytest.mark.parametrize("argv", DEMO_RETRIEVE + DEMO_ERRORS, ids=lambda a: " ".join(a))
def test_retrieve_on_the_demo_project(demo: Path, argv: list[str]) -> None:
    done = same_on_both_paths(["retrieve", *argv, "--db", str(demo)], LIGHT)
    assert (done.returncode == 0) == (argv in DEMO_RETRIEVE), done.stderr


@pytest.mark.parametrize("argv", [[], ["--json"], ["--attr", "level=school"],
                                  ["--attr", "role=rektor", "--attr", "role=lärare", "--json"],
                                  ["--attr", "nothing=here"], ["--attr", "bad"]],
                         ids=lambda a: " ".join(a) or "plain")
def test_docs_on_the_demo_project(demo: Path, argv: list[str]) -> None:
    same_on_both_paths(["docs", *argv, "--db", str(demo)], LIGHT)


@pytest.mark.parametrize(("argv", "path"), [
    (["retrieve", "bench:c01", "--json"], LIGHT),  # pseudonymised by the project's default
    (["retrieve", "bench:c01", "--no-pseudonymise", "--page-size", "50"], LIGHT),
    (["retrieve", "c01"], LIGHT),  # in two codebooks: refused
    (["retrieve", "Code 3", "--attr", "role=principal", "--json"], LIGHT),  # the speaker's, not the document's
    (["retrieve", "c02", "--attr", "role=teacher", "--attr", "school=s1", "--quiet"], LIGHT),
    (["retrieve", "c04", "--coder", "cecilia", "--json"], LIGHT),  # merged into bo
    (["retrieve", "solo"], LIGHT),  # retired, still found by its key
    (["retrieve", "Only here"], LIGHT),  # a retired code's label is not looked up
    (["retrieve", "c05", "--set", "two", "--json"], FULL),  # the saved sets are the full store's
    (["retrieve", "c05", "--set", "missing"], FULL),
    (["docs", "--json"], LIGHT),
    (["docs", "--attr", "school=s1"], LIGHT),
], ids=lambda a: " ".join(a) if isinstance(a, list) else a)
def test_the_synthetic_project(synthetic: Path, argv: list[str], path: str) -> None:
    same_on_both_paths([*argv, "--db", str(synthetic)], path)


def test_a_project_found_in_the_folder_and_the_errors_of_finding_one(demo: Path, tmp_path: Path) -> None:
    here = tmp_path / "here"
    here.mkdir()
    shutil.copy(demo, here / "only.qualcode")
    assert "lc.bypassed" in same_on_both_paths(["retrieve", "lc.bypassed"], LIGHT, cwd=here).stdout
    empty = tmp_path / "empty"
    empty.mkdir()
    done = same_on_both_paths(["docs"], LIGHT, cwd=empty)
    assert done.returncode != 0 and "No project given" in done.stderr


def test_what_is_not_a_current_project_gets_the_store_s_answer(demo: Path, tmp_path: Path) -> None:
    missing = tmp_path / "missing.qualcode"
    done = same_on_both_paths(["docs", "--db", str(missing)], LIGHT)
    assert done.returncode != 0 and done.stderr
    assert not missing.exists()
    notes = tmp_path / "notes.qualcode"
    notes.write_text("not a database", encoding="utf-8")
    assert same_on_both_paths(["retrieve", "x", "--db", str(notes)], LIGHT).returncode != 0
    empty = tmp_path / "empty.qualcode"
    empty.touch()
    assert same_on_both_paths(["docs", "--db", str(empty)], FULL).returncode != 0
    other = tmp_path / "other.qualcode"
    with sqlite3.connect(other) as connection:
        connection.execute("CREATE TABLE t (x)")
    assert same_on_both_paths(["docs", "--db", str(other)], FULL).returncode != 0


def test_a_project_to_re_index_is_read_by_the_store_which_re_indexes_it(demo: Path, tmp_path: Path) -> None:
    from qualcode.services.search_index import INDEX_SETTING

    old = tmp_path / "old.qualcode"
    shutil.copy(demo, old)
    with sqlite3.connect(old) as connection:
        connection.execute("UPDATE settings SET value = '0' WHERE key = ?", (INDEX_SETTING,))
    light, names = run(["retrieve", "lc.loose", "--db", str(old)], lite=True)
    assert light.returncode == 0 and "sqlalchemy" in names
    full, _ = run(["retrieve", "lc.loose", "--db", str(demo)], lite=False)
    assert light.stdout == full.stdout.replace(str(demo), str(old))
    # Re-indexed by the store: the next run reads lightly.
    same_on_both_paths(["retrieve", "lc.loose", "--db", str(old)], LIGHT)


def test_a_server_url_takes_the_store_s_path() -> None:
    done, names = run(["docs", "--db", "postgresql://nobody@127.0.0.1:1/none"], lite=True)
    assert done.returncode != 0 and "sqlalchemy" in names
    assert "Traceback" not in done.stderr


def test_the_light_store_hands_back_what_it_does_not_read(demo: Path) -> None:
    """A repository or filter the light path lacks is read again on the full store."""
    from qualcode.services.project import read_project

    def members(store):  # type: ignore[no-untyped-def]
        with store.unit_of_work() as uow:
            return type(uow).__module__, [s.name for s in uow.sets.list()]

    module, found = read_project(demo, members)
    store = open_project(demo)
    try:
        assert module == "qualcode.storage.store" and found == members(store)[1]
        with store.unit_of_work() as uow:
            expected = uow.documents.list()
    finally:
        store.close()

    def listed(store):  # type: ignore[no-untyped-def]
        with store.unit_of_work() as uow:
            return type(uow).__module__, uow.documents.list()

    module, documents = read_project(demo, listed)
    assert module == "qualcode.storage.lite_reads" and documents == expected


def _small_coded_project(target: str, interview: Path, speakers: Path) -> None:
    from qualcode.services import corpus
    from qualcode.services.coding import Span, apply_code
    from tests.conftest import SMALL_BOOK

    store = create_project(target, name="same")
    try:
        assert not corpus.import_paths(store, [interview], speaker_map=speakers).failed
        codebook.load_spec(store, SMALL_BOOK)
        apply_code(store, "skola2_rektorer", "dialogue", "anna", Span(turn=1), weight=60)
        apply_code(store, "skola2_rektorer", "dialogue", "bo", Span(turn=2))
        apply_code(store, "skola2_rektorer", "voice", "bo", Span(turn=2))
    finally:
        store.close()


@pytest.mark.postgres
def test_a_postgresql_project_is_read_by_the_store_with_the_same_answers(
        pg_url: str, tmp_path: Path, interview_files: tuple[Path, Path]) -> None:
    sqlite_path = tmp_path / "same.qualcode"
    for target in (pg_url, str(sqlite_path)):
        _small_coded_project(target, *interview_files)
    for argv in (["docs"], ["retrieve", "dialogue", "--json"], ["retrieve", "steering:dialogue", "--coder", "bo"],
                 ["retrieve", "dialogue", "--attr", "role=rektor", "--context", "10"], ["retrieve", "nothing"]):
        on_server, names = run([*argv, "--db", pg_url], lite=True)
        assert "sqlalchemy" in names and "Traceback" not in on_server.stderr
        in_file = same_on_both_paths([*argv, "--db", str(sqlite_path)], LIGHT)
        # The two databases return attribute rows in their own orders: JSON compares as data.
        read = json.loads if "--json" in argv else str
        assert (on_server.returncode, read(on_server.stdout), on_server.stderr) == \
            (in_file.returncode, read(in_file.stdout), in_file.stderr), argv
