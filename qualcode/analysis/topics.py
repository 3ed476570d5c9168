"""Topic models over precomputed embeddings: BERTopic with a choice of reducer and clusterer.

Owns the fit itself (texts + one embedding row per text -> plain result objects), the
exact neighbour graph UMAP starts from, the vectorizer that turns topic texts into terms
(qualcode's or the project's stop words and fillers, and lemmas from the project's
lemmatizer), the smallest corpus a setting can work on, and the choice of
representative passages (the segments nearest their topic's centroid). No database, no
printing. bertopic, umap, hdbscan, sklearn and spaCy are imported inside the functions that
use them: ``import bertopic`` alone takes seconds.
"""

from __future__ import annotations

import math
import threading
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import metadata
from typing import Any

import numpy as np

from qualcode.analysis.lemmas import LEMMA_LANGUAGES
from qualcode.analysis.terms import TOKEN, LemmaTokenizer, stop_words  # noqa: F401 - the vectorizer's parts
from qualcode.core.seeds import MAX_SEED

REDUCERS = ("umap", "pca")
CLUSTERERS = ("hdbscan", "kmeans")
SELECTIONS = ("leaf", "eom")
OUTLIER = -1
# Raised whenever qualcode changes how it fits (same settings, other topics), so that a
# stored run is never redrawn by a method that did not make it. 2: exact neighbour graph.
# 3: terms lemmatised by qualcode's lemmatizer (simplemma, compounds), fillers dropped.
FIT_METHOD_KEY = "qualcode fit method"
FIT_METHOD = "3"
LIBRARIES = ("bertopic", "umap-learn", "hdbscan", "scikit-learn", "numpy", "spacy", "spacy-lookups-data",
             "simplemma")
# UMAP gets its neighbour graph from here, computed exactly, up to this many texts. Brute
# force takes about 3 s for 10,000 x 384 and 9 s for 20,000 on two cores, and spares UMAP
# both its approximate search (pynndescent, whose first use in a process compiles for 40-50 s)
# and, below 4,096 texts, a distance matrix filled by one Python call per pair. It grows with
# the square of the corpus, so larger ones go back to the approximate search.
EXACT_NEIGHBOURS_UP_TO = 20_000
NEIGHBOUR_BLOCK = 8_000_000  # similarity-matrix cells per block of rows (32 MB as float32)
# Cosine distances below this are rounding error: the two texts point the same way (often
# the very same sentence), and UMAP needs an exact zero to tell duplicates from neighbours.
SAME_DIRECTION = 1e-5

Progress = Callable[[int, int, str], None]


class TopicFitError(ValueError):
    """Settings that cannot work on this data; the message says what would."""


@dataclass(frozen=True)
class TopicSettings:
    """Everything that decides a fit besides the data, stored with every run."""

    n_topics: int | None = None  # None: let the clusterer decide (k-means: a rule of thumb)
    min_topic_size: int = 10
    reducer: str = "umap"
    clusterer: str = "hdbscan"
    seed: int = 42
    # HDBSCAN's "leaf" selection: on interview corpora "eom" tended to put almost every
    # sentence in one topic (17 demo transcripts: 2 topics with eom, about 30 with leaf).
    selection: str = "leaf"
    language: str = "sv"
    n_components: int = 5
    n_neighbors: int = 15
    top_terms: int = 10
    representatives: int = 5

    def as_dict(self) -> dict[str, Any]:
        return {"n_topics": self.n_topics, "min_topic_size": self.min_topic_size,
                "reducer": self.reducer, "clusterer": self.clusterer, "seed": self.seed,
                "selection": self.selection,
                "language": self.language, "n_components": self.n_components,
                "n_neighbors": self.n_neighbors, "top_terms": self.top_terms,
                "representatives": self.representatives}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TopicSettings:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)


@dataclass(frozen=True)
class FittedTopic:
    number: int  # -1: the outliers
    size: int
    terms: tuple[tuple[str, float], ...]
    representatives: tuple[int, ...]  # row indices into the fitted texts, best first


@dataclass(frozen=True)
class TopicFit:
    """What a fit found: topics, and each text's topic and probability (None: not given)."""

    topics: tuple[FittedTopic, ...]
    assignments: tuple[int, ...]
    probabilities: tuple[float | None, ...]
    settings: TopicSettings
    versions: dict[str, str] = field(default_factory=dict)
    model: Any = None  # the BERTopic object, for its interactive views; never stored


def check_settings(settings: TopicSettings) -> None:
    if settings.reducer not in REDUCERS:
        raise TopicFitError(f"Unknown reducer '{settings.reducer}': choose {' or '.join(REDUCERS)}.")
    if settings.clusterer not in CLUSTERERS:
        raise TopicFitError(f"Unknown clusterer '{settings.clusterer}': choose {' or '.join(CLUSTERERS)}.")
    if settings.selection not in SELECTIONS:
        raise TopicFitError(f"Unknown cluster selection '{settings.selection}': choose leaf or eom.")
    if settings.min_topic_size < 2:
        raise TopicFitError("The minimum topic size must be at least 2.")
    if settings.n_topics is not None and settings.n_topics < 2:
        raise TopicFitError("A fixed number of topics must be at least 2 (or leave it to 'auto').")
    if not 0 <= settings.seed <= MAX_SEED:  # else the reducer refuses it half-way, in its own words
        raise TopicFitError(f"The seed {settings.seed} is not between 0 and {MAX_SEED:,} (e.g. --seed 42).")
    if settings.language not in LEMMA_LANGUAGES:  # else its stop words and lemmas are quietly none
        raise TopicFitError(f"Topics have stop words and lemmas for {' and '.join(LEMMA_LANGUAGES)}, "
                            f"not for '{settings.language}' (--language sv or --language en).")


