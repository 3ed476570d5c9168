"""The ``gamma`` unit: Mathet's gamma per pair of coders, per code and pooled over codes."""

from __future__ import annotations

import threading
from itertools import combinations
from typing import TYPE_CHECKING

import numpy as np

from qualcode.analysis.agreement.gamma import GammaResult, GammaUnits, gamma
from qualcode.analysis.agreement.gamma_joint import TooManyTuples, gamma_joint
from qualcode.core.agreement import POOLED, AgreementRow, Statistic

if TYPE_CHECKING:
    from qualcode.analysis.agreement.compute import AgreementInput, Options

GAMMA_UNIT = "coders' own spans (aligned per document)"


def _units(data: AgreementInput, coder: int, code: int | None, document: int | None) -> GammaUnits:
    spans = data.spans
    mask = spans.coder == coder
    if code is not None:
        mask &= spans.code == code
    if document is not None:
        mask &= spans.document == document
    return GammaUnits(spans.document[mask], spans.start[mask], spans.end[mask],
                      spans.code[mask] if code is None else np.zeros(int(mask.sum()), dtype=np.int64))


def _row(key: str, label: str, doc: str | None, pair: tuple[str, str], a: GammaUnits, b: GammaUnits,
         options: Options, cancel: threading.Event | None) -> AgreementRow:
    result = gamma(a, b, samples=options.gamma_samples, seed=options.seed, cancel=cancel)
    if result.units == 0:
        why = "neither coder applied this code" if key != POOLED else "neither coder applied any code"
    elif len(a) == 0 or len(b) == 0:
        why = "only one of the two coders applied it"
    else:
        why = "undefined for these data"
    return _result_row(key, label, doc, pair, result, why)


def _joint_row(key: str, label: str, doc: str | None, coders: tuple[str, ...], units: list[GammaUnits],
               options: Options, cancel: threading.Event | None) -> AgreementRow:
    """All coders in one alignment (three or more coders)."""
    nan = float("nan")
    try:
        result = gamma_joint(units, samples=options.gamma_samples, seed=options.seed, cancel=cancel)
    except TooManyTuples as error:
        result = GammaResult(nan, nan, nan, None, 0, sum(len(u) for u in units))
        why = f"too many units for one joint alignment ({error}); see the pairs"
    else:
        if result.units == 0:
            why = "no coder applied this code" if key != POOLED else "no coder applied any code"
        elif any(len(u) == 0 for u in units):
            why = "not every coder applied it"
        else:
            why = "undefined for these data"
    return _result_row(key, label, doc, coders, result, why)


def _result_row(key: str, label: str, doc: str | None, coders: tuple[str, ...], result: GammaResult,
                why: str) -> AgreementRow:
    stats = (
        _stat("mathet_gamma", result.gamma, result.units, result.interval, why),
        _stat("gamma_observed_disorder", result.observed, result.units, None, why),
        _stat("gamma_expected_disorder", result.expected, result.units, None, why),
    )
    return AgreementRow(key, label, doc, coders, stats, {"samples": float(result.samples)})


def _stat(name: str, value: float, n: int, ci: tuple[float, float] | None, why: str) -> Statistic:
    if value is None or not np.isfinite(value):
        return Statistic(name, None, GAMMA_UNIT, n, None, why)
    return Statistic(name, float(value), GAMMA_UNIT, n, ci)


def gamma_rows(data: AgreementInput, options: Options, cancel: threading.Event | None
               ) -> tuple[list[AgreementRow], str, list[str]]:
    description = ("The coders' own codings are the units: each is aligned with at most one coding of "
                   "the other coder in the same document (or with none), the alignment of least "
                   "disorder found exactly; per code by position, pooled by position and code "
                   "(Mathet, Widlöcher & Métivier 2015).")
    notes = ["Gamma: combined dissimilarity with alpha = beta = 1 and delta_empty = 1 (positional "
             "dissimilarity squared, categorical 0 or 1); expected disorder from "
             f"{options.gamma_samples} random continua (statistical sampler, seed {options.seed}); "
             "95 % interval from the spread of their disorders. Pairs of coders are reported "
             "separately; three or more coders also together."]
    rows: list[AgreementRow] = []
    for i, j in combinations(range(len(data.coders)), 2):
        pair = (data.coders[i], data.coders[j])
        if options.by == "document":
            for d, name in enumerate(data.documents):
                rows.append(_row(POOLED, "all codes", name, pair, _units(data, i, None, d),
                                 _units(data, j, None, d), options, cancel))
        else:
            for c, (key, label) in enumerate(data.codes):
                rows.append(_row(key, label, None, pair, _units(data, i, c, None),
                                 _units(data, j, c, None), options, cancel))
        rows.append(_row(POOLED, "all codes", None, pair, _units(data, i, None, None),
                         _units(data, j, None, None), options, cancel))
    if len(data.coders) >= 3:
        everyone = tuple(data.coders)
        n = len(data.coders)
        if options.by == "document":
            for d, name in enumerate(data.documents):
                rows.append(_joint_row(POOLED, "all codes", name, everyone,
                                       [_units(data, i, None, d) for i in range(n)], options, cancel))
        else:
            for c, (key, label) in enumerate(data.codes):
                rows.append(_joint_row(key, label, None, everyone,
                                       [_units(data, i, c, None) for i in range(n)], options, cancel))
        rows.append(_joint_row(POOLED, "all codes", None, everyone,
                               [_units(data, i, None, None) for i in range(n)], options, cancel))
        notes.append(f"With {n} coders, the rows of all {n} coders align them jointly (one unit of "
                     "each coder per unitary alignment, cost the mean over its pairs; solved exactly "
                     "as set partitioning): a unit one coder missed counts against every pair at once.")
    if len(data.coders) < 2:
        notes.append("Only one coder: agreement needs two or more.")
    return rows, description, notes
