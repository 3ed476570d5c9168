"""Models that score codes for passages from a handful of coded examples.

Each method takes the code space (description vectors), labelled example rows and the
query rows, and returns a score per (query, code): higher means more likely. The scores
of different methods are on different scales; :mod:`qualcode.analysis.calibration`
turns them into probabilities measured on the project's own codings.

Two are baselines that every other method must beat to be worth its cost:

- ``knn5``: a plain vote of the 5 nearest coded passages (ties go to the code whose
  voters are closer);
- ``centroid``: the cosine to the mean of each code's coded passages.

The candidates (``logreg`` and ``svm`` are measured but, taking seconds to refit on a
few thousand codings, are not eligible as a project's default):

- ``knn``: a vote of the 10 nearest passages weighted by ``exp(z)``, ``z`` the
  similarity standardised over all examples for that query, so that embedders with
  narrow cosine ranges (e5: .82-.92) weigh neighbours as sharply as wide ones;
- ``ridge``: a least-squares linear classifier with L2 penalty and balanced weights,
  fitted by one linear solve (the default-eligible linear model: milliseconds to refit);
- ``logreg``: L2-regularised multinomial logistic regression on the vectors with
  balanced class weights (a rare code is not drowned by a frequent one);
- ``svm``: a linear support vector machine, one code against the rest, balanced;
- ``prototype``: the cosine to each code's prototype, the normalised sum of its
  examples and its description vectors counted as ``PRIOR_WEIGHT`` examples, so a
  code with one example is not judged on that example alone;
- ``ensemble``: the sum of the prototype's and the ridge model's scores, each
  standardised across codes per passage: the one looks at where a code's examples
  lie on average, the other at what separates codes, and their errors differ;
- ``blend``: the earlier zero-shot/nearest-exemplar mixture (see :mod:`.suggest`).

scikit-learn is imported only by the two linear models, when they are fitted.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable

import numpy as np

from qualcode.analysis.suggest import CodeSpace, Examples, Settings, score, similarities, zero_shot

BASELINES = ("knn5", "centroid")
CANDIDATES = ("ensemble", "prototype", "ridge", "knn", "blend")  # eligible as a project's default
SLOW = ("logreg", "svm")  # measured side by side; a refit takes seconds on a few thousand codings
METHODS = ("zero-shot", *CANDIDATES, *SLOW, *BASELINES)
KNN_NEIGHBOURS = 10
KNN_SHARPNESS = 1.0
PRIOR_WEIGHT = 2.0
LOGREG_C = 4.0
RIDGE_ALPHA = 3.0
SVM_C = 0.5


def _normalise(rows: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    norms[norms < 1e-12] = 1.0
    return rows / norms


Model = Callable[[np.ndarray], np.ndarray]  # query rows -> scores (n, codes)


def _present(examples: Examples, size: int) -> np.ndarray:
    return examples.counts(size) > 0


def _zero_shot(space: CodeSpace, examples: Examples) -> Model:
    return lambda queries: zero_shot(queries, space)[0]


def _knn(space: CodeSpace, examples: Examples, k: int, weighted: bool) -> Model:
    """Share of the ``k`` nearest examples' votes per code (weighted or plain)."""
    def scores(queries: np.ndarray) -> np.ndarray:
        out = np.zeros((queries.shape[0], space.size))
        n = examples.vectors.shape[0]
        if n == 0:
            return out
        sims = similarities(queries, examples.vectors)
        kk = min(k, n)
        near = np.argsort(-sims, axis=1, kind="stable")[:, :kk]
        picked = np.take_along_axis(sims, near, axis=1)
        if weighted:
            spread = sims.std(axis=1, keepdims=True)
            spread[spread < 1e-9] = 1.0
            weights = np.exp(KNN_SHARPNESS * (picked - picked[:, :1]) / spread)
        else:
            weights = np.ones_like(picked) + 1e-3 * picked  # ties: closer voters win
        rows = np.repeat(np.arange(queries.shape[0]), kk)
        np.add.at(out, (rows, examples.labels[near].ravel()), weights.ravel())
        return out / weights.sum(axis=1, keepdims=True)
    return scores


def _sums(labels: np.ndarray, rows: np.ndarray, size: int) -> np.ndarray:
    """Per label, the sum of its rows (a one-hot product: much faster than np.add.at)."""
    onehot = np.zeros((size, labels.shape[0]), dtype=np.float32)
    onehot[labels, np.arange(labels.shape[0])] = 1.0
    return (onehot @ rows).astype(np.float64)


def _directions(space: CodeSpace, examples: Examples, prior: float) -> np.ndarray:
    sums = _sums(examples.labels, examples.vectors, space.size)
    if prior:
        described = _sums(space.owner, space.descriptions, space.size)
        sums = sums + _normalise(described) * prior
    return _normalise(sums).astype(np.float32)


def _centroid(space: CodeSpace, examples: Examples) -> Model:
    """Cosine to the mean direction of each code's examples (-1 for codes without any)."""
    directions, absent = _directions(space, examples, 0.0), ~_present(examples, space.size)

    def scores(queries: np.ndarray) -> np.ndarray:
        out = similarities(queries, directions).astype(np.float64)
        out[:, absent] = -1.0
        return out
    return scores


