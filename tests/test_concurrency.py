"""Several processes coding one project at once lose nothing and never see "locked".

Short forms of the concurrency proof: 4 processes on one SQLite file, 8 on PostgreSQL,
and 8 processes that all use one brand-new coder name at the same moment.
"""

from __future__ import annotations

import pytest

from qualcode.storage.store import Store
from tests import reliability


def _codings_by_coder(store: Store) -> dict[str, set[int]]:
    with store.unit_of_work() as uow:
        names = {c.id: c.name for c in uow.coders.list()}
        found: dict[str, set[int]] = {}
        for c in uow.codings.list():
            found.setdefault(names[c.coder_id], set()).add(c.id)
    return found


def _run(store: Store, coders: list[str], operations: int) -> None:
    db = store.location.url if store.location.path is None else str(store.location.path)
    results = reliability.side_by_side(db, coders, operations)
    for coder, code, stderr, _ in results:
        assert code == 0 and "Traceback" not in stderr, f"{coder}: {stderr}"
        assert "locked" not in stderr.lower()
    found = _codings_by_coder(store)
    for coder, _, _, committed in results:
        assert found.get(coder, set()) == committed, coder  # nothing lost, nothing extra


def test_four_processes_code_one_sqlite_file(coded_store: Store) -> None:
    if coded_store.location.path is None:
        pytest.skip("the SQLite form")
    _run(coded_store, [f"coder{n}" for n in range(4)], operations=40)


@pytest.mark.postgres
def test_eight_processes_code_one_postgresql_project(pg_url: str, interview_files) -> None:  # type: ignore[no-untyped-def]
    store = _pg_project(pg_url, interview_files)
    try:
        _run(store, [f"coder{n}" for n in range(8)], operations=25)
    finally:
        store.close()


@pytest.mark.postgres
def test_eight_processes_create_one_new_coder_name_at_once(pg_url: str, interview_files) -> None:  # type: ignore[no-untyped-def]
    store = _pg_project(pg_url, interview_files)
    try:
        results = reliability.side_by_side(pg_url, ["newcomer"] * 8, operations=1)
        assert [(code, "Traceback" in err) for _, code, err, _ in results] == [(0, False)] * 8, results
        with store.unit_of_work() as uow:
            assert [c.name for c in uow.coders.list()].count("newcomer") == 1
            assert uow.codings.count() == 8
    finally:
        store.close()


def _pg_project(url: str, interview_files) -> Store:  # type: ignore[no-untyped-def]
    from qualcode.services import codebook, corpus
    from qualcode.services.project import create_project
    from tests.conftest import SMALL_BOOK

    store = create_project(url, name="team")
    doc, speakers = interview_files
    assert not corpus.import_paths(store, [doc], speaker_map=speakers).failed
    codebook.load_spec(store, SMALL_BOOK)
    return store
