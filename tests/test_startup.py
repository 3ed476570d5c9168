"""Start-up hygiene of the installed ``qualcode`` script: what each command imports.

Each case runs the real console script in a fresh process with Python's import-time
report switched on and reads the modules it loaded from that report, so nothing in the
test process (which has imported everything) can hide a regression. The root command
table in :mod:`qualcode.cli.app` is checked against the commands the modules define.
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from qualcode.cli import app as cli_app

REPO = Path(__file__).resolve().parents[1]
NEVER_AT_START = ("scipy", "numpy", "torch", "sklearn", "spacy", "textual", "sentence_transformers",
                  "bertopic")
NOT_FOR_HELP = (*NEVER_AT_START, "sqlalchemy", "alembic", "pydantic", "rich", "yaml",
                "qualcode.storage", "qualcode.services", "qualcode.analysis", "qualcode.exporters")
# The lemmatizer and its tables are for import, search and word counts: listing documents
# or retrieving coded passages from a project whose search index is current loads none of it.
LEMMATIZER = ("qualcode.services.lemmas", "qualcode.analysis.lemmas", "qualcode.analysis.terms",
              "qualcode.analysis.wordlists", "qualcode.storage.lemma_cache")
IMPORT_LINE = re.compile(r"^import time:\s+\d+ \|\s+\d+ \|\s*(\S+)\s*$")


def script() -> list[str]:
    beside = Path(sys.executable).with_name("qualcode")
    return [str(beside)] if beside.exists() else [sys.executable, "-m", "qualcode"]


def imported_by(*argv: str, cwd: Path | None = None, lite: bool = True
                ) -> tuple[set[str], subprocess.CompletedProcess[str]]:
    """The modules the console script imports for ``qualcode ARGV`` (``lite``: with the
    light read path allowed, as a user runs it)."""
    env = {**os.environ, "PYTHONPROFILEIMPORTTIME": "1", "QUALCODE_LITE": "1" if lite else "0",
           "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([*script(), *argv], capture_output=True, text=True, env=env, cwd=cwd)
    names = {m.group(1) for line in done.stderr.splitlines() if (m := IMPORT_LINE.match(line))}
    assert names, done.stderr[-2000:]
    return names, done


def loaded(names: set[str], packages: tuple[str, ...]) -> list[str]:
    return sorted(p for p in packages if any(n == p or n.startswith(p + ".") for n in names))


def small_project(tmp_path: Path) -> Path:
    spec = importlib.util.spec_from_file_location("synthetic", REPO / "tests" / "bench" / "synthetic.py")
    assert spec and spec.loader
    synthetic = sys.modules.setdefault("synthetic", importlib.util.module_from_spec(spec))
    spec.loader.exec_module(synthetic)
    from qualcode.services.project import create_project

    path = tmp_path / "small.qualcode"
    store = create_project(path)
    try:
        synthetic.build(store, synthetic.Shape(4, 3, 20, 60, seed=1,
                                               document_attribute=lambda d: {"school": f"s{d % 2}"}))
    finally:
        store.close()
    return path


def test_help_imports_no_store_no_rich_and_no_analysis() -> None:
    names, done = imported_by("--help")
    assert done.returncode == 0 and "docs" in done.stdout
    assert loaded(names, NOT_FOR_HELP) == []
    # Nor any command module: the listing comes from the root's table.
    assert sorted(n for n in names if n.startswith("qualcode.cli.") and n.endswith("_cmds")) == []


@pytest.mark.parametrize(("group", "module", "listed"), [("codebook", "codebook_cmds", "export-qdc"),
                                                         ("lexicon", "lexicon_cmds", "lemmatize")])
def test_a_group_help_loads_only_its_own_module(group: str, module: str, listed: str) -> None:
    names, done = imported_by(group, "--help")
    assert done.returncode == 0 and listed in done.stdout
    modules = sorted(n for n in names if n.startswith("qualcode.cli.") and n.endswith("_cmds"))
    assert modules == [f"qualcode.cli.{module}"]
    assert loaded(names, (*NEVER_AT_START, "sqlalchemy", "qualcode.storage", "qualcode.analysis")) == []
    assert loaded(names, LEMMATIZER) == []


READ_ARGV = (("docs",), ("docs", "--json"), ("retrieve", "c01"), ("retrieve", "c01", "--json", "--attr", "school=s1"))


def test_docs_and_retrieve_read_a_current_sqlite_project_without_sqlalchemy(tmp_path: Path) -> None:
    db = small_project(tmp_path)
    for argv in READ_ARGV:
        names, done = imported_by(*argv, "--db", str(db))
        assert done.returncode == 0, done.stderr[-2000:]
        assert loaded(names, ("sqlalchemy", "alembic", "pydantic", "qualcode.storage.schema",
                              "qualcode.storage.repositories", "qualcode.services.sets")) == [], argv
        assert loaded(names, (*NEVER_AT_START, "qualcode.importers.docx", "yaml", "docx")) == [], argv
        assert loaded(names, LEMMATIZER) == [], argv


def test_docs_and_retrieve_on_the_full_store_load_no_numerics(tmp_path: Path) -> None:
    db = small_project(tmp_path)
    for argv in READ_ARGV[::2]:
        names, done = imported_by(*argv, "--db", str(db), lite=False)
        assert done.returncode == 0, done.stderr[-2000:]
        assert "sqlalchemy" in names
        assert loaded(names, (*NEVER_AT_START, "qualcode.importers.docx", "yaml", "docx")) == [], argv
        assert loaded(names, LEMMATIZER) == [], argv


def test_an_out_of_date_search_index_is_still_rebuilt_on_open(tmp_path: Path) -> None:
    """The cheap check on open must not skip the rebuild a project from an older lemmatizer needs."""
    from qualcode.services.project import open_project
    from qualcode.services.search_index import INDEX_SETTING
    from qualcode.storage.store import Store

    db = small_project(tmp_path)
    store = Store.open(db)
    try:
        with store.unit_of_work() as uow:
            uow.settings.set(INDEX_SETTING, "0")
    finally:
        store.close()
    names, done = imported_by("docs", "--db", str(db))
    assert done.returncode == 0, done.stderr[-2000:]
    assert "qualcode.services.lemmas" in names
    store = open_project(db)
    try:
        with store.unit_of_work() as uow:
            assert uow.settings.get(INDEX_SETTING) not in (None, "0")
    finally:
        store.close()


def test_the_workbench_module_leaves_storage_to_its_opening_worker() -> None:
    """Textual starts and draws while the opening worker imports the store and the main screen."""
    env = {**os.environ, "PYTHONPROFILEIMPORTTIME": "1",
           "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, "-c", "import qualcode.tui.app"], capture_output=True, text=True,
                          env=env)
    assert done.returncode == 0, done.stderr[-2000:]
    names = {m.group(1) for line in done.stderr.splitlines() if (m := IMPORT_LINE.match(line))}
    assert "textual.app" in names
    assert loaded(names, ("sqlalchemy", "qualcode.storage", "qualcode.tui.screens.main")) == []


def test_compare_uses_scipy_special_not_scipy_stats(tmp_path: Path) -> None:
    db = small_project(tmp_path)
    names, done = imported_by("compare", "bench", "--by", "school", "--db", str(db))
    assert done.returncode == 0, done.stderr[-2000:]
    assert "scipy.special" in names
    assert loaded(names, ("scipy.stats", "torch", "sklearn", "spacy", "textual")) == []


def test_root_table_lists_every_command_each_module_defines() -> None:
    defined: dict[str, str] = {}
    for module in cli_app.INSTALLERS:
        holder = cli_app.installed(module)
        for info in holder.registered_commands:
            defined[info.name or info.callback.__name__.replace("_", "-")] = module
        for group in holder.registered_groups:
            defined[group.name] = module
    assert {name: entry.module for name, entry in cli_app.COMMANDS.items()} == defined


@pytest.mark.parametrize("name", list(cli_app.COMMANDS))
def test_root_summary_is_the_command_s_own_help(name: str) -> None:
    command = cli_app.build_command(name)
    assert command.name == name
    assert command.help is not None
    assert " ".join(command.help.split()).startswith(cli_app.COMMANDS[name].summary), (
        f"Update COMMANDS[{name!r}] in qualcode/cli/app.py to the command's help.")
