"""Coding concordance lines: every chosen line in one transaction, one undo for all."""

from __future__ import annotations

import pytest

from qualcode.errors import CodingError, NotFoundError
from qualcode.services import corpus, words
from qualcode.services.coding import list_codings, remove_coding, undo
from qualcode.storage.store import Store


def _texts(store: Store, codings: list) -> list[str]:  # type: ignore[type-arg]
    text = corpus.view_document(store, "skola2_rektorer").text
    return [text[c.start:c.end] for c in codings]


def test_lines_code_their_sentences_in_one_undoable_step(coded_store: Store) -> None:
    page = words.kwic(coded_store, "vi")
    assert len(page.lines) == 2
    done = words.code_kwic_lines(coded_store, page.lines, "dialogue", "anna")
    assert len(done.codings) == 2 and done.already == 0
    assert sorted(_texts(coded_store, done.codings)) == [
        "Då går vi igenom betygen och enkäterna.", "Vi har en kvalitetsdialog med förvaltningen varje höst."]
    assert len(list_codings(coded_store, code="dialogue")) == 2
    assert "2 codings" in undo(coded_store, "anna")
    assert list_codings(coded_store, code="dialogue") == []
    with pytest.raises(CodingError, match="Nothing to undo"):
        undo(coded_store, "anna")


def test_units_match_and_turn_and_no_double_coding(coded_store: Store) -> None:
    lines = words.kwic(coded_store, "vi").lines
    matched = words.code_kwic_lines(coded_store, lines, "voice", "anna", unit="match")
    assert [t.lower() for t in _texts(coded_store, matched.codings)] == ["vi", "vi"]
    turn = words.code_kwic_lines(coded_store, lines, "followup", "anna", unit="turn")
    assert len(turn.codings) == 1  # both lines stand in the same turn: it is coded once
    assert _texts(coded_store, turn.codings)[0].startswith("Vi har en kvalitetsdialog")
    again = words.code_kwic_lines(coded_store, lines, "followup", "anna", unit="turn")
    assert again.codings == [] and again.already == 1
    assert "1 codings" in undo(coded_store, "anna")  # the repeat logged nothing
    assert list_codings(coded_store, code="followup") == []


def test_undo_refused_when_another_coder_changed_one(coded_store: Store) -> None:
    done = words.code_kwic_lines(coded_store, words.kwic(coded_store, "vi").lines, "dialogue", "anna")
    remove_coding(coded_store, done.codings[0].id, "bo")
    with pytest.raises(CodingError, match="Cannot undo"):
        undo(coded_store, "anna")
    left = list_codings(coded_store, code="dialogue")
    assert [c.id for c in left] == [done.codings[1].id]  # all or nothing: the other one stays


def test_bad_requests_are_refused(coded_store: Store) -> None:
    lines = words.kwic(coded_store, "vi").lines
    with pytest.raises(words.WordsError, match="paragraph"):
        words.code_kwic_lines(coded_store, lines, "dialogue", "anna", unit="paragraph")
    with pytest.raises(words.WordsError, match="No concordance lines"):
        words.code_kwic_lines(coded_store, [], "dialogue", "anna")
    with pytest.raises(NotFoundError, match="nocode"):
        words.code_kwic_lines(coded_store, lines, "nocode", "anna")
    assert list_codings(coded_store) == []
