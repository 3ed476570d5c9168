"""Retrieval of one code over 1,000,000 codings on 200,000 segments, SQLite and PostgreSQL.

Builds the project through the storage layer directly (importing 200,000 sentences
through spaCy would time the importer, not retrieval), then times the first page of
``retrieve`` and the full count, as the CLI and TUI call them.

Prints per backend: <backend>_first_page_ms, <backend>_count_ms, <backend>_total.
Run: python tests/bench/bench_retrieval.py [--codings N] [--segments N] [--backends sqlite,postgresql]
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
from qualcode.services import codebook, retrieval  # noqa: E402
from qualcode.services.project import create_project  # noqa: E402
from qualcode.storage.repositories.documents import NewSegment  # noqa: E402

SENTENCE = "Vi följer upp resultaten i kvalitetsdialogen med förvaltningen varje termin. "
CODES = 50
DOCUMENTS = 200


def build(store, segments: int, codings: int) -> None:  # type: ignore[no-untyped-def]
    spec = CodebookSpec("bench", "Bench", codes=tuple(
        CodeSpec(f"c{i:02d}", f"Code {i}", definition="Benchmark code.") for i in range(CODES)))
    codebook.load_spec(store, spec)
    per_doc = segments // DOCUMENTS
    rng = random.Random(7)
    with store.unit_of_work() as uow:
        code_ids = [c.id for c in uow.codebooks.codes(uow.codebooks.get_by_slug("bench").id)]
        coder_ids = [uow.coders.get_or_create(name).id for name in ("anna", "bo")]
    step = len(SENTENCE)
    for d in range(DOCUMENTS):
        text = SENTENCE * per_doc
        turns = tuple(ParsedTurn("Rektor" if t % 2 else "Intervjuare", t * step * 10,
                                 min((t + 1) * step * 10, len(text)) - 1) for t in range(per_doc // 10))
        parsed = ParsedDocument(name=f"doc{d:04d}", text=text, format="txt", turns=turns,
                                attributes={"school": f"skola {d % 4 + 1}"})
        new_segments = [NewSegment(SegmentKind.SENTENCE, i * step, (i + 1) * step - 1, i // 10)
                        for i in range(per_doc)]
        with store.unit_of_work() as uow:
            doc_id = uow.documents.add(parsed, language="sv", word_count=per_doc * 11, sha256=uuid.uuid4().hex,
                                       speaker_attributes={"Rektor": {"role": "rektor"}}, segments=new_segments)
            rows = []
            for _ in range(codings // DOCUMENTS):
                i = rng.randrange(per_doc)
                rows.append({"document_id": doc_id, "code_id": rng.choice(code_ids),
                             "coder_id": rng.choice(coder_ids), "start": i * step,
                             "end": (i + 1) * step - 1, "origin": str(CodingOrigin.IMPORTED)})
            uow.codings.add_many(rows)


def measure(target: str, name: str, segments: int, codings: int) -> None:
    store = create_project(target)
    try:
        started = time.perf_counter()
        build(store, segments, codings)
        print(f"{name}_build_s={time.perf_counter() - started:.0f}")
        retrieval.retrieve(store, "c07", limit=50, with_total=False)  # warm the caches once
        started = time.perf_counter()
        page = retrieval.retrieve(store, "c07", limit=50, with_total=False)
        first_ms = (time.perf_counter() - started) * 1000
        started = time.perf_counter()
        total = retrieval.count(store, "c07")
        count_ms = (time.perf_counter() - started) * 1000
        assert len(page.passages) == 50
        print(f"{name}_first_page_ms={first_ms:.1f}")
        print(f"{name}_count_ms={count_ms:.1f}")
        print(f"{name}_total={total}")
    finally:
        store.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--codings", type=int, default=1_000_000)
    parser.add_argument("--segments", type=int, default=200_000)
    parser.add_argument("--backends", default="sqlite,postgresql")
    args = parser.parse_args()
    backends = args.backends.split(",")
    if "sqlite" in backends:
        with tempfile.TemporaryDirectory() as tmp:
            measure(str(Path(tmp) / "bench.qualcode"), "sqlite", args.segments, args.codings)
    if "postgresql" in backends:
        import psycopg

        admin_url = os.environ.get("QUALCODE_TEST_PG", "postgresql://127.0.0.1:5432/test")
        name = f"qualcode_bench_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
            try:
                measure(f"{admin_url.rsplit('/', 1)[0]}/{name}", "postgresql", args.segments, args.codings)
            finally:
                admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
