"""Benchmark: merging two coders' projects of 200 documents and 100,000 codings each.

Run: ``python tests/bench/bench_team.py [documents] [codings] [sqlite|postgresql]``.
Prints ``name=value`` lines, each timing beside its target. Not collected by pytest.

A base project (every document a text of its own, half the codings) is copied; each
copy then gets the other half of its codings on its own (so half of each side's
codings are on both sides and must not be doubled), a memo per document, a renamed and
a moved code on the copy, and ten documents only the copy has. The copy is merged into
the original with ``--codes keep-theirs``; the dry run before it must report what the
merge then writes, and one undo takes the merge back.

Then the team server's load run (``bench_team_load.py``: 8 coders on PostgreSQL for
120 s, operations per second, p95 latency per operation, lost updates) in a process of
its own; ``QUALCODE_BENCH_LOAD_S=0`` leaves it out, another figure sets its length.
"""

from __future__ import annotations

import os
import random
import sys
import tempfile
import time
import uuid
from pathlib import Path

from qualcode.core.codebook import CodebookSpec, CodeSpec
from qualcode.core.model import CodingOrigin, ParsedDocument, ParsedTurn, SegmentKind
from qualcode.services import codebook, coding, merge, transfer
from qualcode.services.project import create_project
from qualcode.storage.repositories.documents import NewSegment
from qualcode.storage.store import Store

DOCUMENTS = int(sys.argv[1]) if len(sys.argv) > 1 else 200
CODINGS = int(sys.argv[2]) if len(sys.argv) > 2 else 100_000
BACKEND = sys.argv[3] if len(sys.argv) > 3 else "sqlite"
TARGET_S = 30.0
ONLY_THEIRS = 10  # documents on the copy only
SENTENCES = 200  # per document
WORDS = ["vi", "följer", "upp", "resultaten", "med", "förvaltningen", "och", "lärarna", "ser", "sällan",
         "underlagen", "varje", "termin", "rektorn", "talar", "om", "kvalitet"]


def _text(rng: random.Random) -> tuple[str, list[tuple[int, int]]]:
    spans, parts, at = [], [], 0
    for _ in range(SENTENCES):
        sentence = " ".join(rng.choices(WORDS, k=rng.randint(6, 14))).capitalize() + ". "
        spans.append((at, at + len(sentence) - 1))
        parts.append(sentence)
        at += len(sentence)
    return "".join(parts), spans


