"""Scoring codes for passages from vectors: zero-shot, learned, and the two combined.

Everything here is numpy over unit-length rows; nothing knows about the database.

- Zero-shot: a code is as close to a passage as the closest of its description texts
  (label, definition, inclusion criteria, examples).
- Learned: nearest exemplars among the researcher's own codings: the mean cosine of
  the ``k`` closest passages coded with the code. Adding a coding adds a row, so the
  model is refitted incrementally at no cost.
- Both are turned into a distribution over codes (softmax over scores standardised
  across codes, so different embedders' cosine ranges compare) and mixed with weight
  ``w`` on the learned side, ``w`` the mean over codes of ``n / (n + prior)``, ``n``
  being a code's number of codings: the learned source takes over as examples
  accumulate. (A weight per code measured the same on the demo corpus but lets a code
  without examples outrank coded ones on zero-shot noise, so the mean is used.)
- A rejected (passage, code) pair damps that code for passages very like the
  rejected one, and removes it for the same passage.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from qualcode.core.codebook import Code

NEIGHBOURS = 5
PRIOR = 5.0
SHARPNESS = 2.0
REJECT_FROM = 0.75


@dataclass(frozen=True)
class CodeSpace:
    """Codes and their description vectors: ``owner[i]`` is the code index of row ``i``."""

    code_ids: np.ndarray  # (C,) int
    descriptions: np.ndarray  # (m, d) float32
    owner: np.ndarray  # (m,) int in [0, C)

    @property
    def size(self) -> int:
        return int(self.code_ids.shape[0])


@dataclass(frozen=True)
class Examples:
    """Labelled rows: the coded passages (or the rejected ones) and their code indices."""

    vectors: np.ndarray  # (n, d) float32
    labels: np.ndarray  # (n,) int in [0, C)

    @classmethod
    def empty(cls, dimension: int) -> Examples:
        return cls(np.zeros((0, dimension), dtype=np.float32), np.zeros(0, dtype=np.int64))

    def counts(self, size: int) -> np.ndarray:
        return np.bincount(self.labels, minlength=size)[:size]


@dataclass(frozen=True)
class Settings:
    neighbours: int = NEIGHBOURS
    prior: float = PRIOR
    sharpness: float = SHARPNESS
    reject_from: float = REJECT_FROM
    per_code_weight: bool = False


@dataclass(frozen=True)
class Scores:
    """Per passage (rows) and code (columns): the three scores and where they came from."""

    combined: np.ndarray
    zero_shot: np.ndarray
    learned: np.ndarray
    zero_shot_raw: np.ndarray
    learned_raw: np.ndarray
    best_description: np.ndarray  # row of CodeSpace.descriptions closest, per code
    best_example: np.ndarray  # row of Examples.vectors closest, per code (-1: none)
    weights: np.ndarray = field(default_factory=lambda: np.zeros(0))  # learned weight per code


def description_texts(code: Code) -> list[tuple[str, str]]:
    """(kind, text) pairs a code is described by; a code with no definition keeps its labels."""
    pairs = [("label", code.label_en)]
    if code.label_sv and code.label_sv != code.label_en:
        pairs.append(("label", code.label_sv))
    for kind, text in (("definition", code.definition), ("inclusion", code.inclusion)):
        if text and text.strip():
            pairs.append((kind, text.strip()))
    pairs.extend(("example", e.strip()) for e in code.examples if e and e.strip())
    return pairs


def distribution(raw: np.ndarray, valid: np.ndarray | None = None,
                 sharpness: float = SHARPNESS) -> np.ndarray:
    """Softmax over codes of scores standardised per row; invalid codes get 0."""
    raw = np.asarray(raw, dtype=np.float64)
    mask = np.ones(raw.shape[1], dtype=bool) if valid is None else valid
    out = np.zeros_like(raw)
    if not mask.any():
        return out
    part = raw[:, mask]
    spread = part.std(axis=1, keepdims=True)
    spread[spread < 1e-9] = 1.0
    z = sharpness * (part - part.max(axis=1, keepdims=True)) / spread
    e = np.exp(z)
    out[:, mask] = e / e.sum(axis=1, keepdims=True)
    return out


def _grouped(sims: np.ndarray, labels: np.ndarray, size: int, k: int) -> tuple[np.ndarray, np.ndarray]:
    """For one row of similarities: per label, the mean of its ``k`` largest, and its argmax.

    Vectorised (one sort) so a single passage is scored in well under a millisecond.
    """
    raw = np.full(size, -1.0)
    best = np.full(size, -1, dtype=np.int64)
    if labels.size == 0:
        return raw, best
    order = np.lexsort((-sims, labels))
    grouped = labels[order]
    starts = np.searchsorted(grouped, np.arange(size), side="left")
    ends = np.searchsorted(grouped, np.arange(size), side="right")
    present = ends > starts
    take = starts[:, None] + np.arange(k)[None, :]
    valid = take < ends[:, None]
    values = np.where(valid, sims[order[np.minimum(take, len(order) - 1)]], 0.0)
    counts = valid.sum(axis=1)
    raw[present] = values[present].sum(axis=1) / counts[present]
    best[present] = order[starts[present]]
    return raw, best


SMALL_BATCH = 16


def similarities(queries: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Cosines of each query with each row (both unit length).

    A few queries go through einsum's single-threaded loop: a multi-threaded BLAS call
    on a busy machine costs milliseconds for what is microseconds of arithmetic.
    """
    if queries.shape[0] <= SMALL_BATCH:
        return np.einsum("ij,kj->ik", queries, rows)
    return queries @ rows.T


