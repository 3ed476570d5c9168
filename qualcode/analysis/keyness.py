"""Keyness statistics for one word in two corpora: log-likelihood G², its p-value,
the log ratio effect size, and a correction for testing many words at once.

G² is the two-cell form of Rayson & Garside (2000) as corpus linguists use it (the
Lancaster log-likelihood calculator): expected counts from the two corpus sizes,
``G² = 2 Σ O ln(O/E)`` over the word's two observed counts. Log ratio is Hardie's
(2014) binary log of the ratio of relative frequencies, with a zero count replaced
by 0.5 so that a word absent from one group still has a finite size. scipy and
statsmodels are imported inside the functions (they are slow to load).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

CORRECTIONS = {"bh": "fdr_bh", "bonferroni": "bonferroni", "none": ""}
CORRECTION_NAMES = {"bh": "Benjamini-Hochberg", "bonferroni": "Bonferroni", "none": "none"}


def log_likelihood(a: int, b: int, total_a: int, total_b: int) -> float:
    """G² of a word seen ``a`` times in ``total_a`` words and ``b`` times in ``total_b``."""
    expected_a = total_a * (a + b) / (total_a + total_b)
    expected_b = total_b * (a + b) / (total_a + total_b)
    value = 0.0
    if a:
        value += a * math.log(a / expected_a)
    if b:
        value += b * math.log(b / expected_b)
    return 2.0 * value


def log_ratio(a: int, b: int, total_a: int, total_b: int) -> float:
    """log2 of (a / total_a) / (b / total_b); a zero count counts as 0.5."""
    return math.log2(((a or 0.5) / total_a) / ((b or 0.5) / total_b))


def p_values(g2: Sequence[float]) -> list[float]:
    """Upper tail of the chi-squared distribution with one degree of freedom."""
    from scipy.stats import chi2

    return [float(p) for p in chi2.sf(list(g2), 1)] if g2 else []


def corrected(p: Sequence[float], method: str, alpha: float = 0.05) -> list[float]:
    """p-values adjusted for the number of words tested (``CORRECTIONS``' keys)."""
    if method not in CORRECTIONS:
        raise ValueError(method)
    if not p or method == "none":
        return list(p)
    from statsmodels.stats.multitest import multipletests

    return [float(x) for x in multipletests(list(p), alpha=alpha, method=CORRECTIONS[method])[1]]
