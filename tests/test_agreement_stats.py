"""Agreement statistics against reference libraries and published worked examples."""

from __future__ import annotations

import numpy as np
import pytest

from qualcode.analysis.agreement import segment_stats as st
from qualcode.analysis.agreement.bootstrap import bootstrap_intervals
from qualcode.analysis.agreement.character import character_counts, character_statistics
from qualcode.analysis.agreement.compute import AgreementInput, Options, compute
from qualcode.analysis.agreement.overlap import overlap_agreement, overlap_counts
from qualcode.analysis.agreement.unitized import pooled_alpha, unitized_alpha
from qualcode.analysis.agreement.units import Spans, Units, presence
from qualcode.core.agreement import POOLED

# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", the 4 coders x 12 units
# example with missing values; published nominal alpha = 0.743. Categories 1..5, None missing.
KRIPPENDORFF_2011 = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
    [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
]

# Fleiss (1971), Psychological Bulletin 76:378-382: 30 patients, 6 psychiatrists, 5
# diagnoses (as tabulated in the statsmodels test suite); published kappa = 0.430.
FLEISS_1971 = [
    [4, 4, 4, 4, 4, 4], [2, 2, 2, 5, 5, 5], [2, 3, 3, 3, 3, 5], [5, 5, 5, 5, 5, 5],
    [2, 2, 2, 4, 4, 4], [1, 1, 3, 3, 3, 3], [3, 3, 3, 3, 5, 5], [1, 1, 3, 3, 3, 4],
    [1, 1, 4, 4, 4, 4], [5, 5, 5, 5, 5, 5], [1, 4, 4, 4, 4, 4], [1, 2, 4, 4, 4, 4],
    [2, 2, 2, 3, 3, 3], [1, 4, 4, 4, 4, 4], [2, 2, 4, 4, 4, 5], [3, 3, 3, 3, 3, 5],
    [1, 1, 1, 4, 5, 5], [1, 1, 1, 1, 1, 2], [2, 2, 4, 4, 4, 4], [1, 3, 3, 5, 5, 5],
    [5, 5, 5, 5, 5, 5], [2, 4, 4, 4, 4, 4], [2, 2, 4, 5, 5, 5], [1, 1, 4, 4, 4, 4],
    [1, 4, 4, 4, 4, 5], [2, 2, 2, 2, 2, 4], [1, 1, 1, 1, 5, 5], [2, 2, 4, 4, 4, 4],
    [1, 3, 3, 3, 3, 3], [5, 5, 5, 5, 5, 5],
]


def _random_values(rng: np.random.Generator, units: int, coders: int, k: int, missing: float
                   ) -> np.ndarray:
    values = rng.integers(0, k, size=(units, coders))
    # correlated coders so that the statistics are far from 0
    truth = rng.integers(0, k, size=units)
    values = np.where(rng.random((units, coders)) < 0.6, truth[:, None], values)
    values[rng.random((units, coders)) < missing] = -1
    return values


# ------------------------------------------------------------ published examples


def test_krippendorff_reliability_data_example() -> None:
    values = np.array([[-1 if v is None else v - 1 for v in row] for row in KRIPPENDORFF_2011]).T
    assert round(st.krippendorff_alpha(values, 5), 3) == 0.743


def test_fleiss_1971_example() -> None:
    values = np.array(FLEISS_1971) - 1
    assert round(st.fleiss_kappa(values, 5), 3) == 0.430


def test_krippendorff_2004_unitized_example() -> None:
    # Krippendorff (2004) unitizing example as tabulated by DKPro Statistics: continuum
    # [150, 450); printed D_o(c) = .0144, D_e(c) = .0532, alpha(c) = .7285, alpha(k) = 1.
    c = unitized_alpha([(np.array([225, 370]), np.array([295, 400])),
                        (np.array([220, 355, 400]), np.array([300, 375, 420]))], 150, 300)
    k = unitized_alpha([(np.array([180, 300]), np.array([240, 350]))] * 2, 150, 300)
    assert round(c.observed, 4) == 0.0144
    assert round(c.expected, 4) == 0.0532
    assert abs(c.alpha - 0.7285) <= 1e-4
    assert round(k.expected, 4) == 0.0490
    assert k.alpha == 1.0
    assert 0.7285 < pooled_alpha([c, k]) < 1


