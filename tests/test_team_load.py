"""Eight coders on one PostgreSQL project at once (the short form of bench_team_load.py).

Each coder is a process applying, removing, memoing, undoing and refreshing through the
service layer; afterwards no update is lost, every refresh saw what had been committed
before it began, every undo reverted its own coder's change, and no error (a
serialisation failure or deadlock among them) reached a coder. Plus a real deadlock,
made on purpose, that the retry turns into two changes that both succeed.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from qualcode.storage.store import RetryableError, Store, retrying
from tests import team_load


@pytest.mark.postgres
def test_eight_coders_lose_nothing_and_see_each_other(pg_url: str, tmp_path: Path) -> None:
    team_load.new_project(pg_url, tmp_path / "corpus", documents=4)
    outcome = team_load.run(pg_url, [f"coder{n}" for n in range(8)], seconds=10)
    assert outcome.errors == []
    assert outcome.lost_updates == 0
    assert outcome.stale_reads == 0
    assert outcome.foreign_undos == 0
    # The run did each kind of work, and refreshes did find other coders' codings.
    assert all(outcome.latencies.get(kind) for kind in team_load.KINDS), outcome.latencies.keys()
    assert outcome.undos > 0 and outcome.others_seen > 0


@pytest.mark.postgres
def test_a_deadlock_is_retried_rather_than_shown(pg_url: str, tmp_path: Path) -> None:
    """Two changes that lock two rows in opposite orders: PostgreSQL cancels one; it runs again."""
    from sqlalchemy import text

    team_load.new_project(pg_url, tmp_path / "corpus", documents=1)
    store = Store.open(pg_url)
    both_hold_one = threading.Barrier(2, timeout=30)
    tries = {"first": 0, "second": 0}

    def change(name: str, order: tuple[int, int]) -> None:
        tries[name] += 1
        with store.unit_of_work() as uow:
            ids = [row[0] for row in uow.session.execute(text("SELECT id FROM codes ORDER BY id LIMIT 2"))]
            uow.session.execute(text("UPDATE codes SET position = position WHERE id = :i"), {"i": ids[order[0]]})
            if tries[name] == 1:
                both_hold_one.wait()
            uow.session.execute(text("UPDATE codes SET position = position WHERE id = :i"), {"i": ids[order[1]]})

    failures: list[BaseException] = []

    def run(name: str, order: tuple[int, int]) -> None:
        try:
            retrying(change)(name, order)
        except BaseException as exc:  # handed to the test thread
            failures.append(exc)

    threads = [threading.Thread(target=run, args=("first", (0, 1))),
               threading.Thread(target=run, args=("second", (1, 0)))]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    finally:
        store.close()
    assert failures == []
    assert sorted(tries.values()) == [1, 2]  # one was cancelled by the deadlock and ran again


def test_a_change_retried_too_often_says_so() -> None:
    calls = []

    def always_cancelled() -> None:
        calls.append(1)
        raise RetryableError("The database asked to try the change again (deadlock detected).")

    with pytest.raises(RetryableError, match="try the change again"):
        retrying(always_cancelled, attempts=3)()
    assert len(calls) == 3
