"""Suggestion models, calibration and their evaluation: known answers on synthetic data,
no test fold leaking into a choice, figures checked against scikit-learn, and the
command on a gold set of fictional quotes (tests/fixtures/suggestion_gold.yaml)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import f1_score

from qualcode.analysis import calibration, learners
from qualcode.analysis import evaluate as cv
from qualcode.analysis import suggest as scoring
from qualcode.analysis.embeddings import normalise
from qualcode.services import suggestions
from qualcode.services.project import create_project
from qualcode.storage.store import Store
from tests import suggestion_gold

# ------------------------------------------------------------------ calibration


def test_isotonic_calibration_recovers_a_known_probability() -> None:
    """Right with probability s**2 for score s: the raw score overstates, the calibrated
    probability matches on fresh data drawn the same way."""
    rng = np.random.default_rng(3)
    train, test = rng.uniform(size=4000), rng.uniform(size=4000)
    cal = calibration.fit(train, rng.uniform(size=4000) < train ** 2)
    assert cal.method == "isotonic"
    right = rng.uniform(size=4000) < test ** 2
    raw = calibration.reliability(test, right).ece
    fitted = calibration.reliability(cal(test), right).ece
    assert raw > 0.1 and fitted < 0.03
    assert np.allclose(cal(np.array([0.5, 0.9])), [0.25, 0.81], atol=0.06)


def test_few_pairs_get_platt_scaling_and_one_class_a_constant() -> None:
    rng = np.random.default_rng(4)
    scores = rng.normal(size=60)
    cal = calibration.fit(scores, scores + rng.normal(scale=0.5, size=60) > 0)
    assert cal.method == "platt"
    assert cal(np.array([-3.0]))[0] < 0.1 < 0.9 < cal(np.array([3.0]))[0]
    flat = calibration.fit(scores, np.ones(60, dtype=bool))
    assert flat.method == "constant" and flat(np.array([0.0, 5.0])).tolist() == [1.0, 1.0]


def test_expected_calibration_error_by_hand() -> None:
    # bin 0.2-0.3: two at 0.25, one right (gap 0.25); bin 0.9-1.0: two at 0.95, both right (gap 0.05)
    rel = calibration.reliability(np.array([0.25, 0.25, 0.95, 0.95]), np.array([1, 0, 1, 1]))
    assert rel.ece == pytest.approx((2 * 0.25 + 2 * 0.05) / 4)
    assert rel.counts[2] == 2 and rel.accuracy[9] == 1.0 and rel.confidence[0] is None


# ------------------------------------------------------------------ models


def _clusters(per_code: int, codes: int = 3, noise: float = 0.3, seed: int = 0):  # type: ignore[no-untyped-def]
    """Items around one axis per code, in 6 documents; descriptions on the true axes."""
    rng = np.random.default_rng(seed)
    dim = 8
    vectors, labels, groups = [], [], []
    for c in range(codes):
        for i in range(per_code):
            v = np.zeros(dim)
            v[c] = 1.0
            vectors.append(v + rng.normal(scale=noise, size=dim))
            labels.append(frozenset({c}))
            groups.append(i % 6)
    space = scoring.CodeSpace(np.arange(codes) + 100, normalise(np.eye(dim)[:codes]), np.arange(codes))
    return normalise(np.array(vectors)), labels, groups, space


@pytest.mark.parametrize("method", learners.METHODS)
def test_every_method_separates_clear_clusters(method: str) -> None:
    vectors, labels, groups, space = _clusters(12)
    scores = cv.held_out_scores(method, vectors, labels, groups, space, 3)
    assert scores.shape == (36, 3)
    assert cv._top(scores, labels)[0] >= 0.9


def test_baselines_by_hand() -> None:
    x, y = np.eye(2, dtype=np.float32)
    space = scoring.CodeSpace(np.array([1, 2]), np.vstack([x, y]), np.array([0, 1]))
    near_x = normalise(np.array([[1.0, 0.1]]))
    examples = scoring.Examples(np.vstack([near_x, near_x, y, y, y]), np.array([0, 0, 1, 1, 1]))
    vote = learners.predict("knn5", space, examples, near_x)[0]
    assert vote.round(3).tolist() == [0.4, 0.6], "a plain vote of five: two for code 0, three for 1"
    weighted = learners.predict("knn", space, examples, near_x)[0]
    assert weighted[0] > weighted[1], "distance weighting lets the two close ones win"
    assert learners.predict("centroid", space, examples, near_x)[0].argmax() == 0


def test_prototype_uses_the_definition_when_a_code_has_no_example() -> None:
    x, y = np.eye(2, dtype=np.float32)
    space = scoring.CodeSpace(np.array([1, 2]), np.vstack([x, y]), np.array([0, 1]))
    examples = scoring.Examples(np.vstack([x]), np.array([0]))
    assert learners.predict("prototype", space, examples, y[None, :])[0].argmax() == 1
    assert learners.predict("centroid", space, examples, y[None, :])[0].argmax() == 0


def test_the_choice_never_sees_the_fold_it_is_measured_on(monkeypatch: pytest.MonkeyPatch) -> None:
    """A spy model records what it was fitted on and asked about: in the nested run no
    fitted model is ever asked about one of its own training rows."""
    vectors, labels, groups, space = _clusters(10)
    calls: list[tuple[set[bytes], set[bytes]]] = []

    def spy(s, e):  # type: ignore[no-untyped-def]
        seen = {row.tobytes() for row in e.vectors}

        def model(queries):  # type: ignore[no-untyped-def]
            calls.append((seen, {row.tobytes() for row in queries}))
            return learners.FITTERS["prototype"](s, e)(queries)
        return model

    monkeypatch.setitem(learners.FITTERS, "spy", spy)
    scores, probs, chosen = cv.nested(vectors, labels, groups, space, folds=3, candidates=("spy", "knn"))
    assert len(calls) > 3 and all(not (train & asked) for train, asked in calls)
    assert set(chosen) <= {"spy", "knn"} and probs.min() >= 0 and probs.max() <= 1


def test_macro_f1_and_per_code_figures_match_scikit_learn() -> None:
    rng = np.random.default_rng(5)
    labels = [frozenset(rng.choice(4, size=rng.integers(1, 3), replace=False).tolist()) for _ in range(40)]
    scores = rng.uniform(size=(40, 4))
    probs = rng.uniform(size=(40, 4))
    result = cv.figures("x", "candidate", scores, probs, labels, 4)
    ranks = cv.ranks_of(scores)
    predicted = np.zeros((40, 4), dtype=int)
    predicted[np.arange(40), ranks[:, 0]] = 1
    for i, row in enumerate(ranks):
        predicted[i, [c for c in row[1:] if probs[i, c] >= cv.ALSO_FROM]] = 1
    truth = np.array([[int(c in item) for c in range(4)] for item in labels])
    assert result.macro_f1 == pytest.approx(f1_score(truth, predicted, average="macro"))
    assert [c.f1 for c in result.per_code] == pytest.approx(f1_score(truth, predicted, average=None).tolist())
    assert result.top1 == pytest.approx(np.mean([ranks[i, 0] in labels[i] for i in range(40)]))


# ------------------------------------------------------------------ on the gold set

SCRIPT = str(Path(sys.executable).parent / "qualcode")
ENV = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1]), "COLUMNS": "200"}


@pytest.fixture(scope="module")
def gold_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("gold")
    store = create_project(str(folder / "gold.qualcode"), name="gold")
    try:
        assert suggestion_gold.build(store, folder / "docs") >= 70
    finally:
        store.close()
    return folder / "gold.qualcode"


def test_gold_set_is_large_enough_and_multi_label() -> None:
    data = suggestion_gold.load()
    quotes = [q for d in data["documents"] for q in d["quotes"]]
    assert len(quotes) >= 60 and len(data["codes"]) >= 6
    assert any(len(q["codes"]) > 1 for q in quotes)
    assert {c for q in quotes for c in q["codes"]} == {c["key"] for c in data["codes"]}


def test_suggester_shows_calibrated_probabilities_once_enough_is_coded(gold_file: Path) -> None:
    store = Store.open(gold_file)
    try:
        engine = suggestions.Suggester(store, "tfidf")
        assert engine.choice is not None and engine.method in learners.CANDIDATES
        found = engine.for_document("gold03_teacher_eastfield", top=3)
        assert found and all(s.calibrated and 0.0 <= s.score <= 1.0 for p in found for s in p.suggestions)
        # a code already on the span is listed, not suggested; the rest are ranked by probability
        for p in found:
            assert p.coded and not set(p.coded) & {s.code_id for s in p.suggestions}
            assert [s.score for s in p.suggestions] == sorted((s.score for s in p.suggestions), reverse=True)
        assert "best cross-validated top-1" in engine.choice.reason
    finally:
        store.close()


def test_evaluate_command_shows_every_model_and_writes_a_reliability_diagram(gold_file: Path,
                                                                            tmp_path: Path) -> None:
    plot = tmp_path / "reliability.png"
    run = subprocess.run([SCRIPT, "suggest", "evaluate", "--embedder", "tfidf", "--folds", "5",
                          "--plot", str(plot), "--per-code", "--db", str(gold_file), "--quiet"],
                         capture_output=True, text=True, timeout=600, env=ENV)
    assert run.returncode == 0, run.stderr
    for name in ("zero-shot", "ensemble", "prototype", "ridge", "knn", "logreg", "knn5", "centroid", "chosen"):
        assert f" {name} " in run.stdout, name
    assert "default for this project" in run.stdout and "ECE" in run.stdout
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    again = subprocess.run([SCRIPT, "suggest", "evaluate", "--embedder", "tfidf", "--plot", str(plot),
                            "--db", str(gold_file)], capture_output=True, text=True, timeout=600, env=ENV)
    assert again.returncode != 0 and "--force" in again.stdout + again.stderr
    assert "Traceback" not in again.stderr


# ------------------------------------------------------------------ active learning


def test_least_sure_picks_the_ambiguous_passage_among_familiar_ones() -> None:
    from qualcode.analysis import active

    coded = normalise(np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]))
    candidates = normalise(np.array([[1.0, 0.05, 0.0],   # clearly code 0
                                     [0.7, 0.7, 0.1],    # between the two: unsure
                                     [0.0, 0.1, 1.0]]))  # unlike anything coded
    scores = np.array([[0.9, 0.1], [0.5, 0.5], [0.5, 0.5]])
    assert active.least_sure(candidates, coded, scores, pool=2).tolist() == [1]
    assert active.least_sure(candidates, coded, scores, pool=3, count=2).tolist() == [1, 2]
    assert active.margins(scores)[0] > active.margins(scores)[1] == 0.0


def test_next_uncertain_is_an_uncoded_passage_and_the_cli_finds_it(gold_file: Path, tmp_path: Path) -> None:
    import shutil

    copy = tmp_path / "gold.qualcode"
    shutil.copyfile(gold_file, copy)
    store = Store.open(copy)
    try:
        extra = tmp_path / "gold11_extra.md"
        extra.write_text("Intervjuperson: Vi hinner inte prata med föräldrarna om betygen.\n\n"
                         "Intervjuperson: Lärplattformen är seg.\n", encoding="utf-8")
        from qualcode.services import corpus

        corpus.import_paths(store, [extra])
        found = suggestions.Suggester(store, "tfidf").next_uncertain()
        assert found is not None and found.document_name == "gold11_extra" and not found.coded
    finally:
        store.close()
    run = subprocess.run([SCRIPT, "suggest", "next", "--uncertain", "--embedder", "tfidf", "--db", str(copy),
                          "--quiet", "--json"], capture_output=True, text=True, timeout=600, env=ENV)
    assert run.returncode == 0, run.stderr
    assert '"gold11_extra"' in run.stdout


# ------------------------------------------------------------------ the benchmark's learning curve


def test_learning_curve_and_active_learning_benchmark_print_their_figures(gold_file: Path,
                                                                          capsys: pytest.CaptureFixture[str]) -> None:
    sys.path.insert(0, str(Path(__file__).parent / "bench"))
    import bench_suggestions as bench

    bench.curve(gold_file, "tfidf", ("prototype", "knn5"))
    bench.active_learning(gold_file, "tfidf", method="prototype", batch=5, rounds=4)
    figures = dict(line.split("=", 1) for line in capsys.readouterr().out.splitlines() if "=" in line)
    for n in bench.CURVE:
        for model in ("prototype", "knn5"):
            for what in ("top1", "top3", "ece"):
                assert 0.0 <= float(figures[f"curve_{model}_{n}_{what}"]) <= 1.0
    # the gold set has 10-12 spans per code: from 20 on, the sample is every training span
    assert figures["curve_prototype_20_top1"] == figures["curve_prototype_40_top1"]
    for strategy in ("random", "uncertainty"):
        rounds = [k for k in figures if k.startswith(f"active_{strategy}_") and k.endswith("_top1")]
        assert len(rounds) == 4 and f"active_{strategy}_codings_to_95pct" in figures
