"""Merging coders' projects: matched by content, nothing doubled or lost, one event, one undo.

Two copies of a small project are coded differently (a renamed code, a moved code, a new
code, the same coding on both sides, a memo on each side, a document on one side only)
and merged; the target runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from qualcode.core.codebook import CodeSpec
from qualcode.core.merge import plan_merge
from qualcode.errors import CodingError
from qualcode.services import (
    agreement,
    codebook,
    coders,
    coding,
    corpus,
    merge,
    retrieval,
    transfer,
)
from qualcode.services.coding import Span
from qualcode.storage import transfer as rows
from qualcode.storage.store import Store

from .conftest import SMALL_BOOK
from .refi import refi_qda_dir

DOC = "skola2_rektorer"
REPO = Path(__file__).resolve().parents[1]
REFI = refi_qda_dir()
OTHER_TOOL = sorted([*REFI.glob("*.qdpx"), *(REFI / "samples").glob("*.qdpx")]) if REFI.is_dir() else []
OTHER_DOC = """Intervjuare: Vad händer med enkäterna?

Lärare: Vi får dem sent, och då är terminen nästan slut.
"""


def _span(store: Store, phrase: str, doc: str = DOC) -> Span:
    text = corpus.view_document(store, doc).text
    start = text.index(phrase)
    return Span(start, start + len(phrase))


def _doc_id(store: Store, name: str = DOC) -> int:
    with store.unit_of_work() as uow:
        found = uow.documents.find_by_name(name)
    assert found is not None
    return found.id


def _segments(store: Store, name: str) -> list[tuple[str, int, int, int]]:
    doc = _doc_id(store, name)
    with store.unit_of_work() as uow:
        return [(str(s.kind), s.index, s.start, s.end) for s in uow.documents.segments(doc, kind=None)]


def _digests(store: Store) -> dict[str, tuple[int, str]]:
    """Every table's rows and hash, the event log left out (undo adds to it)."""
    found = rows.digests(store.engine)
    found.pop("events")
    return found


def _counts(store: Store) -> dict[str, int]:
    return {name: count for name, (count, _) in _digests(store).items()}


@pytest.fixture
def pair(coded_store: Store, tmp_path: Path) -> tuple[Store, str]:
    """The target (ours) and a copy of it (theirs), each coded on after the copy."""
    ours = coded_store
    shared = _span(ours, "Lärarna ser sällan underlagen.")
    coding.apply_code(ours, DOC, "voice", "anna", shared)  # on both sides: copied
    other = str(tmp_path / "bo.qualcode")
    transfer.copy_project(ours.location.url if ours.location.path is None else str(ours.location.path), other)
    theirs = Store.open(other)
    try:
        # The same new coding on both sides (different ids): not doubled.
        same = _span(ours, "Arbetslagen får siffrorna i oktober.")
        coding.apply_code(ours, DOC, "followup", "anna", same)
        coding.apply_code(theirs, DOC, "followup", "anna", same)
        # Theirs: a renamed code, a moved code, a new code, their own codings, a memo, a document.
        moved = dataclasses.replace(SMALL_BOOK, codes=(
            SMALL_BOOK.codes[0], dataclasses.replace(SMALL_BOOK.codes[1], parent=None), SMALL_BOOK.codes[2],
            CodeSpec("late", "Late surveys", definition="Results arrive too late to act on.")))
        codebook.load_spec(theirs, moved)
        coding.rename_code(theirs, "voice", "bo", label_en="Voice of teachers")
        coding.apply_code(theirs, DOC, "dialogue", "bo", _span(theirs, "Vi har en kvalitetsdialog"))
        bo_coding = coding.apply_code(theirs, DOC, "late", "bo", _span(theirs, "varje höst"))
        coding.add_memo(theirs, "coding", bo_coding.id, "Autumn is late.", "bo")
        doc_id = _doc_id(theirs)
        coding.add_memo(theirs, "document", doc_id, "Bo's memo on the interview.", "bo")
        extra = tmp_path / "skola5_larare.txt"
        extra.write_text(OTHER_DOC, encoding="utf-8")
        assert not corpus.import_paths(theirs, [extra]).failed
        coding.apply_code(theirs, "skola5_larare", "late", "bo", _span(theirs, "Vi får dem sent", "skola5_larare"))
    finally:
        theirs.close()
    # Ours: a memo of our own on the same document.
    coding.add_memo(ours, "document", _doc_id(ours), "Anna's memo.", "anna")
    return ours, other


