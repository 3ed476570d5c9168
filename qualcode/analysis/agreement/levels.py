"""Krippendorff's alpha at every level of measurement, from the coincidence matrix.

Nominal alpha over presence/absence stays in :mod:`segment_stats` (it is bootstrapped
there from per-unit sums). Ordinal, interval and ratio alpha, needed for values such
as coding weights (an intensity 0-100, as MAXQDA's weight score), follow Krippendorff
(2011), "Computing Krippendorff's Alpha-Reliability": the coincidence matrix
o_ck = sum_u (n_uc n_uk - [c = k] n_uc) / (m_u - 1) over pairable units, its marginals
n_c, and

    alpha = 1 - (n - 1) sum_ck o_ck delta2_ck / sum_ck n_c n_k delta2_ck

with delta2 nominal [c != k], ordinal (sum_{g from c to k} n_g - (n_c + n_k) / 2)^2,
interval (c - k)^2, ratio ((c - k) / (c + k))^2. The ``krippendorff`` package computes
the same (the tests hold the two to 1e-6 and to the published values), but it builds
a units x values x values array: 4 GB for 50,000 segments with weights 0-100; here the
coincidence matrix is one values x values product.

``values`` is a units x coders float array with NaN where a coder gave no value.
"""

from __future__ import annotations

import numpy as np

LEVELS = ("nominal", "ordinal", "interval", "ratio")


def coincidences(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The value domain (sorted) and the coincidence matrix over pairable units."""
    values = np.asarray(values, dtype=np.float64)
    present = ~np.isnan(values)
    m_u = present.sum(axis=1)
    keep = m_u >= 2
    values, present, m_u = values[keep], present[keep], m_u[keep]
    domain = np.unique(values[present])
    index = np.where(present, np.searchsorted(domain, np.nan_to_num(values)), 0)
    weight = 1.0 / (m_u - 1)
    v = len(domain)
    flat = np.zeros(v * v)
    for i in range(values.shape[1]):  # ordered pairs of coders: few, so no units x V x V array
        for j in range(values.shape[1]):
            if i == j:
                continue
            both = present[:, i] & present[:, j]
            flat += np.bincount(index[both, i] * v + index[both, j], weights=weight[both], minlength=v * v)
    return domain, flat.reshape(v, v)


def _delta(domain: np.ndarray, totals: np.ndarray, level: str) -> np.ndarray:
    c, k = domain[:, None], domain[None, :]
    if level == "nominal":
        return (c != k).astype(np.float64)
    if level == "interval":
        return (c - k) ** 2
    if level == "ratio":
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.nan_to_num(((c - k) / (c + k)) ** 2)
    cumulative = np.concatenate([[0.0], np.cumsum(totals)])
    i, j = np.meshgrid(np.arange(len(domain)), np.arange(len(domain)), indexing="ij")
    low, high = np.minimum(i, j), np.maximum(i, j)
    between = cumulative[high + 1] - cumulative[low]
    return (between - (totals[i] + totals[j]) / 2) ** 2


def alpha(values: np.ndarray, level: str) -> float:
    """Alpha at ``level``; NaN when fewer than two values are pairable or nothing varies."""
    if level not in LEVELS:
        raise ValueError(f"level must be one of {LEVELS}")
    values = np.asarray(values, dtype=np.float64)
    if values.ndim != 2 or values.shape[1] < 2:
        return float("nan")
    domain, matrix = coincidences(values)
    if len(domain) < 2:
        return float("nan")
    totals = matrix.sum(axis=0)
    n = totals.sum()
    delta = _delta(domain, totals, level)
    observed = (matrix * delta).sum()
    expected = (totals[:, None] * totals[None, :] * delta).sum()
    if expected <= 0:
        return float("nan")
    return float(1 - (n - 1) * observed / expected)


def pairable_units(values: np.ndarray) -> int:
    """Units with values from two or more coders (those alpha counts)."""
    return int(((~np.isnan(np.asarray(values, dtype=np.float64))).sum(axis=1) >= 2).sum())
