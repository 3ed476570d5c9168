"""Coding from a concordance: the chosen lines' sentences coded in one transaction,
one event, one undo (SQLite and PostgreSQL), and the installed script."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from qualcode.errors import CodingError, NotFoundError, QualcodeError
from qualcode.services import coding, corpus, words
from qualcode.services.kwic_coding import code_concordance, code_lines, parse_lines
from qualcode.storage.store import Store


def _sentences(store: Store) -> tuple[str, list[tuple[int, int]]]:
    with store.unit_of_work() as uow:
        document = uow.documents.list()[0]
        return uow.documents.text(document.id), [(s.start, s.end) for s in uow.documents.segments(document.id)]


def test_lines_are_parsed_with_ranges_and_errors() -> None:
    assert parse_lines("1,3-5, 4") == [1, 3, 4, 5]
    for bad in ("x", "3-1", "0", "1,,2"):
        with pytest.raises(QualcodeError, match="--lines"):
            parse_lines(bad)


def test_chosen_lines_get_their_sentences_coded_and_one_undo_takes_them_back(coded_store: Store) -> None:
    text, sentences = _sentences(coded_store)
    page = words.kwic(coded_store, "*en", limit=None)
    # Lines 2 and 3 ('en' and 'förvaltningen') share the head teacher's first sentence.
    done = code_concordance(coded_store, "*en", "voice", "anna", lines=[1, 2, 3])
    assert done.lines == [1, 2, 3] and done.total_lines == page.total
    spans = {(c.start, c.end) for c in done.codings}
    assert spans <= set(sentences)
    for number in (1, 2, 3):
        line = page.lines[number - 1]
        assert any(s <= line.start and line.end <= e for s, e in spans)
    assert len(done.codings) == len({_sentence_of(sentences, page.lines[n - 1].start) for n in (1, 2, 3)}) == 2
    assert text[done.codings[0].start:done.codings[0].end].startswith("Hur följer ni upp resultaten")
    with coded_store.unit_of_work() as uow:
        events = [e for e in uow.events.list() if e.kind.startswith("coding")]
    assert [e.kind for e in events] == ["codings.added"]
    again = code_concordance(coded_store, "*en", "voice", "anna", lines=[1, 3])
    assert again.codings == [] and again.already_coded == 2
    assert "2 codings removed again" in coding.undo(coded_store, "anna")
    assert coding.list_codings(coded_store) == []


def _sentence_of(sentences: list[tuple[int, int]], offset: int) -> tuple[int, int]:
    return next((s, e) for s, e in sentences if s <= offset < e)


def test_the_match_alone_every_line_and_bad_input(coded_store: Store) -> None:
    done = code_concordance(coded_store, "kvalitetsdialog", "dialogue", "bo", unit="match")
    (made,) = done.codings
    text, _ = _sentences(coded_store)
    assert text[made.start:made.end] == "kvalitetsdialog"
    everything = code_concordance(coded_store, "rektor*", "voice", "bo")
    assert len(everything.codings) == everything.total_lines == 1
    with pytest.raises(QualcodeError, match="no line 5"):
        code_concordance(coded_store, "rektor*", "voice", "bo", lines=[5])
    with pytest.raises(QualcodeError):
        code_concordance(coded_store, "rektor*", "no-such-code", "bo")
    with pytest.raises(QualcodeError, match="does not occur"):
        code_concordance(coded_store, "flygplan", "voice", "bo")
    with pytest.raises(QualcodeError, match="--unit"):
        code_concordance(coded_store, "rektor*", "voice", "bo", unit="paragraph")
    assert len(coding.list_codings(coded_store)) == 2  # the failures changed nothing


def test_undo_of_a_batch_is_refused_when_another_coder_wrote_on_one_of_them(coded_store: Store) -> None:
    done = code_concordance(coded_store, "*en", "voice", "anna", lines=[1, 4])
    coding.add_memo(coded_store, "coding", done.codings[1].id, "Not this one.", "bo")
    with pytest.raises(QualcodeError, match="memo"):
        coding.undo(coded_store, "anna")
    assert len(coding.list_codings(coded_store)) == 2  # all or nothing


def test_kwic_apply_in_the_installed_script(coded_store: Store, tmp_path: Path) -> None:
    script = Path(sys.executable).with_name("qualcode")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    db = ["--db", coded_store.location.url]

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(script), *args, *db], cwd=tmp_path, capture_output=True, text=True, env=env,
                              timeout=300)

    shown = run("kwic", "*en")
    assert shown.returncode == 0 and "   1 " in shown.stdout
    applied = run("kwic", "*en", "--apply", "voice", "--coder", "anna", "--lines", "1-3")
    assert applied.returncode == 0, applied.stderr
    assert "Coded 2 sentence passage(s) from 3 of" in applied.stdout
    undone = run("code", "undo", "--coder", "anna")
    assert undone.returncode == 0 and "2 codings removed again" in undone.stdout
    bad = run("kwic", "*en", "--apply", "voice", "--coder", "anna", "--lines", "1-x")
    assert bad.returncode != 0 and "--lines" in bad.stderr + bad.stdout and "Traceback" not in bad.stderr


# ------------------------------------------------------------------ lines marked in the workbench


def _texts(store: Store, codings: list) -> list[str]:  # type: ignore[type-arg]
    text = corpus.view_document(store, "skola2_rektorer").text
    return [text[c.start:c.end] for c in codings]


def test_lines_code_their_sentences_in_one_undoable_step(coded_store: Store) -> None:
    page = words.kwic(coded_store, "vi")
    assert len(page.lines) == 2
    done = code_lines(coded_store, page.lines, "dialogue", "anna")
    assert len(done.codings) == 2 and done.already_coded == 0
    assert sorted(_texts(coded_store, done.codings)) == [
        "Då går vi igenom betygen och enkäterna.", "Vi har en kvalitetsdialog med förvaltningen varje höst."]
    assert len(coding.list_codings(coded_store, code="dialogue")) == 2
    assert "2 codings" in coding.undo(coded_store, "anna")
    assert coding.list_codings(coded_store, code="dialogue") == []
    with pytest.raises(CodingError, match="Nothing to undo"):
        coding.undo(coded_store, "anna")


def test_units_match_and_turn_and_no_double_coding(coded_store: Store) -> None:
    lines = words.kwic(coded_store, "vi").lines
    matched = code_lines(coded_store, lines, "voice", "anna", unit="match")
    assert [t.lower() for t in _texts(coded_store, matched.codings)] == ["vi", "vi"]
    turn = code_lines(coded_store, lines, "followup", "anna", unit="turn")
    assert len(turn.codings) == 1  # both lines stand in the same turn: it is coded once
    assert _texts(coded_store, turn.codings)[0].startswith("Vi har en kvalitetsdialog")
    again = code_lines(coded_store, lines, "followup", "anna", unit="turn")
    assert again.codings == [] and again.already_coded == 1
    assert "1 coding removed again" in coding.undo(coded_store, "anna")  # the repeat logged nothing
    assert coding.list_codings(coded_store, code="followup") == []


def test_undo_refused_when_another_coder_changed_one(coded_store: Store) -> None:
    done = code_lines(coded_store, words.kwic(coded_store, "vi").lines, "dialogue", "anna")
    coding.remove_coding(coded_store, done.codings[0].id, "bo")
    with pytest.raises(CodingError, match="Cannot undo"):
        coding.undo(coded_store, "anna")
    left = coding.list_codings(coded_store, code="dialogue")
    assert [c.id for c in left] == [done.codings[1].id]  # all or nothing: the other one stays


def test_bad_requests_are_refused(coded_store: Store) -> None:
    lines = words.kwic(coded_store, "vi").lines
    with pytest.raises(words.WordsError, match="paragraph"):
        code_lines(coded_store, lines, "dialogue", "anna", unit="paragraph")
    with pytest.raises(words.WordsError, match="No concordance lines"):
        code_lines(coded_store, [], "dialogue", "anna")
    with pytest.raises(NotFoundError, match="nocode"):
        code_lines(coded_store, lines, "nocode", "anna")
    assert coding.list_codings(coded_store) == []
