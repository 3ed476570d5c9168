"""Krippendorff's 2016 family of unitized alphas: u-alpha, |u-alpha, cu-alpha and (k)u-alpha.

Source: Krippendorff, Mathet, Bouvry & Widlöcher (2016), "On the reliability of unitizing
textual continua: Further developments", Quality & Quantity 50:2347-2364 (eqs. 1-13).
ATLAS.ti reports the same family for its semantic domains.

One variable (a set of mutually exclusive values, here codes) on one continuum of length
L: each of the m coders partitions it into valued units (value c >= 1) and gaps (value 0).
The precondition: no coder's units overlap each other. With s_ig the g-th section of
coder i, l its length and c its value:

- observed coincidences l_ck = 1/(m-1) sum_i sum_{j != i} sum_{g,h} |s_ig ∩ s_jh| over
  sections valued c and k; their total is l.. = m L (eq. 1);
- expected coincidences e_ck = l.. (l_c. l_.k - [c = k] S_c) / (l..^2 - sum_c S_c), with
  S_c = sum of l^2 over units valued c; gaps have no inner structure, so S_0 is the sum of
  their lengths, as if every position of a gap were a unit of its own (eq. 4);
- u-alpha = 1 - (l.. - sum_c l_cc) / (l.. - sum_c e_cc): unitizing and valuing at once;
- |u-alpha = 1 - sum_{k>0} l_0k / sum_{k>0} e_0k: relevant (any value) against gaps;
- cu-alpha restricts both matrices to intersections of valued units: margins
  l'_c = l_c. - l_c0, n = sum_c l'_c, and with x the length of unit s_ig that coder j's
  units cover, T_c = sum_{i != j} sum_{g valued c} x^2 / (m - 1),
  e'_ck = n (l'_c l'_k - [c = k] T_c) / (n^2 - sum_c T_c) (eq. 10);
  cu-alpha = 1 - (n - sum_c l_cc) / (n - sum_c e'_cc) (eq. 11), and its coverage n / l..
  says how much of the continuum it speaks for;
- (k)u-alpha = 1 - (e'_k / l'_k) (l'_k - l_kk) / (e'_k - e'_kk), e'_k = sum_c e'_kc
  (eq. 13b): the reliability of one value among the valued intersections.

With every section one character long these reduce to Krippendorff's ordinary nominal
alpha over characters (u-alpha for any m; cu-alpha for two coders over the characters both
coded), which the tests use as a check.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class CoderUnits:
    """One coder's valued units on the continuum: sorted, non-overlapping, values >= 1."""

    start: np.ndarray
    end: np.ndarray
    value: np.ndarray

    @classmethod
    def of(cls, rows: list[tuple[int, int, int]]) -> CoderUnits:
        array = np.asarray(sorted(rows), dtype=np.int64).reshape(-1, 3)
        return cls(array[:, 0], array[:, 1], array[:, 2])


@dataclass(frozen=True)
class FamilyResult:
    """The four coefficients (NaN where undefined) and the matrices they came from."""

    u_alpha: float
    binary_u_alpha: float
    cu_alpha: float
    coverage: float
    value_alphas: dict[int, float] = field(default_factory=dict)
    observed: np.ndarray | None = None
    units: int = 0


def _tiling(units: CoderUnits, length: int) -> tuple[np.ndarray, np.ndarray]:
    """Starts and values of the sections tiling [0, length): units and the gaps between."""
    starts, values = [], []
    position = 0
    for s, e, v in zip(units.start.tolist(), units.end.tolist(), units.value.tolist(), strict=True):
        if s > position:
            starts.append(position)
            values.append(0)
        starts.append(s)
        values.append(v)
        position = e
    if position < length or not starts:
        starts.append(position)
        values.append(0)
    return np.asarray(starts, dtype=np.int64), np.asarray(values, dtype=np.int64)


def _check(units: CoderUnits, length: int) -> None:
    if len(units.start) == 0:
        return
    if np.any(units.end <= units.start) or units.start[0] < 0 or units.end[-1] > length:
        raise ValueError("units must be non-empty and lie on the continuum")
    if np.any(units.start[1:] < units.end[:-1]):
        raise ValueError("a coder's units overlap: the 2016 coefficients need them disjoint")
    if np.any(units.value < 1):
        raise ValueError("unit values start at 1 (0 marks gaps)")


