"""Coders on both backends: who coded what, renaming, and merging two names of one person."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from qualcode.core.team import CoderSummary
from qualcode.errors import CodingError, NotFoundError
from qualcode.services import agreement, coders, coding, corpus
from qualcode.services.coding import Span
from qualcode.storage.store import Store

DOC = "skola2_rektorer"
REPO = Path(__file__).resolve().parents[1]


def _span(store: Store, phrase: str) -> Span:
    text = corpus.view_document(store, DOC).text
    start = text.index(phrase)
    return Span(start, start + len(phrase))


def _by_name(store: Store) -> dict[str, CoderSummary]:
    return {c.name: c for c in coders.list_coders(store)}


def _two_names(store: Store) -> dict[str, int]:
    """anna codes two passages; 'a.svensson' (the same person) one of them again, and one more."""
    shared = _span(store, "Lärarna ser sällan underlagen.")
    ids = {
        "anna_shared": coding.apply_code(store, DOC, "voice", "anna", shared).id,
        "anna_own": coding.apply_code(store, DOC, "followup", "anna",
                                      _span(store, "Vi har en kvalitetsdialog")).id,
        "alias_shared": coding.apply_code(store, DOC, "voice", "a.svensson", shared).id,
        "alias_own": coding.apply_code(store, DOC, "dialogue", "a.svensson",
                                       _span(store, "Arbetslagen får siffrorna")).id,
    }
    ids["memo"] = coding.add_memo(store, "coding", ids["alias_shared"], "Teachers are not heard.",
                                  "a.svensson").id
    return ids


def test_coders_lists_codings_memos_documents_and_last_change(coded_store: Store) -> None:
    _two_names(coded_store)
    coding.apply_code(coded_store, DOC, "voice", "bo", _span(coded_store, "Det stämmer inte riktigt."))
    listed = coders.list_coders(coded_store)
    assert [c.name for c in listed] == ["a.svensson", "anna", "bo"]
    alias, anna, bo = listed
    assert (anna.codings, anna.memos, anna.documents) == (2, 0, 1)
    assert (alias.codings, alias.memos, alias.documents) == (2, 1, 1)
    assert (bo.codings, bo.memos) == (1, 0)
    assert bo.last_activity is not None and anna.last_activity is not None
    assert bo.last_activity >= anna.last_activity


def test_rename_keeps_the_work_and_is_logged(coded_store: Store) -> None:
    _two_names(coded_store)
    coders.rename_coder(coded_store, "anna", "Anna Svensson")
    found = _by_name(coded_store)
    assert "anna" not in found and found["Anna Svensson"].codings == 2
    with coded_store.unit_of_work() as uow:
        (event,) = uow.events.list(kind="coder.renamed")
        assert event.payload == {"coder_id": found["Anna Svensson"].id, "old": "anna", "new": "Anna Svensson"}
    with pytest.raises(NotFoundError, match="No coder named 'anna'"):
        coders.rename_coder(coded_store, "anna", "x")
    with pytest.raises(CodingError, match="already a coder named 'a.svensson'") as refused:
        coders.rename_coder(coded_store, "Anna Svensson", "a.svensson")
    assert "qualcode coders merge" in (refused.value.hint or "")


def test_merge_keeps_a_shared_coding_once_and_moves_its_memo(coded_store: Store) -> None:
    ids = _two_names(coded_store)
    done = coders.merge_coders(coded_store, "a.svensson", "anna")
    assert (done.codings_moved, done.codings_doubled, done.memos_moved) == (1, 1, 1)
    with coded_store.unit_of_work() as uow:
        anna = uow.coders.find("anna")
        assert anna is not None
        kept = sorted(c.id for c in uow.codings.list() if c.coder_id == anna.id)
        assert kept == sorted([ids["anna_shared"], ids["anna_own"], ids["alias_own"]])
        assert uow.codings.get(ids["alias_shared"]) is None
        (memo,) = uow.memos.for_target("coding", ids["anna_shared"])
        assert memo.id == ids["memo"] and memo.coder_id == anna.id
        (event,) = uow.events.list(kind="coder.merged")
        assert event.payload["doubled_codings_dropped"] == [ids["alias_shared"]]
        assert event.payload["kept_instead"] == [ids["anna_shared"]]
        # The old name now stands for anna: coding under it is coding as anna.
        assert uow.coders.find("a.svensson") == anna
    listed = coders.list_coders(coded_store)
    assert [(c.name, c.codings, c.memos, c.aliases) for c in listed] == [("anna", 3, 1, ("a.svensson",))]
    again = coding.apply_code(coded_store, DOC, "followup", "a.svensson",
                              _span(coded_store, "Då går vi igenom betygen"))
    assert again.coder_id == listed[0].id
    with pytest.raises(CodingError, match="was merged into 'anna'"):
        coders.merge_coders(coded_store, "a.svensson", "anna")


def test_merge_that_would_lose_a_weight_is_refused_and_changes_nothing(coded_store: Store) -> None:
    ids = _two_names(coded_store)
    coding.set_weight(coded_store, ids["anna_shared"], 80, "anna")
    coding.set_weight(coded_store, ids["alias_shared"], 20, "a.svensson")
    with coded_store.unit_of_work() as uow:
        before = uow.content_counts()
    with pytest.raises(CodingError, match="different weights") as refused:
        coders.merge_coders(coded_store, "a.svensson", "anna")
    assert "nothing was changed" in refused.value.message
    with coded_store.unit_of_work() as uow:
        assert uow.content_counts() == before
    # The same weight on both sides loses nothing: the merge goes through.
    coding.set_weight(coded_store, ids["alias_shared"], 80, "a.svensson")
    assert coders.merge_coders(coded_store, "a.svensson", "anna").codings_doubled == 1


def test_merge_keeps_the_weight_only_the_dropped_coding_had(coded_store: Store) -> None:
    ids = _two_names(coded_store)
    coding.set_weight(coded_store, ids["alias_shared"], 40, "a.svensson")
    coders.merge_coders(coded_store, "a.svensson", "anna")
    with coded_store.unit_of_work() as uow:
        kept = uow.codings.get(ids["anna_shared"])
        assert kept is not None and kept.weight == 40


def test_merge_of_two_coders_compared_in_a_sample_is_refused(coded_store: Store) -> None:
    _two_names(coded_store)
    agreement.draw_sample(coded_store, "round 1", ["anna", "a.svensson"], size=1, seed=1)
    with pytest.raises(CodingError, match="double-coding sample.*round 1"):
        coders.merge_coders(coded_store, "a.svensson", "anna")
    assert set(_by_name(coded_store)) == {"anna", "a.svensson"}


def _qualcode(*argv: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    script = Path(sys.executable).with_name("qualcode")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
    return subprocess.run([str(script), *argv], capture_output=True, text=True, env=env, cwd=cwd)


def test_the_console_script_lists_renames_and_merges(coded_store: Store, tmp_path: Path) -> None:
    _two_names(coded_store)
    where = coded_store.location.display()
    listed = _qualcode("coders", "--db", where, "--json", cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    assert {r["name"]: r["codings"] for r in json.loads(listed.stdout)} == {"a.svensson": 2, "anna": 2}
    merged = _qualcode("coders", "merge", "a.svensson", "anna", "--db", where, "--json", cwd=tmp_path)
    assert merged.returncode == 0, merged.stderr
    assert json.loads(merged.stdout)["codings_doubled"] == 1
    unknown = _qualcode("coders", "rename", "nobody", "x", "--db", where, cwd=tmp_path)
    assert unknown.returncode == NotFoundError.exit_code
    assert "No coder named 'nobody'" in unknown.stderr and "Traceback" not in unknown.stderr
    plain = _qualcode("coders", "--db", where, cwd=tmp_path)
    assert plain.returncode == 0 and "a.svensson" in plain.stdout and "anna" in plain.stdout


def test_an_old_project_gains_the_merged_into_reference(tmp_path: Path) -> None:
    import shutil
    import sqlite3

    from qualcode.services.project import open_project

    path = tmp_path / "old.qualcode"
    shutil.copy(REPO / "tests" / "fixtures" / "first-schema.qualcode", path)
    open_project(path).close()
    db = sqlite3.connect(path)
    try:
        keys = [(row[2], row[3], row[4], row[6]) for row in db.execute("PRAGMA foreign_key_list(coders)")]
        assert keys == [("coders", "merged_into", "id", "SET NULL")]
        assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    finally:
        db.close()
