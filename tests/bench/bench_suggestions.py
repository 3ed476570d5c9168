"""Suggestion latency on a 10,000-segment project, held-out quality, learning curves.

Latency: the demo corpus is imported several times over (each copy marked so it is a
new document) until the project holds at least 10,000 sentences; every sentence is
embedded once with the chosen embedder; then one :class:`Suggester` (as a screen keeps)
suggests for randomly drawn single segments, each call timed on its own; then one new
coding is made at a time and the refit it causes (reload, refit, one suggestion) timed.

Quality: on the demo's codings and on the gold set of fictional quotes
(tests/fixtures/suggestion_gold.yaml), every model side by side in one cross-validation
(see ``qualcode suggest evaluate``), and whether the chosen default beats both baselines.

Learning curve: on the demo's codings, for 5, 10, 20 and 40 coded spans per code drawn
from the training folds, top-1, top-3 and ECE of each model on the held-out fold.
Active learning: starting from 2 spans per code, batches of 10 more picked at random or
by uncertainty sampling (:mod:`qualcode.analysis.active`), top-1 of the default model
after each batch, and how many codings each needs to reach 95 % of the top-1 that all
training codings give.

Prints name=value lines: segments, latency_p50_ms, latency_p95_ms (target < 20),
refit_p95_ms (target < 200), peak_rss_mb (target < 1500), <set>_<embedder>_<model>_top1
/_top3/_ece, <set>_<embedder>_default_beats_baselines, curve_<model>_<n>_top1/_top3/_ece,
active_<strategy>_<codings>_top1, active_<strategy>_codings_to_95pct.
Run: python tests/bench/bench_suggestions.py [--segments 10000] [--embedder tfidf]
     [--samples 300] [--refits 20] [--skip-latency] [--skip-quality] [--skip-curve]
     [--quality-embedders tfidf,minilm]
"""

from __future__ import annotations

import argparse
import random
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402

from qualcode.analysis import active, calibration, learners  # noqa: E402
from qualcode.analysis import evaluate as cv  # noqa: E402
from qualcode.analysis import suggest as scoring  # noqa: E402
from qualcode.services import coding, corpus, embedding_cache, suggestion_quality, suggestions  # noqa: E402
from qualcode.services.coding import Span  # noqa: E402
from qualcode.services.demo import build_demo  # noqa: E402
from qualcode.services.project import create_project  # noqa: E402
from qualcode.storage.repositories.codings import CodingFilter  # noqa: E402
from qualcode.storage.store import Store  # noqa: E402
from tests import suggestion_gold  # noqa: E402

CURVE = (5, 10, 20, 40)
FAST = ("ensemble", "prototype", "ridge", "knn", "blend", "knn5", "centroid")


def grow(store: Store, work: Path, wanted: int) -> int:
    """Import marked copies of the demo transcripts until ``wanted`` sentences exist."""
    source = REPO / "corpora" / "sbs-demo"
    copy = 0
    while corpus.corpus_totals(store)["sentences"] < wanted:
        copy += 1
        folder = work / f"copy{copy}"
        folder.mkdir()
        for path in sorted(source.glob("*.md")):
            text = path.read_text(encoding="utf-8")
            (folder / f"{path.stem}_k{copy}.md").write_text(text + f"\n\nKopia {copy}.\n", encoding="utf-8")
        corpus.import_paths(store, sorted(folder.glob("*.md")), speaker_map=source / "speakers.yaml")
    return corpus.corpus_totals(store)["sentences"]


