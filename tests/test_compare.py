"""Comparison matrices, their statistics, co-occurrence and cell passages.

The statistics are checked against a published worked example (Agresti's party
identification by gender table) and against scipy and statsmodels; the matrices
against a hand count on a two-interview fixture, on SQLite and PostgreSQL.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from qualcode.analysis import compare as stats
from qualcode.errors import AnalysisError, NotFoundError
from qualcode.services import compare, corpus
from qualcode.services.coding import Span, apply_code
from qualcode.storage.store import Store

SCHOOL = "skola2_rektorer"
OWNER = "forvaltning"
OWNER_TEXT = """---
level: owner
role: verksamhetschef
---

Intervjuare: Hur följer ni upp skolornas resultat?

Verksamhetschef: Vi skickar en mall till skolorna varje vår. Rektorerna fyller i den och sedan har vi dialog. Lärarna hör vi sällan direkt.
"""

# (document, phrase, code, coder)
CODINGS = [
    (SCHOOL, "Hur följer ni upp resultaten på skolan?", "followup", "anna"),
    (SCHOOL, "Vi har en kvalitetsdialog med förvaltningen varje höst.", "dialogue", "anna"),
    (SCHOOL, "Arbetslagen får siffrorna i oktober.", "dialogue", "bo"),
    (SCHOOL, "Lärarna ser sällan underlagen.", "voice", "anna"),
    (OWNER, "Vi skickar en mall till skolorna varje vår.", "followup", "anna"),
    (OWNER, "Rektorerna fyller i den och sedan har vi dialog.", "dialogue", "anna"),
    (OWNER, "Lärarna hör vi sällan direkt.", "voice", "anna"),
    (OWNER, "Vi skickar en mall", "voice", "bo"),
]


def code(store: Store, document: str, phrase: str, key: str, coder: str) -> None:
    text = corpus.view_document(store, document).text
    start = text.index(phrase)
    apply_code(store, document, key, coder, Span(start, start + len(phrase)))


@pytest.fixture
def compared(coded_store: Store, tmp_path: Path) -> Store:
    """Two interviews (school group interview, owner) coded by hand, as listed in CODINGS."""
    owner = tmp_path / f"{OWNER}.md"
    owner.write_text(OWNER_TEXT, encoding="utf-8")
    speakers = tmp_path / "owner_speakers.yaml"
    speakers.write_text("speakers:\n  Intervjuare: {role: intervjuare, level: research}\n", encoding="utf-8")
    report = corpus.import_paths(coded_store, [owner], speaker_map=speakers)
    assert not report.failed, report.failed
    for document, phrase, key, coder in CODINGS:
        code(coded_store, document, phrase, key, coder)
    return coded_store


def table(matrix: compare.ComparisonMatrix) -> dict[str, dict[str, float]]:
    return {row.key: dict(zip(matrix.column_names, matrix.values[i], strict=True))
            for i, row in enumerate(matrix.rows)}


# ------------------------------------------------------------------ statistics

AGRESTI = [[762, 327, 468], [484, 239, 477]]  # gender x party identification (Agresti 2007, 2.4.5)


def test_chi_square_reproduces_agresti_worked_example() -> None:
    result = stats.chi_square(AGRESTI)
    assert result.chi2 == pytest.approx(30.07, abs=0.01)
    assert result.dof == 2
    assert result.p_value < 1e-6
    published = [[4.50, 0.70, -5.32], [-4.50, -0.70, 5.32]]
    assert np.allclose(result.residuals, published, atol=0.01)
    assert result.flag(0, 0) == "+" and result.flag(0, 2) == "-" and result.flag(0, 1) == ""
    assert not result.warnings


def test_statistics_agree_with_scipy_and_statsmodels() -> None:
    from scipy.stats import chi2_contingency
    from scipy.stats.contingency import association
    from statsmodels.stats.contingency_tables import Table

    observed = np.array([[12, 5, 9, 3], [4, 11, 6, 8], [7, 7, 15, 2]])
    result = stats.chi_square(observed)
    reference = chi2_contingency(observed, correction=False)
    assert result.chi2 == pytest.approx(reference[0])
    assert result.p_value == pytest.approx(reference[1])
    assert np.allclose(result.expected, reference[3])
    assert np.allclose(result.residuals, Table(observed).standardized_resids)
    assert result.cramers_v == pytest.approx(association(observed, method="cramer"))


def test_fisher_exact_for_two_by_two_and_small_counts_flagged() -> None:
    result = stats.chi_square([[3, 1], [1, 3]])  # Fisher's tea-tasting experiment
    assert result.fisher_p_value == pytest.approx(0.4857, abs=1e-4)
    assert result.fisher_odds_ratio == pytest.approx(9.0)
    assert all(all(row) for row in result.small_expected)
    assert any("20%" in w for w in result.warnings)


def test_fisher_chi_square_and_normal_tails_agree_with_scipy_stats() -> None:
    """The scipy.special forms used at run time against scipy.stats on many tables."""
    from scipy.stats import chi2, fisher_exact, norm

    rng = np.random.default_rng(11)
    tables = [rng.integers(0, high, size=(2, 2)) for high in (4, 10, 60, 400) for _ in range(40)]
    tables += [np.array([[0, 5], [5, 0]]), np.array([[7, 0], [0, 7]]), np.array([[1, 1], [1, 1]]),
               np.array([[0, 0], [3, 4]]), np.array([[2000, 1500], [1800, 2100]])]
    for table in tables:
        expected_or, expected_p = fisher_exact(table)
        odds, p_value = stats.fisher_exact_2x2(table)
        assert p_value == pytest.approx(expected_p, rel=1e-6, abs=1e-12), table
        assert odds == pytest.approx(expected_or, nan_ok=True), table
    for statistic, dof in [(0.0, 1), (3.84, 1), (30.07, 2), (120.5, 40), (1e-3, 7)]:
        assert stats.chi2_sf(statistic, dof) == pytest.approx(chi2.sf(statistic, dof), rel=1e-10)
    for alpha in (0.05, 0.01, 0.001):
        assert stats.chi_square([[10, 5], [3, 9]], alpha=alpha).critical == pytest.approx(norm.ppf(1 - alpha / 2))


def test_empty_rows_are_left_out_and_degenerate_tables_refused() -> None:
    result = stats.chi_square([[10, 5], [0, 0], [3, 9]])
    assert result.dropped_rows == (1,)
    assert np.isnan(result.residuals[1][0])
    assert result.dof == 1
    with pytest.raises(ValueError):
        stats.chi_square([[4, 5]])
    with pytest.raises(ValueError):
        stats.chi_square([[1.5, 2], [3, 4]])


def test_cooccurrence_modes_on_spans() -> None:
    spans = [
        stats.Span(1, 0, 1, 0, 50, 0, 0),
        stats.Span(2, 1, 1, 40, 60, 0, 1),     # overlaps 1
        stats.Span(3, 1, 1, 52, 60, 1, 1),     # same document, next sentence
        stats.Span(4, 2, 1, 200, 220, 4, 4),   # three sentences further
        stats.Span(5, 0, 2, 0, 10, 0, 0),      # other document
    ]
    overlap = stats.cooccurrence(spans, 3, mode="overlap")
    assert overlap.counts[0][1] == overlap.counts[1][0] == 1
    assert overlap.pairs[(0, 1)] == ((1, 2),)
    assert [overlap.counts[i][i] for i in range(3)] == [2, 2, 1]
    assert stats.cooccurrence(spans, 3, mode="segment").counts[0][1] == 1
    near = stats.cooccurrence(spans, 3, mode="near", window=1)
    assert near.counts[0][1] == 2 and near.counts[1][2] == 0
    assert stats.cooccurrence(spans, 3, mode="near", window=3).counts[1][2] == 2


# ------------------------------------------------------------------ matrices


def test_matrix_by_level_matches_hand_count(compared: Store) -> None:
    matrix = compare.compare(compared, compare.ComparisonQuery("steering", "level"))
    # The interviewer's question counts for level=research (speaker attribute first).
    assert table(matrix) == {
        "followup": {"owner": 1, "research": 1, "school": 0},
        "dialogue": {"owner": 1, "research": 0, "school": 2},
        "voice": {"owner": 2, "research": 0, "school": 1},
    }
    assert [r.depth for r in matrix.rows] == [0, 1, 0]
    assert matrix.stats is not None and matrix.stats.dof == 4
    assert matrix.stats.n == 8


def test_matrix_by_role_measures_and_filters(compared: Store) -> None:
    by_role = compare.compare(compared, compare.ComparisonQuery("steering", "role"))
    assert table(by_role)["dialogue"] == {"förstelärare": 0, "intervjuare": 0, "rektor": 2,
                                          "verksamhetschef": 1}
    docs = compare.compare(compared, compare.ComparisonQuery("steering", "level", measure="documents"))
    assert table(docs)["voice"] == {"owner": 1, "research": 0, "school": 1}
    speakers = compare.compare(compared, compare.ComparisonQuery("steering", "role", measure="speakers"))
    assert table(speakers)["dialogue"]["rektor"] == 1
    only_bo = compare.compare(compared, compare.ComparisonQuery("steering", "level", coders=("bo",)))
    assert table(only_bo) == {"dialogue": {"owner": 0, "school": 1}, "voice": {"owner": 1, "school": 0}}
    school = compare.compare(compared, compare.ComparisonQuery(
        "steering", "role", attributes=compare.ComparisonQuery.attrs({"level": ["school"]})))
    assert table(school) == {"dialogue": {"förstelärare": 0, "rektor": 2},
                             "voice": {"förstelärare": 1, "rektor": 0}}
    by_coder = compare.compare(compared, compare.ComparisonQuery("steering", "coder"))
    assert table(by_coder)["voice"] == {"anna": 2, "bo": 1}
    by_doc = compare.compare(compared, compare.ComparisonQuery("steering", "document"))
    assert by_doc.column_names == (OWNER, SCHOOL)


def test_rollup_counts_descendants_and_level_selects_rows(compared: Store) -> None:
    rolled = compare.compare(compared, compare.ComparisonQuery("steering", "level", level=0, rollup=True))
    assert table(rolled) == {"followup": {"owner": 2, "research": 1, "school": 2},
                             "voice": {"owner": 2, "research": 0, "school": 1}}
    children = compare.compare(compared, compare.ComparisonQuery("steering", "level", level=1))
    assert [r.key for r in children.rows] == ["dialogue"]
    assert children.stats is None and "two rows" in (children.stats_note or "")


def test_share_of_segments_and_rate_per_thousand_words(compared: Store) -> None:
    shares = compare.compare(compared, compare.ComparisonQuery("steering", "level", measure="segments"))
    owner = next(c for c in shares.columns if c.name == "owner")
    assert owner.sentences == 3  # the Verksamhetschef's three sentences
    assert table(shares)["followup"]["owner"] == pytest.approx(100 / 3)
    assert table(shares)["voice"]["owner"] == pytest.approx(200 / 3)  # two sentences touched
    rates = compare.compare(compared, compare.ComparisonQuery("steering", "level", measure="per1000"))
    words = next(c for c in rates.columns if c.name == "owner").words
    spoken = "Vi skickar en mall till skolorna varje vår. Rektorerna fyller i den och " \
             "sedan har vi dialog. Lärarna hör vi sällan direkt."
    assert words == len(spoken.split())
    assert table(rates)["voice"]["owner"] == pytest.approx(2000 / words)


def test_cell_passages_carry_attribution_data(compared: Store) -> None:
    query = compare.ComparisonQuery("steering", "level")
    school = compare.cell_passages(compared, query, "dialogue", "school")
    assert [p.text for p in school] == ["Vi har en kvalitetsdialog med förvaltningen varje höst.",
                                        "Arbetslagen får siffrorna i oktober."]
    assert {p.speaker for p in school} == {"Rektor"}
    research = compare.cell_passages(compared, query, "followup", "research")
    assert [p.speaker for p in research] == ["Intervjuare"]
    assert compare.cell_passages(compared, query, "followup", "school") == []
    by_speaker = compare.cell_passages(compared, compare.ComparisonQuery("steering", "speaker"),
                                       "voice", "Förstelärare")
    assert [p.text for p in by_speaker] == ["Lärarna ser sällan underlagen."]
    rolled = compare.cell_passages(compared, compare.ComparisonQuery("steering", "level", rollup=True),
                                   "followup", "owner")
    assert len(rolled) == 2


def test_bad_input_is_refused_clearly(compared: Store) -> None:
    with pytest.raises(NotFoundError, match="no document or speaker has the attribute"):
        compare.compare(compared, compare.ComparisonQuery("steering", "gender"))
    with pytest.raises(NotFoundError, match="No code"):
        compare.compare(compared, compare.ComparisonQuery("steering", "level", codes=("nope",)))
    with pytest.raises(AnalysisError, match="No codings match"):
        compare.compare(compared, compare.ComparisonQuery(
            "steering", "level", attributes=compare.ComparisonQuery.attrs({"level": ["state"]})))
    with pytest.raises(AnalysisError, match="Unknown measure"):
        compare.compare(compared, compare.ComparisonQuery("steering", "level", measure="median"))
    with pytest.raises(NotFoundError, match="No coder"):
        compare.compare(compared, compare.ComparisonQuery("steering", "level", coders=("zed",)))
    with pytest.raises(NotFoundError, match="No code"):
        compare.cell_passages(compared, compare.ComparisonQuery("steering", "level"), "nope", "school")


def test_cooccurrence_matrix_and_its_pairs(compared: Store) -> None:
    query = compare.CooccurrenceQuery("steering", mode="overlap")
    matrix = compare.cooccur(compared, query)
    keys = [r.key for r in matrix.rows]
    f, v = keys.index("followup"), keys.index("voice")
    assert matrix.counts[f][v] == 1  # "Vi skickar en mall" inside the owner's followup sentence
    assert matrix.counts[f][f] == 2
    pairs = compare.cooccurrence_passages(compared, query, "voice", "followup")
    assert [(a.code_key, b.code_key) for a, b in pairs] == [("voice", "followup")]
    assert pairs[0][0].text == "Vi skickar en mall"
    near = compare.cooccur(compared, compare.CooccurrenceQuery("steering", mode="near", window=1))
    d = [r.key for r in near.rows].index("dialogue")
    assert near.counts[d][v] >= 2
