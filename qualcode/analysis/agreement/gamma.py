"""Mathet's gamma for two coders: agreement on where the units are and what they are.

Mathet, Widlöcher & Métivier (2015), "The Unified and Holistic Method Gamma (γ) for
Inter-Annotator Agreement Measure and Alignment", Computational Linguistics 41(3):437-479.

Each coding is a unit (start, end, category). The dissimilarity of two units is

    d(u, v) = alpha * d_pos(u, v) + beta * d_cat(u, v),
    d_pos(u, v) = ((|start_u - start_v| + |end_u - end_v|) / (len_u + len_v))^2 * delta_empty,
    d_cat(u, v) = 0 for the same category, delta_empty otherwise,

and a unit left without a partner costs ``delta_empty`` (1). An alignment pairs units of
the two coders (or leaves them alone); its disorder is the summed cost divided by the
mean number of units per coder. The best alignment (least disorder) is an assignment
problem, solved exactly here with SciPy's ``linear_sum_assignment``. With two coders
a unitary alignment has one pair, so this is the paper's integer programme without an
LP solver. Units align only within one document (each document is its own continuum).

Gamma = 1 - observed disorder / expected disorder. The expected disorder is the mean
best-alignment disorder of random continua drawn from the data's own statistics (unit
counts, lengths, gaps between units, category shares), the statistical sampler of
the reference implementation, here with NumPy's ``default_rng(seed)``: a fixed seed
gives the same gamma. Its 95 % interval comes from the spread of the sampled disorders
(mean +- 1.96 standard errors).

The published implementation, ``pygamma-agreement``, installs but compiles its numba
kernels eagerly on import (about a minute on a small machine) and needs an LP solver;
the tests compare this module's best alignment with it.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np

DELTA_EMPTY = 1.0


@dataclass(frozen=True)
class GammaUnits:
    """One coder's units as parallel arrays: document index, [start, end), category."""

    document: np.ndarray
    start: np.ndarray
    end: np.ndarray
    category: np.ndarray

    @classmethod
    def of(cls, rows: list[tuple[int, int, int, int]]) -> GammaUnits:
        array = np.asarray(rows, dtype=np.int64).reshape(-1, 4)
        return cls(*(array[:, i].copy() for i in range(4)))

    def __len__(self) -> int:
        return len(self.start)

    def where(self, mask: np.ndarray) -> GammaUnits:
        return GammaUnits(self.document[mask], self.start[mask], self.end[mask], self.category[mask])


@dataclass(frozen=True)
class GammaResult:
    gamma: float
    observed: float  # disorder of the best alignment
    expected: float  # mean disorder of the random continua
    interval: tuple[float, float] | None
    samples: int
    units: int


def positional(s1: np.ndarray, e1: np.ndarray, s2: np.ndarray, e2: np.ndarray,
               delta_empty: float = DELTA_EMPTY) -> np.ndarray:
    """The positional dissimilarity of units (s1, e1) and (s2, e2), broadcasting."""
    s1, e1, s2, e2 = (np.asarray(x, dtype=np.float64) for x in (s1, e1, s2, e2))
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = (np.abs(s1 - s2) + np.abs(e1 - e2)) / ((e1 - s1) + (e2 - s2))
    return ratio * ratio * delta_empty


def dissimilarities(a: GammaUnits, b: GammaUnits, *, alpha: float = 1.0, beta: float = 1.0,
                    delta_empty: float = DELTA_EMPTY) -> np.ndarray:
    """len(a) x len(b) combined dissimilarities (same document assumed)."""
    pos = positional(a.start[:, None], a.end[:, None], b.start[None, :], b.end[None, :], delta_empty)
    cat = (a.category[:, None] != b.category[None, :]) * delta_empty
    return alpha * pos + beta * cat


def _document_cost(a: GammaUnits, b: GammaUnits, alpha: float, beta: float, delta_empty: float
                   ) -> tuple[float, list[tuple[int, int]]]:
    """Least summed cost of aligning two coders' units of one document, and the pairs."""
    from scipy.optimize import linear_sum_assignment

    na, nb = len(a), len(b)
    if na == 0 or nb == 0:
        return (na + nb) * delta_empty, []
    d = dissimilarities(a, b, alpha=alpha, beta=beta, delta_empty=delta_empty)
    # pairing costs more than leaving both alone beyond 2 delta_empty: never chosen
    big = 4 * delta_empty * (na + nb) + 1.0
    cost = np.full((na + nb, nb + na), big)
    cost[:na, :nb] = np.minimum(d, big)
    cost[:na, nb:][np.diag_indices(na)] = delta_empty
    cost[na:, :nb][np.diag_indices(nb)] = delta_empty
    cost[na:, nb:] = 0.0
    rows, cols = linear_sum_assignment(cost)
    pairs = [(int(r), int(c)) for r, c in zip(rows, cols, strict=True)
             if r < na and c < nb and d[r, c] < 2 * delta_empty]
    paired = sum(float(d[r, c]) for r, c in pairs)
    return paired + (na + nb - 2 * len(pairs)) * delta_empty, pairs