def latency(store: Store, embedder: str, samples: int, refits: int) -> None:
    report = embedding_cache.embed_project(store, embedder)
    print(f"embedded={report.texts} computed={report.computed}")
    engine = suggestions.Suggester(store, embedder)
    print(f"default_model={engine.method}")
    with store.unit_of_work() as uow:
        segments = uow.documents.segments()
        names = {d.id: d.name for d in uow.documents.list()}
        coded = {(c.document_id, c.start) for c in uow.codings.list()}
        code_keys = [c.key for c in uow.codebooks.codes(None)]
    print(f"segments={len(segments)}")
    rng = random.Random(7)
    times = []
    for segment in rng.sample(segments, min(samples, len(segments))):
        started = time.perf_counter()
        engine.for_document(names[segment.document_id], segment_id=segment.id, top=5)
        times.append((time.perf_counter() - started) * 1000)
    print(f"latency_p50_ms={np.percentile(times, 50):.2f}")
    print(f"latency_p95_ms={np.percentile(times, 95):.2f} (target < 20)")
    fresh = [s for s in segments if (s.document_id, s.start) not in coded]
    refit = []
    for segment in rng.sample(fresh, min(refits, len(fresh))):
        coding.apply_code(store, segment.document_id, rng.choice(code_keys), "bench",
                          Span(segment.start, segment.end))
        started = time.perf_counter()
        engine.for_span(segment.document_id, segment.start, segment.end, top=5)
        refit.append((time.perf_counter() - started) * 1000)
    print(f"refit_p50_ms={np.percentile(refit, 50):.1f}")
    print(f"refit_p95_ms={np.percentile(refit, 95):.1f} (target < 200; reload, refit and one suggestion)")
    print(f"peak_rss_mb={resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} (target < 1500)")


def quality(path: Path, label: str, embedders: list[str]) -> None:
    store = Store.open(path)
    try:
        for result in suggestion_quality.evaluate(store, embedders):
            name = f"{label}_{result.embedder.replace(':', '_').replace('+', '_')}"
            if result.report is None:
                print(f"{name}_unavailable={result.error}")
                continue
            for m in result.report.methods:
                print(f"{name}_{m.method}_top1={m.top1:.3f}")
                print(f"{name}_{m.method}_top3={m.top3:.3f}")
                print(f"{name}_{m.method}_macro_f1={m.macro_f1:.3f}")
                print(f"{name}_{m.method}_ece={m.ece:.3f}")
            chosen = result.method("chosen")
            beats = all(chosen.top1 > result.method(b).top1 and chosen.top3 > result.method(b).top3
                        for b in learners.BASELINES)
            print(f"{name}_default={result.report.choice.method}")
            print(f"{name}_default_beats_baselines={beats}")
    finally:
        store.close()


def _dataset(path: Path, embedder: str):  # type: ignore[no-untyped-def]
    """Coded spans of a project as vectors, label sets and documents, and its code space."""
    store = Store.open(path)
    try:
        with store.unit_of_work() as uow:
            codes = uow.codebooks.codes(None)
            passages = uow.codings.passages(CodingFilter(code_ids=[c.id for c in codes]), limit=None)
        index = {c.id: i for i, c in enumerate(codes)}
        spans, texts = cv.coded_spans(passages, index)
        keys = list(spans)
        chosen = embedding_cache.resolve(store, embedder)
        descriptions = [(i, t) for i, c in enumerate(codes) for _, t in scoring.description_texts(c)]
        vectors = embedding_cache.vectors(store, chosen, [t for _, t in descriptions] + [texts[k] for k in keys])
    finally:
        store.close()
    space = scoring.CodeSpace(np.arange(len(codes)), vectors[:len(descriptions)],
                              np.asarray([i for i, _ in descriptions], dtype=np.int64))
    return vectors[len(descriptions):], [frozenset(spans[k]) for k in keys], [k[0] for k in keys], space


