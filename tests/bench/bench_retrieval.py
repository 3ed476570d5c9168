"""Retrieval of one code over 1,000,000 codings on 200,000 segments, SQLite and PostgreSQL.

Builds the project through the storage layer directly (importing 200,000 sentences
through spaCy would time the importer, not retrieval), then times the first page of
``retrieve`` and the full count, as the CLI and TUI call them.

Prints per backend: <backend>_first_page_ms, <backend>_count_ms, <backend>_total, and
beside them <backend>_cli_retrieve_ms and <backend>_cli_search_ms: the installed
``qualcode retrieve`` (first page with its total) and ``qualcode search``, end to end.
Run: python tests/bench/bench_retrieval.py [--codings N] [--segments N] [--backends sqlite,postgresql]
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

from qualcode.services import retrieval  # noqa: E402
from qualcode.services.project import create_project  # noqa: E402

CODES = 50
DOCUMENTS = 200


def shape(segments: int, codings: int) -> Shape:
    return Shape(CODES, DOCUMENTS, segments // DOCUMENTS, codings, seed=7,
                 document_attribute=lambda d: {"school": f"skola {d % 4 + 1}"},
                 speaker_attributes={"Rektor": {"role": "rektor"}})


def measure(target: str, name: str, segments: int, codings: int) -> None:
    store = create_project(target)
    try:
        started = time.perf_counter()
        build(store, shape(segments, codings))
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
        db = str(store.location.path or store.location.url)
        seconds = cli_seconds("retrieve", "c07", "--page-size", "50", "--db", db, "--json")
        print(f"{name}_cli_retrieve_ms={seconds * 1000:.0f}")
        seconds = cli_seconds("search", "kvalitetsdialogen", "--limit", "50", "--db", db, "--json")
        print(f"{name}_cli_search_ms={seconds * 1000:.0f}")
    finally:
        store.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--codings", type=int, default=1_000_000)
    parser.add_argument("--segments", type=int, default=200_000)
    parser.add_argument("--backends", default="sqlite,postgresql")
    args = parser.parse_args()
    on_backends(args.backends.split(","),
                lambda target, name: measure(target, name, args.segments, args.codings))


if __name__ == "__main__":
    main()
