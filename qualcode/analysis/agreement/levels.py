"""Krippendorff's alpha at every level of measurement, through the ``krippendorff`` package.

Nominal alpha over presence/absence stays in :mod:`segment_stats` (it is bootstrapped
there from per-unit sums). Ordinal, interval and ratio alpha, needed for values such
as coding weights (an intensity 0-100, as MAXQDA's weight score), are computed by
``krippendorff.alpha`` (Castro, "Fast Krippendorff", a faithful implementation of
Krippendorff 2011), which the tests check against the published worked examples.

``values`` is a units x coders float array with NaN where a coder gave no value.
"""

from __future__ import annotations

import numpy as np

LEVELS = ("nominal", "ordinal", "interval", "ratio")


def alpha(values: np.ndarray, level: str) -> float:
    """Alpha at ``level``; NaN when fewer than two values are pairable or nothing varies."""
    if level not in LEVELS:
        raise ValueError(f"level must be one of {LEVELS}")
    values = np.asarray(values, dtype=np.float64)
    if values.ndim != 2 or values.shape[1] < 2:
        return float("nan")
    pairable = (~np.isnan(values)).sum(axis=1) >= 2
    values = values[pairable]
    present = values[~np.isnan(values)]
    if len(present) < 2 or np.unique(present).size < 2:
        return float("nan")
    import krippendorff

    with np.errstate(invalid="ignore", divide="ignore"):
        return float(krippendorff.alpha(reliability_data=values.T, level_of_measurement=level,
                                        value_domain=np.unique(present)))


def pairable_units(values: np.ndarray) -> int:
    """Units with values from two or more coders (those alpha counts)."""
    return int(((~np.isnan(np.asarray(values, dtype=np.float64))).sum(axis=1) >= 2).sum())
