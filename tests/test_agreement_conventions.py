"""Levels of measurement, expected agreement, vendor conventions, overlap measures and gamma,
against published values, reference libraries and hand-checked examples."""

from __future__ import annotations

import numpy as np
import pytest

from qualcode.analysis.agreement.compute import AgreementInput, Options, compute
from qualcode.analysis.agreement.gamma import (
    GammaUnits,
    best_disorder,
    dissimilarities,
    gamma,
    positional,
)
from qualcode.analysis.agreement.levels import alpha
from qualcode.analysis.agreement.units import Spans, Units
from qualcode.core.agreement import POOLED
from qualcode.exporters.agreement_report import methods_paragraph, table, title

# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability": 4 observers x 12 units
# with missing values; published alpha .743 nominal, .815 ordinal, .849 interval, .797 ratio.
KRIPPENDORFF_2011 = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
    [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
]


def _reliability(rows: list[list[int | None]]) -> np.ndarray:
    return np.array([[np.nan if v is None else v for v in row] for row in rows], dtype=float).T


@pytest.mark.parametrize(("level", "published"), [("nominal", 0.743), ("ordinal", 0.815),
                                                  ("interval", 0.849), ("ratio", 0.797)])
def test_alpha_at_every_level_matches_krippendorff_2011(level: str, published: float) -> None:
    assert round(alpha(_reliability(KRIPPENDORFF_2011), level), 3) == published


# Hayes & Krippendorff (2007), "Answering the call for a standard reliability measure for
# coding data", Communication Methods and Measures 1(1):77-89, Table 1: five observers
# rate the tone of 40 news articles on 0-3; "." is a missing judgement. One string per
# observer, articles 1-40 left to right in groups of ten.
HAYES_KRIPPENDORFF_2007 = (
    "112.001122 .013112110 0020100111 1223222221",
    "1130000.21 1023111210 0030210211 1122222221",
    "2030002221 0022112300 1.30.10122 02.2232.21",
    ".13....0.1 0022...31. 103021122. .122...12.",
    "2..0001.2. ...3112..0 .0..2.0..2 0.2.2222.1",
)


def test_alpha_reproduces_hayes_krippendorff_2007_ordinal() -> None:
    """The published worked example, with many missing values (159 of 200 judgements made):
    Hayes & Krippendorff (2007) report ordinal alpha = .7598 (their KALPHA macro's output)."""
    rows = [[None if c == "." else int(c) for c in observer.replace(" ", "")]
            for observer in HAYES_KRIPPENDORFF_2007]
    assert all(len(row) == 40 for row in rows)
    assert sum(v is not None for row in rows for v in row) == 159
    assert round(alpha(_reliability(rows), "ordinal"), 4) == 0.7598


@pytest.mark.parametrize("level", ["nominal", "ordinal", "interval", "ratio"])
def test_alpha_matches_the_krippendorff_package_with_unpairable_units(level: str) -> None:
    import krippendorff

    rng = np.random.default_rng(7)
    values = rng.integers(0, 101, size=(300, 3)).astype(float)
    truth = rng.integers(0, 101, size=300)
    values = np.where(rng.random((300, 3)) < 0.7, truth[:, None] + rng.integers(-5, 6, (300, 3)), values)
    values = np.clip(values, 0, 100)
    values[rng.random((300, 3)) < 0.3] = np.nan  # some units end with one value or none
    expected = krippendorff.alpha(reliability_data=values.T, level_of_measurement=level)
    assert alpha(values, level) == pytest.approx(expected, abs=1e-6)


def test_alpha_is_undefined_without_variation() -> None:
    assert np.isnan(alpha(np.array([[50.0, 50.0], [50.0, np.nan]]), "interval"))


# ------------------------------------------------------------------ helpers


def _sentences(n: int, length: int = 20) -> tuple[Units, np.ndarray]:
    start = np.arange(n) * length
    return Units(np.zeros(n, dtype=np.int64), start, start + length), np.array([n * length])


