"""Counts a researcher waits for on every screen: SQLite against PostgreSQL, same data.

Builds one project per backend through the storage layer (see synthetic.py), then times
the service calls behind ``qualcode docs`` (documents with turn, sentence and speaker
counts), ``qualcode codebook show`` (the code tree with coding counts, all coders and one)
and the retrieve total, each the median of --repeat warm calls. Target: PostgreSQL within
3x of SQLite.

Prints per backend <backend>_<call>_ms, then postgresql_<call>_ratio (PostgreSQL over
SQLite) for each call; beside them <backend>_cli_docs_ms and <backend>_cli_codebook_show_ms,
the installed ``qualcode docs`` and ``qualcode codebook show`` end to end.
Run: python tests/bench/bench_counts.py [--codings N] [--segments N] [--repeat N]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from cli_timing import cli_seconds  # noqa: E402
from synthetic import Shape, build, on_backends  # noqa: E402

from qualcode.services import codebook, corpus, retrieval  # noqa: E402
from qualcode.services.project import create_project  # noqa: E402
from qualcode.storage.store import Store  # noqa: E402

CODES = 50
DOCUMENTS = 200
CALLS: dict[str, Callable[[Store], object]] = {
    "docs": lambda store: corpus.list_documents(store),
    "code_tree": lambda store: codebook.code_tree(store, "bench"),
    "code_tree_coder": lambda store: codebook.code_tree(store, "bench", "anna"),
    "retrieve_total": lambda store: retrieval.count(store, "c07"),
}


def median_ms(call: Callable[[], object], repeat: int) -> float:
    call()  # warm caches and prepared plans once
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--codings", type=int, default=1_000_000)
    parser.add_argument("--segments", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    results: dict[str, dict[str, float]] = {}

    def measure(target: str, name: str) -> None:
        store = create_project(target)
        try:
            shape = Shape(CODES, DOCUMENTS, args.segments // DOCUMENTS, args.codings, seed=5,
                          document_attribute=lambda d: {"school": f"skola {d % 4 + 1}"})
            started = time.perf_counter()
            build(store, shape)
            print(f"{name}_build_s={time.perf_counter() - started:.0f}")
            results[name] = {}
            for call, run in CALLS.items():
                results[name][call] = median_ms(lambda run=run: run(store), args.repeat)
                print(f"{name}_{call}_ms={results[name][call]:.1f}")
            db = str(store.location.path or store.location.url)
            print(f"{name}_cli_docs_ms={cli_seconds('docs', '--db', db, '--json') * 1000:.0f}")
            print(f"{name}_cli_codebook_show_ms={cli_seconds('codebook', 'show', 'bench', '--db', db) * 1000:.0f}")
        finally:
            store.close()

    on_backends(["sqlite", "postgresql"], measure)
    for call in CALLS:
        print(f"postgresql_{call}_ratio={results['postgresql'][call] / results['sqlite'][call]:.2f}")


if __name__ == "__main__":
    main()
