"""Held-out quality of suggestions: cross-validation over a project's codings.

Folds are drawn by document (every passage of a document is held out together), so a
passage is never scored against a near copy of itself from the same interview. An
item is one coded span with the set of codes it carries (multi-label).

Figures, per method:

- top-1: the first suggestion is one of the item's codes; top-3: one of the first three is;
- per code precision and recall, and their macro-F1, of the *suggested set*: the first
  code plus any other whose calibrated probability reaches 0.5 (so a passage can be
  given several codes, as coders do);
- ECE of the calibrated probability of the first three suggestions (see
  :mod:`.calibration`); each fold's calibrator is fitted on the other folds' held-out
  scores, never on its own.

Choosing the method: :func:`choose` cross-validates every candidate on the codings it
is given and keeps the best top-1 (top-3, then the order of ``CANDIDATES`` break
ties). :func:`nested` measures that whole procedure honestly: for each outer fold the
choice and the calibrator are made on the other folds only (inner cross-validation),
then the chosen model predicts the held-out fold; the "chosen" row reports those
predictions.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from qualcode.analysis import calibration
from qualcode.analysis.learners import BASELINES, CANDIDATES, SLOW, predict
from qualcode.analysis.suggest import CodeSpace, Examples
from qualcode.errors import AnalysisError

INNER_FOLDS = 3  # inner folds of the nested choice: enough to rank five candidates
SHOWN = 3  # suggestions a coder sees: the ones calibrated and measured
ALSO_FROM = 0.5  # calibrated probability from which a second code joins the suggested set

Cancel = Callable[[], bool] | None


@dataclass(frozen=True)
class CodeFigures:
    code_index: int
    support: int
    predicted: int
    precision: float | None
    recall: float | None
    f1: float


@dataclass(frozen=True)
class MethodFigures:
    """Held-out figures of one method over every item."""

    method: str
    role: str  # "zero-shot" | "candidate" | "measured" (not eligible) | "baseline" | "chosen"
    items: int
    top1: float
    top3: float
    macro_f1: float
    ece: float
    reliability: calibration.Reliability
    per_code: tuple[CodeFigures, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class Choice:
    """Which candidate won on the codings given, with every candidate's top-1/top-3."""

    method: str
    figures: tuple[tuple[str, float, float], ...]  # (method, top1, top3)
    calibrator: calibration.Calibrator

    @property
    def reason(self) -> str:
        ranked = sorted(self.figures, key=lambda f: (-f[1], -f[2]))
        best = next(f for f in ranked if f[0] == self.method)
        runner = next((f for f in ranked if f[0] != self.method), None)
        text = f"{self.method}: best cross-validated top-1 ({best[1]:.3f}, top-3 {best[2]:.3f})"
        if runner is not None:
            text += f"; next {runner[0]} ({runner[1]:.3f}, {runner[2]:.3f})"
        return text


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


def examples_of(vectors: np.ndarray, labels: Sequence[frozenset[int]], idx: Sequence[int]) -> Examples:
    """Example rows for items ``idx``: one row per (item, code), as a model is fitted."""
    rows = [i for i in idx for _ in labels[i]]
    codes = [c for i in idx for c in sorted(labels[i])]
    return Examples(vectors[rows] if rows else vectors[:0], np.asarray(codes, dtype=np.int64))


def held_out_scores(method: str, vectors: np.ndarray, labels: Sequence[frozenset[int]],
                    groups: Sequence[int], space: CodeSpace, folds: int,
                    idx: np.ndarray | None = None, cancel: Cancel = None) -> np.ndarray:
    """Scores of ``method`` for items ``idx`` (default all), each from a model not fitted on it."""
    idx = np.arange(len(labels)) if idx is None else np.asarray(idx)
    out = np.zeros((idx.size, space.size))
    for held in group_folds([groups[i] for i in idx], folds):
        if cancel is not None and cancel():
            raise AnalysisError("Evaluation cancelled.")
        train = np.setdiff1d(np.arange(idx.size), held)
        out[held] = predict(method, space, examples_of(vectors, labels, idx[train]), vectors[idx[held]])
    return out


