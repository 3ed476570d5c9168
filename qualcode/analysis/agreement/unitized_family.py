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

from qualcode.analysis.agreement.bootstrap import percentile_interval, resample_sums


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


def _pair_pieces(a: np.ndarray, b: np.ndarray, breaks: np.ndarray, length: int
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Elementary pieces of two tilings, cut at ``breaks`` too: (piece start, section index in
    a, section index in b, length)."""
    points = np.union1d(np.union1d(a, b), breaks)
    sizes = np.diff(np.append(points, length))
    return (points, np.searchsorted(a, points, side="right") - 1,
            np.searchsorted(b, points, side="right") - 1, sizes)


@dataclass(frozen=True)
class FamilyCounts:
    """What the coefficients are computed from, per document (rows add up across documents,
    which is what lets a bootstrap resample documents): observed coincidences (documents x
    K x K, K = values + 1), S_c and T_c of eqs. 4 and 10 (documents x K), units per document."""

    observed: np.ndarray
    own_square: np.ndarray
    covered_square: np.ndarray
    units: np.ndarray

    def features(self) -> np.ndarray:
        """One row per document, every count side by side."""
        d = len(self.units)
        return np.hstack([self.observed.reshape(d, -1), self.own_square, self.covered_square])

    def result(self) -> FamilyResult:
        return _coefficients(self.observed.sum(axis=0), self.own_square.sum(axis=0),
                             self.covered_square.sum(axis=0), int(self.units.sum()))


def family_counts(coders: list[CoderUnits], length: int, n_values: int,
                  document_starts: np.ndarray | None = None) -> FamilyCounts | None:
    """The counts of each document (``document_starts``: where each begins on the continuum;
    default one document); None with fewer than two coders or no units."""
    m = len(coders)
    for units in coders:
        _check(units, length)
    starts_of = np.asarray([0] if document_starts is None else document_starts, dtype=np.int64)
    n_docs, size = len(starts_of), n_values + 1
    doc_lengths = np.diff(np.append(starts_of, length)).astype(np.float64)
    n_units = sum(len(u.start) for u in coders)
    if m < 2 or length <= 0 or n_units == 0:
        return None

    def doc_of(positions: np.ndarray) -> np.ndarray:
        return np.searchsorted(starts_of, positions, side="right") - 1

    observed = np.zeros(n_docs * size * size)
    own_square = np.zeros(n_docs * size)
    covered_square = np.zeros(n_docs * size)
    units = np.zeros(n_docs)
    tilings = [_tiling(u, length) for u in coders]
    for i, (starts, values) in enumerate(tilings):
        unit_docs = doc_of(coders[i].start)
        unit_lengths = (coders[i].end - coders[i].start).astype(np.float64)
        units += np.bincount(unit_docs, minlength=n_docs)
        own_square += np.bincount(unit_docs * size + coders[i].value, weights=unit_lengths ** 2,
                                  minlength=n_docs * size)
        # gaps count their length, not its square: the uncoded text of each document
        gap_lengths = doc_lengths - np.bincount(unit_docs, weights=unit_lengths, minlength=n_docs)
        own_square[::size] += gap_lengths
        section_docs = doc_of(starts)
        for j in range(m):
            if j == i:
                continue
            other = tilings[j]
            points, ia, ib, pieces = _pair_pieces(starts, other[0], starts_of, length)
            va, vb = values[ia], other[1][ib]
            observed += np.bincount((doc_of(points) * size + va) * size + vb, weights=pieces,
                                    minlength=n_docs * size * size)
            covered = np.bincount(ia, weights=np.where(vb > 0, pieces, 0), minlength=len(starts))
            covered_square += np.bincount(section_docs * size + values,
                                          weights=np.where(values > 0, covered ** 2, 0.0),
                                          minlength=n_docs * size)
    return FamilyCounts(observed.reshape(n_docs, size, size) / (m - 1), own_square.reshape(n_docs, size),
                        covered_square.reshape(n_docs, size) / (m - 1), units)


def unitized_family(coders: list[CoderUnits], length: int, n_values: int) -> FamilyResult:
    """The 2016 family for one variable with values 1..n_values on a continuum of ``length``."""
    counts = family_counts(coders, length, n_values)
    if counts is None:
        nan = float("nan")
        return FamilyResult(nan, nan, nan, nan, units=sum(len(u.start) for u in coders))
    return counts.result()


def family_intervals(counts: FamilyCounts, n_resamples: int, seed: int) -> np.ndarray:
    """95 % percentile intervals of u-, |u- and cu-alpha (3 x 2), resampling documents.

    Documents are drawn with replacement and their counts summed (a cluster bootstrap:
    a coder's spans within one document stay together).
    """
    size = counts.observed.shape[1]
    sums = resample_sums(counts.features(), n_resamples, seed)
    observed = sums[:, :size * size].reshape(-1, size, size)
    own = sums[:, size * size:size * size + size]
    covered = sums[:, size * size + size:]
    with np.errstate(invalid="ignore", divide="ignore"):
        u, binary, cu, _ = _alphas(observed, own, covered)
    return percentile_interval(np.column_stack([u, binary, cu])).T


def _alphas(observed: np.ndarray, own_square: np.ndarray, covered_square: np.ndarray
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """u-, |u- and cu-alpha of stacked counts (n x K x K), and the expected coincidences
    among valued intersections (n x V x V)."""
    total = observed.sum(axis=(1, 2))
    margins = observed.sum(axis=2)
    expected = _expected(total, margins, own_square)
    u = _one_minus(total - np.trace(observed, axis1=1, axis2=2),
                   total - np.trace(expected, axis1=1, axis2=2))
    binary = _one_minus(observed[:, 0, 1:].sum(axis=1), expected[:, 0, 1:].sum(axis=1))
    cu_margins = margins[:, 1:] - observed[:, 1:, 0]
    n = cu_margins.sum(axis=1)
    cu_expected = _expected(n, cu_margins, covered_square[:, 1:])
    cu = _one_minus(n - np.trace(observed[:, 1:, 1:], axis1=1, axis2=2),
                    n - np.trace(cu_expected, axis1=1, axis2=2))
    return u, binary, cu, cu_expected


def _coefficients(observed: np.ndarray, own_square: np.ndarray, covered_square: np.ndarray,
                  n_units: int) -> FamilyResult:
    u, binary, cu, cu_expected_all = _alphas(observed[None], own_square[None], covered_square[None])
    cu_expected = cu_expected_all[0]
    valued = observed[1:, 1:]
    cu_margins = observed.sum(axis=1)[1:] - observed[1:, 0]
    value_alphas: dict[int, float] = {}
    cu_expected_margins = cu_expected.sum(axis=1)
    for k in range(len(cu_margins)):
        l_k, e_k = cu_margins[k], cu_expected_margins[k]
        disagreement = e_k - cu_expected[k, k]
        value_alphas[k + 1] = (float(1.0 - (e_k / l_k) * (l_k - valued[k, k]) / disagreement)
                               if l_k > 0 and disagreement > 1e-12 else float("nan"))
    total = observed.sum()
    coverage = float(cu_margins.sum() / total) if total > 0 else float("nan")
    return FamilyResult(float(u[0]), float(binary[0]), float(cu[0]), coverage, value_alphas, observed,
                        n_units)


def _expected(total: np.ndarray, margins: np.ndarray, self_pairs: np.ndarray) -> np.ndarray:
    """Expected coincidences (n x K x K) given totals, margins and the pairs a unit cannot
    form with itself; NaN where nothing could pair."""
    denominator = total ** 2 - self_pairs.sum(axis=1)
    outer = margins[:, :, None] * margins[:, None, :]
    diagonal = self_pairs[:, :, None] * np.eye(margins.shape[1])[None]
    with np.errstate(invalid="ignore", divide="ignore"):
        scale = np.where(denominator > 0, total / np.where(denominator > 0, denominator, 1), np.nan)
    return scale[:, None, None] * (outer - diagonal)


def _one_minus(observed: np.ndarray, expected: np.ndarray) -> np.ndarray:
    """1 - D_o / D_e, NaN where nothing could disagree by chance."""
    defined = np.isfinite(expected) & (expected > 1e-12)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(defined, 1.0 - observed / np.where(defined, expected, 1.0), np.nan)