def test_a_conflict_is_refused_without_a_rule_and_nothing_is_written(pair: tuple[Store, str]) -> None:
    ours, other = pair
    before = _digests(ours)
    with pytest.raises(CodingError) as refused:
        merge.merge_project(ours, other, coder="lead")
    assert "renamed" in refused.value.message and "moved" in refused.value.message
    assert "--codes" in (refused.value.hint or "")
    assert _digests(ours) == before
    preview = merge.merge_project(ours, other, dry_run=True)
    assert {d.kind for d in preview.refused} == {"renamed", "moved"}
    assert preview.counts["refused"] == 2
    assert _digests(ours) == before


@pytest.mark.parametrize("rule", ["keep-ours", "keep-theirs", "both"])
def test_the_dry_run_says_what_the_merge_then_does(pair: tuple[Store, str], rule: str) -> None:
    ours, other = pair
    before = _counts(ours)
    preview = merge.merge_project(ours, other, rule=rule, dry_run=True)
    assert _counts(ours) == before
    done = merge.merge_project(ours, other, rule=rule, coder="lead")
    assert done.counts == preview.counts
    after = _counts(ours)
    c = done.counts
    assert after["codings"] - before["codings"] == c["codings_added"]
    assert after["memos"] - before["memos"] == c["memos_added"]
    assert after["documents"] - before["documents"] == c["documents_added"] == 1
    assert after["codes"] - before["codes"] == c["codes_added"]
    assert c["documents_matched"] == 1
    # Copied coding, and the one both applied after the copy: each kept once. Under 'both'
    # the copied coding of 'voice' also goes to their version of the code, beside ours.
    assert c["codings_already_present"] == (1 if rule == "both" else 2)
    assert c["codings_added"] == (4 if rule == "both" else 3)
    assert c["memos_added"] == 2 and c["memos_already_present"] == 0
    # 'late'; under 'both' also their versions of 'voice' (renamed) and 'dialogue' (moved)
    assert c["codes_added"] == (3 if rule == "both" else 1)


def test_keep_theirs_takes_their_codebook_and_every_coding_keeps_its_coder(pair: tuple[Store, str]) -> None:
    ours, other = pair
    report = merge.merge_project(ours, other, rule="keep-theirs", coder="lead")
    if ours.location.path is not None:  # it changes what the target had: a copy is kept first
        assert report.kept is not None and Path(report.kept).stat().st_size > 0
    with ours.unit_of_work() as uow:
        codes = {c.key: c for c in uow.codebooks.codes(include_inactive=True)}
        names = {c.id: c.name for c in uow.coders.list()}
        codings = uow.codings.list()
        memos = uow.memos.list()
        docs = {d.name for d in uow.documents.list()}
    assert codes["voice"].label_en == "Voice of teachers"
    assert codes["dialogue"].parent_id is None
    assert "late" in codes
    assert docs == {DOC, "skola5_larare"}
    keys = [(c.document_id, c.code_id, names[c.coder_id], c.start, c.end) for c in codings]
    assert len(keys) == len(set(keys))  # nothing doubled
    assert sorted(names[c.coder_id] for c in codings) == ["anna", "anna", "bo", "bo", "bo"]
    assert {m.text for m in memos} == {"Anna's memo.", "Bo's memo on the interview.", "Autumn is late."}
    on_coding = next(m for m in memos if m.target_kind == "coding")
    assert next(c for c in codings if c.id == on_coding.target_id).code_id == codes["late"].id
    # The added document has exactly the segments it had there, and search finds it.
    theirs = Store.open(other)
    try:
        assert _segments(ours, "skola5_larare") == _segments(theirs, "skola5_larare")
    finally:
        theirs.close()
    assert retrieval.search(ours, "terminen").total == 1


def test_keep_ours_and_both(pair: tuple[Store, str]) -> None:
    ours, other = pair
    merge.merge_project(ours, other, rule="both", coder="lead")
    with ours.unit_of_work() as uow:
        codes = {c.key: c for c in uow.codebooks.codes(include_inactive=True)}
        voice_codings = uow.codings.list(coding_filter(codes["voice"].id))
        copy_codings = uow.codings.list(coding_filter(codes["voice-merged"].id))
    assert codes["voice"].label_en == "Teacher voice"  # ours stays
    assert codes["voice-merged"].label_en == "Voice of teachers"  # theirs beside it
    assert codes["dialogue"].parent_id == codes["followup"].id
    assert codes["dialogue-merged"].parent_id is None
    assert len(voice_codings) == 1 and len(copy_codings) == 1  # their copy of the coding went to their code


def coding_filter(code_id: int):  # type: ignore[no-untyped-def]
    from qualcode.storage.repositories.codings import CodingFilter

    return CodingFilter(code_ids=[code_id])