def ranks_of(scores: np.ndarray, width: int = SHOWN) -> np.ndarray:
    return np.argsort(-scores, axis=1, kind="stable")[:, :min(width, scores.shape[1])]


def shown_pairs(scores: np.ndarray, labels: Sequence[frozenset[int]]) -> tuple[np.ndarray, np.ndarray]:
    """(score, right) of the first SHOWN suggestions of every item, flattened."""
    ranks = ranks_of(scores)
    values = np.take_along_axis(scores, ranks, axis=1)
    right = np.array([[c in labels[i] for c in row] for i, row in enumerate(ranks)])
    return values.ravel(), right.ravel()


def _top(scores: np.ndarray, labels: Sequence[frozenset[int]]) -> tuple[float, float]:
    ranks = ranks_of(scores)
    top1 = np.mean([ranks[i, 0] in labels[i] for i in range(len(labels))])
    top3 = np.mean([any(c in labels[i] for c in ranks[i]) for i in range(len(labels))])
    return float(top1), float(top3)


def choose(vectors: np.ndarray, labels: Sequence[frozenset[int]], groups: Sequence[int],
           space: CodeSpace, *, folds: int = 5, idx: np.ndarray | None = None,
           candidates: Sequence[str] = CANDIDATES, cancel: Cancel = None) -> Choice:
    """The candidate with the best cross-validated top-1 on items ``idx``, and its calibrator."""
    idx = np.arange(len(labels)) if idx is None else np.asarray(idx)
    sub = [labels[i] for i in idx]
    results = []
    for method in candidates:
        scores = held_out_scores(method, vectors, labels, groups, space, folds, idx, cancel)
        results.append((method, *_top(scores, sub), scores))
    best = min(results, key=lambda r: (-r[1], -r[2], candidates.index(r[0])))
    return Choice(best[0], tuple((m, t1, t3) for m, t1, t3, _ in results),
                  calibration.fit(*shown_pairs(best[3], sub)))


def _cross_fitted(scores: np.ndarray, labels: Sequence[frozenset[int]], fold_list: list[np.ndarray]
                  ) -> np.ndarray:
    """Calibrated probabilities, each fold's from a calibrator fitted on the other folds."""
    out = np.zeros_like(scores)
    for held in fold_list:
        rest = np.setdiff1d(np.arange(len(labels)), held)
        cal = calibration.fit(*shown_pairs(scores[rest], [labels[i] for i in rest]))
        out[held] = cal(scores[held])
    return out


def figures(method: str, role: str, scores: np.ndarray, probabilities: np.ndarray,
            labels: Sequence[frozenset[int]], size: int) -> MethodFigures:
    """Top-1/top-3, multi-label per-code figures with macro-F1, and calibration."""
    top1, top3 = _top(scores, labels)
    ranks = ranks_of(scores)
    suggested = np.zeros((len(labels), size), dtype=bool)
    suggested[np.arange(len(labels)), ranks[:, 0]] = True
    for i, row in enumerate(ranks):
        for c in row[1:]:
            if probabilities[i, c] >= ALSO_FROM:
                suggested[i, c] = True
    truth = np.zeros_like(suggested)
    for i, item in enumerate(labels):
        truth[i, list(item)] = True
    per_code = []
    for c in range(size):
        support, n_pred = int(truth[:, c].sum()), int(suggested[:, c].sum())
        if support == 0 and n_pred == 0:
            continue
        both = int((truth[:, c] & suggested[:, c]).sum())
        f1 = 2 * both / (support + n_pred)
        per_code.append(CodeFigures(c, support, n_pred, both / n_pred if n_pred else None,
                                    both / support if support else None, f1))
    shown = np.take_along_axis(probabilities, ranks, axis=1).ravel()
    right = np.array([[c in labels[i] for c in row] for i, row in enumerate(ranks)]).ravel()
    rel = calibration.reliability(shown, right)
    return MethodFigures(method, role, len(labels), top1, top3,
                         float(np.mean([c.f1 for c in per_code])) if per_code else 0.0,
                         rel.ece, rel, tuple(per_code))


