"""Held-out quality of suggestions: k-fold cross-validation over a project's codings.

Folds are drawn by document (every passage of a document is held out together), so
a passage is never scored against a near copy of itself from the same interview.
An item is one coded span with the set of codes it carries; a suggestion's top-1 is
right when it is one of them, top-3 when any of the first three is. Per code:
precision = of the items whose top-1 is the code, the share that carry it; recall =
of the items that carry the code, the share whose top-1 is it (with several codes on
one span, recall cannot reach 1 for all of them).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from qualcode.analysis.suggest import CodeSpace, Examples, Settings, score
from qualcode.errors import AnalysisError

SOURCES = ("combined", "learned", "zero-shot")
RICH = 20  # codings per code from which the learned source is expected to lead


@dataclass(frozen=True)
class CodeFigures:
    code_index: int
    support: int
    predicted: int
    precision: float | None
    recall: float | None


@dataclass(frozen=True)
class SourceFigures:
    """Accuracy of one source over all held-out items."""

    source: str
    items: int
    top1: float
    top3: float
    rich_items: int
    rich_top1: float | None  # on items whose codes all have RICH+ codings
    per_code: tuple[CodeFigures, ...] = field(default_factory=tuple)


def group_folds(groups: Sequence[int], folds: int) -> list[np.ndarray]:
    """Item indices of each held-out fold: whole groups, balanced by size, deterministic."""
    groups = np.asarray(groups)
    names, sizes = np.unique(groups, return_counts=True)
    if names.size < 2:
        raise AnalysisError("Evaluation needs codings in at least two documents; this project has "
                            f"{names.size}.", "Code passages in more documents first.")
    k = max(2, min(folds, names.size))
    load = np.zeros(k)
    fold_of: dict[int, int] = {}
    for i in np.argsort(-sizes, kind="stable"):
        target = int(load.argmin())
        fold_of[int(names[i])] = target
        load[target] += sizes[i]
    assignment = np.array([fold_of[int(g)] for g in groups])
    return [np.flatnonzero(assignment == f) for f in range(k)]


def cross_validate(vectors: np.ndarray, labels: Sequence[frozenset[int]], groups: Sequence[int],
                   space: CodeSpace, *, folds: int = 5, settings: Settings = Settings(),
                   cancel: Callable[[], bool] | None = None) -> list[SourceFigures]:
    """Top-1/top-3 and per-code figures for each source, over held-out folds."""
    if len(labels) == 0:
        raise AnalysisError("There are no codings to evaluate suggestions on.",
                            "Code some passages first, or load the demo with 'qualcode demo'.")
    width = min(3, space.size)
    ranks = {s: np.zeros((len(labels), width), dtype=np.int64) for s in SOURCES}
    for held in group_folds(groups, folds):
        if cancel is not None and cancel():
            raise AnalysisError("Evaluation cancelled.")
        train = np.setdiff1d(np.arange(len(labels)), held)
        rows = [i for i in train for _ in labels[i]]
        codes = [c for i in train for c in sorted(labels[i])]
        examples = Examples(vectors[rows] if rows else vectors[:0], np.asarray(codes, dtype=np.int64))
        result = score(vectors[held], space, examples, None, settings)
        for source, matrix in (("combined", result.combined), ("learned", result.learned),
                               ("zero-shot", result.zero_shot)):
            ranks[source][held] = np.argsort(-matrix, axis=1, kind="stable")[:, :width]
    totals = np.zeros(space.size, dtype=np.int64)
    for item in labels:
        for c in item:
            totals[c] += 1
    rich = np.array([all(totals[c] >= RICH for c in item) for item in labels])
    return [_figures(s, ranks[s], labels, rich, space.size) for s in SOURCES]


def _figures(source: str, ranks: np.ndarray, labels: Sequence[frozenset[int]],
             rich: np.ndarray, size: int) -> SourceFigures:
    hit1 = np.array([ranks[i, 0] in labels[i] for i in range(len(labels))])
    hit3 = np.array([any(c in labels[i] for c in ranks[i]) for i in range(len(labels))])
    per_code = []
    for c in range(size):
        carries = np.array([c in item for item in labels])
        predicted = ranks[:, 0] == c
        support, n_pred = int(carries.sum()), int(predicted.sum())
        if support == 0 and n_pred == 0:
            continue
        both = int((carries & predicted).sum())
        per_code.append(CodeFigures(c, support, n_pred, both / n_pred if n_pred else None,
                                    both / support if support else None))
    return SourceFigures(source, len(labels), float(hit1.mean()), float(hit3.mean()),
                         int(rich.sum()), float(hit1[rich].mean()) if rich.any() else None,
                         tuple(per_code))
