"""Retrieval filtered by a 100-document set against the same 100 documents given by --doc.

Builds a coded project through the storage layer (see ``synthetic.py``), makes a set of
every fourth document (100 of 400) and a passage set of one passage in each of them,
then times, as ``qualcode retrieve`` calls them, the first page with its total:

- ``doc``: ``--doc`` naming the 100 documents;
- ``set``: ``--set`` naming the set (the set resolved to the same documents first);
- ``passages``: ``--set`` naming the passage set (codings overlapping its passages).

Prints per backend <backend>_doc_ms, <backend>_set_ms, <backend>_passage_set_ms (median
of the runs) and <backend>_set_vs_doc_ratio beside its ceiling. Also checks that the
set and --doc filters return the same passages.
Run: python tests/bench/bench_sets.py [--documents N] [--codings N] [--runs N] [--backends sqlite,postgresql]
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

from synthetic import SENTENCE, Shape, build, on_backends  # noqa: E402

from qualcode.core.sets import Passage  # noqa: E402
from qualcode.services import corpus, retrieval, sets  # noqa: E402
from qualcode.services.project import create_project  # noqa: E402

SET_SIZE = 100
RATIO_CEILING = 1.5  # the set filter may cost at most half again the --doc filter


def _median_ms(call: Callable[[], object], runs: int) -> float:
    call()  # warm the caches once
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def measure(target: str, name: str, documents: int, codings: int, runs: int) -> None:
    store = create_project(target)
    try:
        build(store, Shape(20, documents, 100, codings, seed=11,
                           document_attribute=lambda d: {"school": f"skola {d % 4 + 1}"}))
        every = corpus.list_documents(store)
        chosen = [d for d in every if int(d.name[3:]) % (documents // SET_SIZE) == 0][:SET_SIZE]
        names = [d.name for d in chosen]
        sets.create(store, "hundred", "documents", documents=names)
        step = len(SENTENCE)
        sets.create(store, "one each", "passages",
                    passages=[Passage(d.id, 10 * step, 20 * step) for d in chosen])

        def by_doc() -> retrieval.RetrievalPage:
            scope = sets.scope(store, None, names)
            return retrieval.retrieve(store, "c03", documents=scope.documents, limit=50)

        def by_set() -> retrieval.RetrievalPage:
            scope = sets.scope(store, ["hundred"])
            return retrieval.retrieve(store, "c03", documents=scope.documents, limit=50)

        def by_passages() -> retrieval.RetrievalPage:
            scope = sets.scope(store, ["one each"], passages=True)
            return retrieval.retrieve(store, "c03", documents=scope.documents, limit=50,
                                      passage_set_ids=scope.passage_set_ids)

        same = by_doc(), by_set()
        assert same[0].total == same[1].total > 0 and same[0].passages == same[1].passages
        doc_ms, set_ms = _median_ms(by_doc, runs), _median_ms(by_set, runs)
        passage_ms = _median_ms(by_passages, runs)
        print(f"{name}_documents={documents}")
        print(f"{name}_set_documents={len(names)}")
        print(f"{name}_total={same[0].total}")
        print(f"{name}_doc_ms={doc_ms:.1f}")
        print(f"{name}_set_ms={set_ms:.1f}")
        print(f"{name}_passage_set_ms={passage_ms:.1f}")
        print(f"{name}_passage_set_total={by_passages().total}")
        print(f"{name}_set_vs_doc_ratio={set_ms / doc_ms:.2f}")
        print(f"{name}_set_vs_doc_ratio_ceiling={RATIO_CEILING:.2f}")
    finally:
        store.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--documents", type=int, default=400)
    parser.add_argument("--codings", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--backends", default="sqlite,postgresql")
    args = parser.parse_args()
    on_backends(args.backends.split(","),
                lambda target, name: measure(target, name, args.documents, args.codings, args.runs))


if __name__ == "__main__":
    main()
