"""Benchmark: crash safety and concurrency, the long forms of tests/test_crash_safety.py
and tests/test_concurrency.py.

Run: ``python tests/bench/bench_reliability.py [--trials 20] [--operations 500]
[--pg postgresql://...]``. Each kind of trial SIGKILLs a real command (folder import,
import-project, a coding loop, a schema upgrade) at a random moment and checks the
project; the concurrency runs have 4 processes code one SQLite file and 8 one
PostgreSQL database. Prints ``name: trials= survived= lost= tracebacks=`` lines and
``all_survived=``. Not collected by pytest.
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repository, for tests.*

from tests import reliability  # noqa: E402
from tests.conftest import INTERVIEW, SMALL_BOOK  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--documents", type=int, default=12)
    parser.add_argument("--operations", type=int, default=500, help="coding operations per process")
    parser.add_argument("--pg", default=None, help="an empty PostgreSQL database for the 8-process run")
    args = parser.parse_args()
    from qualcode.services import codebook, exchange
    from qualcode.storage.store import Store

    rng = random.Random(20)
    tallies: dict[str, reliability.Tally] = {}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        corpus = reliability.write_corpus(work / "corpus", documents=args.documents, turns=160)
        reference = reliability.new_project(work / "reference.qualcode")
        import_s = reliability.timed([reliability.QUALCODE, "import", str(corpus), "--db", str(reference),
                                      "--quiet"], cwd=work)
        shapes = reliability.document_shapes(reference)
        print(f"documents={len(shapes)} import_s={import_s:.1f}")

        tally = tallies.setdefault("import", reliability.Tally())
        for n in range(args.trials):
            reliability.import_trial(tally, corpus, work, n, rng, import_s, shapes)

        qdpx = work / "study.qdpx"
        store = Store.open(reference)
        exchange.export_qdpx(store, qdpx)
        store.close()
        (work / "first").mkdir()
        project_s = reliability.timed([reliability.QUALCODE, "import-project", str(qdpx), "--quiet"],
                                      cwd=work / "first")
        tally = tallies.setdefault("import_project", reliability.Tally())
        for n in range(args.trials):
            reliability.import_project_trial(tally, qdpx, work, n, rng, project_s, len(shapes))

        template = work / "template.qualcode"
        shutil.copy(reference, template)
        store = Store.open(template)
        codebook.load_spec(store, SMALL_BOOK)
        store.close()
        tally = tallies.setdefault("coding", reliability.Tally())
        for n in range(args.trials):
            reliability.coding_trial(tally, template, work, n, rng)

        old = reliability.project_at_0007(reference, work / "old.qualcode")
        probe = work / "probe.qualcode"
        shutil.copy(old, probe)
        upgrade_s = reliability.timed([reliability.QUALCODE, "docs", "--db", str(probe)], cwd=work)
        print(f"upgrade_command_s={upgrade_s:.1f}")
        tally = tallies.setdefault("upgrade", reliability.Tally())
        for n in range(args.trials):
            reliability.upgrade_trial(tally, old, work, n, rng, upgrade_s)

        shared = work / "shared.qualcode"
        shutil.copy(template, shared)
        tallies["sqlite_4_processes"] = _concurrent(str(shared), 4, args.operations)
        if args.pg:
            tallies["postgresql_8_processes"] = _pg(args.pg, work, args.operations)

    for name, tally in tallies.items():
        print(tally.line(name))
        for note in tally.notes[:5]:
            print(f"  {name}: {note}")
    ok = all(t.survived == t.trials and t.lost == 0 and t.tracebacks == 0 and t.orphans == 0
             for t in tallies.values())
    print(f"all_survived={ok}")
    return 0 if ok else 1


def _concurrent(db: str, processes: int, operations: int) -> reliability.Tally:
    """Side-by-side loops; each process is a trial; a lost coding is a committed one missing."""
    from qualcode.storage.store import Store

    started = time.perf_counter()
    results = reliability.side_by_side(db, [f"coder{n}" for n in range(processes)], operations)
    elapsed = time.perf_counter() - started
    store = Store.open(db)
    with store.unit_of_work() as uow:
        names = {c.id: c.name for c in uow.coders.list()}
        found: dict[str, set[int]] = {}
        for c in uow.codings.list():
            found.setdefault(names[c.coder_id], set()).add(c.id)
    store.close()
    tally = reliability.Tally()
    for coder, code, stderr, committed in results:
        issues = [f"{coder} exited {code}"] if code else []
        if "locked" in stderr.lower():
            issues.append(f"{coder} saw 'database is locked'")
        tally.add(issues, lost=len(committed - found.get(coder, set())),
                  tracebacks=int("Traceback" in stderr))
    print(f"concurrent_{processes}_operations={processes * operations} concurrent_{processes}_s={elapsed:.1f}")
    return tally


def _pg(url: str, work: Path, operations: int) -> reliability.Tally:
    from qualcode.services import codebook, corpus
    from qualcode.services.project import create_project

    doc = work / "skola2_rektorer.md"
    doc.write_text(INTERVIEW, encoding="utf-8")
    store = create_project(url, name="team")
    corpus.import_paths(store, [doc])
    codebook.load_spec(store, SMALL_BOOK)
    store.close()
    return _concurrent(url, 8, operations)


if __name__ == "__main__":
    sys.exit(main())
