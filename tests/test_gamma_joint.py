"""Gamma for three or more coders in one alignment: the two-coder case against the
assignment solver, three coders by hand and against pygamma-agreement."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from qualcode.analysis.agreement import gamma_joint as joint
from qualcode.analysis.agreement.compute import AgreementInput, Options, compute
from qualcode.analysis.agreement.gamma import GammaUnits, best_disorder


def _continuum(seed: int, n_coders: int, units: int = 25, docs: int = 1) -> list[list[tuple[int, int, int, int]]]:
    """Coders who mostly see the same units, shifted a little, now and then another category."""
    rng = np.random.default_rng(seed)
    rows: list[list[tuple[int, int, int, int]]] = [[] for _ in range(n_coders)]
    for doc in range(docs):
        position = 0
        for _ in range(units):
            position += int(rng.integers(5, 60))
            length = int(rng.integers(10, 90))
            category = int(rng.integers(0, 3))
            for coder in rows:
                if rng.random() < 0.85:
                    start = position + int(rng.integers(-10, 11))
                    coder.append((doc, start, start + length + int(rng.integers(-10, 11)),
                                  category if rng.random() < 0.8 else (category + 1) % 3))
            position += length
    return rows


@pytest.mark.parametrize("seed", range(4))
def test_two_coders_agree_with_the_assignment_solver(seed: int) -> None:
    a, b = (GammaUnits.of(rows) for rows in _continuum(seed, 2, docs=2))
    assert joint.best_disorder_joint([a, b]) == pytest.approx(best_disorder(a, b), abs=1e-9)


def test_three_coders_by_hand() -> None:
    # x: [0,10) by all three, one coder 2 characters late: pairs 0, 0.04, 0.04 -> 0.08 / 3
    # y: [50,60) by two coders only: (0 + 1 + 1) / 3; z: [200,210) by one coder: 1
    # summed cost 0.08/3 + 2/3 + 1 over a mean of 6 / 3 = 2 units per coder
    a = GammaUnits.of([(0, 0, 10, 0), (0, 50, 60, 1), (0, 200, 210, 2)])
    b = GammaUnits.of([(0, 0, 10, 0), (0, 50, 60, 1)])
    c = GammaUnits.of([(0, 2, 12, 0)])
    assert joint.best_disorder_joint([a, b, c]) == pytest.approx((0.08 / 3 + 2 / 3 + 1) / 2)
    # pairwise, the two-coder gamma would not see that c missed y with the others
    assert joint.best_disorder_joint([a, b, c]) > best_disorder(a, b)


def test_gamma_of_three_coders_is_reproducible_and_below_one_with_disagreement() -> None:
    coders = [GammaUnits.of(rows) for rows in _continuum(3, 3)]
    first = joint.gamma_joint(coders, samples=8, seed=4)
    assert first == joint.gamma_joint(coders, samples=8, seed=4)
    assert 0 < first.gamma < 1 and first.interval is not None
    same = joint.gamma_joint([coders[0]] * 3, samples=4, seed=4)
    assert same.observed == 0.0 and same.gamma == 1.0


def test_too_many_units_are_refused_not_swallowed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(joint, "MAX_TUPLES", 100)
    coders = [GammaUnits.of(rows) for rows in _continuum(1, 3)]
    with pytest.raises(joint.TooManyTuples, match="units per coder"):
        joint.best_disorder_joint(coders)


@pytest.mark.slow
def test_three_coders_match_pygamma_agreement() -> None:
    """pygamma-agreement compiles its kernels on import (about a minute): one comparison."""
    pytest.importorskip("pygamma_agreement")
    from pyannote.core import Segment
    from pygamma_agreement import CombinedCategoricalDissimilarity, Continuum

    rows = _continuum(5, 3, units=12)
    continuum = Continuum()
    for name, units in zip("abc", rows, strict=True):
        for _doc, start, end, category in units:
            continuum.add(name, Segment(start, end), str(category))
    theirs = continuum.get_best_alignment(CombinedCategoricalDissimilarity(alpha=1, beta=1)).disorder
    ours = joint.best_disorder_joint([GammaUnits.of(units) for units in rows])
    assert ours == pytest.approx(float(theirs), abs=1e-5)  # theirs is float32


def _three_coder_input() -> AgreementInput:
    from qualcode.analysis.agreement.units import Spans

    rows = _continuum(2, 3, units=15)
    spans = [(doc, category % 2, coder, start, end)
             for coder, units in enumerate(rows) for doc, start, end, category in units]
    return AgreementInput(("anna", "bo", "cy"), (("k0", "K0"), ("k1", "K1")), ("d",), np.array([5000]),
                          Spans.of(spans))


def test_the_gamma_unit_adds_rows_of_all_coders_aligned_jointly() -> None:
    from qualcode.analysis.agreement.gamma_rows import _units
    from qualcode.core.agreement import POOLED

    data = _three_coder_input()
    report = compute(data, Options(unit="gamma", gamma_samples=5))
    assert {r.coders for r in report.rows} == {("anna", "bo"), ("anna", "cy"), ("bo", "cy"), ("anna", "bo", "cy")}
    together = next(r for r in report.rows if r.coders == ("anna", "bo", "cy") and r.code_key == POOLED)
    expected = joint.gamma_joint([_units(data, i, None, None) for i in range(3)], samples=5,
                                 seed=Options().seed)
    assert together.get("mathet_gamma").value == pytest.approx(expected.gamma)  # type: ignore[union-attr]
    assert any("align them jointly" in note for note in report.notes)


def test_a_document_too_large_for_the_joint_alignment_is_n_a_with_the_reason(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from qualcode.core.agreement import POOLED

    monkeypatch.setattr(joint, "MAX_TUPLES", 100)
    report = compute(_three_coder_input(), Options(unit="gamma", gamma_samples=3))
    together = next(r for r in report.rows if r.coders == ("anna", "bo", "cy") and r.code_key == POOLED)
    value = together.get("mathet_gamma")
    assert value is not None and value.value is None and "too many units" in value.note
    pair = next(r for r in report.rows if r.coders == ("anna", "bo") and r.code_key == POOLED)
    assert pair.get("mathet_gamma").value is not None  # type: ignore[union-attr]


def test_installed_script_reports_three_coders_together(demo_file: Path, tmp_path: Path) -> None:
    import json
    import os
    import shutil
    import subprocess
    import sys

    from qualcode.services import coding, retrieval
    from qualcode.services.coding import Span
    from qualcode.services.project import open_project

    db = tmp_path / "three.qualcode"
    shutil.copyfile(demo_file, db)
    store = open_project(str(db))
    try:  # a third coder who follows anna three characters late
        page = retrieval.passages(store, codes=["qs.equity"], coders=["anna"], limit=None, context=0)
        for p in page.passages:
            coding.apply_code(store, p.document_id, "qs.equity", "cy", Span(p.start + 3, p.end))
    finally:
        store.close()
    script = Path(sys.executable).with_name("qualcode")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    done = subprocess.run([str(script), "agreement", "--unit", "gamma", "--db", str(db), "--coders", "anna,bo,cy",
                           "--code", "qs.equity", "--gamma-samples", "3", "--resamples", "0", "--json"],
                          capture_output=True, text=True, cwd=tmp_path, env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)["report"]["rows"]
    together = [r for r in rows if r["coders"] == ["anna", "bo", "cy"]]
    assert together and all(r["statistics"][0]["name"] == "mathet_gamma" for r in together)
    gammas = {tuple(r["coders"]): r["statistics"][0]["value"] for r in rows if r["code_key"] == "qs.equity"}
    # cy all but repeats anna, so the pair agrees best, and the joint figure lies between
    assert gammas[("anna", "cy")] > gammas[("anna", "bo", "cy")] > min(gammas[("anna", "bo")], gammas[("bo", "cy")])
