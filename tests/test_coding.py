"""Coding operations on both backends: apply, remove, memos, rename/merge/split, undo."""

from __future__ import annotations

import pytest

from qualcode.core.model import CodingOrigin
from qualcode.errors import CodingError, NotFoundError
from qualcode.services import coding, corpus, retrieval
from qualcode.services.coding import Span
from qualcode.storage.store import Store

DOC = "skola2_rektorer"


def _span(store: Store, phrase: str) -> Span:
    text = corpus.view_document(store, DOC).text
    start = text.index(phrase)
    return Span(start, start + len(phrase))


def test_apply_code_stores_exact_span_and_speaker(coded_store: Store) -> None:
    phrase = "Lärarna ser sällan underlagen."
    made = coding.apply_code(coded_store, DOC, "voice", "anna", _span(coded_store, phrase))
    page = retrieval.retrieve(coded_store, "voice")
    assert page.total == 1
    passage = page.passages[0]
    assert passage.coding_id == made.id and passage.text == phrase
    assert passage.speaker == "Förstelärare"
    assert passage.attributes["role"] == "förstelärare"
    assert passage.attributes["school"] == "skola 2"
    assert made.origin is CodingOrigin.MANUAL


def test_overlapping_codings_are_kept(coded_store: Store) -> None:
    text = corpus.view_document(coded_store, DOC).text
    start = text.index("Vi har en kvalitetsdialog")
    coding.apply_code(coded_store, DOC, "followup", "anna", Span(start, start + 60))
    coding.apply_code(coded_store, DOC, "dialogue", "anna", Span(start + 10, start + 40))
    coding.apply_code(coded_store, DOC, "dialogue", "bo", Span(start + 10, start + 40))
    assert len(coding.list_codings(coded_store, document=DOC)) == 3
    assert len(coding.list_codings(coded_store, coder="bo")) == 1


@pytest.mark.parametrize("span, message", [
    (Span(5, 5), "not inside"),
    (Span(-1, 4), "not inside"),
    (Span(0, 10_000), "not inside"),
    (Span(), "No span"),
    (Span(turn=99), "Turn 99 does not exist"),
    (Span(segment_id=999_999), "Segment 999999"),
])
def test_bad_spans_are_refused(coded_store: Store, span: Span, message: str) -> None:
    with pytest.raises(CodingError, match=message):
        coding.apply_code(coded_store, DOC, "voice", "anna", span)
    assert coding.list_codings(coded_store) == []


def test_unknown_code_and_document_are_named(coded_store: Store) -> None:
    with pytest.raises(NotFoundError, match="nosuch"):
        coding.apply_code(coded_store, DOC, "nosuch", "anna", Span(0, 3))
    with pytest.raises(NotFoundError, match="missing-doc"):
        coding.apply_code(coded_store, "missing-doc", "voice", "anna", Span(0, 3))


def test_a_document_is_named_by_id_name_or_prefix(coded_store: Store) -> None:
    with coded_store.unit_of_work() as uow:
        summary = corpus.find_document(uow, DOC)
        assert corpus.document_id(uow, summary.id) == summary.id
        assert corpus.document_id(uow, DOC) == summary.id
        assert corpus.document_id(uow, DOC[:-3]) == summary.id
        with pytest.raises(NotFoundError, match="No document '9999'"):
            corpus.document_id(uow, 9999)
    made = coding.apply_code(coded_store, summary.id, "voice", "anna", Span(0, 3))
    assert made.document_id == summary.id


def test_turn_and_segment_codings_cover_them_exactly(coded_store: Store) -> None:
    view = corpus.view_document(coded_store, DOC)
    by_turn = coding.apply_code(coded_store, DOC, "followup", "anna", Span(turn=1))
    assert view.text[by_turn.start:by_turn.end] == view.text[view.turns[1].start:view.turns[1].end]
    assert view.text[by_turn.start:by_turn.end].startswith("Vi har en kvalitetsdialog")
    sentence = view.sentences[2]
    by_segment = coding.apply_code(coded_store, DOC, "dialogue", "anna", Span(segment_id=sentence.id))
    assert (by_segment.start, by_segment.end) == (sentence.start, sentence.end)


def test_remove_and_undo_restore_the_same_coding(coded_store: Store) -> None:
    made = coding.apply_code(coded_store, DOC, "voice", "anna", Span(0, 12))
    coding.remove_coding(coded_store, made.id, "anna")
    assert coding.list_codings(coded_store) == []
    assert "restored" in coding.undo(coded_store, "anna")
    (back,) = coding.list_codings(coded_store)
    assert (back.id, back.start, back.end, back.code_id) == (made.id, made.start, made.end, made.code_id)
    assert "removed again" in coding.undo(coded_store, "anna")
    assert coding.list_codings(coded_store) == []
    with pytest.raises(CodingError, match="Nothing to undo"):
        coding.undo(coded_store, "anna")


