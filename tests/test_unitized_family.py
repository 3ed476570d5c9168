"""Krippendorff's 2016 unitized family, checked by hand and against the `krippendorff` package.

With every unit one character long, the family reduces to ordinary nominal alpha over
characters, which the `krippendorff` package computes independently.
"""

from __future__ import annotations

import krippendorff
import numpy as np
import pytest

from qualcode.analysis.agreement.compute import AgreementInput, Options, compute
from qualcode.analysis.agreement.unitized_family import CoderUnits, unitized_family
from qualcode.analysis.agreement.units import Spans
from qualcode.core.agreement import POOLED


def _character_units(values: np.ndarray) -> list[CoderUnits]:
    """Each coder's row of per-character values (0 = uncoded) as one-character units."""
    coders = []
    for row in values:
        where = np.flatnonzero(row > 0)
        coders.append(CoderUnits(where.astype(np.int64), where.astype(np.int64) + 1,
                                 row[where].astype(np.int64)))
    return coders


def _correlated(rng: np.random.Generator, coders: int, length: int, values: int) -> np.ndarray:
    truth = rng.integers(0, values + 1, size=length)
    noise = rng.integers(0, values + 1, size=(coders, length))
    return np.where(rng.random((coders, length)) < 0.7, truth, noise)


@pytest.mark.parametrize(("coders", "seed"), [(2, 1), (2, 2), (3, 3), (4, 4)])
def test_u_alpha_of_one_character_units_is_nominal_alpha(coders: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    values = _correlated(rng, coders, 400, 3)
    result = unitized_family(_character_units(values), 400, 3)
    assert result.u_alpha == pytest.approx(
        krippendorff.alpha(reliability_data=values, level_of_measurement="nominal"), abs=1e-9)
    assert result.binary_u_alpha == pytest.approx(
        krippendorff.alpha(reliability_data=(values > 0).astype(int), level_of_measurement="nominal"),
        abs=1e-9)


@pytest.mark.parametrize("seed", [5, 6, 7])
def test_cu_alpha_of_two_coders_is_alpha_over_characters_both_coded(seed: int) -> None:
    rng = np.random.default_rng(seed)
    values = _correlated(rng, 2, 500, 4)
    result = unitized_family(_character_units(values), 500, 4)
    both = (values > 0).all(axis=0)
    assert result.cu_alpha == pytest.approx(
        krippendorff.alpha(reliability_data=values[:, both], level_of_measurement="nominal"), abs=1e-9)
    assert result.coverage == pytest.approx(both.sum() / 500)


def test_value_alpha_matches_a_coincidence_matrix_counted_by_hand() -> None:
    rng = np.random.default_rng(11)
    values = _correlated(rng, 2, 300, 3)
    result = unitized_family(_character_units(values), 300, 3)
    both = values[:, (values > 0).all(axis=0)]
    # coincidences of the characters both coders coded: each character gives the pairs (a, b), (b, a)
    o = np.zeros((4, 4))
    for a, b in both.T:
        o[a, b] += 1
        o[b, a] += 1
    n_c = o.sum(axis=1)
    n = n_c.sum()
    e = (np.outer(n_c, n_c) - np.diag(n_c)) / (n - 1)
    for k in (1, 2, 3):
        expected = 1 - (e[k].sum() / n_c[k]) * (n_c[k] - o[k, k]) / (e[k].sum() - e[k, k])
        assert result.value_alphas[k] == pytest.approx(expected, abs=1e-9)


def test_worked_example_of_two_overlapping_units() -> None:
    # continuum of 10; coder A codes [2, 6), coder B [3, 7), same value. Observed: gaps meet
    # on 5 characters, units on 3, unit against gap on 2 (each counted from both sides);
    # expected with S_1 = 4^2 + 4^2 and S_0 = the gaps' lengths 2 + 4 + 3 + 3.
    result = unitized_family([CoderUnits.of([(2, 6, 1)]), CoderUnits.of([(3, 7, 1)])], 10, 1)
    assert result.observed is not None
    assert result.observed.tolist() == [[10, 2], [2, 6]]
    assert result.u_alpha == pytest.approx(151 / 240)
    assert result.binary_u_alpha == pytest.approx(151 / 240)
    assert np.isnan(result.cu_alpha)  # one value only: nothing to disagree on among valued text


def test_perfect_agreement_and_degenerate_inputs() -> None:
    same = CoderUnits.of([(0, 5, 1), (8, 12, 2), (20, 30, 1)])
    result = unitized_family([same, same, same], 40, 2)
    assert result.u_alpha == pytest.approx(1.0)
    assert result.binary_u_alpha == pytest.approx(1.0)
    assert result.cu_alpha == pytest.approx(1.0)
    assert result.value_alphas == {1: pytest.approx(1.0), 2: pytest.approx(1.0)}
    empty = unitized_family([CoderUnits.of([]), CoderUnits.of([])], 40, 2)
    assert np.isnan(empty.u_alpha) and empty.units == 0
    assert np.isnan(unitized_family([same], 40, 2).u_alpha)
    with pytest.raises(ValueError, match="overlap"):
        unitized_family([CoderUnits.of([(0, 5, 1), (3, 9, 2)]), same], 40, 2)


def test_report_gives_domains_and_says_where_the_precondition_fails() -> None:
    # codes 0 and 1 are one domain (children of "forms"); coder b's spans of code 2 overlap
    rows = [(0, 0, 0, 0, 40), (0, 1, 0, 60, 90), (0, 0, 1, 5, 40), (0, 1, 1, 60, 95),
            (0, 2, 0, 100, 150), (0, 2, 1, 100, 130), (0, 2, 1, 120, 150)]
    data = AgreementInput(coders=("a", "b"), codes=(("tight", "T"), ("loose", "L"), ("other", "O")),
                          documents=("d",), lengths=np.array([200]), spans=Spans.of(rows),
                          domains=(("forms", "Forms", (0, 1)),))
    report = compute(data, Options(unit="unitized"))
    domain = next(r for r in report.rows if r.code_key == "forms (domain)")
    assert {s.name for s in domain.statistics} == {"u_alpha_2016", "binary_u_alpha_2016", "cu_alpha_2016"}
    assert all(s.value is not None for s in domain.statistics)
    assert domain.get("cu_alpha_2016").value == pytest.approx(1.0)  # type: ignore[union-attr]
    assert 0 < domain.extra["cu_coverage"] < 1
    tight = next(r for r in report.rows if r.code_key == "tight")
    assert tight.get("k_u_alpha_2016") is not None
    other = next(r for r in report.rows if r.code_key == "other")
    binary = other.get("binary_u_alpha_2016")
    assert binary is not None and binary.value is None and "overlap (b 1)" in binary.note
    pooled = next(r for r in report.rows if r.code_key == POOLED)
    assert pooled.get("u_alpha_2016").value is None  # type: ignore[union-attr]
    assert "of the group overlap (b 1)" in pooled.get("u_alpha_2016").note  # type: ignore[union-attr]
    assert any("2016 family" in note for note in report.notes)
    assert any(note.startswith("cu-alpha speaks for") and "forms" in note for note in report.notes)


def test_report_family_matches_the_direct_computation() -> None:
    rows = [(0, 0, 0, 10, 50), (0, 1, 0, 70, 90), (1, 0, 0, 0, 30),
            (0, 0, 1, 12, 45), (0, 1, 1, 50, 90), (1, 1, 1, 5, 30)]
    data = AgreementInput(coders=("a", "b"), codes=(("x", "X"), ("y", "Y")), documents=("d1", "d2"),
                          lengths=np.array([100, 40]), spans=Spans.of(rows))
    report = compute(data, Options(unit="unitized"))
    pooled = next(r for r in report.rows if r.code_key == POOLED)
    # documents end to end, one separator position after each: d2 starts at 101
    direct = unitized_family([CoderUnits.of([(10, 50, 1), (70, 90, 2), (101, 131, 1)]),
                              CoderUnits.of([(12, 45, 1), (50, 90, 2), (106, 131, 2)])], 141, 2)
    assert pooled.get("u_alpha_2016").value == pytest.approx(direct.u_alpha)  # type: ignore[union-attr]
    assert pooled.get("cu_alpha_2016").value == pytest.approx(direct.cu_alpha)  # type: ignore[union-attr]


def test_methods_paragraph_reports_the_domains_with_coverage() -> None:
    from qualcode.exporters.agreement_report import methods_paragraph

    rows = [(0, 0, 0, 0, 40), (0, 1, 0, 60, 90), (0, 0, 1, 5, 40), (0, 1, 1, 60, 95)]
    data = AgreementInput(coders=("a", "b"), codes=(("tight", "T"), ("loose", "L")), documents=("d",),
                          lengths=np.array([200]), spans=Spans.of(rows),
                          domains=(("forms", "Forms", (0, 1)),))
    text = methods_paragraph(compute(data, Options(unit="unitized")))
    assert "(2 codes)" in text
    assert "Krippendorff et al., 2016" in text and "forms: u-alpha = " in text
    assert "cu-alpha = 1.000 (over 32 % of the text)" in text


def _documents(rng: np.random.Generator, count: int, length: int) -> list[list[list[tuple[int, int, int]]]]:
    """Per document, two coders' disjoint units (start, end, value) that mostly agree."""
    documents = []
    for _ in range(count):
        cuts = np.sort(rng.choice(np.arange(1, length), size=8, replace=False))
        truth = [(int(a), int(b), int(rng.integers(1, 3))) for a, b in zip(cuts[::2], cuts[1::2], strict=True)]
        coders = []
        for _coder in range(2):
            mine = []
            for a, b, v in truth:
                start = min(a + int(rng.integers(0, 3)), b - 1)  # later starts keep units disjoint
                if rng.random() < 0.8:
                    mine.append((start, b, v if rng.random() < 0.85 else 3 - v))
            coders.append(mine)
        documents.append(coders)
    return documents


def _continuum(documents: list[list[list[tuple[int, int, int]]]], length: int) -> tuple[list[CoderUnits], np.ndarray, int]:
    """Documents end to end, each followed by one separator position but the last."""
    starts = np.arange(len(documents)) * (length + 1)
    coders = [CoderUnits.of([(s + a, s + b, v) for s, doc in zip(starts, documents, strict=True)
                             for a, b, v in doc[i]]) for i in range(2)]
    return coders, starts, int(starts[-1] + length)


def test_counts_per_document_add_up_to_the_whole_and_to_any_resample() -> None:
    from qualcode.analysis.agreement.unitized_family import _alphas, family_counts

    length = 200
    documents = _documents(np.random.default_rng(3), 4, length)
    coders, starts, total = _continuum(documents, length)
    counts = family_counts(coders, total, 2, starts)
    assert counts is not None and counts.observed.shape == (4, 3, 3)
    whole = unitized_family(coders, total, 2)
    assert counts.result().u_alpha == pytest.approx(whole.u_alpha)
    assert counts.result().cu_alpha == pytest.approx(whole.cu_alpha)
    # the resample "documents 0, 0, 2, 3" by weights equals those documents laid end to end
    weights = np.array([2.0, 0.0, 1.0, 1.0])
    summed = [np.tensordot(weights, a, axes=1)[None] for a in
              (counts.observed, counts.own_square, counts.covered_square)]
    u, binary, cu, _ = _alphas(*summed)
    drawn, drawn_starts, drawn_total = _continuum([documents[i] for i in (0, 0, 2, 3)], length)
    direct = unitized_family(drawn, drawn_total, 2)
    assert u[0] == pytest.approx(direct.u_alpha)
    assert binary[0] == pytest.approx(direct.binary_u_alpha)
    assert cu[0] == pytest.approx(direct.cu_alpha)


def test_report_gives_2016_intervals_from_five_documents_on() -> None:
    length = 300

    def report(n_docs: int, seed: int = 2024):  # type: ignore[no-untyped-def]
        documents = _documents(np.random.default_rng(8), n_docs, length)
        rows = [(d, v - 1, i, a, b) for d, doc in enumerate(documents) for i in range(2) for a, b, v in doc[i]]
        data = AgreementInput(coders=("a", "b"), codes=(("x", "X"), ("y", "Y")),
                              documents=tuple(f"d{d}" for d in range(n_docs)),
                              lengths=np.full(n_docs, length), spans=Spans.of(rows),
                              domains=(("both", "Both", (0, 1)),))
        report = compute(data, Options(unit="unitized", resamples=300, seed=seed))
        return next(r for r in report.rows if r.code_key == "both (domain)")

    domain = report(12)
    for name in ("u_alpha_2016", "binary_u_alpha_2016", "cu_alpha_2016"):
        statistic = domain.get(name)
        assert statistic is not None and statistic.ci is not None and statistic.value is not None
        assert statistic.ci[0] <= statistic.value <= statistic.ci[1]
    assert report(12).get("u_alpha_2016").ci == domain.get("u_alpha_2016").ci  # type: ignore[union-attr]
    assert report(12, seed=7).get("u_alpha_2016").ci != domain.get("u_alpha_2016").ci  # type: ignore[union-attr]
    assert report(4).get("u_alpha_2016").ci is None  # type: ignore[union-attr]