def _presence_input(a: np.ndarray, b: np.ndarray, length: int = 20) -> AgreementInput:
    """Two coders' 0/1 per sentence of one code, as whole-sentence codings."""
    units, lengths = _sentences(len(a), length)
    rows = [(0, 0, coder, int(units.start[u]), int(units.end[u]))
            for coder, values in enumerate((a, b)) for u in np.flatnonzero(values)]
    return AgreementInput(("anna", "bo"), (("k", "K"),), ("d",), lengths, Spans.of(rows), units)


# ------------------------------------------------------------- expected agreement


def test_cohen_expected_agreement_agrees_with_scikit_learn() -> None:
    from sklearn.metrics import cohen_kappa_score

    rng = np.random.default_rng(3)
    a = (rng.random(200) < 0.3).astype(int)
    b = np.where(rng.random(200) < 0.8, a, 1 - a)
    row = compute(_presence_input(a, b), Options(resamples=0)).rows[0]
    kappa = cohen_kappa_score(a, b)
    observed = float((a == b).mean())
    assert row.get("cohen_kappa").value == pytest.approx(kappa, abs=1e-9)
    # p_e from kappa's definition, kappa = (p_o - p_e) / (1 - p_e)
    assert row.get("cohen_pe").value == pytest.approx((observed - kappa) / (1 - kappa), abs=1e-9)


def test_fleiss_expected_agreement_agrees_with_statsmodels() -> None:
    from statsmodels.stats.inter_rater import aggregate_raters, fleiss_kappa

    rng = np.random.default_rng(4)
    truth = (rng.random(150) < 0.4).astype(int)
    values = np.where(rng.random((150, 3)) < 0.8, truth[:, None], 1 - truth[:, None])
    units, lengths = _sentences(150)
    rows = [(0, 0, c, int(units.start[u]), int(units.end[u])) for c in range(3)
            for u in np.flatnonzero(values[:, c])]
    data = AgreementInput(("a", "b", "c"), (("k", "K"),), ("d",), lengths, Spans.of(rows), units)
    row = compute(data, Options(resamples=0)).rows[0]
    table_counts, _ = aggregate_raters(values)
    kappa = fleiss_kappa(table_counts, method="fleiss")
    p_bar = float(((table_counts * (table_counts - 1)).sum(axis=1) / 6).mean())
    assert row.get("fleiss_kappa").value == pytest.approx(kappa, abs=1e-9)
    assert row.get("fleiss_pe").value == pytest.approx((p_bar - kappa) / (1 - kappa), abs=1e-9)


def test_krippendorff_expected_disagreement_satisfies_alpha_identity() -> None:
    import krippendorff

    rng = np.random.default_rng(5)
    a = (rng.random(120) < 0.25).astype(int)
    b = np.where(rng.random(120) < 0.85, a, 1 - a)
    row = compute(_presence_input(a, b), Options(resamples=0)).rows[0]
    values = np.vstack([a, b]).astype(float)
    n = values.size
    n_c = np.array([(values == 0).sum(), (values == 1).sum()], dtype=float)
    d_e = (n * n - (n_c * n_c).sum()) / (n * (n - 1))
    d_o = float((a != b).sum() * 2 / n)  # two ordered mismatching pairs per disagreeing unit
    assert row.get("krippendorff_de").value == pytest.approx(d_e, abs=1e-9)
    assert 1 - d_o / d_e == pytest.approx(krippendorff.alpha(reliability_data=values,
                                                            level_of_measurement="nominal"), abs=1e-9)


# ----------------------------------------------------------------- conventions


def _character_input(spans: list[tuple[int, int, int, int, int]], lengths: list[int],
                     codes: int = 1) -> AgreementInput:
    return AgreementInput(("anna", "bo"), tuple((f"k{i}", f"K{i}") for i in range(codes)),
                          tuple(f"d{i}" for i in range(len(lengths))), np.array(lengths),
                          Spans.of(spans))


