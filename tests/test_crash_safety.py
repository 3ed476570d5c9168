"""SIGKILL at random moments loses nothing: folder import, import-project, coding, upgrade.

Three trials of each here; ``tests/bench/bench_reliability.py`` runs twenty or more.
After each kill the project is checked with sqlite3 directly (see ``tests.reliability``).
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from tests import reliability
from tests.conftest import SMALL_BOOK

TRIALS = 3


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, float]:
    """A corpus big enough for the segmentation worker, and a complete import of it."""
    work = tmp_path_factory.mktemp("crash")
    corpus = reliability.write_corpus(work / "corpus", documents=12, turns=160)
    assert sum(p.stat().st_size for p in corpus.iterdir()) > 400_000  # the worker's threshold
    reference = reliability.new_project(work / "reference.qualcode")
    duration = reliability.timed([reliability.QUALCODE, "import", str(corpus), "--db", str(reference),
                                  "--quiet"], cwd=work)
    return corpus, reference, duration


def test_killed_folder_imports_leave_whole_documents_and_no_worker(imported, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    corpus, reference, duration = imported
    shapes = reliability.document_shapes(reference)
    assert len(shapes) == 12
    tally = reliability.Tally()
    rng = random.Random(1)
    for number in range(TRIALS):
        reliability.import_trial(tally, corpus, tmp_path, number, rng, duration, shapes)
    assert (tally.survived, tally.lost, tally.tracebacks, tally.orphans) == (TRIALS, 0, 0, 0), tally.notes


def test_segmentation_workers_end_with_a_killed_import(imported, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    corpus, _, _ = imported
    db = reliability.new_project(tmp_path / "workers.qualcode")
    children, survivors = reliability.kill_once_children_run(
        [reliability.QUALCODE, "import", str(corpus), "--db", str(db), "--quiet"], cwd=tmp_path)
    assert children, "the import started no segmentation worker"
    assert survivors == set()


def test_killed_import_project_leaves_no_half_file(imported, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from qualcode.services import exchange
    from qualcode.storage.store import Store

    _, reference, _ = imported
    qdpx = tmp_path / "study.qdpx"
    store = Store.open(reference)
    exchange.export_qdpx(store, qdpx)
    store.close()
    first = tmp_path / "first"
    first.mkdir()
    duration = reliability.timed([reliability.QUALCODE, "import-project", str(qdpx), "--quiet"], cwd=first)
    tally = reliability.Tally()
    rng = random.Random(2)
    for number in range(TRIALS):
        reliability.import_project_trial(tally, qdpx, tmp_path, number, rng, duration, documents=12)
    assert (tally.survived, tally.lost, tally.tracebacks) == (TRIALS, 0, 0), tally.notes


def test_killed_coding_loops_lose_no_committed_coding(imported, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from qualcode.services import codebook
    from qualcode.storage.store import Store

    _, reference, _ = imported
    template = tmp_path / "template.qualcode"
    store = Store.open(reference)
    store.close()
    import shutil

    shutil.copy(reference, template)
    store = Store.open(template)
    codebook.load_spec(store, SMALL_BOOK)
    store.close()
    tally = reliability.Tally()
    rng = random.Random(3)
    for number in range(TRIALS):
        reliability.coding_trial(tally, template, tmp_path, number, rng)
    assert (tally.survived, tally.lost, tally.tracebacks) == (TRIALS, 0, 0), tally.notes


def test_killed_schema_upgrades_keep_every_row(imported, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _, reference, _ = imported
    old = reliability.project_at_0007(reference, tmp_path / "old.qualcode")
    probe = tmp_path / "probe.qualcode"
    import shutil

    shutil.copy(old, probe)
    duration = reliability.timed([reliability.QUALCODE, "docs", "--db", str(probe)], cwd=tmp_path)
    tally = reliability.Tally()
    rng = random.Random(4)
    for number in range(TRIALS):
        reliability.upgrade_trial(tally, old, tmp_path, number, rng, duration)
    assert (tally.survived, tally.lost, tally.tracebacks) == (TRIALS, 0, 0), tally.notes
