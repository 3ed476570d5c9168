"""Retrieval by code with filters, and full-text search, on both backends."""

from __future__ import annotations

from pathlib import Path

import pytest

from qualcode.errors import NotFoundError, QualcodeError
from qualcode.services import corpus, retrieval
from qualcode.services.coding import Span, apply_code
from qualcode.storage.store import Store

DOC = "skola2_rektorer"

ENGLISH = """Interviewer: How do you follow up results?

Head teacher: We analysed the results together. The teachers were analysing them again in March.

Teacher 1: Our schools report to the authority every term.
"""


def _code(store: Store, phrase: str, code: str, coder: str = "anna", document: str = DOC) -> None:
    text = corpus.view_document(store, document).text
    start = text.index(phrase)
    apply_code(store, document, code, coder, Span(start, start + len(phrase)))


def test_retrieve_filters_by_speaker_and_document_attributes(coded_store: Store) -> None:
    _code(coded_store, "Vi har en kvalitetsdialog med förvaltningen varje höst.", "dialogue")
    _code(coded_store, "Arbetslagen får siffrorna i oktober.", "dialogue", coder="bo")
    _code(coded_store, "Lärarna ser sällan underlagen.", "dialogue")
    assert retrieval.retrieve(coded_store, "dialogue").total == 3
    by_role = retrieval.retrieve(coded_store, "dialogue", attributes={"role": ["rektor"]})
    assert {p.text for p in by_role.passages} == {
        "Vi har en kvalitetsdialog med förvaltningen varje höst.", "Arbetslagen får siffrorna i oktober."}
    assert retrieval.retrieve(coded_store, "dialogue", attributes={"school": ["skola 2"]}).total == 3
    assert retrieval.retrieve(coded_store, "dialogue", attributes={"school": ["skola 9"]}).total == 0
    assert retrieval.retrieve(coded_store, "dialogue", coders=["bo"]).total == 1
    with pytest.raises(NotFoundError, match="No coder 'carl'"):
        retrieval.retrieve(coded_store, "dialogue", coders=["carl"])


def test_retrieve_pages_in_reading_order_with_context(coded_store: Store) -> None:
    text = corpus.view_document(coded_store, DOC).text
    for start in range(0, 100, 10):
        apply_code(coded_store, DOC, "followup", "anna", Span(start + 40, start + 45))
    first = retrieval.retrieve(coded_store, "followup", limit=4, context=5)
    second = retrieval.retrieve(coded_store, "followup", limit=4, offset=4, context=5)
    assert first.total == second.total == 10
    starts = [p.start for p in first.passages + second.passages]
    assert starts == sorted(starts) and len(set(starts)) == 8
    p = first.passages[0]
    assert p.before == text[p.start - 5:p.start] and p.after == text[p.end:p.end + 5]


def test_retrieve_parent_code_by_codebook_qualified_key(coded_store: Store) -> None:
    _code(coded_store, "Lärarna ser sällan underlagen.", "followup")
    assert retrieval.retrieve(coded_store, "steering:followup").total == 1


def test_search_finds_swedish_inflections(coded_store: Store) -> None:
    found = retrieval.search(coded_store, "rektor")
    assert any("rektorerna" in h.text for h in found.hits)
    found = retrieval.search(coded_store, "siffra")
    assert [h.speaker for h in found.hits] == ["Rektor"]
    assert retrieval.search(coded_store, "kvalitetsdialog förvaltning").total == 1
    assert retrieval.search(coded_store, "kvalitetsdialog oktober").total == 0


def test_search_english_inflections_and_filters(coded_store: Store, tmp_path: Path) -> None:
    path = tmp_path / "english.txt"
    path.write_text(ENGLISH, encoding="utf-8")
    report = corpus.import_paths(coded_store, [path], language="en", attributes={"school": "north"})
    assert not report.failed
    hits = retrieval.search(coded_store, "analyse").hits
    assert len(hits) == 2 and {h.document_name for h in hits} == {"english"}
    assert retrieval.search(coded_store, "school", attributes={"school": ["north"]}).total == 1
    assert retrieval.search(coded_store, "school", documents=[DOC]).total == 0
    with pytest.raises(QualcodeError, match="no words"):
        retrieval.search(coded_store, "  !! ")


def test_attribution_template_drops_missing_fields() -> None:
    assert retrieval.attribution({"role": "rektor", "school": "skola 3"}, "Rektor") == "(rektor, skola 3)"
    assert retrieval.attribution({"role": "lärare"}, None) == "(lärare)"
    assert retrieval.attribution({}, None) == ""
    assert retrieval.attribution({"level": "owner"}, "X", "{speaker} [{level}]") == "X [owner]"
