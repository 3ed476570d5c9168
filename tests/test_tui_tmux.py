"""The real workbench in a real terminal: started with ``qualcode open`` inside tmux.

Keys go in through tmux, as a user's would (escape sequences, no Pilot), and the
result is checked by opening the project file with the services afterwards.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from qualcode.services import coding, workbench
from qualcode.services.demo import build_demo
from qualcode.storage.store import Store

TMUX = shutil.which("tmux")

pytestmark = [
    pytest.mark.tmux,
    pytest.mark.skipif(TMUX is None, reason="tmux is not installed"),
]


SOCKET = f"qualcode-test-{uuid.uuid4().hex[:8]}"  # a server of our own: no one else's options


def _tmux(*args: str, check: bool = False, env: dict[str, str] | None = None) -> str:
    assert TMUX is not None
    return subprocess.run([TMUX, "-L", SOCKET, "-f", os.devnull, *args], capture_output=True,
                          text=True, check=check, env=env).stdout


def _screen(session: str) -> str:
    return _tmux("capture-pane", "-p", "-t", session)


def _wait_for(session: str, text: str, timeout: float = 30.0) -> str:
    deadline = time.monotonic() + timeout
    screen = ""
    while time.monotonic() < deadline:
        screen = _screen(session)
        if text in screen:
            return screen
        time.sleep(0.1)
    raise AssertionError(f"{text!r} never appeared; the screen was:\n{screen}")


def test_code_a_sentence_in_the_real_app(tmp_path: Path) -> None:
    project = tmp_path / "demo.qualcode"
    store, _ = build_demo(project, ready=False)
    try:
        first = workbench.documents_with_progress(store)[0].document
        sentences = workbench.open_document(store, first.id).sentences
        shortcuts = {c.key: c.shortcut for c, _, _ in workbench.codebooks_with_counts(store)[0].codes}
    finally:
        store.close()
    assert shortcuts["lc.tight"] == "t"
    expected = (sentences[2].start, sentences[2].end)

    session = "workbench"
    command = f"env TERM=xterm-256color {sys.executable} -m qualcode open {project} --coder tmuxer"
    env = {**os.environ, "TERM": "xterm-256color"}
    env.pop("TMUX", None)
    _tmux("new-session", "-d", "-s", session, "-x", "120", "-y", "40", command, check=True, env=env)
    try:
        _wait_for(session, first.name)
        # one burst, as fast typing sends it: the code must land where the cursor ends up
        _tmux("send-keys", "-t", session, "Down", "Down", "t")
        _wait_for(session, "Coded Tight coupling")
        _tmux("send-keys", "-t", session, "q")
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and session in _tmux("list-sessions", "-F", "#{session_name}"):
            time.sleep(0.1)
    finally:
        _tmux("kill-server")

    store = Store.open(project)
    try:
        made = coding.list_codings(store, coder="tmuxer", code="lc.tight")
    finally:
        store.close()
    assert [(c.document_id, c.start, c.end) for c in made] == [(first.id, *expected)]
