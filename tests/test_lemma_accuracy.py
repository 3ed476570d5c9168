"""Lemma accuracy on the hand-written gold lists (tests/fixtures/lemmas), held as floors.

Each floor is the figure measured when the lemmatizer was chosen (README, "Swedish and
English words") less one point, so a change of table, rule or correction that makes
lemmas worse fails here. tests/bench/bench_lemmas.py prints the figures of every method.
"""

from __future__ import annotations

import pytest

from qualcode.analysis.lemmas import DEFAULT_METHOD, compound_candidates, split_compound
from qualcode.services import lemmas as service
from tests.lemma_gold import accuracy, compound_precision, gold

# measured: (accuracy, frequency-weighted accuracy on the 1,000 most frequent forms)
MEASURED = {
    ("sv", DEFAULT_METHOD): (0.9626, 0.9836),
    ("en", DEFAULT_METHOD): (0.9930, 0.9975),
    ("sv", "spacy"): (0.8239, 0.7475),  # the previous lookup, with the same corrections
    ("en", "spacy"): (0.9836, 0.9835),
}
COMPOUND_PRECISION, COMPOUND_RECALL = 0.9833, 0.9516
POINT = 0.01


def test_the_gold_lists_are_big_enough_and_well_formed() -> None:
    for language, least in (("sv", 400), ("en", 200)):
        forms = gold(language)
        assert len(forms) >= least
        assert len({g.form for g in forms}) == len(forms)  # no form twice
        assert all(g.lemmas and all(lemma == lemma.lower() for lemma in g.lemmas) for g in forms)
    kinds = {g.kind for g in gold("sv")}
    assert {"past", "defpl", "comp", "adj", "part", "name"} <= kinds
    assert all(g.head for g in gold("sv") if g.kind == "comp")


@pytest.mark.parametrize(("language", "method"), sorted(MEASURED))
def test_accuracy_stays_at_the_measured_figure(language: str, method: str) -> None:
    found = accuracy(language, service.lemmatizer(language, method).lookup)
    expected, expected_weighted = MEASURED[(language, method)]
    assert found.accuracy >= expected - POINT, f"{language} {method}: {found.accuracy:.4f}"
    assert found.frequent_weighted >= expected_weighted - POINT
    assert found.frequent_forms >= 200  # the weighted figure rests on many frequent forms


def test_the_default_beats_the_previous_lookup() -> None:
    for language in ("sv", "en"):
        now = accuracy(language, service.lemmatizer(language).lookup)
        before = accuracy(language, service.lemmatizer(language, "spacy").lookup)
        assert now.accuracy > before.accuracy and now.frequent_weighted > before.frequent_weighted


def test_compound_heads_are_found_with_the_measured_precision() -> None:
    lemmatizer = service.lemmatizer("sv")
    forms = [g.form for g in gold("sv")]
    known = lemmatizer.known({c for form in forms for c in compound_candidates(form)})

    def split(word: str) -> tuple[str, str] | None:
        parts = split_compound(word, known)
        return None if parts is None else (parts[0] + parts[2], parts[2])

    found = compound_precision(split)
    assert found.compounds >= 100
    assert found.precision >= COMPOUND_PRECISION - POINT
    assert found.recall >= COMPOUND_RECALL - POINT
