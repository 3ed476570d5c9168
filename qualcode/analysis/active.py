"""Which passage to code next so that the coder's time teaches the model most.

Uncertainty sampling, restricted to familiar ground: among the uncoded passages most
similar to something already coded (the ``pool`` closest, so the pick is a passage the
project is about rather than an outlier such as small talk), the one whose first two
suggestions are closest in score, i.e. where the model is least sure which code it is.
Scores are standardised across codes per passage, so the margin means the same for
every model.
"""

from __future__ import annotations

import numpy as np

from qualcode.analysis.suggest import similarities

POOL = 50


def margins(scores: np.ndarray) -> np.ndarray:
    """Gap between the first and second code's standardised score, per passage (small: unsure)."""
    if scores.shape[1] < 2:
        return np.full(scores.shape[0], np.inf)
    spread = scores.std(axis=1, keepdims=True)
    spread[spread < 1e-12] = 1.0
    top = -np.sort(-scores / spread, axis=1)[:, :2]
    return top[:, 0] - top[:, 1]


def least_sure(candidates: np.ndarray, coded: np.ndarray, scores: np.ndarray, *, pool: int = POOL,
               count: int = 1) -> np.ndarray:
    """Indices into ``candidates`` of the ``count`` passages to code next, most useful first.

    ``coded`` are the vectors of passages already coded (none: the pool is every
    candidate), ``scores`` the model's scores for the candidates (n, codes).
    """
    n = candidates.shape[0]
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    if coded.shape[0]:
        closeness = similarities(candidates, coded).max(axis=1)
        familiar = np.argsort(-closeness, kind="stable")[:max(pool, count)]
    else:
        familiar = np.arange(n)
    order = np.argsort(margins(scores[familiar]), kind="stable")
    return familiar[order[:count]]