def _pair_pieces(a: tuple[np.ndarray, np.ndarray], b: tuple[np.ndarray, np.ndarray], length: int
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Elementary pieces of two tilings: (section index in a, section index in b, length)."""
    points = np.union1d(a[0], b[0])
    sizes = np.diff(np.append(points, length))
    return (np.searchsorted(a[0], points, side="right") - 1,
            np.searchsorted(b[0], points, side="right") - 1, sizes)


def unitized_family(coders: list[CoderUnits], length: int, n_values: int) -> FamilyResult:
    """The 2016 family for one variable with values 1..n_values on a continuum of ``length``."""
    m = len(coders)
    for units in coders:
        _check(units, length)
    size = n_values + 1
    n_units = sum(len(u.start) for u in coders)
    nan = float("nan")
    if m < 2 or length <= 0 or n_units == 0:
        return FamilyResult(nan, nan, nan, nan, units=n_units)
    tilings = [_tiling(u, length) for u in coders]
    observed = np.zeros((size, size))
    own_square = np.zeros(size)  # S_c
    covered_square = np.zeros(size)  # T_c before dividing by m - 1
    for i, (starts, values) in enumerate(tilings):
        lengths = np.diff(np.append(starts, length)).astype(np.float64)
        own_square += np.bincount(values, weights=np.where(values > 0, lengths ** 2, lengths),
                                  minlength=size)
        for j in range(m):
            if j == i:
                continue
            other = tilings[j]
            ia, ib, pieces = _pair_pieces((starts, values), other, length)
            va, vb = values[ia], other[1][ib]
            observed += np.bincount(va * size + vb, weights=pieces, minlength=size * size
                                    ).reshape(size, size)
            covered = np.bincount(ia, weights=np.where(vb > 0, pieces, 0), minlength=len(starts))
            covered_square += np.bincount(values, weights=np.where(values > 0, covered ** 2, 0.0),
                                          minlength=size)
    observed /= m - 1
    return _coefficients(observed, own_square, covered_square / (m - 1), n_units)


def _coefficients(observed: np.ndarray, own_square: np.ndarray, covered_square: np.ndarray,
                  n_units: int) -> FamilyResult:
    total = observed.sum()
    margins = observed.sum(axis=1)
    expected = _expected(total, margins, own_square)
    u_alpha = _one_minus(total - np.trace(observed), total - np.trace(expected))
    binary = _one_minus(observed[0, 1:].sum(), expected[0, 1:].sum())

    valued = observed[1:, 1:]
    cu_margins = margins[1:] - observed[1:, 0]
    n = cu_margins.sum()
    cu_expected = _expected(n, cu_margins, covered_square[1:])
    cu_alpha = _one_minus(n - np.trace(valued), n - np.trace(cu_expected))
    value_alphas: dict[int, float] = {}
    cu_expected_margins = cu_expected.sum(axis=1)
    for k in range(len(cu_margins)):
        l_k, e_k = cu_margins[k], cu_expected_margins[k]
        if l_k <= 0:
            value_alphas[k + 1] = float("nan")
            continue
        disagreement = e_k - cu_expected[k, k]
        value_alphas[k + 1] = (1.0 - (e_k / l_k) * (l_k - valued[k, k]) / disagreement
                               if disagreement > 1e-12 else float("nan"))
    coverage = n / total if total > 0 else float("nan")
    return FamilyResult(u_alpha, binary, cu_alpha, coverage, value_alphas, observed, n_units)


def _expected(total: float, margins: np.ndarray, self_pairs: np.ndarray) -> np.ndarray:
    """Expected coincidences given margins and the pairs a unit cannot form with itself."""
    denominator = total ** 2 - self_pairs.sum()
    if denominator <= 0:
        return np.full((len(margins), len(margins)), np.nan)
    return total * (np.outer(margins, margins) - np.diag(self_pairs)) / denominator


def _one_minus(observed: float, expected: float) -> float:
    """1 - D_o / D_e, NaN when nothing could disagree by chance."""
    if not np.isfinite(expected) or expected <= 1e-12:
        return float("nan")
    return float(1.0 - observed / expected)
