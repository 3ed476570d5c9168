"""Hostile input at scale: peak memory of importing one big file, and a long fuzz run.

Memory: each case runs in a fresh process that first opens a project and imports a tiny
file (so every library the import needs is loaded: the floor), then imports one big
file. Printed per case: the file size, the floor, the peak (this process and its
segmentation worker, the larger of the two), and ``ratio`` = (peak - floor) / file size,
the figure the README promises stays below 10.

The same for a .qdpx archive holding the big file as one document: the archive is
written first by the project's own exporter (from a project that imported the file), then
imported as a new project in a fresh process whose floor is a tiny archive's import.

Fuzz: the property tests of tests/test_fuzz.py with many more examples each
(``--fuzz-examples``), printing the cases run, the properties that failed (0; a failure
is a traceback, an undocumented exit code or a refusal that changed the project) and
tracebacks seen (0).

Run: python tests/bench/bench_hostile.py [--sizes 20,50] [--fuzz-examples 2000] [--skip-qdpx]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

TURN = ("Rektor: Vi har en kvalitetsdialog med förvaltningen varje höst och går igenom "
        "betygen, enkäterna och det systematiska kvalitetsarbetet på skolan.\n\n"
        "Intervjuare: Hur ser lärarna på det arbetet?\n\n")

_CHILD = r"""
import json, resource, sys
from pathlib import Path
from qualcode.services import corpus
from qualcode.services.project import create_project
folder, big = Path(sys.argv[1]), Path(sys.argv[2])
(folder / "tiny.txt").write_text("Rektor: Hej.\n\nIntervjuare: Hej.\n", encoding="utf-8")
store = create_project(folder / "bench.qualcode")
corpus.import_paths(store, [folder / "tiny.txt"], language="sv")
floor = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
report = corpus.import_paths(store, [big], language="sv")
own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
store.close()
print(json.dumps({"floor": floor, "own": own, "workers": workers,
                  "failed": [p.reason for p in report.failed]}))
"""


_QDPX_CHILD = r"""
import json, resource, sys
from pathlib import Path
from qualcode.services import exchange
folder, archive, tiny = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
exchange.import_qdpx_as_new(tiny, folder / "tiny-import.qualcode")[0].close()
floor = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
store, report = exchange.import_qdpx_as_new(archive, folder / "big-import.qualcode")
own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
store.close()
print(json.dumps({"floor": floor, "own": own, "workers": workers, "failed": []}))
"""

_QDPX_WRITER = r"""
import sys
from pathlib import Path
from qualcode.services import corpus, exchange
from qualcode.services.project import create_project
for source, archive in ((Path(sys.argv[1]), Path(sys.argv[2])), (Path(sys.argv[3]), Path(sys.argv[4]))):
    store = create_project(archive.with_suffix(".qualcode"))
    corpus.import_paths(store, [source], language="sv")
    exchange.export_qdpx(store, archive)
    store.close()
"""


def measure_qdpx(size: float) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        big, tiny = folder / "big.txt", folder / "tiny.txt"
        write_file(big, size, one_line=False)
        tiny.write_text("Rektor: Hej.\n\nIntervjuare: Hej.\n", encoding="utf-8")
        environment = {**os.environ, "PYTHONPATH": str(REPO), "QUALCODE_MAX_FILE_MB": str(size * 2 + 1)}
        subprocess.run([sys.executable, "-c", _QDPX_WRITER, str(big), str(folder / "big.qdpx"),
                        str(tiny), str(folder / "tiny.qdpx")], env=environment, check=True)
        done = subprocess.run([sys.executable, "-c", _QDPX_CHILD, str(folder), str(folder / "big.qdpx"),
                               str(folder / "tiny.qdpx")], env=environment, capture_output=True,
                              text=True, check=True)
        result = json.loads(done.stdout.strip().splitlines()[-1])
        result["size_mb"] = big.stat().st_size / 1e6
    return result


def write_file(path: Path, megabytes: float, *, one_line: bool) -> None:
    target = int(megabytes * 1_000_000)
    unit = TURN.replace("\n\n", " ") if one_line else TURN
    encoded = unit.encode("utf-8")
    with path.open("wb") as handle:
        written = 0
        while written < target:
            handle.write(encoded)
            written += len(encoded)


def measure(size: float, *, one_line: bool) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        big = folder / ("line.txt" if one_line else "big.txt")
        write_file(big, size, one_line=one_line)
        environment = {**os.environ, "PYTHONPATH": str(REPO), "QUALCODE_MAX_FILE_MB": str(size * 2 + 1)}
        done = subprocess.run([sys.executable, "-c", _CHILD, str(folder), str(big)], env=environment,
                              capture_output=True, text=True, check=True)
        result = json.loads(done.stdout.strip().splitlines()[-1])
        result["size_mb"] = big.stat().st_size / 1e6
    return result


def memory(sizes: list[float], *, qdpx: bool = True) -> None:
    for size in sizes:
        for kind in ("txt", "line", "qdpx") if qdpx else ("txt", "line"):
            name = f"{kind}_{size:g}mb"
            result = measure_qdpx(size) if kind == "qdpx" else measure(size, one_line=kind == "line")
            peak = max(result["own"], result["workers"])
            ratio = (peak - result["floor"]) / result["size_mb"]
            print(f"{name}_floor_mb={result['floor']:.0f} {name}_peak_mb={peak:.0f} "
                  f"{name}_worker_peak_mb={result['workers']:.0f} {name}_ratio={ratio:.1f} "
                  f"{name}_failed={len(result['failed'])}")


def fuzz(examples: int) -> None:
    environment = {**os.environ, "PYTHONPATH": str(REPO), "QUALCODE_FUZZ_EXAMPLES": str(examples),
                   "QUALCODE_FUZZ_RANDOM": "1"}
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           str(REPO / "tests" / "test_fuzz.py")], env=environment, cwd=REPO,
                          capture_output=True, text=True)
    # Ten importer properties, the in-process command line (two thirds as many examples)
    # and a sample through the installed script.
    cases = 10 * examples + max(1, examples * 2 // 3) + int(os.environ.get("QUALCODE_FUZZ_SCRIPT_RUNS", "4"))
    failed = sum(1 for line in done.stdout.splitlines() if line.startswith("FAILED "))
    tracebacks = done.stdout.count("Traceback") + done.stderr.count("Traceback")
    print(f"fuzz_cases={cases} fuzz_properties_failed={failed} fuzz_tracebacks={tracebacks} "
          f"fuzz_exit={done.returncode}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="20,50", help="file sizes in MB, comma-separated")
    parser.add_argument("--fuzz-examples", type=int, default=2000)
    parser.add_argument("--skip-fuzz", action="store_true")
    parser.add_argument("--skip-qdpx", action="store_true")
    args = parser.parse_args()
    memory([float(s) for s in args.sizes.split(",") if s], qdpx=not args.skip_qdpx)
    if not args.skip_fuzz:
        fuzz(args.fuzz_examples)


if __name__ == "__main__":
    main()
