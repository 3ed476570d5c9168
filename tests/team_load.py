"""A team on one PostgreSQL project: coder processes applying, removing, memoing, undoing.

Shared by the test suite (tests/test_team_load.py, short) and the benchmark
(tests/bench/bench_team_load.py, long). ``python -m tests.team_load worker DB CODER SEED
SECONDS START_AT`` is one coder: until SECONDS have passed it applies a code (40 %),
removes one of its codings (15 %), writes a memo on one (15 %), undoes its last change
(10 %) or reloads one document's codings as a workbench refresh does (20 %), each
through the service layer as a user's action, and prints what it committed:

``ok ID DOC T``     coding ID on document DOC is committed (T: time after the commit)
``rm ID T``         coding ID is being removed (T: time before the call began)
``seen DOC T U IDS`` the refresh that began at T and ended at U saw these codings on DOC
``op KIND S``       one action of KIND took S seconds
``error TEXT``      an error that reached the user (must never happen)
``final JSON``      the codings and memos the coder believes are theirs at the end

:func:`check` then compares that with the database: a coding or memo a coder believes
is theirs but is missing (or one there that nobody believes in) is a lost update; a
refresh that missed a coding committed before it began, and not being removed before it
ended, is a stale read; an undo that reverted another coder's change is a foreign undo.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
KINDS = ("apply", "remove", "memo", "undo", "refresh")


def worker(db: str, coder: str, seed: int, seconds: float, start_at: float) -> None:
    from qualcode.errors import CodingError, QualcodeError
    from qualcode.services import coding
    from qualcode.services.coding import Span
    from qualcode.storage.store import Store

    rng = random.Random(seed)
    store = Store.open(db)
    with store.unit_of_work() as uow:
        documents = [(d.id, len(uow.documents.text(d.id))) for d in uow.documents.list()]
        codes = [c.key for b in uow.codebooks.list() for c in uow.codebooks.codes(b.id) if c.active]
    mine: dict[int, int] = {}  # coding id -> document id
    memos: dict[int, set[int]] = {}  # coding id -> ids of my memos on it
    stash: dict[int, tuple[int, set[int]]] = {}  # removed coding -> (document, memos), for an undo
    print("ready", flush=True)
    time.sleep(max(0.0, start_at - time.time()))
    end = time.time() + seconds

    def timed(kind: str, action, *args):  # type: ignore[no-untyped-def]
        began = time.perf_counter()
        try:
            return action(*args)
        finally:
            print(f"op {kind} {time.perf_counter() - began:.6f}", flush=True)

    while time.time() < end:
        roll = rng.random()
        try:
            if roll < 0.4 or not mine:
                doc, length = rng.choice(documents)
                start = rng.randrange(0, length - 1)
                span = Span(start, min(length, start + rng.randint(1, 200)))
                made = timed("apply", coding.apply_code, store, doc, rng.choice(codes), coder, span)
                mine[made.id] = doc
                memos[made.id] = set()
                print(f"ok {made.id} {doc} {time.time():.6f}", flush=True)
            elif roll < 0.55:
                gone = rng.choice(sorted(mine))
                print(f"rm {gone} {time.time():.6f}", flush=True)
                timed("remove", coding.remove_coding, store, gone, coder)
                stash[gone] = (mine.pop(gone), memos.pop(gone))
            elif roll < 0.7:
                target = rng.choice(sorted(mine))
                memo = timed("memo", coding.add_memo, store, "coding", target, f"note {rng.random():.6f}", coder)
                memos[target].add(memo.id)
            elif roll < 0.8:
                began = time.time()
                try:
                    what = timed("undo", coding.undo, store, coder)
                except CodingError:
                    continue  # refused, or nothing to undo: the coder is told, nothing changed
                words = what.split()
                number = int(words[1])
                if words[0] == "coding" and "removed again" in what:
                    print(f"rm {number} {began:.6f}", flush=True)
                    stash[number] = (mine.pop(number), memos.pop(number))
                elif words[0] == "coding" and "restored" in what:
                    doc, kept = stash.pop(number)
                    mine[number], memos[number] = doc, kept
                    print(f"ok {number} {doc} {time.time():.6f}", flush=True)
                elif words[0] == "memo" and "removed again" in what:
                    for own in memos.values():
                        own.discard(number)
                else:
                    print(f"error unexpected undo result: {what}", flush=True)
            else:
                doc, _ = rng.choice(documents)
                began = time.time()
                seen = timed("refresh", _refresh, store, doc)
                print(f"seen {doc} {began:.6f} {time.time():.6f} {' '.join(str(c.id) for c in seen)}", flush=True)
        except QualcodeError as exc:
            print(f"error {type(exc).__name__}: {exc.message}", flush=True)
    store.close()
    print("final " + json.dumps({"codings": sorted(mine), "memos": sorted(m for s in memos.values() for m in s)}),
          flush=True)


def _refresh(store, document: int):  # type: ignore[no-untyped-def]
    from qualcode.services import coding

    return coding.list_codings(store, document=str(document))


@dataclass
class Outcome:
    """What a run did and what the check found."""

    coders: int
    seconds: float
    latencies: dict[str, list[float]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    lost_updates: int = 0
    stale_reads: int = 0
    refreshes_checked: int = 0
    others_seen: int = 0  # codings of other coders found by refreshes, as they should be
    foreign_undos: int = 0
    stale_examples: list[str] = field(default_factory=list)
    undos: int = 0

    @property
    def operations(self) -> int:
        return sum(len(v) for v in self.latencies.values())

    def p95(self, kind: str) -> float:
        values = sorted(self.latencies.get(kind, []))
        return values[min(len(values) - 1, int(0.95 * len(values)))] if values else 0.0


def run(db: str, coders: list[str], seconds: float, *, seed: int = 0, delay: float = 6.0) -> Outcome:
    """Run one worker per coder at once for ``seconds`` and check the result against ``db``."""
    start_at = time.time() + delay
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("QUALCODE_CODER", None)
    processes = [(coder, subprocess.Popen(
        [sys.executable, "-m", "tests.team_load", "worker", db, coder, str(seed + n), str(seconds), str(start_at)],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
        for n, coder in enumerate(coders)]
    outcome = Outcome(len(coders), seconds)
    lines: dict[str, list[str]] = {}
    for coder, process in processes:
        out, err = process.communicate(timeout=seconds + 600)
        lines[coder] = out.splitlines()
        if process.returncode != 0 or err.strip():
            outcome.errors.append(f"{coder} (exit {process.returncode}): {err.strip()[-2000:]}")
    check(db, lines, outcome)
    return outcome


def check(db: str, lines: dict[str, list[str]], outcome: Outcome) -> None:
    from sqlalchemy import select

    from qualcode.storage.schema import CoderRow, CodingRow, EventRow, MemoRow
    from qualcode.storage.store import Store

    history: dict[int, list[tuple[float, str]]] = {}  # coding -> [(time, "ok"|"rm")]
    document_of: dict[int, int] = {}
    owner: dict[int, str] = {}
    refreshes: list[tuple[str, int, float, float, set[int]]] = []
    believed: dict[str, dict] = {}
    for coder, output in lines.items():
        for line in output:
            word, _, rest = line.partition(" ")
            parts = rest.split()
            if word == "ok":
                history.setdefault(int(parts[0]), []).append((float(parts[2]), "ok"))
                document_of[int(parts[0])] = int(parts[1])
                owner[int(parts[0])] = coder
            elif word == "rm":
                history.setdefault(int(parts[0]), []).append((float(parts[1]), "rm"))
            elif word == "seen":
                refreshes.append((coder, int(parts[0]), float(parts[1]), float(parts[2]),
                                  {int(p) for p in parts[3:]}))
            elif word == "op":
                outcome.latencies.setdefault(parts[0], []).append(float(parts[1]))
            elif word == "error":
                outcome.errors.append(f"{coder}: {rest}")
            elif word == "final":
                believed[coder] = json.loads(rest)
        if coder not in believed:
            outcome.errors.append(f"{coder}: the worker did not finish")
    store = Store.open(db)
    try:
        with store.unit_of_work() as uow:
            session = uow.session
            names = dict(session.execute(select(CoderRow.id, CoderRow.name)).all())
            codings: dict[str, set[int]] = {}
            for coding_id, coder_id in session.execute(select(CodingRow.id, CodingRow.coder_id)):
                codings.setdefault(names[coder_id], set()).add(coding_id)
            memos: dict[str, set[int]] = {}
            for memo_id, coder_id in session.execute(select(MemoRow.id, MemoRow.coder_id)):
                memos.setdefault(names.get(coder_id, "?"), set()).add(memo_id)
            by_id = {e.id: e for e in session.scalars(select(EventRow).where(EventRow.kind == "undo"))}
            targets = {e.payload["event_id"] for e in by_id.values()}
            owners = dict(session.execute(select(EventRow.id, EventRow.coder_id).where(EventRow.id.in_(targets))).all())
    finally:
        store.close()
    for coder, belief in believed.items():
        outcome.lost_updates += len(set(belief["codings"]) ^ codings.get(coder, set()))
        outcome.lost_updates += len(set(belief["memos"]) ^ memos.get(coder, set()))
    strangers = set(codings) - set(believed)
    outcome.lost_updates += sum(len(codings[s]) for s in strangers)
    outcome.undos = len(by_id)
    outcome.foreign_undos = sum(1 for e in by_id.values() if owners.get(e.payload["event_id"]) != e.coder_id)
    for reader, document, began, ended, seen in refreshes:
        outcome.refreshes_checked += 1
        for coding_id, events in history.items():
            if document_of[coding_id] != document:
                continue
            # Committed before the refresh began, and no removal began before it ended.
            committed = [at for at, kind in events if kind == "ok" and at < began]
            if committed and not any(kind == "rm" and max(committed) < at < ended for at, kind in events):
                if coding_id in seen:
                    outcome.others_seen += owner[coding_id] != reader
                else:
                    outcome.stale_reads += 1
                    outcome.stale_examples.append(
                        f"{reader} refreshed document {document} at {began:.6f} without coding {coding_id} "
                        f"of {owner[coding_id]}: {sorted(events)}")


def new_project(url: str, folder: Path, documents: int = 8) -> None:
    """A PostgreSQL project with ``documents`` made-up interviews and the small codebook."""
    from qualcode.services import codebook, corpus
    from qualcode.services.project import create_project
    from tests.conftest import SMALL_BOOK
    from tests.reliability import write_corpus

    store = create_project(url, name="team load")
    try:
        report = corpus.import_paths(store, [write_corpus(folder, documents=documents, turns=12)])
        assert not report.failed, report.failed
        codebook.load_spec(store, SMALL_BOOK)
    finally:
        store.close()


if __name__ == "__main__":
    if sys.argv[1] == "worker":
        worker(sys.argv[2], sys.argv[3], int(sys.argv[4]), float(sys.argv[5]), float(sys.argv[6]))
