"""What the demo build costs, and what its double-coding rounds add to it.

The demo is built in tests and by every new user, so its time matters. Three timings,
each in a fresh project in one process:

- ``build_s``: ``build_demo(ready=False)`` (import, codebooks, every coder's codings, the
  rounds replayed with their samples, done marks, clarification memos and adjudication).
- ``floor_s``: the same import and codebooks with every codings file applied directly,
  no samples, no done marks, no adjudication: the least the build could do with the
  same files. ``ratio_to_floor`` is floor over build (1.0: the rounds cost nothing).
- ``report_s``: the README report's agreement section on the built project (six
  agreement runs, the pairs, the disagreements of each round).

CPU seconds (``*_cpu_s``) beside wall seconds: on a shared machine wall time says little.

Run: python tests/bench/bench_demo.py
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def timed(work):  # type: ignore[no-untyped-def]
    start, cpu = time.perf_counter(), time.process_time()
    result = work()
    return result, time.perf_counter() - start, time.process_time() - cpu


def floor(path: Path) -> None:
    from qualcode.services import anchored, codebook, corpus, demo
    from qualcode.services.project import create_project

    folder = REPO / "corpora" / "sbs-demo"
    store = create_project(path)
    try:
        corpus.import_paths(store, sorted(folder.glob("*.md")), speaker_map=folder / "speakers.yaml")
        for slug in demo.SHIPPED_CODEBOOKS:
            codebook.load_file(store, REPO / "codebooks" / f"{slug}.yaml")
        for file in sorted((folder / "codings").rglob("*.yaml")):
            anchored.apply_anchored_file(store, file)
    finally:
        store.close()


def main() -> None:
    from qualcode.services import demo, demo_report

    with tempfile.TemporaryDirectory() as tmp:
        (store, report), build_s, build_cpu = timed(
            lambda: demo.build_demo(Path(tmp) / "demo.qualcode", ready=False))
        try:
            _, report_s, report_cpu = timed(
                lambda: demo_report.agreement_section(store, demo_report.ReportOptions()))
        finally:
            store.close()
        _, floor_s, floor_cpu = timed(lambda: floor(Path(tmp) / "floor.qualcode"))
    print(f"codings={report.codings}")
    print(f"rounds={len(report.rounds)}")
    print(f"decisions={report.decisions}")
    print(f"build_s={build_s:.2f}")
    print(f"build_cpu_s={build_cpu:.2f}")
    print(f"floor_s={floor_s:.2f}")
    print(f"floor_cpu_s={floor_cpu:.2f}")
    print(f"ratio_to_floor={floor_s / build_s:.2f}")
    print(f"report_s={report_s:.2f}")
    print(f"report_cpu_s={report_cpu:.2f}")


if __name__ == "__main__":
    main()
