"""Benchmark: a team of coders on one PostgreSQL project, the long form of tests/test_team_load.py.

Run: ``python tests/bench/bench_team_load.py [--coders 8] [--seconds 120] [--documents 12]
[--pg postgresql://127.0.0.1:5432/test]``. Creates a database on that server, lets each
coder process apply, remove, memo, undo and refresh for the given time, checks the
result (see tests/team_load.py), drops the database and prints ``name=value`` lines:
operations per second, p95 latency per kind of operation, lost updates, stale refreshes,
undos of another coder's change and errors that reached a coder (each must be 0).
Not collected by pytest.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repository, for tests.*

from tests import team_load  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--coders", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=120.0)
    parser.add_argument("--documents", type=int, default=12)
    parser.add_argument("--pg", default="postgresql://127.0.0.1:5432/test",
                        help="a server database used only to create and drop the benchmark's database")
    args = parser.parse_args()
    import psycopg

    name = f"qualcode_bench_team_{uuid.uuid4().hex[:8]}"
    admin = psycopg.connect(args.pg, autocommit=True, connect_timeout=5)
    admin.execute(f'CREATE DATABASE "{name}"')
    url = f"{args.pg.rsplit('/', 1)[0]}/{name}"
    try:
        with tempfile.TemporaryDirectory() as tmp:
            team_load.new_project(url, Path(tmp) / "corpus", documents=args.documents)
        outcome = team_load.run(url, [f"coder{n}" for n in range(args.coders)], args.seconds)
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()
    print(f"coders={outcome.coders}")
    print(f"seconds={outcome.seconds:g}")
    print(f"operations={outcome.operations}")
    print(f"operations_per_s={outcome.operations / outcome.seconds:.1f}")
    for kind in team_load.KINDS:
        print(f"{kind}_count={len(outcome.latencies.get(kind, []))}")
        print(f"{kind}_p95_ms={outcome.p95(kind) * 1000:.1f}")
    print(f"undos={outcome.undos}")
    print(f"refreshes_checked={outcome.refreshes_checked}")
    print(f"others_codings_seen={outcome.others_seen}")
    print(f"lost_updates={outcome.lost_updates}")
    print(f"stale_refreshes={outcome.stale_reads}")
    print(f"foreign_undos={outcome.foreign_undos}")
    print(f"errors_shown={len(outcome.errors)}")
    for error in outcome.errors[:10]:
        print(f"# {error}", file=sys.stderr)
    ok = not (outcome.lost_updates or outcome.stale_reads or outcome.foreign_undos or outcome.errors)
    print(f"all_held={ok}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