# ------------------------------------------------------------ reference libraries


@pytest.mark.parametrize("seed", range(5))
def test_cohen_matches_scikit_learn(seed: int) -> None:
    from sklearn.metrics import cohen_kappa_score

    rng = np.random.default_rng(seed)
    values = _random_values(rng, 300, 2, 4, 0.0)
    expected = cohen_kappa_score(values[:, 0], values[:, 1], labels=list(range(4)))
    assert st.cohen_kappa(values, 4) == pytest.approx(expected, abs=1e-6)
    assert st.percent_agreement(values, 4) == pytest.approx((values[:, 0] == values[:, 1]).mean(), abs=1e-12)


def test_cohen_adds_the_chance_terms() -> None:
    # 2x2 table a=40 both, b=10 only A, c=20 only B, d=30 neither: p_e = .5*.6 + .5*.4 = .5
    values = np.array([[1, 1]] * 40 + [[1, 0]] * 10 + [[0, 1]] * 20 + [[0, 0]] * 30)
    assert st.cohen_kappa(values, 2) == pytest.approx((0.7 - 0.5) / 0.5)


@pytest.mark.parametrize("seed", range(5))
def test_fleiss_matches_statsmodels(seed: int) -> None:
    from statsmodels.stats.inter_rater import aggregate_raters, fleiss_kappa

    rng = np.random.default_rng(seed)
    values = _random_values(rng, 200, 3 + seed % 3, 3, 0.0)
    table, _ = aggregate_raters(values, n_cat=3)
    assert st.fleiss_kappa(values, 3) == pytest.approx(fleiss_kappa(table, method="fleiss"), abs=1e-6)


@pytest.mark.parametrize("seed", range(5))
def test_alpha_matches_krippendorff_package(seed: int) -> None:
    import krippendorff

    rng = np.random.default_rng(seed)
    values = _random_values(rng, 250, 2 + seed, 3, 0.2)
    data = np.where(values < 0, np.nan, values).T.astype(float)
    expected = krippendorff.alpha(reliability_data=data, level_of_measurement="nominal",
                                  value_domain=[0, 1, 2])
    assert st.krippendorff_alpha(values, 3) == pytest.approx(expected, abs=1e-6)


def _ac1_by_loops(values: np.ndarray, k: int) -> float:
    """Gwet (2014) AC1 written out unit by unit, as an independent check."""
    pa_sum = n_pair = 0.0
    pi = np.zeros(k)
    n_rated = 0
    for row in values:
        rated = [v for v in row if v >= 0]
        if rated:
            n_rated += 1
            for c in range(k):
                pi[c] += rated.count(c) / len(rated)
        if len(rated) >= 2:
            n_pair += 1
            pa_sum += sum(rated.count(c) * (rated.count(c) - 1) for c in range(k)) / (
                len(rated) * (len(rated) - 1))
    pa, pi = pa_sum / n_pair, pi / n_rated
    pe = (pi * (1 - pi)).sum() / (k - 1)
    return (pa - pe) / (1 - pe)


@pytest.mark.parametrize("seed", range(5))
def test_gwet_ac1_matches_unit_by_unit_formula(seed: int) -> None:
    rng = np.random.default_rng(seed)
    values = _random_values(rng, 120, 2 + seed % 3, 2 + seed % 2, 0.15)
    assert st.gwet_ac1(values, 2 + seed % 2) == pytest.approx(_ac1_by_loops(values, 2 + seed % 2), abs=1e-9)


def test_gwet_ac1_two_coders_closed_form() -> None:
    # Gwet (2008): for two coders and two categories p_e = 2 q (1 - q), q mean "yes" share.
    values = np.array([[1, 1]] * 5 + [[1, 0]] * 3 + [[0, 1]] * 2 + [[0, 0]] * 90)
    q = (8 / 100 + 7 / 100) / 2
    pe = 2 * q * (1 - q)
    assert st.gwet_ac1(values, 2) == pytest.approx((0.95 - pe) / (1 - pe))
    # a rare code: kappa is modest, AC1 stays high (the paradox AC1 was made for)
    assert st.gwet_ac1(values, 2) > 0.9 > st.cohen_kappa(values, 2)


