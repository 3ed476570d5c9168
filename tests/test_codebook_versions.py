"""Loading codebooks into a project and changing them after coding has started."""

from __future__ import annotations

from dataclasses import replace

import pytest

from qualcode.core.codebook import CodeSpec
from qualcode.errors import CodebookError, NotFoundError
from qualcode.services import codebook, retrieval
from qualcode.services.coding import Span, apply_code, list_codings
from qualcode.storage.store import Store

from .conftest import SMALL_BOOK

DOC = "skola2_rektorer"


def _version(*codes: CodeSpec, version: str = "2"):  # type: ignore[no-untyped-def]
    return replace(SMALL_BOOK, version=version, codes=codes)


def test_loaded_tree_keeps_hierarchy_and_order(coded_store: Store) -> None:
    book, nodes = codebook.code_tree(coded_store, "steering")
    assert book.version == "1"
    assert [(n.code.key, n.depth) for n in nodes] == [("followup", 0), ("dialogue", 1), ("voice", 0)]
    assert codebook.spec_of(coded_store, "steering") == SMALL_BOOK


def test_new_version_adds_and_updates_codes(coded_store: Store) -> None:
    followup, dialogue, voice = SMALL_BOOK.codes
    report = codebook.load_spec(coded_store, _version(
        followup, replace(dialogue, label_en="Dialogue with the owner"), voice,
        CodeSpec("equity", "Equity", definition="Fair distribution.")))
    assert not report.created and report.added == ["equity"] and report.updated == ["dialogue"]
    assert codebook.spec_of(coded_store, "steering").code("dialogue").label_en == "Dialogue with the owner"


def test_removed_code_with_codings_is_refused_until_told(coded_store: Store) -> None:
    apply_code(coded_store, DOC, "voice", "anna", Span(0, 10))
    followup, dialogue, _ = SMALL_BOOK.codes
    without_voice = _version(followup, dialogue)
    with pytest.raises(CodebookError) as caught:
        codebook.load_spec(coded_store, without_voice)
    assert "voice" in caught.value.problems[0] and "1 codings" in caught.value.problems[0]
    assert codebook.code_tree(coded_store, "steering")[0].version == "1"  # nothing half-done
    report = codebook.load_spec(coded_store, without_voice, remap={"voice": "followup"})
    assert report.moved == {"voice": 1}
    assert retrieval.retrieve(coded_store, "followup").total == 1
    assert len(list_codings(coded_store)) == 1


def test_drop_deletes_removed_code_and_its_codings(coded_store: Store) -> None:
    apply_code(coded_store, DOC, "voice", "anna", Span(0, 10))
    followup, dialogue, _ = SMALL_BOOK.codes
    report = codebook.load_spec(coded_store, _version(followup, dialogue), drop={"voice"})
    assert report.removed == ["voice"]
    assert list_codings(coded_store) == []
    with pytest.raises(NotFoundError):
        retrieval.retrieve(coded_store, "voice")


def test_removed_code_without_codings_is_retired(coded_store: Store) -> None:
    followup, dialogue, _ = SMALL_BOOK.codes
    report = codebook.load_spec(coded_store, _version(followup, dialogue))
    assert report.removed == ["voice"]
    assert [n.code.key for n in codebook.code_tree(coded_store, "steering")[1]] == ["followup", "dialogue"]


def test_bad_remap_targets_are_listed(coded_store: Store) -> None:
    followup, dialogue, _ = SMALL_BOOK.codes
    with pytest.raises(CodebookError) as caught:
        codebook.load_spec(coded_store, _version(followup, dialogue), remap={"voice": "nowhere", "ghost": "followup"})
    text = "\n".join(caught.value.problems)
    assert "'nowhere' is not in the new version" in text and "'ghost' is not a code" in text


def test_same_key_in_two_codebooks_needs_qualifying(coded_store: Store) -> None:
    codebook.load_spec(coded_store, replace(SMALL_BOOK, slug="other", name="Other"))
    with pytest.raises(NotFoundError, match="several codebooks"):
        apply_code(coded_store, DOC, "voice", "anna", Span(0, 4))
    made = apply_code(coded_store, DOC, "other:voice", "anna", Span(0, 4))
    assert made.id > 0