def test_the_merge_is_one_event_and_one_undo_restores_the_target(pair: tuple[Store, str]) -> None:
    ours, other = pair
    with ours.unit_of_work() as uow:  # who merges is a coder of the project already (undo is theirs)
        uow.coders.get_or_create("lead")
    before = _digests(ours)
    with ours.unit_of_work() as uow:
        events_before = len(uow.events.list())
    report = merge.merge_project(ours, other, rule="keep-theirs", coder="lead")
    with ours.unit_of_work() as uow:
        events = uow.events.list()
    assert len(events) == events_before + 1 and events[0].kind == "project.merged"
    assert events[0].id == report.event_id
    assert _digests(ours) != before
    said = coding.undo(ours, "lead")
    assert "merge" in said
    assert _digests(ours) == before


def test_undo_is_refused_while_later_work_builds_on_the_merge(pair: tuple[Store, str]) -> None:
    ours, other = pair
    merge.merge_project(ours, other, rule="keep-ours", coder="lead")
    coding.apply_code(ours, "skola5_larare", "voice", "anna", _span(ours, "terminen", "skola5_larare"))
    with pytest.raises(CodingError, match="anna changed it since"):
        coding.undo(ours, "lead")


def test_a_failure_half_way_leaves_the_target_as_it_was(pair: tuple[Store, str],
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    ours, other = pair
    before = _digests(ours)

    def broken(self) -> None:  # type: ignore[no-untyped-def]
        raise RuntimeError("disk gone")

    monkeypatch.setattr(merge._Writer, "memos", broken)  # after documents, codes and codings are written
    with pytest.raises(RuntimeError, match="disk gone"):
        merge.merge_project(ours, other, rule="keep-theirs", coder="lead")
    assert _digests(ours) == before


def test_merging_twice_adds_nothing_the_second_time(pair: tuple[Store, str]) -> None:
    ours, other = pair
    merge.merge_project(ours, other, rule="keep-theirs", coder="lead")
    again = merge.merge_project(ours, other, rule="keep-theirs", coder="lead", dry_run=True)
    assert again.counts["codings_added"] == again.counts["memos_added"] == 0
    assert again.counts["documents_added"] == again.counts["codes_added"] == 0
    assert again.counts["documents_matched"] == 2


def test_samples_and_adjudication_decisions_come_along(coded_store: Store, tmp_path: Path) -> None:
    ours = coded_store
    other = tmp_path / "theirs.qualcode"
    transfer.copy_project(str(ours.location.path) if ours.location.path else ours.location.url, str(other))
    theirs = Store.open(other)
    try:
        agreement.draw_sample(theirs, "round1", ["anna", "bo"], supervisor="lead", size=1, seed=3)
        span = _span(theirs, "Lärarna ser sällan underlagen.")
        coding.apply_code(theirs, DOC, "voice", "anna", span)
        coding.apply_code(theirs, DOC, "voice", "bo", Span(span.start, span.end - 5))
        found = agreement.disagreements(theirs, coders=["anna", "bo"])
        assert found
        agreement.adjudicate(theirs, found[0].key, "accept", "lead", coder="anna")
    finally:
        theirs.close()
    report = merge.merge_project(ours, str(other), coder="lead")
    assert report.counts["samples_added"] == 1 and report.counts["decisions_added"] == 1
    assert [s.name for s in agreement.list_samples(ours)] == ["round1"]
    settled = agreement.disagreements(ours, coders=["anna", "bo"])
    assert settled and settled[0].settled == "accept anna"


def test_a_name_merged_into_a_coder_here_stands_for_that_coder(coded_store: Store, tmp_path: Path) -> None:
    ours = coded_store
    coding.apply_code(ours, DOC, "voice", "anna", _span(ours, "Det stämmer inte riktigt."))
    coding.apply_code(ours, DOC, "voice", "a.svensson", _span(ours, "Lärarna ser sällan underlagen."))
    other = str(tmp_path / "copy.qualcode")
    transfer.copy_project(str(ours.location.path) if ours.location.path else ours.location.url, other)
    coders.merge_coders(ours, "a.svensson", "anna")  # here only: there the name is a coder of its own
    report = merge.merge_project(ours, other, coder="lead")
    assert report.counts["codings_added"] == 0 and report.counts["codings_already_present"] == 2
    assert report.counts["coders_added"] == 0


def test_a_qdpx_made_by_the_exporter_merges_into_its_project(pair: tuple[Store, str], tmp_path: Path) -> None:
    from qualcode.services.exchange import export_qdpx

    ours, other = pair
    theirs = Store.open(other)
    try:
        exported = tmp_path / "bo.qdpx"
        export_qdpx(theirs, exported)
    finally:
        theirs.close()
    preview = merge.merge_project(ours, str(exported), rule="keep-theirs", dry_run=True)
    done = merge.merge_project(ours, str(exported), rule="keep-theirs", coder="lead")
    assert done.counts == preview.counts
    assert done.counts["documents_matched"] == 1 and done.counts["documents_added"] == 1
    assert done.counts["codings_already_present"] == 2
    with ours.unit_of_work() as uow:
        codes = {c.key: c for c in uow.codebooks.codes(include_inactive=True)}
    assert codes["voice"].label_en == "Voice of teachers" and "late" in codes


@pytest.mark.parametrize("tool", ["atlas-ti", "nvivo-windows", "nvivo-mac", "qualcoder", "refi-sample"])
def test_a_qdpx_from_another_tool_merges_whole_and_only_once(tmp_path: Path, tool: str) -> None:
    """Our own small files in the shape each tool writes (tests/fixtures/exchange), and a
    real sample where the REFI-QDA folder is beside the repository."""
    from qualcode.services.exchange import import_qdpx_as_new
    from qualcode.services.project import create_project

    from .test_exchange_corpus import project_file

    if tool == "refi-sample":
        if not OTHER_TOOL:
            pytest.skip(f"no .qdpx of another tool in {REFI}")
        sample = OTHER_TOOL[0]
    else:
        sample = project_file(tool, tmp_path)
    empty = create_project(tmp_path / "lead.qualcode")
    try:
        done = merge.merge_project(empty, str(sample), coder="lead")
        merged = _counts(empty)
        again = merge.merge_project(empty, str(sample), coder="lead", dry_run=True)
    finally:
        empty.close()
    imported, _ = import_qdpx_as_new(sample, tmp_path / "imported.qualcode")
    try:
        direct = _counts(imported)
    finally:
        imported.close()
    # Merged into an empty project, the file gives what importing it gives.
    for table in ("documents", "codes", "codings", "memos", "segments"):
        assert merged[table] == direct[table], table
    assert done.counts["documents_added"] == direct["documents"] > 0
    # Merged a second time: every document, code and coding is found, nothing is added.
    assert again.counts["documents_matched"] == direct["documents"]
    assert again.counts["codings_already_present"] == direct["codings"]
    assert again.counts["codings_added"] == again.counts["codes_added"] == again.counts["memos_added"] == 0


def test_the_planner_matches_documents_by_text_not_by_name() -> None:
    from qualcode.core.merge import Side, SideDocument

    ours = Side(documents=(SideDocument(1, "a", "x" * 64), SideDocument(2, "b", "y" * 64)), codebooks=(),
                codes=(), coders={}, codings=())
    theirs = Side(documents=(SideDocument(7, "b", "x" * 64), SideDocument(8, "a", "z" * 64)), codebooks=(),
                  codes=(), coders={}, codings=())
    plan = plan_merge(ours, theirs, None)
    assert plan.documents == {7: ("ours", 1), 8: ("new", 8)}
    assert "name is taken" in plan.differences[0].outcome


def test_the_console_script_merges_and_refuses(pair: tuple[Store, str]) -> None:
    ours, other = pair
    if ours.location.path is None:
        pytest.skip("one backend is enough for the subprocess")
    env = {**os.environ, "PYTHONPATH": str(REPO), "QUALCODE_CODER": "lead"}
    base = [sys.executable, "-m", "qualcode", "merge", other, "--db", str(ours.location.path)]
    refused = subprocess.run(base, capture_output=True, text=True, env=env, timeout=120)
    assert refused.returncode != 0
    assert "Traceback" not in refused.stderr and "--codes" in refused.stderr
    dry = subprocess.run([*base, "--dry-run", "--codes", "keep-ours", "--json"], capture_output=True, text=True,
                         env=env, timeout=120)
    assert dry.returncode == 0, dry.stderr
    planned = json.loads(dry.stdout)["counts"]
    done = subprocess.run([*base, "--codes", "keep-ours", "--json"], capture_output=True, text=True, env=env,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["counts"] == planned
    undone = subprocess.run([sys.executable, "-m", "qualcode", "code", "undo", "--db", str(ours.location.path)],
                            capture_output=True, text=True, env=env, timeout=120)
    assert undone.returncode == 0, undone.stderr
    assert "merge" in undone.stdout


def test_merging_a_project_into_itself_is_refused(coded_store: Store) -> None:
    with pytest.raises(Exception, match="into itself"):
        merge.merge_project(coded_store, coded_store.location.url if coded_store.location.path is None
                            else str(coded_store.location.path), coder="lead")


def test_where_roles_are_in_force_only_a_supervisor_merges(pair: tuple[Store, str],
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    from qualcode.errors import RoleError
    from qualcode.services import roles

    ours, other = pair
    monkeypatch.delenv("QUALCODE_CODER", raising=False)
    coding.add_memo(ours, "project", None, "The lead's note.", "lead")  # lead is a coder of ours
    roles.set_role(ours, "lead", "supervisor", by="lead")
    roles.set_role(ours, "anna", "coder", by="lead")
    before = _digests(ours)
    with pytest.raises(RoleError) as refused:
        merge.merge_project(ours, other, rule="keep-ours", coder="anna")
    assert "supervisor" in refused.value.message
    assert _digests(ours) == before
    assert merge.merge_project(ours, other, rule="keep-ours", dry_run=True, coder="anna").counts["codings_added"] > 0
    done = merge.merge_project(ours, other, rule="keep-ours", coder="lead")
    assert done.counts["codings_added"] > 0


def test_two_copies_of_the_demo_project_coded_differently_merge(demo_file: Path, tmp_path: Path) -> None:
    """The demo project copied twice and coded on each side: a renamed code, a moved code
    and a new code on theirs, the same new coding on both, a memo on each side and a
    document only theirs has; merged with --codes both, nothing is lost or doubled."""
    import shutil

    shutil.copy(demo_file, tmp_path / "ours.qualcode")
    shutil.copy(demo_file, tmp_path / "theirs.qualcode")
    ours, theirs = Store.open(tmp_path / "ours.qualcode"), Store.open(tmp_path / "theirs.qualcode")
    try:
        book, _, _ = codebook.list_codebooks(theirs)[0]
        spec = codebook.spec_of(theirs, book.slug)
        child = next(c for c in spec.codes if c.parent)
        other = next(c for c in spec.codes if c.key != child.key and c.key != child.parent)
        codebook.load_spec(theirs, dataclasses.replace(
            spec, version=f"{spec.version}-bo",
            codes=tuple(dataclasses.replace(c, parent=None) if c.key == child.key else c for c in spec.codes)
            + (CodeSpec("bo-nytt", "Bo's new code", definition="Something only Bo saw."),)))
        coding.rename_code(theirs, f"{book.slug}:{other.key}", "bo", label_en="Renamed on Bo's copy")
        name = corpus.list_documents(theirs)[0].name
        text = corpus.view_document(theirs, name).text
        start = text.index(" ", 200) + 1
        span = Span(start, text.index(" ", start + 60))
        for side in (ours, theirs):  # the same coding on both sides
            coding.apply_code(side, name, f"{book.slug}:{child.key}", "cecilia", span)
        coding.apply_code(theirs, name, f"{book.slug}:bo-nytt", "bo", span)
        coding.add_memo(ours, "project", None, "Our memo.", "anna")
        coding.add_memo(theirs, "project", None, "Their memo.", "bo")
        extra = tmp_path / "skola9_larare.txt"
        extra.write_text(OTHER_DOC, encoding="utf-8")
        assert not corpus.import_paths(theirs, [extra]).failed
    finally:
        theirs.close()
    try:
        before = _counts(ours)
        with pytest.raises(CodingError):  # renamed and moved: refused without a rule
            merge.merge_project(ours, str(tmp_path / "theirs.qualcode"), coder="lead")
        assert _counts(ours) == before
        preview = merge.merge_project(ours, str(tmp_path / "theirs.qualcode"), rule="both", dry_run=True)
        done = merge.merge_project(ours, str(tmp_path / "theirs.qualcode"), rule="both", coder="lead")
        assert done.counts == preview.counts
        assert done.counts["documents_added"] == 1
        assert _counts(ours)["documents"] == before["documents"] + 1
        assert _counts(ours)["codings"] - before["codings"] == done.counts["codings_added"]
        memos = {m.text for m in coding.all_memos(ours)}
        assert {"Our memo.", "Their memo."} <= memos
        shared = [c for c in coding.list_codings(ours, document=name)
                  if (c.start, c.end) == (span.start, span.end)]
        keys = sorted(codebook_key for codebook_key in {_key(ours, c.code_id) for c in shared})
        assert "bo-nytt" in keys
        # the coding both sides made is there once under our code
        assert sum(1 for c in shared if _key(ours, c.code_id) == child.key) == 1
    finally:
        ours.close()


def _key(store: Store, code_id: int) -> str:
    with store.unit_of_work() as uow:
        return uow.codebooks.code(code_id).key
