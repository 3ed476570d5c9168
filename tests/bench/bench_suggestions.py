"""Suggestion latency from the cache on a 10,000-segment project, and held-out quality.

Latency: the demo corpus is imported several times over (each copy marked so it is a
new document) until the project holds at least 10,000 sentences; every sentence is
embedded once with the chosen embedder; then one :class:`Suggester` (as a screen keeps)
suggests for randomly drawn single segments, each call timed on its own.

Quality: k-fold cross-validation by document over the demo's codings, for each
available embedder, with top-1/top-3 of the combined, learned and zero-shot sources.

Prints: segments, latency_p50_ms, latency_p95_ms (target < 20), peak_rss_mb (target <
1500), then per embedder <name>_<source>_top1/_top3 and <name>_learned_beats_zero_shot.
Run: python tests/bench/bench_suggestions.py [--segments 10000] [--embedder tfidf]
     [--samples 300] [--skip-quality]
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

from qualcode.services import corpus, embedding_cache, suggestion_quality, suggestions  # noqa: E402
from qualcode.services.demo import build_demo  # noqa: E402
from qualcode.storage.store import Store  # noqa: E402


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


def latency(store: Store, embedder: str, samples: int) -> None:
    report = embedding_cache.embed_project(store, embedder)
    print(f"embedded={report.texts} computed={report.computed}")
    engine = suggestions.Suggester(store, embedder)
    with store.unit_of_work() as uow:
        segments = uow.documents.segments()
        names = {d.id: d.name for d in uow.documents.list()}
    print(f"segments={len(segments)}")
    rng = random.Random(7)
    times = []
    for segment in rng.sample(segments, min(samples, len(segments))):
        started = time.perf_counter()
        engine.for_document(names[segment.document_id], segment_id=segment.id, top=5)
        times.append((time.perf_counter() - started) * 1000)
    print(f"latency_p50_ms={np.percentile(times, 50):.2f}")
    print(f"latency_p95_ms={np.percentile(times, 95):.2f} (target < 20)")
    print(f"peak_rss_mb={resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} (target < 1500)")


def quality(path: Path) -> None:
    store = Store.open(path)
    try:
        for result in suggestion_quality.evaluate(store):
            if result.error:
                print(f"{result.embedder}_unavailable={result.error}")
                continue
            for f in result.figures:
                print(f"{result.embedder}_{f.source}_top1={f.top1:.3f}")
                print(f"{result.embedder}_{f.source}_top3={f.top3:.3f}")
            learned, zero = result.source("learned"), result.source("zero-shot")
            print(f"{result.embedder}_rich_items={learned.rich_items}")
            print(f"{result.embedder}_learned_beats_zero_shot="
                  f"{(learned.rich_top1 or 0) > (zero.rich_top1 or 0)} "
                  f"({learned.rich_top1:.3f} vs {zero.rich_top1:.3f} on codes with 20+ codings)")
    finally:
        store.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--segments", type=int, default=10_000)
    parser.add_argument("--embedder", default="tfidf")
    parser.add_argument("--samples", type=int, default=300)
    parser.add_argument("--skip-quality", action="store_true")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="qc-bench-sugg-"))
    store, _ = build_demo(work / "demo.qualcode")
    store.close()
    shutil.copy(work / "demo.qualcode", work / "quality.qualcode")
    store = Store.open(work / "demo.qualcode")
    try:
        grow(store, work, args.segments)
        latency(store, args.embedder, args.samples)
    finally:
        store.close()
    if not args.skip_quality:
        quality(work / "quality.qualcode")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