def test_nvivo_gives_kappa_one_where_neither_coder_coded() -> None:
    # code k1 is used in d0 only; in d1 nobody coded anything
    data = _character_input([(0, 0, 0, 0, 10), (0, 0, 1, 0, 10), (0, 1, 0, 20, 30), (0, 1, 1, 25, 30)],
                            [100, 50], codes=2)
    ours = compute(data, Options(unit="character", by="document"))
    nvivo = compute(data, Options(unit="character", by="document", convention="nvivo"))

    def cell(report, code: str, doc: str):  # type: ignore[no-untyped-def]
        return next(r for r in report.rows if r.code_key == code and r.document == doc)

    assert cell(ours, "k0", "d1").get("char_kappa").value is None
    assert cell(nvivo, "k0", "d1").get("char_kappa").value == 1.0
    assert cell(nvivo, "k0", "d1").get("char_agreement_all").value == 1.0
    # where the coders did code, both conventions agree
    assert cell(nvivo, "k1", "d0").get("char_kappa").value == pytest.approx(
        cell(ours, "k1", "d0").get("char_kappa").value)


def test_nvivo_mean_over_sources_is_weighted_by_source_size() -> None:
    from sklearn.metrics import cohen_kappa_score

    spans = [(0, 0, 0, 0, 30), (0, 0, 1, 10, 40), (1, 0, 0, 100, 200), (1, 0, 1, 120, 200)]
    data = _character_input(spans, [100, 300])
    report = compute(data, Options(unit="character"))
    kappas = []
    for doc, length in ((0, 100), (1, 300)):
        a, b = np.zeros(length, dtype=int), np.zeros(length, dtype=int)
        for d, _code, coder, s, e in spans:
            if d == doc:
                (a if coder == 0 else b)[s:e] = 1
        kappas.append(cohen_kappa_score(a, b))
    row = next(r for r in report.rows if r.code_key == "k0")
    assert row.get("char_kappa_source_mean").value == pytest.approx(
        (100 * kappas[0] + 300 * kappas[1]) / 400, abs=1e-9)
    assert "weighted by size" in row.get("char_kappa_source_mean").label


def test_nvivo_counts_a_sentence_coded_when_any_character_is() -> None:
    units, lengths = _sentences(4)
    # anna codes sentences 1 and 2; bo's coding starts 2 characters before the end of
    # sentence 1 (too little of it, and of the coding, for qualcode's half rule)
    data = AgreementInput(("anna", "bo"), (("k", "K"),), ("d",), lengths,
                          Spans.of([(0, 0, 0, 20, 60), (0, 0, 1, 38, 60)]), units)
    ours = compute(data, Options(resamples=0)).rows[0].get("percent_agreement").value
    nvivo_report = compute(data, Options(resamples=0, convention="nvivo"))
    assert ours == pytest.approx(3 / 4)
    assert nvivo_report.rows[0].get("percent_agreement").value == pytest.approx(1.0)
    assert "any character" in nvivo_report.unit_description
    assert nvivo_report.convention == "nvivo" and nvivo_report.notes[0].startswith("Convention: nvivo")


@pytest.mark.parametrize(("b_span", "union", "longer"), [
    ((5, 100), True, True),  # 95 of 100 either way
    ((10, 110), False, True),  # 90 shared: 90/110 of the union, 90/100 of the longer
    ((0, 85), False, False),  # 85 of 100 either way
])
def test_maxqda_overlap_over_union_or_longer(b_span: tuple[int, int], union: bool, longer: bool) -> None:
    data = _character_input([(0, 0, 0, 0, 100), (0, 0, 1, *b_span)], [200])
    for mode, matched in (("union", union), ("longer", longer)):
        report = compute(data, Options(unit="overlap", overlap=mode, convention="maxqda"))
        row = next(r for r in report.rows if r.code_key == "k0")
        assert row.get("overlap_agreement").value == (1.0 if matched else 0.0), mode
        assert ("longer" in report.unit_description) == (mode == "longer")


