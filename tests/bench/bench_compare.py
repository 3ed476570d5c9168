"""A 40-code x 6-group comparison matrix over 1,000,000 codings, SQLite and PostgreSQL.

Builds the project through the storage layer (as bench_retrieval.py does), then times
``compare`` (SQL aggregation plus the chi-square test) by a document attribute and by a
speaker-level attribute. Target: under 1 s each.

Prints per backend: <backend>_build_s, <backend>_matrix_ms, <backend>_matrix_speaker_ms,
<backend>_total, and target_ms=1000.
Run: python tests/bench/bench_compare.py [--codings N] [--backends sqlite,postgresql]
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from qualcode.core.codebook import CodebookSpec, CodeSpec  # noqa: E402
from qualcode.core.model import CodingOrigin, ParsedDocument, ParsedTurn, SegmentKind  # noqa: E402
from qualcode.services import codebook, compare  # noqa: E402
from qualcode.services.project import create_project  # noqa: E402
from qualcode.storage.repositories.documents import NewSegment  # noqa: E402

SENTENCE = "Vi följer upp resultaten i kvalitetsdialogen med förvaltningen varje termin. "
CODES, GROUPS, DOCUMENTS, SEGMENTS_PER_DOC = 40, 6, 120, 500


def build(store, codings: int) -> None:  # type: ignore[no-untyped-def]
    spec = CodebookSpec("bench", "Bench", codes=tuple(
        CodeSpec(f"c{i:02d}", f"Code {i}", definition="Benchmark code.") for i in range(CODES)))
    codebook.load_spec(store, spec)
    rng = random.Random(11)
    with store.unit_of_work() as uow:
        code_ids = [c.id for c in uow.codebooks.codes(uow.codebooks.get_by_slug("bench").id)]
        coder_ids = [uow.coders.get_or_create(name).id for name in ("anna", "bo")]
    step = len(SENTENCE)
    for d in range(DOCUMENTS):
        text = SENTENCE * SEGMENTS_PER_DOC
        turns = tuple(ParsedTurn("Rektor" if t % 2 else "Lärare", t * step * 10,
                                 min((t + 1) * step * 10, len(text)) - 1) for t in range(SEGMENTS_PER_DOC // 10))
        parsed = ParsedDocument(name=f"doc{d:04d}", text=text, format="txt", turns=turns,
                                attributes={"group": f"g{d % GROUPS + 1}"})
        segments = [NewSegment(SegmentKind.SENTENCE, i * step, (i + 1) * step - 1, i // 10)
                    for i in range(SEGMENTS_PER_DOC)]
        with store.unit_of_work() as uow:
            doc_id = uow.documents.add(parsed, language="sv", word_count=SEGMENTS_PER_DOC * 11,
                                       sha256=uuid.uuid4().hex, segments=segments,
                                       speaker_attributes={"Rektor": {"role": "rektor"},
                                                           "Lärare": {"role": "lärare"}})
            rows = []
            for _ in range(codings // DOCUMENTS):
                i = rng.randrange(SEGMENTS_PER_DOC)
                rows.append({"document_id": doc_id, "code_id": rng.choice(code_ids),
                             "coder_id": rng.choice(coder_ids), "start": i * step,
                             "end": (i + 1) * step - 1, "origin": str(CodingOrigin.IMPORTED)})
            uow.codings.add_many(rows)


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
        build(store, codings)
        print(f"{name}_build_s={time.perf_counter() - started:.0f}")
        ms, matrix = timed(store, "group")
        assert len(matrix.rows) == CODES and len(matrix.columns) == GROUPS
        print(f"{name}_matrix_ms={ms:.0f}")
        speaker_ms, _ = timed(store, "role")
        print(f"{name}_matrix_speaker_ms={speaker_ms:.0f}")
        print(f"{name}_total={sum(map(sum, matrix.codings))}")
    finally:
        store.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--codings", type=int, default=1_000_000)
    parser.add_argument("--backends", default="sqlite,postgresql")
    args = parser.parse_args()
    print("target_ms=1000")
    backends = args.backends.split(",")
    if "sqlite" in backends:
        with tempfile.TemporaryDirectory() as tmp:
            measure(str(Path(tmp) / "bench.qualcode"), "sqlite", args.codings)
    if "postgresql" in backends:
        import psycopg

        admin_url = os.environ.get("QUALCODE_TEST_PG", "postgresql://127.0.0.1:5432/test")
        name = f"qualcode_bench_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
            try:
                measure(f"{admin_url.rsplit('/', 1)[0]}/{name}", "postgresql", args.codings)
            finally:
                admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