def kmeans_clusters(settings: TopicSettings, count: int) -> int:
    """k for k-means: the fixed number, else about sqrt(n/2), kept near the minimum topic size."""
    if settings.n_topics is not None:
        return settings.n_topics
    rule = round(math.sqrt(count / 2))
    return max(2, min(rule, count // settings.min_topic_size, 50))


def needed_segments(settings: TopicSettings) -> int:
    """The fewest texts these settings can be fitted on."""
    reducer = settings.n_neighbors + 2 if settings.reducer == "umap" else settings.n_components + 1
    if settings.clusterer == "hdbscan":
        clusters = 2 * settings.min_topic_size
        if settings.n_topics is not None:
            clusters = max(clusters, settings.n_topics * settings.min_topic_size)
    else:
        topics = settings.n_topics or 2
        clusters = topics * settings.min_topic_size
    return max(reducer, clusters)


def library_versions() -> dict[str, str]:
    """Versions of everything that shapes a fit, qualcode's own fitting method among them."""
    found = {FIT_METHOD_KEY: FIT_METHOD}
    for name in LIBRARIES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "not installed"
    return found


# ------------------------------------------------------------------ terms


def make_vectorizer(language: str, tokenizer: LemmaTokenizer | None = None):  # type: ignore[no-untyped-def]
    from sklearn.feature_extraction.text import CountVectorizer

    return CountVectorizer(tokenizer=tokenizer or LemmaTokenizer(language), lowercase=False, token_pattern=None,
                           ngram_range=(1, 1), min_df=1)


# ------------------------------------------------------------------ the fit


def _reducer(settings: TopicSettings, embeddings: np.ndarray):  # type: ignore[no-untyped-def]
    if settings.reducer == "pca":
        from sklearn.decomposition import PCA

        # Randomized SVD with a fixed seed: as repeatable as the full one, and ten times faster.
        return PCA(n_components=settings.n_components, svd_solver="randomized", random_state=settings.seed)
    from umap import UMAP

    _cache_umap_compilation()
    count = len(embeddings)
    neighbours = min(settings.n_neighbors, count - 1)
    graph = nearest_neighbours(embeddings, neighbours) if count <= EXACT_NEIGHBOURS_UP_TO else None
    # Without pynndescent's search index UMAP cannot place new texts, which no view asks of it.
    warnings.filterwarnings("ignore", message=r"precomputed_knn\[2\]", category=UserWarning)
    # UMAP's own number of layout epochs (500 up to 10,000 texts, then 200). 200 would halve
    # the layout time, but on 10,000 sentences it gave a fifth fewer topics and more outliers.
    # A seeded UMAP runs on one thread whatever n_jobs says; saying 1 spares its warning.
    return UMAP(n_neighbors=neighbours, n_components=settings.n_components, min_dist=0.0, metric="cosine",
                random_state=settings.seed, n_jobs=1, low_memory=True,
                precomputed_knn=(None, None, None) if graph is None else (*graph, None))


def nearest_neighbours(embeddings: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Each row's ``k`` nearest rows by cosine distance, nearest first, the row itself first.

    Exact and deterministic. The similarity matrix is built a block of rows at a time, so
    memory stays near :data:`NEIGHBOUR_BLOCK` cells whatever the corpus size.
    """
    unit = np.asarray(embeddings, dtype=np.float32)
    norms = np.linalg.norm(unit, axis=1)
    norms[norms == 0] = 1.0
    unit = unit / norms[:, None]
    count = len(unit)
    indices = np.empty((count, k), dtype=np.int32)
    distances = np.empty((count, k), dtype=np.float32)
    step = max(1, NEIGHBOUR_BLOCK // count)
    for start in range(0, count, step):
        stop = min(count, start + step)
        similar = unit[start:stop] @ unit.T
        similar[np.arange(stop - start), np.arange(start, stop)] = 2.0  # itself first, even among duplicates
        near = np.argpartition(similar, count - k, axis=1)[:, count - k:]
        found = 1.0 - np.take_along_axis(similar, near, axis=1)
        order = np.argsort(found, axis=1, kind="stable")
        found = np.take_along_axis(found, order, axis=1)
        found[found < SAME_DIRECTION] = 0.0
        indices[start:stop] = np.take_along_axis(near, order, axis=1)
        distances[start:stop] = found
    return indices, distances


@lru_cache(maxsize=1)
def _cache_umap_compilation() -> None:
    """Keep UMAP's compiled graph and layout code on disk, as pynndescent does for its own.

    Otherwise every new process compiles them again (about ten seconds on two cores).
    numba writes the cache beside the library, or under the user's cache folder when that
    is read-only, and compiles afresh when the library or the machine changes.
    """
    from umap import layouts, umap_

    for module, name in ((umap_, "smooth_knn_dist"), (umap_, "compute_membership_strengths"),
                         (layouts, "_nb_optimize_layout_euclidean_single_epoch")):
        function = getattr(module, name, None)
        if not hasattr(function, "enable_caching"):
            continue
        try:
            function.enable_caching()
        except (RuntimeError, OSError):  # no writable cache folder: compile in memory, as before
            return


def _clusterer(settings: TopicSettings, count: int):  # type: ignore[no-untyped-def]
    if settings.clusterer == "kmeans":
        from sklearn.cluster import KMeans

        return KMeans(n_clusters=kmeans_clusters(settings, count), n_init=3, random_state=settings.seed)
    from hdbscan import HDBSCAN

    return HDBSCAN(min_cluster_size=settings.min_topic_size, metric="euclidean",
                   cluster_selection_method=settings.selection, prediction_data=False)


def fit(texts: Sequence[str], embeddings: np.ndarray, settings: TopicSettings, *,
        progress: Progress | None = None, cancel: threading.Event | None = None,
        keep_model: bool = False, tokenizer: LemmaTokenizer | None = None) -> TopicFit:
    """Fit a topic model on ``texts`` with one precomputed embedding row per text.

    Raises :class:`TopicFitError` for settings that cannot work on this data.
    """
    check_settings(settings)
    embeddings = np.asarray(embeddings, dtype=np.float32)
    count = len(texts)
    if embeddings.shape[0] != count:
        raise TopicFitError(f"{count} texts but {embeddings.shape[0]} embedding rows.")
    need = needed_segments(settings)
    if count < need:
        raise TopicFitError(f"{count} segments are too few for these settings: they need at least {need}.")
    if settings.reducer == "pca" and embeddings.shape[1] <= settings.n_components:
        raise TopicFitError(f"PCA to {settings.n_components} dimensions needs embeddings with more than "
                            f"{settings.n_components} dimensions, not {embeddings.shape[1]}.")
    report = progress or (lambda done, total, label: None)

    def step(done: int, label: str) -> None:
        if cancel is not None and cancel.is_set():
            raise TopicFitError("Topic fitting was cancelled.")
        report(done, 4, label)

    step(0, "loading BERTopic")
    from bertopic import BERTopic

    nr_topics = settings.n_topics if settings.clusterer == "hdbscan" else None
    step(1, f"reducing with {settings.reducer} and clustering with {settings.clusterer}")
    model = BERTopic(embedding_model=None, umap_model=_reducer(settings, embeddings),
                     hdbscan_model=_clusterer(settings, count),
                     vectorizer_model=make_vectorizer(settings.language, tokenizer), language="multilingual",
                     top_n_words=settings.top_terms, nr_topics=nr_topics,
                     calculate_probabilities=False, verbose=False)
    try:
        labels, probs = model.fit_transform(list(texts), embeddings=embeddings)
    except ValueError as exc:  # e.g. an empty vocabulary after stop words
        raise TopicFitError(f"The topic model could not be fitted: {exc}") from exc
    step(3, "choosing representative passages")
    assignments = tuple(int(t) for t in labels)
    probabilities = _probabilities(probs, count)
    topics = _topics(model, assignments, embeddings, settings)
    report(4, 4, "done")
    return TopicFit(topics, assignments, probabilities, settings, library_versions(),
                    model if keep_model else None)


def _probabilities(probs: Any, count: int) -> tuple[float | None, ...]:
    if probs is None:
        return (None,) * count
    array = np.asarray(probs, dtype=float)
    if array.ndim == 2:
        array = array.max(axis=1)
    return tuple(None if math.isnan(p) else round(float(p), 6) for p in array)


def _topics(model: Any, assignments: tuple[int, ...], embeddings: np.ndarray,
            settings: TopicSettings) -> tuple[FittedTopic, ...]:
    labels = np.asarray(assignments)
    found = []
    for number in sorted(set(assignments)):
        rows = np.flatnonzero(labels == number)
        terms = model.get_topic(number) or []
        clean = tuple((str(w), round(float(s), 6)) for w, s in terms if w)
        found.append(FittedTopic(number, len(rows), clean,
                                 representatives(embeddings, rows, settings.representatives)))
    return tuple(found)


def representatives(embeddings: np.ndarray, rows: np.ndarray, top: int) -> tuple[int, ...]:
    """The rows nearest (by cosine) to the mean of their rows; ties go to the earlier row."""
    if len(rows) == 0:
        return ()
    block = embeddings[rows]
    norms = np.linalg.norm(block, axis=1)
    norms[norms == 0] = 1.0
    unit = block / norms[:, None]
    centre = unit.mean(axis=0)
    scores = unit @ centre
    order = np.lexsort((rows, -scores))
    return tuple(int(rows[i]) for i in order[:top])