# -------------------------------------------------------------- degenerate data


def test_total_agreement_on_one_category_is_undefined_not_nan_or_crash() -> None:
    values = np.zeros((20, 2), dtype=int)
    assert np.isnan(st.cohen_kappa(values, 2))
    assert np.isnan(st.krippendorff_alpha(values, 2))
    assert st.percent_agreement(values, 2) == 1.0
    assert "same category" in st.explain("cohen_kappa", values, 2)


def test_report_rows_turn_undefined_into_none_with_reason() -> None:
    data = AgreementInput(
        coders=("a", "b"), codes=(("x", "X"), ("unused", "Unused")), documents=("d",),
        lengths=np.array([100]), spans=Spans.of([(0, 0, 0, 0, 10), (0, 0, 1, 0, 10), (0, 0, 0, 50, 60)]),
        units=Units(np.zeros(10, dtype=int), np.arange(0, 100, 10), np.arange(10, 101, 10)))
    report = compute(data, Options(resamples=50))
    unused = next(r for r in report.rows if r.code_key == "unused")
    kappa = unused.get("cohen_kappa")
    assert kappa is not None and kappa.value is None and "no coder" in kappa.note
    x = next(r for r in report.rows if r.code_key == "x")
    assert x.get("percent_agreement").value == pytest.approx(0.9)  # type: ignore[union-attr]
    assert report.pooled is not None


def test_one_coder_gives_a_message_not_a_crash() -> None:
    data = AgreementInput(coders=("a",), codes=(("x", "X"),), documents=("d",), lengths=np.array([50]),
                          spans=Spans.of([(0, 0, 0, 0, 10)]),
                          units=Units(np.zeros(5, dtype=int), np.arange(0, 50, 10), np.arange(10, 51, 10)))
    for unit in ("segment", "character", "overlap", "unitized"):
        report = compute(data, Options(unit=unit, resamples=10))
        assert any("one coder" in n.lower() or "two or more" in n for n in report.notes) or all(
            s.value is None for r in report.rows for s in r.statistics if s.name != "percent_agreement")


# --------------------------------------------------------------- units and spans


def test_presence_rule_and_missing_documents() -> None:
    units = Units(np.array([0, 0, 0, 1]), np.array([0, 10, 20, 0]), np.array([10, 20, 30, 10]))
    spans = Spans.of([(0, 0, 0, 2, 13), (0, 0, 1, 12, 14), (1, 0, 0, 0, 10)])
    coded = np.array([[True, True], [True, False]])
    values = presence(spans, units, np.array([30, 10]), 1, 2, coded)
    # coder 0: [2,13) covers 8 of unit 0 (>= half) and 3 of unit 1 (< half of unit, < half of coding)
    assert values[0, :, 0].tolist() == [1, 0, 0, 1]
    # coder 1: [12,14) lies inside unit 1; document 1 not coded by coder 1 -> missing
    assert values[0, :, 1].tolist() == [0, 1, 0, -1]


@pytest.mark.parametrize("seed", range(3))
def test_character_level_matches_scikit_learn_on_characters(seed: int) -> None:
    from sklearn.metrics import cohen_kappa_score

    rng = np.random.default_rng(seed)
    lengths = np.array([400, 250])
    rows = []
    for coder in (0, 1):
        for _ in range(8):
            doc = int(rng.integers(0, 2))
            start = int(rng.integers(0, lengths[doc] - 30))
            rows.append((doc, 0, coder, start, start + int(rng.integers(5, 30))))
    spans = Spans.of(rows)
    counts = character_counts(spans, lengths, 1, 0, 1)
    for doc in range(2):
        marks = np.zeros((2, lengths[doc]), dtype=int)
        for d, _c, coder, s, e in rows:
            if d == doc:
                marks[coder, s:e] = 1
        figures = character_statistics(counts[0, doc])
        assert figures["char_kappa"] == pytest.approx(cohen_kappa_score(marks[0], marks[1]), abs=1e-6)
        assert figures["char_agreement_all"] == pytest.approx((marks[0] == marks[1]).mean())
        either = (marks[0] | marks[1]).sum()
        assert figures["char_agreement_coded"] == pytest.approx((marks[0] & marks[1]).sum() / either)


