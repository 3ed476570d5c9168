"""Start-up of the ``qualcode`` console script against ``python -c "import typer"``.

A command's first output is what a researcher waits for: the interpreter, the command
tree, and only then the modules that command uses. Each figure is the median wall time
of the installed script in a fresh process, as a ratio to importing Typer alone in the
same run (the floor of any Typer command line). Targets: ``--help`` <= 2x, ``docs`` and
``retrieve`` <= 4x.

Prints floor_ms, <command>_ms and <command>_ratio for --help, docs, retrieve, compare,
cooccur and export; the floors under any command that reads a project (Typer's run-time
coercion, which imports pydantic, and SQLAlchemy's ORM) as ratios too; then the heavy
modules each command loads.
Run: python tests/bench/bench_startup.py [--repeat N]
"""

from __future__ import annotations

import argparse
import os
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

HEAVY = ("sqlalchemy", "numpy", "scipy", "scipy.stats", "torch", "sklearn", "spacy", "textual", "rich")


def script() -> list[str]:
    """The installed console script (as a user runs it), else ``python -m qualcode``."""
    beside = Path(sys.executable).with_name("qualcode")
    found = str(beside) if beside.exists() else shutil.which("qualcode")
    return [found] if found else [sys.executable, "-m", "qualcode"]


def wall(command: list[str], env: dict[str, str], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


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
        floor = wall([sys.executable, "-c", "import typer"], env, args.repeat)
        print(f"floor_ms={floor * 1000:.0f}")
        # What any command pays before its own work, for reading the ratios: Typer's value
        # coercion (it builds pydantic adapters for a command's parameters) and SQLAlchemy.
        for name, code in (("typer_run", "import typer, typer._adapters"),
                           ("typer_run_sqlalchemy_orm", "import typer, typer._adapters, sqlalchemy.orm")):
            seconds = wall([sys.executable, "-c", code], env, args.repeat)
            print(f"floor_{name}_ms={seconds * 1000:.0f}")
            print(f"floor_{name}_ratio={seconds / floor:.2f}")
        for name, arguments in commands.items():
            if name == "export_quotes":
                Path(tmp, "q.csv").unlink(missing_ok=True)
                arguments = [*arguments, "--force"]
            seconds = wall([*script(), *arguments], env, args.repeat)
            print(f"{name}_ms={seconds * 1000:.0f}")
            print(f"{name}_ratio={seconds / floor:.2f}")
        for name, arguments in commands.items():
            if name in ("help", "docs", "retrieve", "compare"):
                print(f"{name}_heavy_modules={','.join(heavy_modules(arguments, env)) or 'none'}")


if __name__ == "__main__":
    main()
