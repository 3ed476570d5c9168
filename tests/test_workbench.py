"""What the workbench reads: documents with progress, and codings a coder may see."""

from __future__ import annotations

from qualcode.services import agreement, workbench
from qualcode.services.coding import Span, apply_code
from qualcode.storage.store import Store

DOC = "skola2_rektorer"


def test_progress_counts_codings_per_coder(coded_store: Store) -> None:
    apply_code(coded_store, DOC, "voice", "anna", Span(0, 10))
    apply_code(coded_store, DOC, "voice", "bo", Span(0, 10))
    apply_code(coded_store, DOC, "followup", "bo", Span(5, 20))
    (entry,) = workbench.documents_with_progress(coded_store)
    assert entry.codings_by_coder == {"anna": 1, "bo": 2}
    assert workbench.documents_with_progress(coded_store, {"school": ["skola 9"]}) == []


def test_sample_coders_do_not_see_each_other_until_done(coded_store: Store) -> None:
    apply_code(coded_store, DOC, "voice", "anna", Span(0, 10))
    apply_code(coded_store, DOC, "followup", "bo", Span(5, 20))
    agreement.draw_sample(coded_store, "round-1", ["anna", "bo"], size=1, seed=1)
    document = workbench.open_document(coded_store, DOC, viewer="anna")
    assert {c.coder for c in document.codings} == {"anna"}
    assert {c.coder for c in workbench.open_document(coded_store, DOC).codings} == {"anna", "bo"}
    agreement.mark_done(coded_store, "round-1", "anna")
    shown = workbench.document_codings(coded_store, document.summary.id, viewer="anna")
    assert {c.coder for c in shown} == {"anna", "bo"}