def test_every_output_names_the_convention() -> None:
    data = _character_input([(0, 0, 0, 0, 30), (0, 0, 1, 10, 40)], [100])
    for convention, name in (("qualcode", "qualcode's own"), ("nvivo", "NVivo's"),
                             ("maxqda", "MAXQDA's"), ("atlasti", "ATLAS.ti's")):
        report = compute(data, Options(unit="character", convention=convention))
        assert name in title(report)
        assert f"convention '{convention}'" in methods_paragraph(report)
        assert report.settings["convention"] == convention


def test_main_figures_come_first_and_the_rest_is_separate() -> None:
    rng = np.random.default_rng(1)
    a = (rng.random(60) < 0.3).astype(int)
    report = compute(_presence_input(a, 1 - a), Options(resamples=0))
    main, _ = table(report, "main")
    more, _ = table(report, "more")
    everything, _ = table(report, "all")
    assert main[1:4] == ["Percent agreement", "Cohen's kappa", "Krippendorff's alpha (nominal)"]
    assert "Expected agreement (Cohen's p_e)" in more and "Expected agreement (Cohen's p_e)" not in main
    assert len(everything) == len(main) + len(more) - 2  # Code and Units in each


# ------------------------------------------------------------------------ gamma


def test_positional_dissimilarity_by_hand() -> None:
    # ((|ds| + |de|) / (len_u + len_v))^2
    assert positional(0, 10, 10, 20) == pytest.approx(1.0)
    assert positional(0, 10, 5, 10) == pytest.approx(1 / 9)
    assert positional(0, 10, 0, 10) == 0.0
    assert positional(0, 10, 30, 40) == pytest.approx(9.0)


# Mathet, Widlöcher & Métivier (2015), Computational Linguistics 41(3), Fig. 10: the
# positional dissimilarity of pairs of units on one continuum. The figure prints the values
# and the units; their positions are those the test suite of the pygamma-agreement package
# gives for it. Pairs as ((start, end), (start, end), value).
MATHET_2015_FIGURE_10 = (
    ((4, 14), (40, 44), 22.2),
    ((4, 14), (20, 25), 3.2),
    ((4, 14), (14, 24), 1.0),
    ((20, 30), (20, 25), 0.11),
    ((20, 25), (14, 24), 0.22),
    ((4, 14), (4, 14), 0.0),
)


@pytest.mark.parametrize(("u", "v", "printed"), MATHET_2015_FIGURE_10)
def test_positional_dissimilarity_reproduces_mathet_2015_figure_10(
        u: tuple[int, int], v: tuple[int, int], printed: float) -> None:
    """Each value at the precision the figure prints it, both ways round; with one category
    the combined dissimilarity (alpha = beta = 1) is the positional one."""
    decimals = len(str(printed).split(".")[1])
    assert round(float(positional(*u, *v)), decimals) == printed
    assert round(float(positional(*v, *u)), decimals) == printed
    a, b = GammaUnits.of([(0, *u, 0)]), GammaUnits.of([(0, *v, 0)])
    assert dissimilarities(a, b)[0, 0] == pytest.approx(float(positional(*u, *v)))


def test_positional_dissimilarity_depends_on_lengths_not_scale() -> None:
    # relative to the units' lengths: stretching the continuum changes nothing, and the
    # same shift costs more between short units
    for (u, v, _printed) in MATHET_2015_FIGURE_10:
        stretched = positional(*(3 * x for x in u), *(3 * x for x in v))
        assert float(stretched) == pytest.approx(float(positional(*u, *v)))
    assert positional(0, 4, 2, 6) > positional(0, 40, 2, 42)