def nested(vectors: np.ndarray, labels: Sequence[frozenset[int]], groups: Sequence[int],
           space: CodeSpace, *, folds: int = 5, candidates: Sequence[str] = CANDIDATES,
           cancel: Cancel = None) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Held-out scores and probabilities of the choose-then-fit procedure, and each fold's choice."""
    scores = np.zeros((len(labels), space.size))
    probs = np.zeros_like(scores)
    chosen = []
    for held in group_folds(groups, folds):
        train = np.setdiff1d(np.arange(len(labels)), held)
        if len({groups[i] for i in train}) >= 2:
            choice = choose(vectors, labels, groups, space, folds=min(folds, INNER_FOLDS), idx=train,
                            candidates=candidates, cancel=cancel)
            method, cal = choice.method, choice.calibrator
        else:  # too few documents to choose on: the first candidate, uncalibrated
            method, cal = candidates[0], calibration.Calibrator("constant", (0.0,), (0.5,), 0)
        chosen.append(method)
        scores[held] = predict(method, space, examples_of(vectors, labels, train), vectors[held])
        probs[held] = cal(scores[held])
    return scores, probs, chosen


@dataclass(frozen=True)
class Report:
    """Every method side by side, the chosen procedure, and the choice made on all codings."""

    methods: tuple[MethodFigures, ...]
    choice: Choice
    fold_choices: tuple[str, ...]
    folds: int

    def method(self, name: str) -> MethodFigures:
        return next(m for m in self.methods if m.method == name)


def cross_validate(vectors: np.ndarray, labels: Sequence[frozenset[int]], groups: Sequence[int],
                   space: CodeSpace, *, folds: int = 5, candidates: Sequence[str] = CANDIDATES,
                   measured: Sequence[str] = SLOW, cancel: Cancel = None) -> Report:
    """Zero-shot, each candidate, both baselines and the chosen procedure, in one run."""
    if len(labels) == 0:
        raise AnalysisError("There are no codings to evaluate suggestions on.",
                            "Code some passages first, or load the demo with 'qualcode demo'.")
    fold_list = group_folds(groups, folds)
    rows = []
    for method, role in ([("zero-shot", "zero-shot")] + [(m, "candidate") for m in candidates]
                         + [(m, "measured") for m in measured] + [(m, "baseline") for m in BASELINES]):
        scores = held_out_scores(method, vectors, labels, groups, space, folds, cancel=cancel)
        rows.append(figures(method, role, scores, _cross_fitted(scores, labels, fold_list),
                            labels, space.size))
    scores, probs, fold_choices = nested(vectors, labels, groups, space, folds=folds,
                                         candidates=candidates, cancel=cancel)
    rows.append(figures("chosen", "chosen", scores, probs, labels, space.size))
    choice = choose(vectors, labels, groups, space, folds=folds, candidates=candidates, cancel=cancel)
    return Report(tuple(rows), choice, tuple(fold_choices), len(fold_list))


def coded_spans(passages: Iterable, index: dict[int, int]  # type: ignore[type-arg]
                ) -> tuple[dict[tuple[int, int, int], set[int]], dict[tuple[int, int, int], str]]:
    """Coded passages as items: each (document, start, end) span with the set of code
    positions (``index`` of its code ids) it carries, and its text; blank spans left out."""
    spans: dict[tuple[int, int, int], set[int]] = {}
    texts: dict[tuple[int, int, int], str] = {}
    for p in passages:
        if p.text.strip():
            key = (p.document_id, p.start, p.end)
            spans.setdefault(key, set()).add(index[p.code_id])
            texts[key] = p.text
    return spans, texts
