"""After a bulk write, PostgreSQL plans counts with statistics of the new rows.

Without statistics the planner takes a just-filled table for a few rows and picks a
nested loop that made the code tree's counts five times slower (bench_counts.py); an
import and a large batch of codings therefore leave ANALYZE'd tables behind, and the
tables counts read vacuumed, so that a count can be answered from an index alone.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from qualcode.core.codebook import CodebookSpec, CodeSpec
from qualcode.core.model import CodingOrigin
from qualcode.services import codebook, corpus
from qualcode.services.project import create_project
from qualcode.storage.repositories.codings import ANALYZE_AFTER

pytestmark = pytest.mark.postgres


def analyzed(store, table: str) -> bool:  # type: ignore[no-untyped-def]
    with store.engine.connect() as connection:
        # pg_stats holds a table's column statistics once ANALYZE has sampled it.
        return bool(connection.execute(text(
            "SELECT count(*) FROM pg_stats WHERE schemaname = 'public' AND tablename = :t"),
            {"t": table}).scalar())


def vacuumed_at(store, table: str):  # type: ignore[no-untyped-def]
    with store.engine.connect() as connection:
        return connection.execute(text("SELECT last_vacuum FROM pg_stat_user_tables WHERE relname = :t"),
                                  {"t": table}).scalar()


def vacuumed(store, table: str) -> bool:  # type: ignore[no-untyped-def]
    return vacuumed_at(store, table) is not None


def test_an_import_leaves_its_tables_analyzed(pg_url: str, interview_files: tuple[Path, Path]) -> None:
    store = create_project(pg_url)
    try:
        assert not analyzed(store, "segments")
        report = corpus.import_paths(store, [interview_files[0]])
        assert report.imported and not report.failed
        assert all(analyzed(store, t) for t in ("documents", "turns", "segments", "search_text"))
        assert all(vacuumed(store, t) for t in ("documents", "turns", "segments"))
    finally:
        store.close()


def test_a_large_batch_of_codings_is_analyzed_and_a_small_one_is_not(
        pg_url: str, interview_files: tuple[Path, Path]) -> None:
    store = create_project(pg_url)
    try:
        corpus.import_paths(store, [interview_files[0]])
        with store.unit_of_work() as uow:
            document = uow.documents.list()[0].id
            coder = uow.coders.get_or_create("anna").id
        codebook.load_spec(store, CodebookSpec("b", "B", codes=(CodeSpec("k", "K"),)))
        with store.unit_of_work() as uow:
            code = uow.codebooks.codes()[0].id

        def rows(n: int) -> list[dict]:
            return [{"document_id": document, "code_id": code, "coder_id": coder, "start": 0,
                     "end": 5 + i % 50, "origin": str(CodingOrigin.IMPORTED)} for i in range(n)]

        with store.unit_of_work() as uow:
            uow.codings.add_many(rows(10))
        assert not analyzed(store, "codings")
        before = vacuumed_at(store, "codings")  # the import vacuumed the empty table
        with store.unit_of_work() as uow:
            uow.codings.add_many(rows(10))
        assert vacuumed_at(store, "codings") == before
        with store.unit_of_work() as uow:
            uow.codings.add_many(rows(ANALYZE_AFTER))
        assert analyzed(store, "codings")
        assert vacuumed_at(store, "codings") > before  # after the commit: VACUUM cannot run inside it
        with store.engine.connect() as connection:
            plan = "\n".join(connection.execute(text(
                f"EXPLAIN SELECT count(*) FROM codings WHERE code_id = {code}")).scalars())
        assert "Index Only Scan" in plan, plan
    finally:
        store.close()
