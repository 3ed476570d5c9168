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

The floor is the same work done with nothing in between, one part after the other:
loading spaCy in a fresh process (``import spacy`` and the blank pipeline), its
tokenisation of the turns (the spaCy pass above), and bare ``sqlite3`` inserts of the
rows the import stored (documents, attributes, speakers, turns, segments, search text
and the full-text index), read back from the project and written to an empty copy of
its schema with the project's pragmas, one transaction per document. ``ratio_to_floor``
is floor seconds over import seconds (target >= 0.8); ``floor_*_s`` say which part of the
floor is the limit. The import may beat its floor: its worker segments while it writes.

Beside the service call, ``cli_import_s`` times the installed ``qualcode import`` of the
same files into a new project, end to end (``cli_ratio_to_floor`` likewise).

Run: python tests/bench/bench_import.py [--words N]
"""

from __future__ import annotations

import argparse
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from cli_timing import cli_seconds  # noqa: E402

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


SPACY_LOAD = ("import time; started = time.perf_counter(); import spacy; "
              "nlp = spacy.blank('sv'); nlp.add_pipe('sentencizer'); print(time.perf_counter() - started)")
# Tables an import writes, with the column that ties a row to its document.
DOCUMENT_TABLES = (("documents", "id"), ("document_attributes", "document_id"), ("speakers", "document_id"),
                   ("turns", "document_id"), ("segments", "document_id"), ("search_text", "document_id"))


def spacy_load_seconds() -> float:
    """``import spacy`` plus a blank Swedish pipeline, in a fresh process (the faster of two)."""
    return min(float(subprocess.run([sys.executable, "-c", SPACY_LOAD], capture_output=True, text=True,
                                    check=True).stdout) for _ in range(2))


def sqlite_floor_seconds(project: Path, folder: Path) -> tuple[float, float]:
    """Bare sqlite3 inserts of the project's imported rows into an empty copy of its schema,
    one transaction per document: (rows seconds, full-text index seconds)."""
    source = sqlite3.connect(project)
    schema = [sql for (sql,) in source.execute(
        "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'search_fts_%' "
        "AND name NOT LIKE 'sqlite_%' "
        "ORDER BY type = 'table' DESC, type = 'index' DESC")]
    rows: dict[str, dict[int, list[tuple[object, ...]]]] = {}
    for table, key in DOCUMENT_TABLES:
        grouped: dict[int, list[tuple[object, ...]]] = {}
        for row in source.execute(f"SELECT {key}, * FROM {table}"):
            grouped.setdefault(row[0], []).append(row[1:])
        rows[table] = grouped
    speaker_attributes: dict[int, list[tuple[object, ...]]] = {}
    for row in source.execute("SELECT s.document_id, a.* FROM speaker_attributes a "
                              "JOIN speakers s ON s.id = a.speaker_id"):
        speaker_attributes.setdefault(row[0], []).append(row[1:])
    source.close()
    target = sqlite3.connect(folder / "floor.sqlite", isolation_level=None)
    for pragma in ("foreign_keys = ON", "journal_mode = WAL", "synchronous = NORMAL"):
        target.execute(f"PRAGMA {pragma}")
    for sql in schema:
        target.execute(sql)
    rows_s = fts_s = 0.0
    for document_id in rows["documents"]:
        started = time.perf_counter()
        target.execute("BEGIN")
        for table, _ in DOCUMENT_TABLES:
            batch = rows[table].get(document_id, [])
            if batch:
                marks = ", ".join("?" * len(batch[0]))
                target.executemany(f"INSERT INTO {table} VALUES ({marks})", batch)
            if table == "speakers":
                batch = speaker_attributes.get(document_id, [])
                if batch:
                    target.executemany("INSERT INTO speaker_attributes VALUES (?, ?, ?)", batch)
        middle = time.perf_counter()
        target.execute("INSERT INTO search_fts(rowid, terms) SELECT segment_id, terms FROM search_text "
                       "WHERE document_id = ?", (document_id,))
        target.execute("COMMIT")
        ended = time.perf_counter()
        rows_s += middle - started
        fts_s += ended - middle
    target.close()
    return rows_s, fts_s


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
    parser.add_argument("--no-cli", dest="cli", action="store_false", help="Skip the end-to-end qualcode import.")
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
        load_s = spacy_load_seconds()
        rows_s, fts_s = sqlite_floor_seconds(folder / "bench.qualcode", folder)
        cli_s = None
        if args.cli:
            create_project(folder / "cli.qualcode").close()
            cli_s = cli_seconds("import", *map(str, paths), "--language", "sv", "--quiet",
                                "--db", str(folder / "cli.qualcode"), cwd=folder)
    own = words / elapsed
    tokenise_s = words / reference
    floor_s = load_s + tokenise_s + rows_s + fts_s
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
    print(f"floor_spacy_load_s={load_s:.2f}")
    print(f"floor_tokenise_s={tokenise_s:.2f}")
    print(f"floor_sqlite_rows_s={rows_s:.2f}")
    print(f"floor_sqlite_fts_s={fts_s:.2f}")
    print(f"floor_s={floor_s:.2f}")
    print(f"floor_words_per_s={words / floor_s:.0f}")
    print(f"ratio_to_floor={floor_s / elapsed:.2f}")
    if cli_s is not None:
        print(f"cli_import_s={cli_s:.1f}")
        print(f"cli_ratio_to_floor={floor_s / cli_s:.2f}")
    print(f"import_words_per_s={own:.0f} ratio_to_spacy={own / reference:.2f} ratio_to_floor={floor_s / elapsed:.2f}")


if __name__ == "__main__":
    main()