def best_disorder(a: GammaUnits, b: GammaUnits, *, alpha: float = 1.0, beta: float = 1.0,
                  delta_empty: float = DELTA_EMPTY) -> float:
    """Disorder of the best alignment of two coders' units (NaN when nobody coded)."""
    total_units = len(a) + len(b)
    if total_units == 0:
        return float("nan")
    cost = 0.0
    for doc in np.union1d(a.document, b.document):
        cost += _document_cost(a.where(a.document == doc), b.where(b.document == doc),
                               alpha, beta, delta_empty)[0]
    return cost / (total_units / 2)


@dataclass(frozen=True)
class _Statistics:
    """What the statistical sampler draws from: per document the unit counts of each coder;
    pooled: lengths, gaps between consecutive units of a coder, category shares."""

    counts: dict[int, tuple[float, float]]  # document -> (mean, sd) of units per coder
    length: tuple[float, float]
    gap: tuple[float, float]
    categories: np.ndarray
    weights: np.ndarray

    @classmethod
    def of(cls, coders: list[GammaUnits]) -> _Statistics:
        counts: dict[int, tuple[float, float]] = {}
        docs = np.unique(np.concatenate([c.document for c in coders]))
        for doc in docs:
            per = np.array([(c.document == doc).sum() for c in coders], dtype=np.float64)
            counts[int(doc)] = (float(per.mean()), float(per.std()))
        lengths = np.concatenate([c.end - c.start for c in coders]).astype(np.float64)
        gaps = []
        for c in coders:
            for doc in np.unique(c.document):
                mine = c.where(c.document == doc)
                order = np.argsort(mine.start, kind="stable")
                s, e = mine.start[order], mine.end[order]
                gaps.append((s[1:] - e[:-1]).astype(np.float64))
                gaps.append(s[:1].astype(np.float64))  # the gap before a document's first unit
        gap = np.concatenate(gaps) if gaps else np.zeros(1)
        categories, frequency = np.unique(np.concatenate([c.category for c in coders]),
                                          return_counts=True)
        return cls(counts, (float(lengths.mean()), float(lengths.std())),
                   (float(gap.mean()), float(gap.std())), categories,
                   frequency / frequency.sum())

    def draw(self, rng: np.random.Generator, n_coders: int) -> list[GammaUnits]:
        out = []
        for _ in range(n_coders):
            rows: list[tuple[int, int, int, int]] = []
            for doc, (mean, sd) in self.counts.items():
                n = abs(int(round(rng.normal(mean, sd))))
                position = 0.0
                for _unit in range(n):
                    position = max(0.0, position + rng.normal(*self.gap))
                    length = max(1.0, abs(rng.normal(*self.length)))
                    category = int(rng.choice(self.categories, p=self.weights))
                    start = int(round(position))
                    rows.append((doc, start, start + max(1, int(round(length))), category))
                    position = start + length
            out.append(GammaUnits.of(rows))
        return out


def gamma(a: GammaUnits, b: GammaUnits, *, samples: int = 30, seed: int = 2024,
          alpha: float = 1.0, beta: float = 1.0, cancel: threading.Event | None = None
          ) -> GammaResult:
    """Gamma of two coders with its 95 % interval over ``samples`` random continua."""
    units = len(a) + len(b)
    observed = best_disorder(a, b, alpha=alpha, beta=beta)
    nan = float("nan")
    if units == 0 or len(a) == 0 or len(b) == 0:
        return GammaResult(nan, observed, nan, None, 0, units)
    stats = _Statistics.of([a, b])
    rng = np.random.default_rng(seed)
    drawn = []
    for _ in range(max(samples, 2)):
        if cancel is not None and cancel.is_set():
            raise InterruptedError("gamma cancelled")
        x, y = stats.draw(rng, 2)
        value = best_disorder(x, y, alpha=alpha, beta=beta)
        if np.isfinite(value):
            drawn.append(value)
    return gamma_from(observed, drawn, units)


def gamma_from(observed: float, drawn: list[float], units: int) -> GammaResult:
    """Gamma from the observed disorder and the disorders of the random continua: the
    expected disorder is their mean, the interval that of the mean (1.96 standard errors)."""
    nan = float("nan")
    if len(drawn) < 2:
        return GammaResult(nan, observed, nan, None, len(drawn), units)
    disorders = np.asarray(drawn)
    expected = float(disorders.mean())
    half = 1.96 * float(disorders.std(ddof=1)) / np.sqrt(len(disorders))
    value = 1 - observed / expected if expected > 0 else nan
    interval = None
    if expected - half > 0:
        interval = (float(1 - observed / (expected - half)), float(1 - observed / (expected + half)))
    return GammaResult(value, observed, expected, interval, len(disorders), units)
