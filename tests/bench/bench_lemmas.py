"""Lemma accuracy of every method on the hand-written gold lists, compound precision,
and import throughput with the previous lemmatizer and with the current one.

Accuracy (tests/fixtures/lemmas, see tests/lemma_gold.py): the share of gold forms
given a right lemma, and the same on the gold forms among the demo corpus's 1,000 most
frequent, weighted by their frequency; each method with and without qualcode's
corrections of the tables (``analysis/wordlists.py``). Compound precision: every
Swedish gold form is split as if unknown; of the gold compounds the rule split, the
share split at the right head with the right lemma.

Import: the corpus of bench_import.py (copies of the demo transcripts), imported into
a new SQLite project with spaCy's lookup table alone, as qualcode looked lemmas up
before, and with the default lemmatizer, alternating, the best of two runs each (--rounds), after
a small warm-up import; the tables' cached copies exist before any run. Workers get the
previous lookup by fork (Linux); elsewhere both runs use the current one. Prints
words, import_words_per_s_before, import_words_per_s_now, the best import times
(import_s_before, import_s_now) and ratio_before_to_now (now's time over before's: at
most 1.1 is the goal), and the same per CPU second, workers included, which says more
where other programs share the machine. Then the part of the import that lemmas change
alone (each sentence's search terms, from cold caches), in CPU seconds of one process:
lemma_part_cpu_s_before, lemma_part_cpu_s_now and their ratio, the figure a loaded
machine disturbs least.

Run: python tests/bench/bench_lemmas.py [--words N] [--rounds N] [--no-import]
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from qualcode.analysis.lemmas import (  # noqa: E402
    DEFAULT_METHOD,
    METHODS,
    Lemmatizer,
    TableLookup,
    method_tables,
    read_table,
    split_compound,
)
from qualcode.analysis.wordlists import LEMMA_CORRECTIONS  # noqa: E402
from qualcode.services import corpus, segmentation  # noqa: E402
from qualcode.services import lemmas as lemma_service  # noqa: E402
from qualcode.services.project import create_project  # noqa: E402
from tests.bench.bench_import import generate  # noqa: E402
from tests.lemma_gold import accuracy, compound_precision  # noqa: E402


def whole_table_lemmatizer(method: str, language: str, corrections: bool) -> Lemmatizer:
    sources, compounds = method_tables(method)
    return Lemmatizer(language, [TableLookup(read_table(source, language)) for source in sources],
                      compounds=compounds, overrides=LEMMA_CORRECTIONS[language] if corrections else None)


def print_accuracy() -> None:
    for language in ("sv", "en"):
        for method in METHODS:
            for corrections in (False, True):
                name = f"{language}_{method}{'+corrections' if corrections else ''}".replace("+", "_")
                found = accuracy(language, whole_table_lemmatizer(method, language, corrections).lookup)
                print(f"{name}_accuracy={found.accuracy:.4f}")
                print(f"{name}_frequent_weighted={found.frequent_weighted:.4f}")
        print(f"{language}_gold_forms={found.forms}")
        print(f"{language}_gold_frequent_forms={found.frequent_forms}")
    for method in ("simplemma+compounds", "spacy+compounds"):
        lemmatizer = whole_table_lemmatizer(method, "sv", True)
        known = lemmatizer.known(set())  # every table is whole: no batch to fetch

        def split(word: str) -> tuple[str, str] | None:
            parts = split_compound(word, known)  # noqa: B023 - used at once
            return None if parts is None else (parts[0] + parts[2], parts[2])

        found = compound_precision(split)
        name = method.replace("+", "_")
        print(f"sv_{name}_compounds={found.compounds}")
        print(f"sv_{name}_compound_split={found.split}")
        print(f"sv_{name}_compound_precision={found.precision:.4f}")
        print(f"sv_{name}_compound_recall={found.recall:.4f}")


class _Before:
    """The lookup qualcode did before: spaCy's table, forms to lemmas, nothing more."""

    def __init__(self, language: str) -> None:
        self.index_lookup = lemma_service.table("spacy", language).lookup


def _cpu_seconds() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def import_words_per_s(paths: list[Path], folder: Path, name: str) -> tuple[int, float, float, float]:
    """Words, words per second of wall time, and per CPU second (workers included), and
    the import's seconds."""
    store = create_project(folder / f"{name}.qualcode")
    try:
        started, cpu = time.perf_counter(), _cpu_seconds()
        report = corpus.import_paths(store, paths, language="sv")
        elapsed, cpu = time.perf_counter() - started, _cpu_seconds() - cpu
        return report.words, report.words / elapsed, report.words / cpu, elapsed
    finally:
        store.close()


