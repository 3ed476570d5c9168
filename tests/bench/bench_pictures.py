"""Coding as a picture on the demo project: each export beside matplotlib saving the
same figure alone.

For each picture (codeline of one document, codes by documents, co-occurrence network)
it prints the time of the whole export (reading the project, drawing, writing the file
atomically) as ``<picture>_export_ms``, the time of ``savefig`` alone on the figure the
exporter drew as ``<picture>_savefig_ms`` (the floor: what matplotlib needs whatever
qualcode does), and their ratio as ``<picture>_ratio``. Median of ``--repeat`` runs.

Run: python tests/bench/bench_pictures.py [--project sbs-demo.qualcode] [--repeat 3] [--format png]
Without --project the demo is built in a temporary folder first (about a minute).
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from qualcode.exporters import coding_pictures  # noqa: E402
from qualcode.exporters.headless import pyplot  # noqa: E402
from qualcode.services import coder_scope, pictures  # noqa: E402
from qualcode.services.project import open_project  # noqa: E402

DOCUMENT, CODEBOOK = "11_rektorer_skola3", "loose-coupling"


def median_ms(action, repeat: int) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def save_ms(fig, fmt: str, dpi: int) -> float:  # type: ignore[no-untyped-def]
    """savefig alone, to memory, on a figure already drawn by the exporter."""
    started = time.perf_counter()
    fig.savefig(io.BytesIO(), format=fmt, dpi=dpi)
    elapsed = (time.perf_counter() - started) * 1000
    pyplot().close(fig)
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--project", type=Path)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--format", default="png", choices=coding_pictures.FORMATS)
    parser.add_argument("--dpi", type=int, default=200)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-pictures-"))
    project = args.project
    if project is None:
        from qualcode.services.demo import build_demo

        started = time.perf_counter()
        store, _ = build_demo(folder / "sbs-demo.qualcode", ready=False)
        store.close()
        project = folder / "sbs-demo.qualcode"
        print(f"demo_build_s={time.perf_counter() - started:.0f}")
    store = open_project(str(project))
    try:
        coders = coder_scope.resolve(store, None).coders
        fmt, dpi = args.format, args.dpi
        cases = {
            "codeline": (
                lambda path: pictures.export_codeline(store, path, DOCUMENT, codebook=CODEBOOK, coders=coders,
                                                      dpi=dpi, overwrite=True),
                lambda: coding_pictures.codeline_figure(pictures.codeline(store, DOCUMENT, codebook=CODEBOOK,
                                                                          coders=coders))),
            "code_matrix": (
                lambda path: pictures.export_code_matrix(store, path, codebook=CODEBOOK, coders=coders, dpi=dpi,
                                                         overwrite=True),
                lambda: coding_pictures.code_matrix_figure(pictures.code_matrix(store, codebook=CODEBOOK,
                                                                                coders=coders))),
            "network": (
                lambda path: pictures.export_network(store, path, codebook=CODEBOOK, coders=coders, dpi=dpi,
                                                     overwrite=True),
                lambda: coding_pictures.network_figure(pictures.code_network(store, codebook=CODEBOOK,
                                                                             coders=coders))),
        }
        for name, (export, figure) in cases.items():
            path = folder / f"{name}.{fmt}"
            export(path)  # warm: imports, fonts, the first query
            export_ms = median_ms(lambda: export(path), args.repeat)  # noqa: B023

            saving = [save_ms(figure(), fmt, dpi) for _ in range(args.repeat)]
            floor_ms = statistics.median(saving)
            print(f"{name}_export_ms={export_ms:.0f}")
            print(f"{name}_savefig_ms={floor_ms:.0f}")
            print(f"{name}_ratio={export_ms / floor_ms:.2f}")
            print(f"{name}_bytes={path.stat().st_size}")
    finally:
        store.close()


if __name__ == "__main__":
    main()
