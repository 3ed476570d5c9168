"""Krippendorff's unitized alpha for spans (alpha_U, the 2004 per-code version).

Each code is judged on its own continuum (the documents laid end to end), so
different codes may overlap freely. On it, every coder's text falls into sections:
their coded units of the code (merged where they overlap) and the gaps between.

Sources: Krippendorff (1995), "On the reliability of unitizing contiguous data",
Sociological Methodology 25:47-76; Krippendorff (2004), Content Analysis, 2nd ed.,
sec. 12.4 and "Measuring the reliability of qualitative text analysis data",
Quality & Quantity 38:787-800. With m coders, continuum length L, sections g of
coder i with begin b, length l and w = 1 for a coded unit:

- delta^2 of two overlapping sections = (b_i - b_j)^2 + (e_i - e_j)^2 when both are
  units; l_i^2 when a unit of i lies wholly inside a gap of j (and vice versa);
  0 otherwise;
- D_o = sum_{i != j} sum_g sum_h delta^2 / (m (m - 1) L^2);
- D_e = (2 / L) sum_units [ (N - 1)/3 (2l^3 - 3l^2 + l) + l^2 sum_{gaps G >= l} (G - l + 1) ]
  / (m L (m L - 1) - sum_units l (l - 1)), N the number of units of all coders;
- alpha_U = 1 - D_o / D_e; pooled over codes 1 - mean(D_o) / mean(D_e), as the
  DKPro Statistics implementation does.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class UnitizedResult:
    observed: float
    expected: float
    units: int

    @property
    def alpha(self) -> float:
        if self.expected <= 0:
            return float("nan")
        return 1.0 - self.observed / self.expected


def _sections(starts: np.ndarray, ends: np.ndarray, begin: int, length: int
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(section starts, section ends, coded flags) tiling [begin, begin + length)."""
    bounds = np.unique(np.concatenate([[begin, begin + length], starts, ends]))
    sec_s, sec_e = bounds[:-1], bounds[1:]
    coded = np.zeros(len(sec_s), dtype=bool)
    if len(starts):
        idx = np.searchsorted(starts, sec_s, side="right") - 1
        coded = (idx >= 0) & (sec_e <= ends[np.clip(idx, 0, None)]) & (sec_s >= starts[np.clip(idx, 0, None)])
    return sec_s, sec_e, coded


def _pair_disagreement(a: tuple[np.ndarray, np.ndarray, np.ndarray],
                       b: tuple[np.ndarray, np.ndarray, np.ndarray]) -> float:
    """Sum of delta^2 over every overlapping pair of sections of two coders."""
    points = np.unique(np.concatenate([a[0], b[0]]))
    ia = np.searchsorted(a[0], points, side="right") - 1
    ib = np.searchsorted(b[0], points, side="right") - 1
    fresh = np.ones(len(points), dtype=bool)
    fresh[1:] = (ia[1:] != ia[:-1]) | (ib[1:] != ib[:-1])
    ia, ib = ia[fresh], ib[fresh]
    bs, be, bc = a[0][ia], a[1][ia], a[2][ia]
    cs, ce, cc = b[0][ib], b[1][ib], b[2][ib]
    both = bc & cc
    total = ((bs - cs) ** 2 + (be - ce) ** 2)[both].astype(np.float64).sum()
    a_in_gap = bc & ~cc & (bs >= cs) & (be <= ce)
    b_in_gap = cc & ~bc & (cs >= bs) & (ce <= be)
    total += (((be - bs) ** 2)[a_in_gap].astype(np.float64).sum()
              + ((ce - cs) ** 2)[b_in_gap].astype(np.float64).sum())
    return float(total)


def unitized_alpha(coder_spans: list[tuple[np.ndarray, np.ndarray]], begin: int, length: int
                   ) -> UnitizedResult:
    """alpha_U of one code; ``coder_spans`` holds each coder's merged, sorted units."""
    m = len(coder_spans)
    sections = [_sections(np.asarray(s, dtype=np.int64), np.asarray(e, dtype=np.int64), begin, length)
                for s, e in coder_spans]
    observed = 0.0
    for i in range(m):
        for j in range(i + 1, m):
            observed += _pair_disagreement(sections[i], sections[j])
    observed = 2.0 * observed / (m * (m - 1) * float(length) ** 2) if m > 1 and length > 0 else float("nan")

    unit_lengths = np.concatenate([(e - s)[c] for s, e, c in sections]).astype(np.float64)
    gaps = np.sort(np.concatenate([(e - s)[~c] for s, e, c in sections]).astype(np.float64))
    n_units = len(unit_lengths)
    if n_units == 0 or m < 2:
        return UnitizedResult(observed, 0.0, n_units)
    tail_sum = np.concatenate([np.cumsum(gaps[::-1])[::-1], [0.0]])
    idx = np.searchsorted(gaps, unit_lengths, side="left")
    count = len(gaps) - idx
    gap_term = tail_sum[idx] - (unit_lengths - 1) * count
    size = unit_lengths
    numerator = ((n_units - 1) / 3.0 * (2 * size ** 3 - 3 * size ** 2 + size) + size ** 2 * gap_term).sum()
    denominator = m * float(length) * (m * float(length) - 1) - (size * (size - 1)).sum()
    expected = 2.0 / length * numerator / denominator if denominator > 0 else 0.0
    return UnitizedResult(observed, expected, n_units)


def pooled_alpha(results: list[UnitizedResult]) -> float:
    """1 - mean observed / mean expected over codes that were used at all."""
    used = [r for r in results if r.units > 0 and r.expected > 0]
    if not used:
        return float("nan")
    return 1.0 - float(np.mean([r.observed for r in used])) / float(np.mean([r.expected for r in used]))