def _per_code_sample(labels, pool: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:  # type: ignore[no-untyped-def]
    """Up to ``n`` items per code from ``pool`` (an item counts for each code it carries)."""
    chosen: set[int] = set()
    for c in sorted({c for i in pool for c in labels[i]}):
        carrying = [int(i) for i in pool if c in labels[i]]
        chosen.update(rng.choice(carrying, size=min(n, len(carrying)), replace=False).tolist())
    return np.array(sorted(chosen))


def curve(path: Path, embedder: str, methods: tuple[str, ...]) -> None:
    vectors, labels, groups, space = _dataset(path, embedder)
    folds = cv.group_folds(groups, 5)
    rng = np.random.default_rng(11)
    for n in CURVE:
        results: dict[str, list[tuple[float, float, float]]] = {m: [] for m in methods}
        for held in folds:
            pool = np.setdiff1d(np.arange(len(labels)), held)
            train = _per_code_sample(labels, pool, n, rng)
            test = [labels[i] for i in held]
            for method in methods:
                scores = learners.predict(method, space, cv.examples_of(vectors, labels, train), vectors[held])
                inner = cv.held_out_scores(method, vectors, labels, groups, space, 3, train)
                cal = calibration.fit(*cv.shown_pairs(inner, [labels[i] for i in train]))
                fig = cv.figures(method, "curve", scores, cal(scores), test, space.size)
                results[method].append((fig.top1, fig.top3, fig.ece))
        for method, rows in results.items():
            top1, top3, ece = np.mean(rows, axis=0)
            print(f"curve_{method}_{n}_top1={top1:.3f}")
            print(f"curve_{method}_{n}_top3={top3:.3f}")
            print(f"curve_{method}_{n}_ece={ece:.3f}")


def active_learning(path: Path, embedder: str, method: str = "ensemble", batch: int = 10,
                    rounds: int = 30) -> None:
    vectors, labels, groups, space = _dataset(path, embedder)
    held = cv.group_folds(groups, 5)[0]
    pool = np.setdiff1d(np.arange(len(labels)), held)
    test = [labels[i] for i in held]
    full = learners.predict(method, space, cv.examples_of(vectors, labels, pool), vectors[held])
    target = 0.95 * cv.figures(method, "full", full, full, test, space.size).top1
    print(f"active_full_pool_top1={target / 0.95:.3f} (all {pool.size} training spans)")
    for strategy in ("random", "uncertainty"):
        rng = np.random.default_rng(5)
        coded = list(_per_code_sample(labels, pool, 2, rng))
        reached = None
        for _ in range(rounds):
            model = learners.fit(method, space, cv.examples_of(vectors, labels, coded))
            scores = model(vectors[held])
            top1 = cv.figures(method, "active", scores, scores, test, space.size).top1
            count = sum(len(labels[i]) for i in coded)
            print(f"active_{strategy}_{count}_top1={top1:.3f}")
            if reached is None and top1 >= target:
                reached = count
            rest = np.setdiff1d(pool, coded)
            if rest.size == 0:
                break
            if strategy == "random":
                picked = rng.choice(rest, size=min(batch, rest.size), replace=False)
            else:
                picked = rest[active.least_sure(vectors[rest], vectors[coded], model(vectors[rest]),
                                                count=min(batch, rest.size))]
            coded.extend(int(i) for i in picked)
        print(f"active_{strategy}_codings_to_95pct={reached if reached is not None else 'not reached'}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--segments", type=int, default=10_000)
    parser.add_argument("--embedder", default="tfidf")
    parser.add_argument("--samples", type=int, default=300)
    parser.add_argument("--refits", type=int, default=20)
    parser.add_argument("--quality-embedders", default="tfidf,minilm")
    parser.add_argument("--skip-latency", action="store_true")
    parser.add_argument("--skip-quality", action="store_true")
    parser.add_argument("--skip-curve", action="store_true")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="qc-bench-sugg-"))
    store, _ = build_demo(work / "demo.qualcode")
    store.close()
    shutil.copy(work / "demo.qualcode", work / "quality.qualcode")
    gold = create_project(str(work / "gold.qualcode"), name="gold")
    try:
        suggestion_gold.build(gold, work / "gold")
    finally:
        gold.close()
    if not args.skip_latency:
        store = Store.open(work / "demo.qualcode")
        try:
            grow(store, work, args.segments)
            latency(store, args.embedder, args.samples, args.refits)
        finally:
            store.close()
    if not args.skip_quality:
        embedders = args.quality_embedders.split(",")
        quality(work / "quality.qualcode", "demo", embedders)
        quality(work / "gold.qualcode", "gold", embedders)
    if not args.skip_curve:
        curve(work / "quality.qualcode", args.embedder, FAST)
        active_learning(work / "quality.qualcode", args.embedder)
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