def test_overlap_threshold() -> None:
    spans = Spans.of([(0, 0, 0, 0, 100), (0, 0, 1, 5, 100), (0, 0, 0, 200, 300), (0, 0, 1, 250, 300)])
    counts = overlap_counts(spans, np.array([400]), 1, 0, 1, threshold=0.9)
    # first pair: 95/100 overlap matches; second: 50/100 does not
    assert counts[0, 0].tolist() == [1, 2, 1, 2]
    assert overlap_agreement(counts[0, 0]) == pytest.approx(0.5)
    loose = overlap_counts(spans, np.array([400]), 1, 0, 1, threshold=0.5)
    assert overlap_agreement(loose[0, 0]) == pytest.approx(1.0)


def test_pooled_overlap_row_has_brennan_prediger_kappa_over_codes_used() -> None:
    # code x: both segments match; code y: A's segment unmatched; code z: nobody coded it.
    # 2 of 3 checked segments match: P_o = 2/3, chance 1/2 (two codes used), kappa = 1/3
    spans = Spans.of([(0, 0, 0, 0, 100), (0, 0, 1, 0, 100), (0, 1, 0, 200, 300)])
    data = AgreementInput(coders=("a", "b"), codes=(("x", "X"), ("y", "Y"), ("z", "Z")),
                          documents=("d",), lengths=np.array([400]), spans=spans)
    report = compute(data, Options(unit="overlap"))
    pooled = report.pooled
    assert pooled is not None
    assert pooled.get("overlap_agreement").value == pytest.approx(2 / 3)  # type: ignore[union-attr]
    assert pooled.get("brennan_prediger_kappa").value == pytest.approx(1 / 3)  # type: ignore[union-attr]
    assert next(r for r in report.rows if r.code_key == "x").get("brennan_prediger_kappa") is None
    one_code = compute(AgreementInput(coders=("a", "b"), codes=(("x", "X"),), documents=("d",),
                                      lengths=np.array([400]), spans=spans.where(spans.code == 0)),
                       Options(unit="overlap"))
    kappa = one_code.pooled.get("brennan_prediger_kappa")  # type: ignore[union-attr]
    assert kappa is not None and kappa.value is None and "two or more codes" in kappa.note


def test_bootstrap_interval_contains_estimate_and_is_reproducible() -> None:
    rng = np.random.default_rng(1)
    values = _random_values(rng, 400, 2, 2, 0.0)
    features = st.alpha_features(st.category_counts(values, 2))
    ci = bootstrap_intervals(features, 3, st.alpha_from_sums, n_resamples=300, seed=5)
    again = bootstrap_intervals(features, 3, st.alpha_from_sums, n_resamples=300, seed=5)
    alpha = st.krippendorff_alpha(values, 2)
    assert ci[0, 0] < alpha < ci[1, 0]
    assert np.array_equal(ci, again)


def test_pooled_segment_row_is_alpha_over_stacked_codes() -> None:
    import krippendorff

    rng = np.random.default_rng(3)
    lengths = np.array([1000])
    units = Units(np.zeros(100, dtype=int), np.arange(0, 1000, 10), np.arange(10, 1001, 10))
    rows = [(0, int(c), int(k), int(u) * 10, int(u) * 10 + 10)
            for c in range(3) for k in range(3) for u in rng.choice(100, 20, replace=False)]
    data = AgreementInput(("a", "b", "c"), (("x", "X"), ("y", "Y"), ("z", "Z")), ("d",), lengths,
                          Spans.of(rows), units)
    report = compute(data, Options(resamples=100))
    values = presence(data.spans, units, lengths, 3, 3, np.ones((1, 3), dtype=bool))
    stacked = values.reshape(-1, 3).T.astype(float)
    expected = krippendorff.alpha(reliability_data=stacked, level_of_measurement="nominal")
    pooled = report.pooled
    assert pooled is not None and pooled.code_key == POOLED
    alpha = pooled.get("krippendorff_alpha")
    assert alpha is not None and alpha.value == pytest.approx(expected, abs=1e-6)
    assert alpha.ci is not None and alpha.ci[0] <= alpha.value <= alpha.ci[1]
    fleiss = pooled.get("fleiss_kappa")
    assert fleiss is not None and fleiss.value is not None
