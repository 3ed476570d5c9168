"""Mathet's gamma for three or more coders in one alignment.

With n coders a unitary alignment is an n-tuple holding at most one unit of each coder
(an empty slot where a coder has none). Its cost is the mean over the n(n-1)/2 pairs of
slots of the combined dissimilarity, a pair with an empty slot costing ``delta_empty``
(Mathet, Widlöcher & Métivier 2015, section 4). The best alignment covers every unit
exactly once at least summed cost: a set-partitioning problem, solved here exactly with
SciPy's mixed-integer solver (HiGHS) over the candidate tuples of each document. A tuple
of k units is a candidate only when it costs no more than leaving its units alone (k
singletons, each costing ``delta_empty``); any other tuple can be replaced by singletons
without raising the cost, so the optimum is unchanged. The disorder is the summed cost
divided by the mean number of units per coder; gamma = 1 - observed / expected disorder,
the expected one from the same statistical sampler as the two-coder gamma.

For two coders this is the assignment problem of :mod:`gamma` (the tests hold the two to
each other, and this module to ``pygamma-agreement`` for three coders). Enumerating
tuples grows as the product of the coders' unit counts per document; beyond
``MAX_TUPLES`` the joint alignment is not attempted and the result says so.
"""

from __future__ import annotations

import threading
from itertools import combinations

import numpy as np

from qualcode.analysis.agreement.gamma import (
    DELTA_EMPTY,
    GammaResult,
    GammaUnits,
    _Statistics,
    dissimilarities,
    gamma_from,
)

MAX_TUPLES = 4_000_000  # per document: a float64 array of this size is 32 MB


class TooManyTuples(ValueError):
    """A document has too many units per coder for the joint alignment."""


def _document_cost(coders: list[GammaUnits], alpha: float, beta: float, delta_empty: float) -> float:
    from scipy.optimize import LinearConstraint, milp
    from scipy.sparse import csc_matrix

    n = len(coders)
    sizes = [len(c) for c in coders]
    if sum(sizes) == 0:
        return 0.0
    shape = tuple(s + 1 for s in sizes)  # index s is the empty slot
    if int(np.prod(shape, dtype=np.float64)) > MAX_TUPLES:
        raise TooManyTuples(f"{' x '.join(map(str, sizes))} units per coder in one document")
    total = np.zeros(shape)
    for i, j in combinations(range(n), 2):
        pair = np.full((sizes[i] + 1, sizes[j] + 1), delta_empty)
        if sizes[i] and sizes[j]:
            pair[:-1, :-1] = dissimilarities(coders[i], coders[j], alpha=alpha, beta=beta,
                                             delta_empty=delta_empty)
        view = [1] * n
        view[i], view[j] = sizes[i] + 1, sizes[j] + 1
        total = total + pair.reshape(view)
    cost = total / (n * (n - 1) / 2)
    index = np.indices(shape).reshape(n, -1)  # slot of each coder in each tuple
    cost = cost.reshape(-1)
    real = index < np.array(sizes)[:, None]
    k = real.sum(axis=0)
    keep = (k > 0) & (cost <= k * delta_empty + 1e-12)
    index, real, cost = index[:, keep], real[:, keep], cost[keep]
    offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    rows = (index + offsets[:, None])[real]
    cols = np.broadcast_to(np.arange(cost.size), real.shape)[real]
    matrix = csc_matrix((np.ones(rows.size), (rows, cols)), shape=(sum(sizes), cost.size))
    result = milp(cost, constraints=LinearConstraint(matrix, 1, 1), integrality=np.ones(cost.size),
                  bounds=(0, 1))
    if not result.success:  # pragma: no cover - the singletons always make a feasible cover
        raise RuntimeError(f"the alignment solver failed: {result.message}")
    return float(result.fun)


def best_disorder_joint(coders: list[GammaUnits], *, alpha: float = 1.0, beta: float = 1.0,
                        delta_empty: float = DELTA_EMPTY) -> float:
    """Disorder of the best joint alignment of n coders' units (NaN when nobody coded)."""
    units = sum(len(c) for c in coders)
    if units == 0:
        return float("nan")
    cost = 0.0
    for doc in np.unique(np.concatenate([c.document for c in coders])):
        cost += _document_cost([c.where(c.document == doc) for c in coders], alpha, beta, delta_empty)
    return cost / (units / len(coders))


def gamma_joint(coders: list[GammaUnits], *, samples: int = 30, seed: int = 2024, alpha: float = 1.0,
                beta: float = 1.0, cancel: threading.Event | None = None) -> GammaResult:
    """Gamma of all coders in one alignment, with its 95 % interval over ``samples`` continua.

    Raises :class:`TooManyTuples` when a document has too many units for the enumeration.
    """
    units = sum(len(c) for c in coders)
    nan = float("nan")
    if units == 0 or any(len(c) == 0 for c in coders):
        return GammaResult(nan, best_disorder_joint(coders, alpha=alpha, beta=beta), nan, None, 0, units)
    observed = best_disorder_joint(coders, alpha=alpha, beta=beta)
    stats = _Statistics.of(coders)
    rng = np.random.default_rng(seed)
    drawn = []
    for _ in range(max(samples, 2)):
        if cancel is not None and cancel.is_set():
            raise InterruptedError("gamma cancelled")
        try:
            value = best_disorder_joint(stats.draw(rng, len(coders)), alpha=alpha, beta=beta)
        except TooManyTuples:
            continue  # a random continuum drawn larger than the data: leave it out
        if np.isfinite(value):
            drawn.append(value)
    return gamma_from(observed, drawn, units)