def test_gamma_is_one_for_identical_codings_and_reproducible() -> None:
    rows = [(0, s, s + 40, s % 3) for s in range(0, 2000, 100)]
    same = GammaUnits.of(rows)
    assert best_disorder(same, same) == 0.0
    assert gamma(same, same, samples=10).gamma == 1.0
    shifted = GammaUnits.of([(d, s + 6, e - 3, c if s % 300 else (c + 1) % 3) for d, s, e, c in rows])
    first, again = gamma(same, shifted, samples=20, seed=9), gamma(same, shifted, samples=20, seed=9)
    assert first == again and 0 < first.gamma < 1
    assert first.interval is not None and first.interval[0] <= first.gamma <= first.interval[1]
    assert gamma(same, shifted, samples=20, seed=10).gamma != first.gamma  # the seed matters


def test_best_alignment_by_hand() -> None:
    # a: [0,10) x and [20,30) y; b: [0,10) x and [50,60) y. Pairing the y units costs
    # ((30 + 30) / 20)^2 = 9 > 2, so they stay alone: disorder (0 + 1 + 1) / 2 units per coder
    a = GammaUnits.of([(0, 0, 10, 0), (0, 20, 30, 1)])
    b = GammaUnits.of([(0, 0, 10, 0), (0, 50, 60, 1)])
    assert best_disorder(a, b) == pytest.approx(1.0)
    # units in different documents never align
    c = GammaUnits.of([(1, 0, 10, 0), (0, 20, 30, 1)])
    assert best_disorder(a, c) == pytest.approx((1 + 1 + 0) / 2)


@pytest.mark.slow
def test_best_alignment_matches_pygamma_agreement() -> None:
    """pygamma-agreement compiles its kernels on import (about a minute): one comparison."""
    pytest.importorskip("pygamma_agreement")
    from pyannote.core import Segment
    from pygamma_agreement import CombinedCategoricalDissimilarity, Continuum

    rng = np.random.default_rng(11)
    rows: dict[str, list[tuple[int, int, int, int]]] = {"a": [], "b": []}
    position = 0
    for _ in range(25):
        position += int(rng.integers(5, 60))
        length = int(rng.integers(10, 90))
        category = int(rng.integers(0, 3))
        rows["a"].append((0, position, position + length, category))
        if rng.random() < 0.85:
            start = position + int(rng.integers(-10, 11))
            rows["b"].append((0, start, start + length + int(rng.integers(-10, 11)),
                              category if rng.random() < 0.8 else (category + 1) % 3))
        position += length
    continuum = Continuum()
    for coder, units in rows.items():
        for _doc, start, end, category in units:
            continuum.add(coder, Segment(start, end), str(category))
    theirs = continuum.get_best_alignment(CombinedCategoricalDissimilarity(alpha=1, beta=1)).disorder
    ours = best_disorder(GammaUnits.of(rows["a"]), GammaUnits.of(rows["b"]))
    assert ours == pytest.approx(float(theirs), abs=1e-5)  # theirs is float32


def test_gamma_unit_reports_per_code_and_pooled_with_interval() -> None:
    rng = np.random.default_rng(2)
    spans = []
    for code in range(2):
        for s in range(0, 3000, 150):
            spans.append((0, code, 0, s + code * 40, s + code * 40 + 50))
            jitter = int(rng.integers(-5, 6))
            spans.append((0, code, 1, s + code * 40 + jitter, s + code * 40 + 50))
    data = AgreementInput(("anna", "bo"), (("k0", "K0"), ("k1", "K1")), ("d",), np.array([3200]),
                          Spans.of(spans))
    report = compute(data, Options(unit="gamma", gamma_samples=10))
    pooled = next(r for r in report.rows if r.code_key == POOLED)
    value = pooled.get("mathet_gamma")
    assert value is not None and value.value is not None and value.ci is not None
    assert 0.5 < value.value <= 1
    assert "Mathet" in methods_paragraph(report)