def zero_shot(queries: np.ndarray, space: CodeSpace) -> tuple[np.ndarray, np.ndarray]:
    """Best cosine to each code's descriptions, and which description it was."""
    sims = similarities(queries, space.descriptions)
    if queries.shape[0] <= SMALL_BATCH:
        pairs = [_grouped(row, space.owner, space.size, 1) for row in sims]
        return np.vstack([p[0] for p in pairs]), np.vstack([p[1] for p in pairs])
    raw = np.full((queries.shape[0], space.size), -1.0, dtype=np.float64)
    best = np.full((queries.shape[0], space.size), -1, dtype=np.int64)
    for c in range(space.size):
        rows = np.flatnonzero(space.owner == c)
        if rows.size:
            block = sims[:, rows]
            pick = block.argmax(axis=1)
            raw[:, c] = block[np.arange(block.shape[0]), pick]
            best[:, c] = rows[pick]
    return raw, best


def nearest_exemplars(queries: np.ndarray, examples: Examples, size: int,
                      neighbours: int = NEIGHBOURS) -> tuple[np.ndarray, np.ndarray]:
    """Mean cosine of the ``neighbours`` closest exemplars per code, and the closest one."""
    n = queries.shape[0]
    raw = np.full((n, size), -1.0, dtype=np.float64)
    best = np.full((n, size), -1, dtype=np.int64)
    if examples.vectors.shape[0] == 0:
        return raw, best
    sims = similarities(queries, examples.vectors)
    if n <= SMALL_BATCH:
        pairs = [_grouped(row, examples.labels, size, neighbours) for row in sims]
        return np.vstack([p[0] for p in pairs]), np.vstack([p[1] for p in pairs])
    order = np.argsort(examples.labels, kind="stable")
    labels = examples.labels[order]
    starts = np.searchsorted(labels, np.arange(size), side="left")
    ends = np.searchsorted(labels, np.arange(size), side="right")
    for c in range(size):
        if ends[c] == starts[c]:
            continue
        rows = order[starts[c]:ends[c]]
        block = sims[:, rows]
        k = min(neighbours, rows.size)
        top = np.partition(block, block.shape[1] - k, axis=1)[:, -k:] if k < rows.size else block
        raw[:, c] = top.mean(axis=1)
        best[:, c] = rows[block.argmax(axis=1)]
    return raw, best


def rejection_factor(queries: np.ndarray, rejected: Examples, size: int,
                     start: float = REJECT_FROM) -> np.ndarray:
    """1 where nothing like the passage was rejected, falling to 0 for the same passage."""
    factor = np.ones((queries.shape[0], size))
    if rejected.vectors.shape[0] == 0:
        return factor
    sims = similarities(queries, rejected.vectors)
    for c in np.unique(rejected.labels):
        closest = sims[:, rejected.labels == c].max(axis=1)
        factor[:, c] = 1.0 - np.clip((closest - start) / max(1e-9, 1.0 - start), 0.0, 1.0)
    return factor


def score(queries: np.ndarray, space: CodeSpace, examples: Examples,
          rejected: Examples | None = None, settings: Settings = Settings()) -> Scores:
    """Score every code for every query row."""
    queries = np.atleast_2d(np.asarray(queries, dtype=np.float32))
    zs_raw, best_desc = zero_shot(queries, space)
    ex_raw, best_ex = nearest_exemplars(queries, examples, space.size, settings.neighbours)
    counts = examples.counts(space.size).astype(np.float64)
    has_desc = np.bincount(space.owner, minlength=space.size)[:space.size] > 0
    zs = distribution(zs_raw, has_desc, settings.sharpness)
    learned = distribution(ex_raw, counts > 0, settings.sharpness)
    weight = counts / (counts + settings.prior)
    if not settings.per_code_weight:
        weight = np.full(space.size, weight.mean())
    weight[~has_desc & (counts > 0)] = 1.0
    combined = (1.0 - weight) * zs + weight * learned
    if rejected is not None:
        combined = combined * rejection_factor(queries, rejected, space.size, settings.reject_from)
    return Scores(combined, zs, learned, zs_raw, ex_raw, best_desc, best_ex, weight)


def top_k(row: np.ndarray, k: int) -> np.ndarray:
    """Indices of the ``k`` largest entries, best first (ties: lower index first)."""
    k = max(0, min(k, row.shape[0]))
    order = np.argsort(-row, kind="stable")
    return order[:k]
