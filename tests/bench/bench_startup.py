"""Start-up of the ``qualcode`` console script against ``python -c "import typer"``.

A command's first output is what a researcher waits for: the interpreter, the command
tree, and only then the modules that command uses. Each figure is the median of the
installed script's runs in fresh processes, as a ratio to importing Typer alone (the
floor of any Typer command line), the floor and the commands timed in turn round after
round so that a shared machine's changing load falls on both. Targets: ``--help`` <= 2x,
``docs`` and ``retrieve`` <= 4x. ``docs`` and ``retrieve`` read the current SQLite
project through the light read path (``qualcode/storage/lite_reads.py``), so neither
imports SQLAlchemy; the other commands open the full store.

Prints floor_ms and floor_cpu_ms, then <name>_ms, <name>_ratio (wall) and
<name>_cpu_ratio (CPU seconds of the process, which a busy machine inflates less) for
--help, docs, retrieve, compare, cooccur and export quotes, docs_full and retrieve_full
(the same two on the full store, ``QUALCODE_LITE=0``), and for two floors under a
command: Typer with rich's console, table and panel (what printing costs), and Typer with
SQLAlchemy's ORM (what the full store costs before its first query); then the heavy
modules each of --help, docs, retrieve and compare loads.
Run: python tests/bench/bench_startup.py [--repeat N]

Measured on 2 shared cores, three runs of --repeat 5 at load average 2.3-2.8: docs_ratio
2.16-2.50, retrieve_ratio 2.09-2.56 (cpu ratios 2.1-2.5), docs_full_ratio 7.0-11.3,
retrieve_full_ratio 8.1-10.3, help_ratio 0.9-1.0; before the light read path docs 8.9x
and retrieve 8.6-9.3x. Rich (floor_typer_rich_ratio 1.25-1.45) is most of what is left.
"""

from __future__ import annotations

import argparse
import compileall
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from synthetic import Shape, build  # noqa: E402

from qualcode.services.project import create_project  # noqa: E402

HEAVY = ("sqlalchemy", "pydantic", "numpy", "scipy", "scipy.stats", "torch", "sklearn", "spacy", "textual", "rich")


def script() -> list[str]:
    """The installed console script (as a user runs it), else ``python -m qualcode``."""
    beside = Path(sys.executable).with_name("qualcode")
    found = str(beside) if beside.exists() else shutil.which("qualcode")
    return [found] if found else [sys.executable, "-m", "qualcode"]


def timed(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU seconds (user + system, of the child) of one run of ``command``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL)
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return elapsed, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def measure(runs: dict[str, tuple[list[str], dict[str, str]]], repeat: int) -> dict[str, tuple[float, float]]:
    """Median wall and CPU seconds of each run, taken in turn round after round, so that
    a change of load on a shared machine falls on the floor and the commands alike."""
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in runs}
    for _ in range(repeat):
        for name, (command, env) in runs.items():
            times[name].append(timed(command, env))
    return {name: (statistics.median(w for w, _ in got), statistics.median(c for _, c in got))
            for name, got in times.items()}


def heavy_modules(arguments: list[str], env: dict[str, str]) -> list[str]:
    code = (f"import sys; from qualcode.cli.app import main; main({arguments!r}); "
            f"sys.stderr.write('LOADED ' + ' '.join(m for m in {HEAVY!r} if m in sys.modules) + chr(10))"
            )
    done = subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True, text=True)
    marked = [line for line in done.stderr.splitlines() if line.startswith("LOADED")]
    return marked[-1].split()[1:] if marked else []


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    # An installed qualcode has its bytecode (pip compiles it); a checkout run with
    # PYTHONDONTWRITEBYTECODE would compile every module from source in every run.
    compileall.compile_dir(REPO / "qualcode", quiet=1)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
    with tempfile.TemporaryDirectory() as tmp:
        db = str(Path(tmp) / "bench.qualcode")
        store = create_project(db)
        try:
            build(store, Shape(10, 20, 100, 2_000, seed=3,
                               document_attribute=lambda d: {"school": f"skola {d % 4 + 1}"}))
        finally:
            store.close()
        commands = {
            "help": ["--help"],
            "docs": ["docs", "--db", db],
            "retrieve": ["retrieve", "c01", "--db", db, "--page-size", "5"],
            "compare": ["compare", "bench", "--by", "school", "--db", db],
            "cooccur": ["cooccur", "bench", "--db", db],
            "export_quotes": ["export", "quotes", str(Path(tmp) / "q.csv"), "--db", db, "--quiet"],
        }
        commands["export_quotes"] = [*commands["export_quotes"], "--force"]
        # What a command may pay before its own work, for reading the ratios: rich (tables
        # and panels), and SQLAlchemy's ORM (what the full store loads).
        # docs_full and retrieve_full: the same commands on the full store (QUALCODE_LITE=0).
        full = {**env, "QUALCODE_LITE": "0"}
        runs = {"floor": ([sys.executable, "-c", "import typer"], env),
                "floor_typer_rich": ([sys.executable, "-c", "import typer, rich.console, rich.table, rich.panel"],
                                     env),
                "floor_typer_sqlalchemy_orm": ([sys.executable, "-c", "import typer, sqlalchemy.orm"], env),
                **{name: ([*script(), *arguments], env) for name, arguments in commands.items()},
                **{f"{name}_full": ([*script(), *commands[name]], full) for name in ("docs", "retrieve")}}
        found = measure(runs, args.repeat)
        floor, floor_cpu = found.pop("floor")
        print(f"floor_ms={floor * 1000:.0f}")
        print(f"floor_cpu_ms={floor_cpu * 1000:.0f}")
        for name, (seconds, cpu) in found.items():
            print(f"{name}_ms={seconds * 1000:.0f}")
            print(f"{name}_ratio={seconds / floor:.2f}")
            print(f"{name}_cpu_ratio={cpu / floor_cpu:.2f}")
        for name, arguments in commands.items():
            if name in ("help", "docs", "retrieve", "compare"):
                print(f"{name}_heavy_modules={','.join(heavy_modules(arguments, env)) or 'none'}")


if __name__ == "__main__":
    main()
