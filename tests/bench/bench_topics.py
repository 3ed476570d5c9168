"""Topic fits on 10,000 sentences whose embeddings are already cached.

Builds a project of 20 documents x 500 sentences, each sentence two sentences of the
demo corpus joined (so the vocabulary is real and every text is new), embeds them once
with the character TF-IDF embedder (not timed), then times ``qualcode topics fit`` as a
service call (reading the cache, fitting, storing) for UMAP + HDBSCAN and for PCA +
k-means, each in a fresh process so its peak memory is its own. UMAP's first fit in a
process loads its compiled code from numba's on-disk cache, or compiles it (some ten
seconds more) the first time after installing, as it would for a user.

Targets: umap_hdbscan_s < 60, pca_kmeans_s < 15, peak RSS < 2048 MB on 2 cores.
cli_pca_kmeans_s is the installed ``qualcode topics fit --reducer pca --clusterer
kmeans`` on the same project, end to end (start-up and BERTopic's import included).
Prints name=value lines, wall-clock and CPU seconds (the CPU figure says more when the
machine is busy). Run: python tests/bench/bench_topics.py [--segments N]
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from cli_timing import cli_seconds  # noqa: E402

from qualcode.core.model import ParsedDocument, ParsedTurn, SegmentKind  # noqa: E402
from qualcode.storage.repositories.documents import NewSegment  # noqa: E402

DOCUMENTS = 20
MIN_SIZE = 40  # about what a reader would ask of 10,000 sentences
TARGETS = {"umap_hdbscan_s": 60.0, "pca_kmeans_s": 15.0, "peak_rss_mb": 2048.0}


def demo_sentences() -> list[str]:
    from qualcode.importers.base import read_source
    from qualcode.services.segmentation import segmenter_for

    found = []
    segmenter = segmenter_for("sv")
    for path in sorted((REPO / "corpora" / "sbs-demo").glob("*.md")):
        parsed = read_source(path)
        for turn in parsed.turns:
            if turn.speaker == "Intervjuare":
                continue
            body = parsed.text[turn.start:turn.end]
            found.extend(body[s:e].strip() for s, e, _ in segmenter.sentences(body) if e - s > 20)
    return found


def build(path: Path, segments: int) -> None:
    from qualcode.services import embedding_cache
    from qualcode.services.project import create_project

    pool = demo_sentences()
    rng = random.Random(5)
    store = create_project(path)
    per_doc = segments // DOCUMENTS
    roles = ("rektor", "lärare", "förvaltningschef", "processtödjare")
    try:
        for d in range(DOCUMENTS):
            parts, spans, turns, pos = [], [], [], 0
            for _ in range(per_doc):
                sentence = f"{rng.choice(pool)} {rng.choice(pool)}"
                parts.append(sentence)
                spans.append((pos, pos + len(sentence)))
                pos += len(sentence) + 1
            text = " ".join(parts)
            for t in range(per_doc // 10):
                start, end = spans[t * 10][0], spans[min(t * 10 + 9, per_doc - 1)][1]
                turns.append(ParsedTurn(roles[(d + t) % len(roles)].capitalize(), start, end))
            parsed = ParsedDocument(name=f"doc{d:03d}", text=text, format="txt", turns=tuple(turns),
                                    attributes={"school": f"skola {d % 5 + 1}"})
            new = [NewSegment(SegmentKind.SENTENCE, s, e, i // 10) for i, (s, e) in enumerate(spans)]
            with store.unit_of_work() as uow:
                uow.documents.add(parsed, language="sv", word_count=len(text.split()), sha256=uuid.uuid4().hex,
                                  segments=new, speaker_attributes={r.capitalize(): {"role": r} for r in roles})
        embedding_cache.embed_project(store, "tfidf")
    finally:
        store.close()


def fit_once(path: Path, method: str) -> dict:
    from qualcode.analysis.topics import TopicSettings
    from qualcode.services import topics
    from qualcode.storage.store import Store

    reducer, clusterer = method.split("+")
    settings = TopicSettings(reducer=reducer, clusterer=clusterer, min_topic_size=MIN_SIZE,
                             n_topics=None if clusterer == "hdbscan" else 30, seed=42)
    store = Store.open(path)
    try:
        import bertopic  # noqa: F401 - the import is not part of the fit: a user's process pays it once

        start, cpu_start = time.perf_counter(), time.process_time()
        view = topics.fit_topics(store, settings, embedder="tfidf")
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    finally:
        store.close()
    return {"seconds": seconds, "cpu_seconds": cpu, "topics": view.run.topic_count, "segments": view.run.segments,
            "outliers": next((t.size for t in view.topics if t.number == -1), 0),
            "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--segments", type=int, default=10_000)
    parser.add_argument("--fit", nargs=2, metavar=("PROJECT", "METHOD"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.fit:
        print(json.dumps(fit_once(Path(args.fit[0]), args.fit[1])))
        return
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.qualcode"
        start = time.perf_counter()
        build(path, args.segments)
        print(f"build_and_embed_s={time.perf_counter() - start:.1f}")
        peak = 0.0
        for method, name in (("umap+hdbscan", "umap_hdbscan"), ("pca+kmeans", "pca_kmeans")):
            out = subprocess.run([sys.executable, __file__, "--fit", str(path), method],
                                 check=True, capture_output=True, text=True).stdout
            result = json.loads(out.strip().splitlines()[-1])
            peak = max(peak, result["rss_mb"])
            print(f"{name}_s={result['seconds']:.1f} target<{TARGETS[name + '_s']:g}")
            print(f"{name}_cpu_s={result['cpu_seconds']:.1f}")
            print(f"{name}_topics={result['topics']}")
            print(f"{name}_outliers={result['outliers']}")
            print(f"{name}_segments={result['segments']}")
            print(f"{name}_peak_rss_mb={result['rss_mb']:.0f}")
        print(f"peak_rss_mb={peak:.0f} target<{TARGETS['peak_rss_mb']:g}")
        # The preview fit as typed, end to end: start-up, BERTopic's import, the fit, the table.
        seconds = cli_seconds("topics", "fit", "--reducer", "pca", "--clusterer", "kmeans", "--topics", "30",
                              "--min-size", str(MIN_SIZE), "--embedder", "tfidf", "--db", str(path), "--quiet")
        print(f"cli_pca_kmeans_s={seconds:.1f}")


if __name__ == "__main__":
    main()
