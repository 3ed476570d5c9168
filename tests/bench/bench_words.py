"""Word frequencies, the first KWIC page of a common word and keyness over a
synthetic project of 1,000,000 running words, on SQLite and PostgreSQL.

Documents go in through the storage layer (an import through the segmenter would
time the importer); their words are made once, as the first word command does,
and timed apart (``<backend>_index_s``), as is the first call of the process,
which loads the stop lists, lemma tables, scipy and statsmodels
(``<backend>_first_call_s``). Words follow a Zipf-like draw from 20,000
made-up forms, in turns of two speakers of levels "state" and "school".

Prints per backend: <backend>_words_s, <backend>_kwic_first_page_ms,
<backend>_keyness_s, each beside its floor (the issue's target) and its ratio to
it, the plain SQL count of all running words in the same run
(<backend>_sql_count_s), and the time of a collocation table
(<backend>_collocations_s, no target). Beside each time, the CPU time of this
process (process_cpu): on a shared machine the wall time includes waiting for a
core; on SQLite the query work is in the process, on PostgreSQL in the server.
Run: python tests/bench/bench_words.py [--words N] [--backends sqlite,postgresql]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from synthetic import on_backends  # noqa: E402

from qualcode.analysis import keyness as stats  # noqa: E402
from qualcode.core.model import ParsedDocument, ParsedTurn  # noqa: E402
from qualcode.services import words  # noqa: E402
from qualcode.services.collocations import collocations  # noqa: E402
from qualcode.services.project import create_project  # noqa: E402

DOCUMENTS = 200
TURN_WORDS = 100
FLOORS = {"words_s": 2.0, "kwic_first_page_ms": 200.0, "keyness_s": 2.0}


def vocabulary(rng: random.Random, size: int = 20_000) -> list[str]:
    letters = "abdefghijklmnoprstuvyåäö"
    return ["".join(rng.choice(letters) for _ in range(rng.randint(3, 10))) for _ in range(size)]


def build(target: str, total_words: int) -> None:
    store = create_project(target, name="bench")
    rng = random.Random(7)
    vocab = vocabulary(rng)
    weights = [1 / (rank + 1) for rank in range(len(vocab))]
    per_doc = total_words // DOCUMENTS
    for d in range(DOCUMENTS):
        drawn = rng.choices(vocab, weights, k=per_doc)
        turns, parts, at = [], [], 0
        for t in range(0, per_doc, TURN_WORDS):
            label = ("Dialogledare", "Rektor")[(t // TURN_WORDS) % 2]
            body = " ".join(drawn[t:t + TURN_WORDS]) + "."
            parts.append(f"{label}: {body}\n\n")
            start = at + len(label) + 2
            turns.append(ParsedTurn(label, start, start + len(body)))
            at += len(parts[-1])
        parsed = ParsedDocument(name=f"doc{d:04d}", text="".join(parts), format="md", turns=tuple(turns),
                                attributes={"school": f"skola {d % 10}"})
        with store.unit_of_work() as uow:
            uow.documents.add(parsed, language="sv", word_count=per_doc, sha256=uuid.uuid4().hex, segments=[],
                              speaker_attributes={"Dialogledare": {"level": "state", "role": "dialogledare"},
                                                  "Rektor": {"level": "school", "role": "rektor"}})
    store.close()


def measure(target: str, backend: str, total_words: int) -> None:
    build(target, total_words)
    from qualcode.services.project import open_project

    store = open_project(target)
    started = time.perf_counter()
    words.index_words(store)
    print(f"{backend}_index_s={time.perf_counter() - started:.2f}")
    started = time.perf_counter()
    with store.unit_of_work() as uow:
        total = uow.words.total(words.WordFilter())
    print(f"{backend}_sql_count_s={time.perf_counter() - started:.3f}")
    print(f"{backend}_running_words={total}")
    started = time.perf_counter()
    words.frequencies(store, lemma=True, limit=50)  # loads the stop lists and lemma tables once
    stats.corrected(stats.p_values([1.0, 2.0]), "bh")  # and scipy and statsmodels
    print(f"{backend}_first_call_s={time.perf_counter() - started:.2f}")
    figures: dict[str, float] = {}
    cpu: dict[str, float] = {}

    def timed(name: str, call, scale: float = 1.0):  # type: ignore[no-untyped-def]
        started, used = time.perf_counter(), time.process_time()
        result = call()
        figures[name] = (time.perf_counter() - started) * scale
        cpu[name] = (time.process_time() - used) * scale
        return result

    table = timed("words_s", lambda: words.frequencies(store, lemma=False, limit=50))
    common = table.words[0].word
    timed("kwic_first_page_ms", lambda: words.kwic(store, common, limit=50), 1000)
    timed("keyness_s", lambda: words.keyness(store, "level", "state", "school", lemma=False))
    for name, value in figures.items():
        print(f"{backend}_{name}={value:.3f} floor={FLOORS[name]} ratio={value / FLOORS[name]:.2f} "
              f"process_cpu={cpu[name]:.3f}")
    # No target in the issue: collocations of a mid-frequency word (rank 50), window 5.
    node = table.words[min(49, len(table.words) - 1)].word
    started = time.perf_counter()
    found = collocations(store, node, lemma=False, window=5)
    print(f"{backend}_collocations_s={time.perf_counter() - started:.3f} node_count={found.node_count}")
    store.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--words", type=int, default=1_000_000)
    parser.add_argument("--backends", default="sqlite,postgresql")
    args = parser.parse_args()
    on_backends(args.backends.split(","), lambda target, backend: measure(target, backend, args.words))


if __name__ == "__main__":
    main()
