"""The workbench's question "did another process change the project?", on both backends."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from qualcode.services import coding, corpus
from qualcode.services.changes import watch_changes
from qualcode.services.coding import Span
from qualcode.storage.store import Store

REPO = Path(__file__).resolve().parents[1]


def _qualcode(*argv: str) -> subprocess.CompletedProcess[str]:
    script = Path(sys.executable).with_name("qualcode")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
    return subprocess.run([str(script), *argv], capture_output=True, text=True, env=env)


def test_a_commit_by_another_process_is_noticed_once(coded_store: Store) -> None:
    watch = watch_changes(coded_store)
    try:
        assert not watch.changed()
        text = corpus.view_document(coded_store, "skola2_rektorer").text
        start = text.index("Lärarna")
        done = _qualcode("code", "apply", "skola2_rektorer", "voice", "--start", str(start), "--end", str(start + 7),
                         "--coder", "bo", "--db", coded_store.location.display())
        assert done.returncode == 0, done.stderr
        assert watch.changed()
        assert not watch.changed()  # told once
        # Reading changes nothing.
        corpus.list_documents(coded_store)
        assert not watch.changed()
        # Our own write, acknowledged, is not someone else's change.
        coding.apply_code(coded_store, "skola2_rektorer", "followup", "anna", Span(start, start + 3))
        watch.seen()
        assert not watch.changed()
    finally:
        watch.close()


def test_a_commit_through_the_watched_store_is_taken_as_its_own(coded_store: Store) -> None:
    """Any write of this program (a screen, a worker) is heard by the watch: no call needed."""
    watch = watch_changes(coded_store)
    try:
        text = corpus.view_document(coded_store, "skola2_rektorer").text
        start = text.index("Lärarna")
        coding.apply_code(coded_store, "skola2_rektorer", "followup", "anna", Span(start, start + 3))
        assert not watch.changed()
    finally:
        watch.close()
    assert coded_store.after_commit == []  # a closed watch listens no more
    coding.apply_code(coded_store, "skola2_rektorer", "voice", "anna", Span(start, start + 3))
