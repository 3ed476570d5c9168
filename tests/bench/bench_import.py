"""Import throughput on a generated 1,000,000-word corpus, next to spaCy's own.

The corpus is made from the demo transcripts: each copy gets a distinct header line so
that every file is a new document. spaCy's figure is the same blank pipeline with a
sentencizer run with ``nlp.pipe`` over the same turn texts, in the same process, after
the import (so the import's peak memory is measured first).

Prints: words, import_words_per_s, spacy_words_per_s, ratio_to_spacy, peak_rss_mb, and
first_search_ms: the first full-text search in the importing process, which looks up
its words' lemmas (from the cached copy of the tables, see ``storage/lemma_cache.py``).
Big imports segment in a worker process; its CPU time and peak memory are printed as
well (``*_worker*``), since ``peak_rss_mb`` is this process's alone. CPU seconds show
where the work went when other programs share the machine and wall time says little.

spaCy's figure is tokenizer plus sentencizer only, over text already in memory, with
spaCy already imported: the import's figure also pays for reading and parsing files,
loading spaCy, search terms and every database write. spaCy's figure is the faster of
two passes, each with a new pipeline: the first pass in a process is often a third
slower (memory still to be fetched from the system), which would flatter the ratio.

Run: python tests/bench/bench_import.py [--words N]
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from qualcode.analysis.terms import word_count  # noqa: E402
from qualcode.importers.base import read_source  # noqa: E402
from qualcode.services import corpus, retrieval  # noqa: E402
from qualcode.services.project import create_project  # noqa: E402


def generate(folder: Path, words: int) -> list[Path]:
    sources = sorted((REPO / "corpora" / "sbs-demo").glob("[0-9]*.md"))
    texts = [p.read_text(encoding="utf-8") for p in sources]
    paths, total, n = [], 0, 0
    while total < words:
        text = texts[n % len(texts)]
        head, _, body = text.partition("\n---\n")
        path = folder / f"gen_{n:05d}.md"
        path.write_text(f"{head}\ncopy: {n}\n---\n{body}", encoding="utf-8")
        paths.append(path)
        total += word_count(body)
        n += 1
    return paths


def spacy_words_per_s(paths: list[Path]) -> float:
    import spacy

    texts, words = [], 0
    for path in paths:
        document = read_source(path)
        for turn in document.turns:
            texts.append(document.text[turn.start:turn.end])
        words += word_count(document.text)
    best = float("inf")
    for _ in range(2):
        nlp = spacy.blank("sv")
        nlp.add_pipe("sentencizer")
        nlp.max_length = 10_000_000
        started = time.perf_counter()
        for _ in nlp.pipe(texts, batch_size=256):
            pass
        best = min(best, time.perf_counter() - started)
    return words / best


def _cpu_seconds(after: resource.struct_rusage, before: resource.struct_rusage) -> float:
    return (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--words", type=int, default=1_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        paths = generate(folder, args.words)
        store = create_project(folder / "bench.qualcode")
        own_before = resource.getrusage(resource.RUSAGE_SELF)
        workers_before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        report = corpus.import_paths(store, paths, language="sv")
        elapsed = time.perf_counter() - started
        own_cpu = _cpu_seconds(resource.getrusage(resource.RUSAGE_SELF), own_before)
        workers = resource.getrusage(resource.RUSAGE_CHILDREN)
        workers_cpu = _cpu_seconds(workers, workers_before)
        started = time.perf_counter()
        hits = retrieval.search(store, "skolorna kvalitet", limit=20)
        first_search_ms = (time.perf_counter() - started) * 1000
        store.close()
        if report.failed:
            raise SystemExit(f"import failed: {report.failed[:3]}")
        words = sum(d.word_count for d in report.imported)
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        reference = spacy_words_per_s(paths)
    own = words / elapsed
    print(f"words={words}")
    print(f"documents={len(report.imported)}")
    print(f"import_seconds={elapsed:.1f}")
    print(f"import_words_per_s={own:.0f}")
    print(f"spacy_words_per_s={reference:.0f}")
    print(f"ratio_to_spacy={own / reference:.2f}")
    print(f"peak_rss_mb={peak_mb:.0f}")
    print(f"import_cpu_s={own_cpu:.1f}")
    print(f"import_cpu_workers_s={workers_cpu:.1f}")
    print(f"peak_rss_workers_mb={workers.ru_maxrss / 1024:.0f}")
    print(f"first_search_ms={first_search_ms:.0f} first_search_hits={hits.total}")
    print(f"import_words_per_s={own:.0f} ratio_to_spacy={own / reference:.2f}")


if __name__ == "__main__":
    main()
