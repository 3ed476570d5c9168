"""What a user waits for: the installed ``qualcode`` script, run in a fresh process.

A bench times the service call it is about and, beside it, the command a researcher
types, end to end (interpreter, command tree, imports, the work, the output). The
difference is what no inner timing shows.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def script() -> list[str]:
    """The console script next to this interpreter, else ``python -m qualcode``."""
    beside = Path(sys.executable).with_name("qualcode")
    return [str(beside)] if beside.exists() else [sys.executable, "-m", "qualcode"]


def environment() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}


def cli_seconds(*arguments: str, repeat: int = 1, cwd: Path | None = None) -> float:
    """Median wall time of ``qualcode ARGUMENTS`` (output discarded); fails if the command does."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        done = subprocess.run([*script(), *arguments], env=environment(), stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True, cwd=cwd)
        times.append(time.perf_counter() - started)
        if done.returncode != 0:
            raise RuntimeError(f"qualcode {' '.join(arguments)} failed: {done.stderr[-2000:]}")
    return statistics.median(times)