def _add_documents(store: Store, first: int, count: int, rng: random.Random) -> dict[int, list[tuple[int, int]]]:
    spans_of = {}
    with store.unit_of_work() as uow:
        for d in range(first, first + count):
            text, spans = _text(rng)
            turns = tuple(ParsedTurn("Rektor" if t % 2 else "Intervjuare", spans[t * 10][0], spans[t * 10 + 9][1])
                          for t in range(SENTENCES // 10))
            parsed = ParsedDocument(name=f"doc{d:04d}", text=text, format="txt", turns=turns,
                                    attributes={"school": f"skola {d % 7}"})
            segments = [NewSegment(SegmentKind.SENTENCE, s, e, i // 10) for i, (s, e) in enumerate(spans)]
            doc_id = uow.documents.add(parsed, language="sv", word_count=len(text.split()), sha256=uuid.uuid4().hex,
                                       segments=segments, speaker_attributes={}).id
            spans_of[doc_id] = spans
    return spans_of


def _code(store: Store, spans_of: dict[int, list[tuple[int, int]]], count: int, coders: tuple[str, ...],
          rng: random.Random) -> None:
    with store.unit_of_work() as uow:
        code_ids = [c.id for c in uow.codebooks.codes()]
        coder_ids = [uow.coders.get_or_create(name).id for name in coders]
        documents = sorted(spans_of)
        rows = []
        for _ in range(count):
            doc = rng.choice(documents)
            start, end = rng.choice(spans_of[doc])
            rows.append({"document_id": doc, "code_id": rng.choice(code_ids), "coder_id": rng.choice(coder_ids),
                         "start": start, "end": end, "origin": str(CodingOrigin.MANUAL)})
        uow.codings.add_many(rows)
        for doc in documents[:50]:
            uow.memos.add("document", doc, coder_ids[0], f"{coders[0]} on document {doc}: {rng.random():.6f}")


def _build(ours_target: str, theirs_target: str) -> None:
    rng = random.Random(7)
    base = create_project(ours_target, name="bench ours")
    spec = CodebookSpec("bench", "Bench", codes=(
        CodeSpec("c00", "Code 0"), *(CodeSpec(f"c{i:02d}", f"Code {i}", parent="c00" if i < 5 else None,
                                              definition="Benchmark code.") for i in range(1, 30))))
    codebook.load_spec(base, spec)
    spans_of = _add_documents(base, 0, DOCUMENTS - ONLY_THEIRS, rng)
    _code(base, spans_of, CODINGS // 2, ("anna", "bo"), rng)
    base_path = base.location.url if base.location.path is None else str(base.location.path)
    base.close()
    transfer.copy_project(base_path, theirs_target)
    ours, theirs = Store.open(base_path), Store.open(theirs_target)
    try:
        _code(ours, spans_of, CODINGS - CODINGS // 2, ("anna", "bo"), random.Random(11))
        more = _add_documents(theirs, DOCUMENTS - ONLY_THEIRS, ONLY_THEIRS, random.Random(13))
        _code(theirs, {**spans_of, **more}, CODINGS - CODINGS // 2, ("cecilia", "dag"), random.Random(17))
        coding.rename_code(theirs, "c01", "cecilia", label_en="Code one, renamed")
        with theirs.unit_of_work() as uow:  # c02 moved to the top level on their side
            uow.merging.set_code_fields(uow.codebooks.find_codes("c02")[0].id, {"parent_id": None})
            uow.coders.get_or_create("lead")
        with ours.unit_of_work() as uow:
            uow.coders.get_or_create("lead")
    finally:
        ours.close()
        theirs.close()


def _counts(store: Store) -> dict[str, int]:
    with store.unit_of_work() as uow:
        counts = uow.content_counts()
    counts.pop("last_event")
    counts.pop("events", None)
    return counts


def _measure(ours_target: str, theirs_target: str) -> None:
    started = time.perf_counter()
    _build(ours_target, theirs_target)
    print(f"build_s={time.perf_counter() - started:.1f}")
    ours = Store.open(ours_target)
    try:
        with ours.unit_of_work() as uow:
            print(f"codings_ours={uow.codings.count()}")
        before = _counts(ours)
        started = time.perf_counter()
        preview = merge.merge_project(ours, theirs_target, rule="keep-theirs", dry_run=True)
        dry_s = time.perf_counter() - started
        started = time.perf_counter()
        done = merge.merge_project(ours, theirs_target, rule="keep-theirs", coder="lead")
        merge_s = time.perf_counter() - started
        after = _counts(ours)
        started = time.perf_counter()
        coding.undo(ours, "lead")
        undo_s = time.perf_counter() - started
        restored = _counts(ours) == before
    finally:
        ours.close()
    c = done.counts
    print(f"backend={BACKEND}")
    print(f"documents={DOCUMENTS}")
    print(f"codings_per_side={CODINGS}")
    print(f"documents_matched={c['documents_matched']}")
    print(f"documents_added={c['documents_added']}")
    print(f"codings_added={c['codings_added']}")
    print(f"codings_already_present={c['codings_already_present']}")
    print(f"memos_added={c['memos_added']}")
    print(f"codes_changed={c['codes_changed']}")
    print(f"dry_run_matches_merge={int(preview.counts == done.counts)}")
    print(f"rows_match_counts={int(after['codings'] - before['codings'] == c['codings_added'])}")
    print(f"undo_restores_counts={int(restored)}")
    print(f"dry_run_s={dry_s:.2f}")
    print(f"merge_s={merge_s:.2f}")
    print(f"merge_target_s={TARGET_S:.0f}")
    print(f"merge_ratio_to_target={merge_s / TARGET_S:.3f}")
    print(f"undo_s={undo_s:.2f}")


def main() -> None:
    _merge_bench()
    seconds = float(os.environ.get("QUALCODE_BENCH_LOAD_S", "120"))
    if seconds > 0:
        import subprocess

        load = Path(__file__).with_name("bench_team_load.py")
        subprocess.run([sys.executable, str(load), "--seconds", str(seconds)], check=True)


def _merge_bench() -> None:
    if BACKEND == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            _measure(str(Path(tmp) / "ours.qualcode"), str(Path(tmp) / "theirs.qualcode"))
        return
    import psycopg

    admin_url = os.environ.get("QUALCODE_TEST_PG", "postgresql://127.0.0.1:5432/test")
    name = f"qualcode_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin_url, autocommit=True) as admin, tempfile.TemporaryDirectory() as tmp:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            _measure(f"{admin_url.rsplit('/', 1)[0]}/{name}", str(Path(tmp) / "theirs.qualcode"))
        finally:
            admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
