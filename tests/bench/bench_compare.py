"""A 40-code x 6-group comparison matrix over 1,000,000 codings, SQLite and PostgreSQL.

Builds the project through the storage layer (as bench_retrieval.py does), then times
``compare`` (SQL aggregation plus the chi-square test) by a document attribute and by a
speaker-level attribute. Target: under 1 s each.

Prints per backend: <backend>_build_s, <backend>_matrix_ms, <backend>_matrix_speaker_ms,
<backend>_total, and target_ms=1000; beside them <backend>_cli_compare_ms and
<backend>_cli_cooccur_ms, the installed ``qualcode compare``/``cooccur`` end to end.
Run: python tests/bench/bench_compare.py [--codings N] [--backends sqlite,postgresql]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from cli_timing import cli_seconds  # noqa: E402
from synthetic import Shape, build, on_backends  # noqa: E402

from qualcode.services import compare  # noqa: E402
from qualcode.services.project import create_project  # noqa: E402

CODES, GROUPS, DOCUMENTS, SEGMENTS_PER_DOC = 40, 6, 120, 500


def shape(codings: int) -> Shape:
    return Shape(CODES, DOCUMENTS, SEGMENTS_PER_DOC, codings, seed=11,
                 document_attribute=lambda d: {"group": f"g{d % GROUPS + 1}"},
                 speakers=("Rektor", "Lärare"),
                 speaker_attributes={"Rektor": {"role": "rektor"}, "Lärare": {"role": "lärare"}})


def timed(store, by: str) -> tuple[float, compare.ComparisonMatrix]:  # type: ignore[no-untyped-def]
    query = compare.ComparisonQuery("bench", by)
    compare.compare(store, query)  # warm caches and the scipy import
    started = time.perf_counter()
    matrix = compare.compare(store, query)
    return (time.perf_counter() - started) * 1000, matrix


def measure(target: str, name: str, codings: int) -> None:
    store = create_project(target)
    try:
        started = time.perf_counter()
        build(store, shape(codings))
        print(f"{name}_build_s={time.perf_counter() - started:.0f}")
        ms, matrix = timed(store, "group")
        assert len(matrix.rows) == CODES and len(matrix.columns) == GROUPS
        print(f"{name}_matrix_ms={ms:.0f}")
        speaker_ms, _ = timed(store, "role")
        print(f"{name}_matrix_speaker_ms={speaker_ms:.0f}")
        print(f"{name}_total={sum(map(sum, matrix.codings))}")
        # The same matrix as the researcher asks for it: a fresh process, then the table.
        db = str(store.location.path or store.location.url)
        print(f"{name}_cli_compare_ms={cli_seconds('compare', '-c', 'bench', '--by', 'group', '--db', db) * 1000:.0f}")
        print(f"{name}_cli_cooccur_ms={cli_seconds('cooccur', '-c', 'bench', '--db', db, '--json') * 1000:.0f}")
    finally:
        store.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--codings", type=int, default=1_000_000)
    parser.add_argument("--backends", default="sqlite,postgresql")
    args = parser.parse_args()
    print("target_ms=1000")
    on_backends(args.backends.split(","), lambda target, name: measure(target, name, args.codings))


if __name__ == "__main__":
    main()