def _cold_lookup(method: str, language: str) -> Callable[[str], object]:
    """What ``segmentation.lemmatizer`` gives, built afresh: no word looked up yet, as in
    a new worker process ("spacy": the lookup qualcode did before)."""
    sources, compounds = method_tables(method)
    tables = [lemma_service.table.__wrapped__(source, language) for source in sources]
    if method == "spacy":
        fresh: object = SimpleNamespace(index_lookup=tables[0].lookup)
    else:
        fresh = Lemmatizer(language, tables, compounds=compounds, overrides=LEMMA_CORRECTIONS[language])
    return lambda _language: fresh


def print_lemma_part(paths: list[Path], rounds: int) -> None:
    """CPU seconds of the part of an import that lemmas change (each sentence's search
    terms, :func:`segmentation.sentence_terms`), over every document, from cold caches
    each time, before and now alternating, the best of each. One process and CPU time,
    so it is the figure that other programs on the machine disturb least."""
    from qualcode.importers.base import read_source

    segmented: dict[str, tuple[str, list]] = {}  # the corpus repeats its transcripts: segment each once
    documents = []
    for path in paths:
        parsed = read_source(path)
        body = parsed.text
        if body not in segmented:
            segmented[body] = (body, segmentation.segmenter_for("sv").units(body, parsed.turns)[1])
        documents.append(segmented[body])
    best = {"spacy": float("inf"), DEFAULT_METHOD: float("inf")}
    current = segmentation.lemmatizer
    try:
        for _ in range(rounds):
            for method in best:
                segmentation.lemmatizer = _cold_lookup(method, "sv")  # type: ignore[assignment]
                started = time.process_time()
                for text, sentences in documents:
                    segmentation.sentence_terms(text, sentences, "sv")
                best[method] = min(best[method], time.process_time() - started)
    finally:
        segmentation.lemmatizer = current  # type: ignore[assignment]
    print(f"lemma_part_cpu_s_before={best['spacy']:.3f}")
    print(f"lemma_part_cpu_s_now={best[DEFAULT_METHOD]:.3f}")
    print(f"lemma_part_ratio_now_to_before={best[DEFAULT_METHOD] / best['spacy']:.3f}")


def print_import(words: int, rounds: int = 2) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "in").mkdir()
        paths = generate(folder / "in", words)
        sample = ["skolorna", "kvalitetsdialogerna"]
        lemma_service.table("spacy", "sv").lookup(sample)  # the cached copies exist before
        lemma_service.lemmatizer("sv").lookup(sample)
        import_words_per_s(paths[:2], folder, "warm-up")  # spaCy loaded, files in the page cache
        before, now, before_cpu, now_cpu, total = 0.0, 0.0, 0.0, 0.0, 0
        before_s, now_s = float("inf"), float("inf")
        for run in range(rounds):  # alternating, the best of each: the machine's load varies
            current = segmentation.lemmatizer
            segmentation.lemmatizer = _Before  # type: ignore[assignment]
            try:
                _, wall, cpu, seconds = import_words_per_s(paths, folder, f"before-{run}")
            finally:
                segmentation.lemmatizer = current  # type: ignore[assignment]
            before, before_cpu, before_s = max(before, wall), max(before_cpu, cpu), min(before_s, seconds)
            total, wall, cpu, seconds = import_words_per_s(paths, folder, f"now-{run}")
            now, now_cpu, now_s = max(now, wall), max(now_cpu, cpu), min(now_s, seconds)
        print(f"words={total}")
        print(f"default_method={DEFAULT_METHOD}")
        print(f"import_words_per_s_before={before:.0f}")
        print(f"import_words_per_s_now={now:.0f}")
        print(f"import_s_before={before_s:.2f}")
        print(f"import_s_now={now_s:.2f}")
        print(f"ratio_before_to_now={before / now:.3f}")
        print(f"import_words_per_cpu_s_before={before_cpu:.0f}")
        print(f"import_words_per_cpu_s_now={now_cpu:.0f}")
        print(f"cpu_ratio_before_to_now={before_cpu / now_cpu:.3f}")
        print_lemma_part(paths, rounds)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--words", type=int, default=1_000_000)
    parser.add_argument("--no-import", action="store_true")
    parser.add_argument("--rounds", type=int, default=2, help="imports of each kind, alternating (best taken)")
    args = parser.parse_args()
    print_accuracy()
    if not args.no_import:
        print_import(args.words, args.rounds)


if __name__ == "__main__":
    main()
