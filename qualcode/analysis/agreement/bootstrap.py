"""Percentile bootstrap intervals by resampling units.

Each resample draws units with replacement (Efron & Tibshirani 1993, An Introduction
to the Bootstrap, ch. 13, percentile interval). Because every statistic in
:mod:`segment_stats` is a function of per-unit features summed over units, a
resample is a vector of draw counts ``w`` and its sums are ``w @ features``: one
matrix product per batch of resamples, for every code at once.

Resampling whole units keeps the coders' values of one unit together (a cluster
bootstrap); Hayes & Krippendorff (2007) resample pairable values instead, which
gives similar but not identical intervals.
"""

from __future__ import annotations

import threading
import warnings
from collections.abc import Callable, Iterator

import numpy as np


def resample_sums(features: np.ndarray, n_resamples: int, seed: int, *, batch: int = 50,
                  cancel: threading.Event | None = None) -> np.ndarray:
    """Sums of ``features`` (units x F) for ``n_resamples`` resamples: (n_resamples x F)."""
    out = np.empty((n_resamples, features.shape[1]), dtype=np.float64)
    # single precision halves the work; the intervals need far fewer digits than that
    feats = features.astype(np.float32)
    for first, weights in resample_weights(features.shape[0], n_resamples, seed, batch=batch,
                                           cancel=cancel):
        out[first:first + len(weights)] = weights @ feats
    return out


def resample_weights(n_units: int, n_resamples: int, seed: int, *, batch: int = 50,
                     cancel: threading.Event | None = None) -> Iterator[tuple[int, np.ndarray]]:
    """Batches of resamples as draw counts per unit: (first resample, batch x units float32)."""
    rng = np.random.default_rng(seed)
    for first in range(0, n_resamples, batch):
        if cancel is not None and cancel.is_set():
            raise InterruptedError("bootstrap cancelled")
        size = min(batch, n_resamples - first)
        draws = rng.integers(0, n_units, size=(size, n_units))
        draws += (np.arange(size) * n_units)[:, None]
        weights = np.bincount(draws.ravel(), minlength=size * n_units).reshape(size, n_units)
        yield first, weights.astype(np.float32)


def percentile_interval(replicates: np.ndarray, level: float = 0.95) -> np.ndarray:
    """Lower and upper percentile per column (2 x columns); columns with too many undefined
    replicates (over 5 %) get NaN, which callers report as 'no interval'."""
    replicates = np.atleast_2d(replicates)
    tail = (1 - level) / 2 * 100
    bad = np.isnan(replicates).mean(axis=0) > 0.05
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        low, high = np.nanpercentile(np.where(np.isnan(replicates), np.nan, replicates),
                                     [tail, 100 - tail], axis=0) if replicates.size else (np.nan, np.nan)
    low = np.where(bad, np.nan, low)
    high = np.where(bad, np.nan, high)
    return np.vstack([low, high])


def bootstrap_intervals(features: np.ndarray, n_features: int,
                        from_sums: Callable[[np.ndarray], np.ndarray], *, n_resamples: int = 1000,
                        seed: int = 0, level: float = 0.95,
                        cancel: threading.Event | None = None) -> np.ndarray:
    """Intervals for several statistics at once.

    ``features`` is units x (codes * n_features), the per-code feature blocks side by
    side; ``from_sums`` maps (..., n_features) sums to the statistic. Returns 2 x codes.
    """
    if features.shape[0] == 0 or n_resamples <= 0:
        return np.full((2, features.shape[1] // n_features), np.nan)
    sums = resample_sums(features, n_resamples, seed, cancel=cancel)
    per_code = sums.reshape(n_resamples, -1, n_features)
    with np.errstate(invalid="ignore", divide="ignore"):
        replicates = from_sums(per_code)
    return percentile_interval(replicates, level)
