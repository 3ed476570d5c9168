"""Statistics of comparison matrices and code co-occurrence, over plain numbers.

Owns the chi-square test of a codes-by-groups table with adjusted standardized
residuals per cell (Haberman's residuals: approximately standard normal when the rows
and columns are independent), Cramér's V, the small-expected-count check and Fisher's
exact test for 2x2 tables; and the pairing of codings that co-occur. No database, no
printing: numpy arrays and frozen dataclasses in, frozen dataclasses out. scipy.special is
imported inside the functions that need it (never scipy.stats: see chi2_sf).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

SMALL_EXPECTED = 5.0
"""Cells expected to hold fewer than this are flagged (the usual rule of thumb)."""


@dataclass(frozen=True)
class MatrixStats:
    """A chi-square test of independence of one table, and what each cell adds to it.

    ``residuals`` and ``expected`` have the shape of the whole table; rows or columns
    that were empty (all zero) were left out of the test and hold NaN there.
    """

    chi2: float
    dof: int
    p_value: float
    cramers_v: float
    n: float
    expected: tuple[tuple[float, ...], ...]
    residuals: tuple[tuple[float, ...], ...]
    small_expected: tuple[tuple[bool, ...], ...]
    small_share: float
    critical: float = 1.96
    fisher_odds_ratio: float | None = None
    fisher_p_value: float | None = None
    dropped_rows: tuple[int, ...] = ()
    dropped_columns: tuple[int, ...] = ()
    warnings: tuple[str, ...] = ()

    def flag(self, row: int, column: int) -> str:
        """'+' where a cell holds clearly more than independence predicts, '-' fewer, '' else."""
        value = self.residuals[row][column]
        if math.isnan(value):
            return ""
        if value >= self.critical:
            return "+"
        if value <= -self.critical:
            return "-"
        return ""


def _critical(alpha: float) -> float:
    """The two-sided normal critical value: the inverse normal CDF from scipy.special."""
    from scipy.special import ndtri

    return float(ndtri(1 - alpha / 2))


def chi2_sf(statistic: float, dof: int) -> float:
    """P(X >= statistic) for X ~ chi-square(dof), scipy.special's complemented integral.

    scipy.special loads in a fraction of the time scipy.stats needs (about a second),
    which a one-off ``qualcode compare`` would otherwise spend before printing.
    """
    from scipy.special import chdtrc

    return float(chdtrc(dof, statistic))


def fisher_exact_2x2(table: np.ndarray) -> tuple[float, float]:
    """Sample odds ratio and two-sided p of Fisher's exact test for a 2x2 table of counts.

    The p-value sums the hypergeometric probabilities (margins fixed) of every table no
    more probable than the observed one, with the relative tolerance scipy.stats uses
    (1e-7) so that ties of equal probability count; a test checks it against scipy.stats.
    """
    from scipy.special import gammaln

    (a, b), (c, d) = (int(x) for x in table[0]), (int(x) for x in table[1])
    if min(a + b, c + d, a + c, b + d) == 0:
        return math.nan, 1.0
    odds = a * d / (b * c) if b * c > 0 else math.inf
    row, col, n = a + b, a + c, a + b + c + d
    support = np.arange(max(0, row + col - n), min(row, col) + 1)

    def log_pmf(k: np.ndarray) -> np.ndarray:
        return (gammaln(row + 1) - gammaln(k + 1) - gammaln(row - k + 1)
                + gammaln(n - row + 1) - gammaln(col - k + 1) - gammaln(n - row - col + k + 1)
                - gammaln(n + 1) + gammaln(col + 1) + gammaln(n - col + 1))

    probabilities = np.exp(log_pmf(support))
    observed = float(np.exp(log_pmf(np.array([a]))[0]))
    p_value = float(probabilities[probabilities <= observed * (1 + 1e-7)].sum())
    return odds, min(1.0, p_value)


def adjusted_residuals(table: np.ndarray) -> np.ndarray:
    """(O - E) / sqrt(E (1 - row share) (1 - column share)) for every cell."""
    table = np.asarray(table, dtype=float)
    n = table.sum()
    rows = table.sum(axis=1, keepdims=True)
    cols = table.sum(axis=0, keepdims=True)
    expected = rows @ cols / n
    variance = expected * (1 - rows / n) * (1 - cols / n)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(variance > 0, (table - expected) / np.sqrt(variance), 0.0)


def chi_square(table: Sequence[Sequence[float]] | np.ndarray, *, alpha: float = 0.05) -> MatrixStats:
    """Test a table of counts for independence of rows and columns.

    Raises ValueError when fewer than two non-empty rows or columns remain; callers turn
    that into an error the user can act on.
    """
    full = np.asarray(table, dtype=float)
    if full.ndim != 2:
        raise ValueError("a comparison table has two dimensions")
    if (full < 0).any() or not np.allclose(full, np.round(full)):
        raise ValueError("the chi-square test needs counts (whole, non-negative numbers)")
    keep_rows = np.flatnonzero(full.sum(axis=1) > 0)
    keep_cols = np.flatnonzero(full.sum(axis=0) > 0)
    if len(keep_rows) < 2 or len(keep_cols) < 2:
        raise ValueError("the test needs at least two rows and two columns with counts in them")
    sub = full[np.ix_(keep_rows, keep_cols)]
    n = float(sub.sum())
    expected_sub = sub.sum(axis=1, keepdims=True) @ sub.sum(axis=0, keepdims=True) / n
    chi2 = float(((sub - expected_sub) ** 2 / expected_sub).sum())
    dof = (sub.shape[0] - 1) * (sub.shape[1] - 1)
    p_value = chi2_sf(chi2, dof)
    cramers_v = math.sqrt(chi2 / (n * (min(sub.shape) - 1)))
    residual_sub = adjusted_residuals(sub)

    expected = np.full(full.shape, np.nan)
    residuals = np.full(full.shape, np.nan)
    expected[np.ix_(keep_rows, keep_cols)] = expected_sub
    residuals[np.ix_(keep_rows, keep_cols)] = residual_sub
    small = np.zeros(full.shape, dtype=bool)
    small[np.ix_(keep_rows, keep_cols)] = expected_sub < SMALL_EXPECTED
    small_share = float((expected_sub < SMALL_EXPECTED).mean())

    warnings: list[str] = []
    if (expected_sub < 1).any():
        warnings.append("Some expected counts are below 1: the chi-square p-value is not reliable.")
    if small_share > 0.2:
        warnings.append(f"{small_share:.0%} of the cells expect fewer than {SMALL_EXPECTED:g} "
                        "codings (more than 20%): read the p-value with care; merge groups or codes.")
    fisher_or = fisher_p = None
    if sub.shape == (2, 2):
        fisher_or, fisher_p = fisher_exact_2x2(sub)
    dropped_rows = tuple(int(i) for i in np.flatnonzero(full.sum(axis=1) == 0))
    dropped_cols = tuple(int(i) for i in np.flatnonzero(full.sum(axis=0) == 0))
    if dropped_rows or dropped_cols:
        warnings.append(f"Left out of the test because they are empty: {len(dropped_rows)} rows, "
                        f"{len(dropped_cols)} columns.")
    return MatrixStats(
        chi2=chi2, dof=dof, p_value=p_value, cramers_v=cramers_v, n=n,
        expected=_tuples(expected), residuals=_tuples(residuals),
        small_expected=tuple(tuple(bool(x) for x in row) for row in small),
        small_share=small_share, critical=_critical(alpha), fisher_odds_ratio=fisher_or,
        fisher_p_value=fisher_p, dropped_rows=dropped_rows, dropped_columns=dropped_cols,
        warnings=tuple(warnings))


def _tuples(array: np.ndarray) -> tuple[tuple[float, ...], ...]:
    return tuple(tuple(float(x) for x in row) for row in array)


# ----------------------------------------------------------------- co-occurrence


@dataclass(frozen=True)
class Span:
    """A coding as co-occurrence sees it: which code, where, and which sentences it covers."""

    coding_id: int
    row: int
    document_id: int
    start: int
    end: int
    first_segment: int
    last_segment: int


@dataclass(frozen=True)
class Cooccurrence:
    """Pairs of codings of two rows that occur together, per pair of rows.

    ``counts[i][j]`` is the number of coding pairs (one coding of row i, one of row j)
    that occur together; the diagonal holds how many codings each row has.
    """

    counts: tuple[tuple[int, ...], ...]
    pairs: dict[tuple[int, int], tuple[tuple[int, int], ...]] = field(default_factory=dict)


def together(a: Span, b: Span, mode: str, window: int = 0) -> bool:
    """Whether two codings of one document occur together under ``mode``.

    overlap: their character spans overlap; segment: they touch a common sentence;
    near: at most ``window`` sentences lie between them.
    """
    if mode == "overlap":
        return a.start < b.end and b.start < a.end
    gap = max(a.first_segment, b.first_segment) - min(a.last_segment, b.last_segment)
    if mode == "segment":
        return gap <= 0
    if mode == "near":
        return gap <= window
    raise ValueError(f"unknown co-occurrence mode {mode!r}")


def cooccurrence(spans: Sequence[Span], rows: int, *, mode: str = "overlap",
                 window: int = 0) -> Cooccurrence:
    """Count, per pair of rows, the coding pairs that occur together (each pair once)."""
    counts = np.zeros((rows, rows), dtype=int)
    pairs: dict[tuple[int, int], list[tuple[int, int]]] = {}
    by_document: dict[int, list[Span]] = {}
    for span in spans:
        counts[span.row, span.row] += 1
        by_document.setdefault(span.document_id, []).append(span)
    for items in by_document.values():
        items.sort(key=lambda s: (s.first_segment, s.start))
        for i, a in enumerate(items):
            for b in items[i + 1:]:
                # Sorted by first sentence: once b starts beyond a's reach, later ones do too.
                if b.first_segment - a.last_segment > max(window, 0) and mode != "overlap":
                    break
                if mode == "overlap" and b.first_segment > a.last_segment and b.start >= a.end:
                    break
                if a.row == b.row or not together(a, b, mode, window):
                    continue
                first, second = (a, b) if a.row < b.row else (b, a)
                counts[first.row, second.row] += 1
                counts[second.row, first.row] += 1
                pairs.setdefault((first.row, second.row), []).append((first.coding_id, second.coding_id))
    return Cooccurrence(counts=tuple(tuple(int(x) for x in row) for row in counts),
                        pairs={k: tuple(v) for k, v in pairs.items()})