def _prototype(space: CodeSpace, examples: Examples) -> Model:
    """Cosine to examples plus the code's descriptions, the latter as PRIOR_WEIGHT examples."""
    directions = _directions(space, examples, PRIOR_WEIGHT)
    return lambda queries: similarities(queries, directions).astype(np.float64)


def _linear(space: CodeSpace, examples: Examples, kind: str) -> Model:
    present = np.flatnonzero(_present(examples, space.size))
    if present.size < 2:
        fixed = np.zeros(space.size)
        fixed[present] = 1.0
        return lambda queries: np.tile(fixed, (queries.shape[0], 1))
    from sklearn.exceptions import ConvergenceWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        if kind == "logreg":
            from sklearn.linear_model import LogisticRegression

            model = LogisticRegression(C=LOGREG_C, class_weight="balanced", max_iter=100, tol=1e-3)
            model.fit(examples.vectors, examples.labels)

            def probabilities(queries: np.ndarray) -> np.ndarray:
                out = np.zeros((queries.shape[0], space.size))
                out[:, model.classes_] = model.predict_proba(queries)
                return out
            return probabilities
        from sklearn.svm import LinearSVC

        svm = LinearSVC(C=SVM_C, class_weight="balanced", max_iter=2000)
        svm.fit(examples.vectors, examples.labels)

    def decisions(queries: np.ndarray) -> np.ndarray:
        decision = svm.decision_function(queries)
        if decision.ndim == 1:  # two classes: one column, positive means the second
            decision = np.column_stack([-decision, decision])
        out = np.full((queries.shape[0], space.size), decision.min() - 1.0)
        out[:, svm.classes_] = decision
        return out
    return decisions


def _ridge(space: CodeSpace, examples: Examples) -> Model:
    """Least-squares linear classifier, L2-regularised, each example weighted inversely to
    its code's frequency: one (d x d) solve, so a refit takes milliseconds."""
    present = _present(examples, space.size)
    x = examples.vectors.astype(np.float32)
    if x.shape[0] == 0:
        return lambda queries: np.zeros((queries.shape[0], space.size))
    counts = examples.counts(space.size).astype(np.float64)
    weight = (x.shape[0] / (present.sum() * counts[examples.labels]))[:, None].astype(np.float32)
    target = -np.ones((x.shape[0], space.size), dtype=np.float32)
    target[np.arange(x.shape[0]), examples.labels] = 1.0
    weighted = x * weight
    gram = (weighted.T @ x).astype(np.float64) + RIDGE_ALPHA * np.eye(x.shape[1])
    coef = np.linalg.solve(gram, (weighted.T @ target).astype(np.float64))
    bias = np.zeros(space.size)
    bias[~present] = -np.inf

    def scores(queries: np.ndarray) -> np.ndarray:
        out = queries.astype(np.float64) @ coef + bias
        return np.where(np.isinf(out), -2.0, out)
    return scores


def _standardised(scores: np.ndarray) -> np.ndarray:
    spread = scores.std(axis=1, keepdims=True)
    spread[spread < 1e-9] = 1.0
    return (scores - scores.mean(axis=1, keepdims=True)) / spread


def _ensemble(space: CodeSpace, examples: Examples) -> Model:
    parts = (_prototype(space, examples), _ridge(space, examples))
    return lambda queries: sum(_standardised(part(queries)) for part in parts)


def _blend(space: CodeSpace, examples: Examples) -> Model:
    return lambda queries: score(queries, space, examples, None, Settings()).combined


FITTERS: dict[str, Callable[[CodeSpace, Examples], Model]] = {
    "zero-shot": _zero_shot,
    "knn5": lambda s, e: _knn(s, e, 5, False),
    "knn": lambda s, e: _knn(s, e, KNN_NEIGHBOURS, True),
    "centroid": _centroid,
    "prototype": _prototype,
    "logreg": lambda s, e: _linear(s, e, "logreg"),
    "svm": lambda s, e: _linear(s, e, "svm"),
    "ridge": _ridge,
    "ensemble": _ensemble,
    "blend": _blend,
}


def fit(method: str, space: CodeSpace, examples: Examples) -> Model:
    """``method`` fitted on ``examples``: a function from query rows to scores (n, codes).

    Fitted on one BLAS thread: these are small matrices, and on a busy machine a
    multi-threaded BLAS call spends more time waiting for cores than computing
    (measured: the ensemble's fit on 1,720 examples, 2,016 ms threaded, 299 ms on one).
    """
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):
        model = FITTERS[method](space, examples)

    def scores(queries: np.ndarray) -> np.ndarray:
        queries = np.atleast_2d(np.asarray(queries, dtype=np.float32))
        return np.asarray(model(queries), dtype=np.float64)
    return scores


def predict(method: str, space: CodeSpace, examples: Examples, queries: np.ndarray) -> np.ndarray:
    """Scores of ``method`` for each query row, fitted on ``examples``."""
    return fit(method, space, examples)(queries)