def test_undo_is_per_coder(coded_store: Store) -> None:
    coding.apply_code(coded_store, DOC, "voice", "anna", Span(0, 12))
    bo = coding.apply_code(coded_store, DOC, "voice", "bo", Span(2, 14))
    coding.undo(coded_store, "anna")
    assert [c.id for c in coding.list_codings(coded_store)] == [bo.id]


def test_memos_on_every_target_and_undo(coded_store: Store) -> None:
    made = coding.apply_code(coded_store, DOC, "voice", "anna", Span(0, 12))
    doc_id = coding.memo_target(coded_store, "document", DOC)
    code_id = coding.memo_target(coded_store, "code", "voice")
    for kind, target in (("project", None), ("document", doc_id), ("code", code_id), ("coding", made.id)):
        coding.add_memo(coded_store, kind, target, f"note on {kind}", "anna")
    assert len(coding.all_memos(coded_store)) == 4
    (on_code,) = coding.memos_for(coded_store, "code", code_id)
    coding.edit_memo(coded_store, on_code.id, "changed", "anna")
    assert coding.memos_for(coded_store, "code", code_id)[0].text == "changed"
    coding.undo(coded_store, "anna")
    assert coding.memos_for(coded_store, "code", code_id)[0].text == "note on code"
    coding.delete_memo(coded_store, on_code.id, "anna")
    coding.undo(coded_store, "anna")
    assert coding.memos_for(coded_store, "code", code_id)[0].id == on_code.id
    with pytest.raises(CodingError, match="empty"):
        coding.add_memo(coded_store, "project", None, "  ", "anna")
    with pytest.raises(NotFoundError):
        coding.add_memo(coded_store, "coding", 12345, "x", "anna")


def test_rename_keeps_codings_and_undo_restores_label(coded_store: Store) -> None:
    coding.apply_code(coded_store, DOC, "voice", "anna", Span(0, 12))
    renamed = coding.rename_code(coded_store, "voice", "anna", label_en="Teachers' voice")
    assert renamed.label_en == "Teachers' voice"
    assert retrieval.retrieve(coded_store, "voice").passages[0].code_label == "Teachers' voice"
    coding.undo(coded_store, "anna")
    assert retrieval.retrieve(coded_store, "voice").passages[0].code_label == "Teacher voice"


def test_merge_moves_every_coding_and_undo_moves_them_back(coded_store: Store) -> None:
    for start in (0, 20, 40):
        coding.apply_code(coded_store, DOC, "dialogue", "anna", Span(start, start + 10))
    coding.apply_code(coded_store, DOC, "followup", "bo", Span(5, 30))
    moved = coding.merge_codes(coded_store, "dialogue", "followup", "anna")
    assert moved == 3
    assert retrieval.retrieve(coded_store, "followup").total == 4
    with pytest.raises(CodingError, match="retired"):
        coding.apply_code(coded_store, DOC, "dialogue", "anna", Span(0, 3))
    coding.undo(coded_store, "anna")
    assert retrieval.retrieve(coded_store, "dialogue").total == 3
    assert retrieval.retrieve(coded_store, "followup").total == 1
    with pytest.raises(CodingError, match="itself"):
        coding.merge_codes(coded_store, "voice", "voice", "anna")


def test_split_moves_chosen_codings_only(coded_store: Store) -> None:
    made = [coding.apply_code(coded_store, DOC, "voice", "anna", Span(s, s + 8)) for s in (0, 30, 60)]
    new = coding.split_code(coded_store, "voice", "voice.critical", "anna", label="Critical voice",
                            coding_ids=[made[1].id])
    assert new.key == "voice.critical"
    assert retrieval.retrieve(coded_store, "voice").total == 2
    assert [p.coding_id for p in retrieval.retrieve(coded_store, "voice.critical").passages] == [made[1].id]
    with pytest.raises(CodingError, match="not codings of"):
        coding.split_code(coded_store, "voice", "voice.other", "anna", label="x", coding_ids=[999])
    coding.undo(coded_store, "anna")
    assert retrieval.retrieve(coded_store, "voice").total == 3
    with pytest.raises(NotFoundError):
        retrieval.retrieve(coded_store, "voice.critical")


def test_every_change_is_logged(coded_store: Store) -> None:
    made = coding.apply_code(coded_store, DOC, "voice", "anna", Span(0, 12))
    coding.remove_coding(coded_store, made.id, "anna")
    with coded_store.unit_of_work() as uow:
        kinds = [e.kind for e in reversed(uow.events.list())]  # newest first
    assert kinds[-2:] == ["coding.added", "coding.removed"]
    assert "document.imported" in kinds and "codebook.loaded" in kinds
