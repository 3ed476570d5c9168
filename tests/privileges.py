"""Running a check as a user whom permission bits stop.

The test suite may run as root, for whom ``chmod 000`` stops nothing. :func:`as_unprivileged`
runs a function in a forked child that has dropped to the ``nobody`` user first, and
hands back its result (or re-raises its exception) in the parent. Modules the function
needs must already be imported: the child may not be able to read the interpreter's
own library folder. Without root the function simply runs here, where the bits apply.
"""

from __future__ import annotations

import os
import pickle
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

import pytest

T = TypeVar("T")
NOBODY = 65534


def as_unprivileged(function: Callable[[], T]) -> T:
    if os.geteuid() != 0:
        return function()
    if not hasattr(os, "fork"):  # pragma: no cover - only POSIX runs this suite as root
        pytest.skip("needs fork() to drop root for a permission check")
    reading, writing = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - runs in the child
        os.close(reading)
        try:
            os.setgroups([])
            os.setgid(NOBODY)
            os.setuid(NOBODY)
            outcome: tuple[bool, object] = (True, function())
        except BaseException as exc:  # handed to the parent, which re-raises it
            outcome = (False, exc)
        try:
            data = pickle.dumps(outcome)
        except Exception as exc:  # an unpicklable result or exception
            data = pickle.dumps((False, RuntimeError(f"{type(exc).__name__}: {exc}")))
        with os.fdopen(writing, "wb") as stream:
            stream.write(data)
        os._exit(0)
    os.close(writing)
    with os.fdopen(reading, "rb") as stream:
        data = stream.read()
    os.waitpid(child, 0)
    ok, value = pickle.loads(data)
    if not ok:
        raise value  # type: ignore[misc]
    return value  # type: ignore[return-value]


@contextmanager
def public_folder() -> Iterator[Path]:
    """A fresh folder the unprivileged child can reach (pytest's tmp folders are 0700)."""
    folder = Path(tempfile.mkdtemp(prefix="qualcode-permissions-"))
    folder.chmod(0o755)
    try:
        yield folder
    finally:
        for root, folders, _ in os.walk(folder):
            for name in folders:
                os.chmod(os.path.join(root, name), 0o755)
        shutil.rmtree(folder, ignore_errors=True)
