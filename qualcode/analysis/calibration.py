"""From a model's score to the probability that the code applies, and how honest it is.

A :class:`Calibrator` is fitted on (score, right) pairs from held-out predictions: the
first three codes suggested for each passage, because those are the ones a coder is
shown. With enough pairs it is isotonic regression (monotone, no shape assumed);
with few, Platt scaling (a logistic curve in the score), which cannot overfit a
handful of points the way a step function does.

Expected calibration error (ECE) is the gap between stated probability and observed
share right, averaged over ten equal-width bins weighted by how many predictions fall
in each: an ECE of 0.05 means the shown probability is off by five points on average.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

ISOTONIC_FROM = 100  # pairs from which isotonic regression replaces Platt scaling
BINS = 10


@dataclass(frozen=True)
class Calibrator:
    """A monotone map from score to probability: points of a piecewise-linear curve."""

    method: str  # "isotonic" | "platt" | "constant"
    xs: tuple[float, ...]
    ys: tuple[float, ...]
    pairs: int

    def __call__(self, scores: np.ndarray) -> np.ndarray:
        scores = np.asarray(scores, dtype=np.float64)
        if self.method == "platt":
            a, b = self.xs
            return 1.0 / (1.0 + np.exp(-(a * scores + b)))
        if len(self.xs) == 1:
            return np.full(scores.shape, self.ys[0])
        return np.interp(scores, self.xs, self.ys)


def fit(scores: np.ndarray, right: np.ndarray) -> Calibrator:
    """Fit on held-out scores and whether each was right (True/False)."""
    scores = np.asarray(scores, dtype=np.float64).ravel()
    right = np.asarray(right, dtype=np.float64).ravel()
    if scores.size == 0:
        return Calibrator("constant", (0.0,), (0.0,), 0)
    if right.min() == right.max() or np.ptp(scores) < 1e-12:
        return Calibrator("constant", (0.0,), (float(right.mean()),), int(scores.size))
    if scores.size >= ISOTONIC_FROM:
        from sklearn.isotonic import IsotonicRegression

        iso = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip").fit(scores, right)
        return Calibrator("isotonic", tuple(float(x) for x in iso.X_thresholds_),
                          tuple(float(y) for y in iso.y_thresholds_), int(scores.size))
    from sklearn.linear_model import LogisticRegression

    centre, spread = scores.mean(), scores.std() or 1.0
    model = LogisticRegression(C=100.0).fit(((scores - centre) / spread)[:, None], right.astype(int))
    a = float(model.coef_[0, 0]) / spread
    return Calibrator("platt", (a, float(model.intercept_[0]) - a * centre), (), int(scores.size))


@dataclass(frozen=True)
class Reliability:
    """Per bin: how many predictions, their mean probability and the share that were right."""

    ece: float
    counts: tuple[int, ...]
    confidence: tuple[float | None, ...]
    accuracy: tuple[float | None, ...]


def reliability(probabilities: np.ndarray, right: np.ndarray, bins: int = BINS) -> Reliability:
    p = np.asarray(probabilities, dtype=np.float64).ravel()
    r = np.asarray(right, dtype=np.float64).ravel()
    which = np.minimum((p * bins).astype(int), bins - 1)
    counts, conf, acc, gap = [], [], [], 0.0
    for b in range(bins):
        mask = which == b
        n = int(mask.sum())
        counts.append(n)
        if n:
            conf.append(float(p[mask].mean()))
            acc.append(float(r[mask].mean()))
            gap += n * abs(conf[-1] - acc[-1])
        else:
            conf.append(None)
            acc.append(None)
    return Reliability(gap / max(1, p.size), tuple(counts), tuple(conf), tuple(acc))
